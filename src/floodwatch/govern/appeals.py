"""Appeals: a decided case is appealed, and someone other than its decider upholds or overturns the decision.

An appeal is a stream (`AP-1`, ...): filed ──► upheld | overturned. Filing moves the case to `appealed`; the
decision closes it. Overturning reverses every pending or active action of the case (`action.reversed`), cancels
its strikes (`strike.cancelled`) and emits one `delist` event per subject, which the blacklist federation applies
on every tenant. Nothing is deleted: the original decision stays in the log, followed by what undid it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from floodwatch.govern.cases import Case, append_case, expect_state, load_case, now_or
from floodwatch.govern.enforcement import load_action, reverse
from floodwatch.govern.errors import GovernanceError, InvalidTransitionError, PermissionDeniedError
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.policy import Policy

KIND = "appeal"
PREFIX = "AP"
OUTCOMES = ("upheld", "overturned")
DELIST = "delist"


@dataclass
class Appeal:
    id: str
    version: int = 0
    case_id: str = ""
    state: str = "filed"
    appellant: str = ""
    grounds: str = ""
    filed_at: datetime | None = None
    due: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    reversed_actions: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def fold_appeal(appeal_id: str, events: Sequence[Event]) -> Appeal:
    appeal = Appeal(appeal_id)
    for e in events:
        p = e.payload
        appeal.version = e.version
        appeal.events.append(e)
        if e.type == "appeal.filed":
            appeal.case_id, appeal.appellant, appeal.grounds = p["case"], p["appellant"], p["grounds"]
            appeal.filed_at, appeal.due = e.time, datetime.fromisoformat(p["due"])
        elif e.type == "appeal.decided":
            appeal.state, appeal.decided_by, appeal.decided_at, appeal.reason = p["outcome"], e.actor, e.time, e.reason
            appeal.reversed_actions = list(p.get("reversed_actions", []))
    return appeal


def load_appeal(log: EventLog, appeal_id: str) -> Appeal:
    log.require(appeal_id, KIND, "appeal")
    return fold_appeal(appeal_id, log.read(appeal_id))


def list_appeals(session: Session, states: Sequence[str] | None = None) -> list[Appeal]:
    log = EventLog(session)
    ids = [row.id for row in log.streams(KIND, states)]
    return [fold_appeal(i, events) for i, events in log.read_many(ids).items()]


def file_appeal(
    session: Session,
    case_id: str,
    actor: str,
    policy: Policy,
    *,
    grounds: str,
    appellant: str | None = None,
    now: datetime | None = None,
) -> Appeal:
    """Appeal a decided case within the policy's appeal window; `actor` records it for `appellant` (default: actor)."""
    if not grounds.strip():
        raise GovernanceError("an appeal needs grounds")
    moment = now_or(now)
    log = EventLog(session)
    case = load_case(log, case_id)
    expect_state(case, ("decided",), "appeal")
    if case.outcome != "violation":
        raise InvalidTransitionError(f"case {case.id} found no violation: there is nothing to appeal")
    assert case.decided_at is not None
    window_end = case.decided_at + timedelta(days=policy.appeal_window_days)
    if moment > window_end:
        raise InvalidTransitionError(
            f"the appeal window of case {case.id} closed on {window_end:%Y-%m-%d %H:%M} UTC "
            f"({policy.appeal_window_days} days after the decision)"
        )
    appeal = Appeal(log.new_stream_id(KIND, PREFIX))
    payload = {
        "case": case.id,
        "appellant": appellant or actor,
        "grounds": grounds,
        "due": moment + timedelta(days=policy.appeal_decision_days),
    }
    event = log.append(appeal.id, KIND, "appeal.filed", actor, payload, expected_version=0, state="filed", now=moment)
    append_case(log, case, "case.appealed", actor, {"appeal": appeal.id}, "appealed", moment)
    return fold_appeal(appeal.id, [event])


def decide_appeal(
    session: Session,
    appeal_id: str,
    decider: str,
    *,
    outcome: str,
    reason: str,
    now: datetime | None = None,
) -> tuple[Appeal, Case]:
    """Uphold or overturn. The decider must be neither the case's decider nor the appellant."""
    if outcome not in OUTCOMES:
        raise GovernanceError(f"an appeal is {' or '.join(OUTCOMES)}, got {outcome!r}")
    if not reason.strip():
        raise GovernanceError("an appeal decision needs a reason")
    moment = now_or(now)
    log = EventLog(session)
    appeal = load_appeal(log, appeal_id)
    if appeal.state != "filed":
        raise InvalidTransitionError(f"appeal {appeal.id} was already {appeal.state}")
    case = load_case(log, appeal.case_id)
    if decider == case.decided_by:
        raise PermissionDeniedError(f"{decider} decided case {case.id}: an appeal must be decided by someone else")
    if decider == appeal.appellant:
        raise PermissionDeniedError(f"{decider} filed appeal {appeal.id} and cannot decide it")
    reversed_ids: list[str] = []
    if outcome == "overturned":
        reversed_ids = _undo(session, log, case, appeal, decider, reason, moment)
    payload = {"case": case.id, "outcome": outcome, "reversed_actions": reversed_ids}
    event = log.append(
        appeal.id,
        KIND,
        "appeal.decided",
        decider,
        payload,
        expected_version=appeal.version,
        state=outcome,
        reason=reason,
        now=moment,
    )
    case = load_case(log, case.id)
    case = append_case(
        log,
        case,
        "case.appeal_resolved",
        decider,
        {"appeal": appeal.id, "outcome": outcome},
        "closed",
        moment,
        reason=reason,
    )
    return fold_appeal(appeal.id, [*appeal.events, event]), case


def _undo(
    session: Session, log: EventLog, case: Case, appeal: Appeal, actor: str, reason: str, moment: datetime
) -> list[str]:
    """Reverse the case's live actions, cancel its strikes, delist its subjects; return the reversed action ids."""
    reversed_ids = []
    for action_id in case.actions:
        action = load_action(log, action_id)
        if action.state in ("pending_approval", "active"):
            reverse(session, action_id, actor, f"appeal {appeal.id} overturned: {reason}", moment, appeal=appeal.id)
            reversed_ids.append(action_id)
    for subject_key, points in case.strikes.items():
        case = append_case(
            log,
            case,
            "strike.cancelled",
            actor,
            {"points": points, "appeal": appeal.id},
            case.state,
            moment,
            subject=subject_key,
        )
    for subject in case.subjects:
        log.append(
            appeal.id,
            KIND,
            DELIST,
            actor,
            {"case": case.id, "appeal": appeal.id, "subject": subject.to_dict(), "reason_code": "appeal_overturned"},
            expected_version=appeal.version,
            state="filed",
            subject=subject.key,
            now=moment,
        )
        appeal.version += 1
    return reversed_ids


def delistings(session: Session, since: datetime | None = None) -> list[Event]:
    """Every `delist` event (for the blacklist federation), oldest first."""
    return EventLog(session).find(types=[DELIST], since=since)
