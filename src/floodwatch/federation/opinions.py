"""Opinions on blacklist entries, and when a consuming platform acts on an entry.

As in ThreatExchange: each member platform may hold one opinion on an entry — positive (we see the same
violation), negative (we think it is wrong) or investigation (looking into it). The submitter's own opinion is
positive. Positive and negative opinions together make the entry *disputed*. Each consumer decides for itself how
much agreement it needs before it acts automatically, and whether a disputed entry is enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Opinion(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    INVESTIGATION = "investigation"


class Standing(StrEnum):
    CONFIRMED = "confirmed"  # positive opinions only
    DISPUTED = "disputed"  # positive and negative opinions
    REJECTED = "rejected"  # no positive opinion left: even the submitter has withdrawn it


@dataclass(frozen=True)
class OpinionSummary:
    positive: frozenset[str]
    negative: frozenset[str]
    investigating: frozenset[str]

    @property
    def standing(self) -> Standing:
        if not self.positive:
            return Standing.REJECTED
        return Standing.DISPUTED if self.negative else Standing.CONFIRMED


def summarise(submitter: str, opinions: Mapping[str, Opinion]) -> OpinionSummary:
    """Opinions by platform; the submitter's counts as positive unless it has since said otherwise."""
    held = {submitter: Opinion.POSITIVE, **opinions}
    return OpinionSummary(
        positive=frozenset(p for p, o in held.items() if o is Opinion.POSITIVE),
        negative=frozenset(p for p, o in held.items() if o is Opinion.NEGATIVE),
        investigating=frozenset(p for p, o in held.items() if o is Opinion.INVESTIGATION),
    )


@dataclass(frozen=True)
class ConsumerPolicy:
    """When one platform acts automatically on entries others submitted."""

    min_agreeing: int = 1  # platforms with a positive opinion
    act_on_disputed: bool = False
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        if self.min_agreeing < 1:
            raise ValueError("min_agreeing must be at least 1")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError("min_confidence must be within [0, 1]")


def should_act(summary: OpinionSummary, policy: ConsumerPolicy, confidence: float) -> bool:
    if summary.standing is Standing.REJECTED:
        return False
    if summary.standing is Standing.DISPUTED and not policy.act_on_disputed:
        return False
    return len(summary.positive) >= policy.min_agreeing and confidence >= policy.min_confidence
