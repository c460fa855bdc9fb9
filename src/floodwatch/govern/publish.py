"""Typical cases for publication: an anonymised summary of a decided case, recorded as a `case.published` event.

What is published: the violation and its description, severity, platforms, how many accounts/posts/links were
involved, the evidence period (dates only), what the detectors saw (their explanations, with every subject id
replaced by a label such as "account A" and personal data masked by floodwatch.detect.pii), the actions taken
by type, and whether an appeal changed anything. Never published: account or post ids, names, notes, reviewers.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from string import ascii_uppercase
from typing import Any

from sqlalchemy.orm import Session

from floodwatch.detect.pii import redact
from floodwatch.govern.cases import Case, SubjectRef, append_case, load_case, now_or
from floodwatch.govern.enforcement import load_action
from floodwatch.govern.errors import InvalidTransitionError
from floodwatch.govern.events import EventLog
from floodwatch.govern.policy import Policy

MENTION = re.compile(r"(?<![\w.])@[\w.\-]+")  # a handle, not the @ of an e-mail address


def _label(index: int, kind: str) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = ascii_uppercase[rest] + letters
    return f"{kind} {letters}"


def anonymise(text: str, subjects: list[SubjectRef]) -> str:
    """Subject ids become labels (longest first, so `u12` is not half-replaced by `u1`), @handles go, PII is masked."""
    labels = {s.id: _label(i, s.kind) for i, s in enumerate(subjects) if s.kind in ("account", "post", "url")}
    for ident in sorted(labels, key=len, reverse=True):
        text = text.replace(ident, labels[ident])
    return MENTION.sub("@[account]", redact(text))


def _evidence_period(case: Case) -> list[str] | None:
    """First and last day of the evidence (dates only: the hour could help re-identify someone)."""
    starts = [datetime.fromisoformat(f["start"]) for f in case.findings if f.get("start")]
    ends = [datetime.fromisoformat(f["end"]) for f in case.findings if f.get("end")]
    if not starts or not ends:
        return None
    return [min(starts).date().isoformat(), max(ends).date().isoformat()]


def typical_case_summary(log: EventLog, case: Case, policy: Policy) -> dict[str, Any]:
    actions = [load_action(log, a) for a in case.actions]
    kinds = Counter(s.kind for s in case.subjects)
    violation = case.violation or ""
    rule = policy.violations.get(violation)
    return {
        "case": case.id,
        "violation": violation,
        "violation_description": rule.description if rule else "",
        "severity": case.severity,
        "platforms": case.platforms,
        "subjects": dict(sorted(kinds.items())),
        "evidence_period": _evidence_period(case),
        "what_was_found": [
            anonymise(str(f.get("explanation", "")), [*case.subjects, *case.protected]) for f in case.findings
        ],
        "actions": dict(sorted(Counter(a.action for a in actions).items())),
        "actions_reversed": sum(a.state == "reversed" for a in actions),
        "appealed": bool(case.appeals),
        "decided_on": case.decided_at.date().isoformat() if case.decided_at else None,
    }


def publish_typical_case(
    session: Session, case_id: str, actor: str, policy: Policy, now: datetime | None = None
) -> dict[str, Any]:
    """Publish a decided violation as a typical case; the summary is kept in the event and returned."""
    log = EventLog(session)
    case = load_case(log, case_id)
    if case.outcome != "violation" or case.state not in ("decided", "closed"):
        raise InvalidTransitionError(f"only a decided violation can be published; case {case.id} is {case.state}")
    if case.resolution and "overturned" in case.resolution:
        raise InvalidTransitionError(f"case {case.id} was overturned on appeal: it is not a typical case")
    if case.published:
        raise InvalidTransitionError(f"case {case.id} is already published")
    summary = typical_case_summary(log, case, policy)
    append_case(log, case, "case.published", actor, {"summary": summary}, case.state, now_or(now))
    return summary
