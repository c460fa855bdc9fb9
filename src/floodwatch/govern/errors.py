"""The errors governance raises: each says what was refused and why, in words a reviewer can act on."""

from __future__ import annotations


class GovernanceError(Exception):
    """A governance step that was refused; the message is meant for the person who asked."""


class NotFoundError(GovernanceError):
    """No case, action, appeal, notice, platform or campaign by that id."""


class InvalidTransitionError(GovernanceError):
    """The step does not apply in the current state (deciding a closed case, approving a live action...)."""


class PermissionDeniedError(GovernanceError):
    """The step needs another person (four-eyes rule, appeals decided by someone else)."""


class ConflictError(GovernanceError):
    """Someone else changed the record since it was read: reload and try again. Nothing was written."""
