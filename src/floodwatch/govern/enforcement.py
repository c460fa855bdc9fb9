"""Enforcement: decisions, actions on the ladder, strikes, the four-eyes rule, expiry, and `tick`.

An action is a stream of its own (`A-1`, ...):

    proposed (pending_approval) ──approve (another person)──► active ──expire / reverse──► expired / reversed
    applied (no approval needed) ──────────────────────────────┘
    pending_approval ──reject / reverse──► rejected / reversed

A timed action (restrict_posting 7 days, suspend 30 days, ...) is in force from the moment it became active
until `days` later; that is computed from its events, so it holds even before `tick` records the expiry.
Strikes are events on the case stream (`strike.recorded`, subject = the account) and count for the policy's
decay_days unless the case's decision is overturned (`strike.cancelled`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from floodwatch.govern.cases import (
    OUTCOMES,
    Case,
    SubjectRef,
    append_case,
    expect_state,
    list_cases,
    load_case,
    now_or,
)
from floodwatch.govern.errors import ConflictError, GovernanceError, InvalidTransitionError, PermissionDeniedError
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.policy import Policy

KIND = "action"
PREFIX = "A"
STATES = ("pending_approval", "active", "expired", "reversed", "rejected")
SYSTEM_ACTOR = "floodwatch"


@dataclass
class Action:
    """An enforcement action as its events make it."""

    id: str
    version: int = 0
    case_id: str = ""
    action: str = ""
    subject: SubjectRef | None = None
    days: int | None = None
    state: str = "pending_approval"
    proposed_by: str = ""
    proposed_at: datetime | None = None
    approved_by: str | None = None
    active_from: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    policy_ref: str | None = None
    events: list[Event] = field(default_factory=list)

    @property
    def expires_at(self) -> datetime | None:
        if self.active_from is None or self.days is None:
            return None
        return self.active_from + timedelta(days=self.days)

    def in_force(self, now: datetime) -> bool:
        return self.state == "active" and (self.expires_at is None or now < self.expires_at)


def fold_action(action_id: str, events: Sequence[Event]) -> Action:
    action = Action(action_id)
    for e in events:
        p = e.payload
        action.version = e.version
        action.events.append(e)
        if e.type in ("action.proposed", "action.applied"):
            action.case_id, action.action, action.days = p["case"], p["action"], p.get("days")
            action.subject = SubjectRef.from_dict(p["subject"])
            action.proposed_by, action.proposed_at, action.policy_ref = e.actor, e.time, e.policy_ref
            if e.type == "action.applied":
                action.state, action.active_from = "active", e.time
        elif e.type == "action.approved":
            action.state, action.approved_by, action.active_from = "active", e.actor, e.time
        elif e.type in ("action.expired", "action.reversed", "action.rejected"):
            action.state = {"action.expired": "expired", "action.reversed": "reversed"}.get(e.type, "rejected")
            action.ended_at, action.end_reason = e.time, e.reason
    return action


def load_action(log: EventLog, action_id: str) -> Action:
    log.require(action_id, KIND, "action")
    return fold_action(action_id, log.read(action_id))


def list_actions(session: Session, states: Sequence[str] | None = None) -> list[Action]:
    log = EventLog(session)
    ids = [row.id for row in log.streams(KIND, states)]
    return [fold_action(i, events) for i, events in log.read_many(ids).items()]


def actions_on(session: Session, subject: SubjectRef) -> list[Action]:
    """Every action ever taken on a subject, oldest first."""
    log = EventLog(session)
    ids = [e.stream for e in log.find(types=["action.proposed", "action.applied"], subject=subject.key)]
    return [fold_action(i, events) for i, events in log.read_many(ids).items()]


def _append_action(
    log: EventLog, action: Action, type: str, actor: str, state: str, now: datetime, **kwargs: Any
) -> Action:
    event = log.append(
        action.id,
        KIND,
        type,
        actor,
        kwargs.pop("payload", {}),
        expected_version=action.version,
        state=state,
        now=now,
        subject=action.subject.key if action.subject else None,
        **kwargs,
    )
    return fold_action(action.id, [*action.events, event])


def live_points(session: Session, subject: SubjectRef, policy: Policy, now: datetime) -> int:
    """The subject's strike points that still count: recorded within decay_days and not cancelled."""
    events = EventLog(session).find(types=["strike.recorded", "strike.cancelled"], subject=subject.key)
    cancelled = {e.stream for e in events if e.type == "strike.cancelled"}
    since = now - timedelta(days=policy.decay_days)
    return sum(
        int(e.payload["points"])
        for e in events
        if e.type == "strike.recorded" and e.stream not in cancelled and since < e.time <= now
    )


@dataclass(frozen=True)
class ActionSpec:
    """One action to take on one subject; `days` None takes the policy's."""

    action: str
    subject: SubjectRef
    days: int | None = None


def recommend(session: Session, case: Case, policy: Policy, now: datetime | None = None) -> list[ActionSpec]:
    """What the ladder gives: per account, the rung its live points plus this case's reach; posts and URLs removed."""
    moment = now_or(now)
    points = policy.severities[case.severity]
    specs: list[ActionSpec] = []
    for subject in case.subjects:
        if subject.kind == "account":
            action = policy.action_for_points(live_points(session, subject, policy, moment) + points)
            if action is not None:
                specs.append(ActionSpec(action, subject))
        elif subject.kind in ("post", "url"):
            specs.append(ActionSpec("remove_content", subject))
    return specs


def _check_spec(spec: ActionSpec, policy: Policy) -> int | None:
    rule = policy.actions.get(spec.action)
    if rule is None:
        raise GovernanceError(f"unknown action {spec.action!r} (the ladder is: {', '.join(policy.actions)})")
    if spec.subject.kind not in rule.subjects:
        raise GovernanceError(
            f"{spec.action} applies to {', '.join(rule.subjects)}, not to the {spec.subject.kind} {spec.subject.id}"
        )
    if spec.days is not None and rule.days is None:
        raise GovernanceError(f"{spec.action} is not timed: it takes no days")
    if spec.days is not None and spec.days <= 0:
        raise GovernanceError(f"{spec.action}: days must be positive, got {spec.days}")
    return spec.days if spec.days is not None else rule.days


def _open_action(log: EventLog, case: Case, spec: ActionSpec, actor: str, policy: Policy, now: datetime) -> Action:
    days = _check_spec(spec, policy)
    rule = policy.actions[spec.action]
    action = Action(log.new_stream_id(KIND, PREFIX), subject=spec.subject)
    payload = {
        "case": case.id,
        "action": spec.action,
        "subject": spec.subject.to_dict(),
        "days": days,
        "requires_approval": rule.requires_approval,
    }
    if rule.requires_approval:
        return _append_action(
            log,
            action,
            "action.proposed",
            actor,
            "pending_approval",
            now,
            payload=payload,
            policy_ref=policy.ref(f"actions.{spec.action}"),
        )
    return _append_action(
        log,
        action,
        "action.applied",
        actor,
        "active",
        now,
        payload=payload,
        policy_ref=policy.ref(f"actions.{spec.action}"),
    )


@dataclass
class Decision:
    case: Case
    actions: list[Action]


def decide(
    session: Session,
    case_id: str,
    decider: str,
    policy: Policy,
    *,
    outcome: str,
    reason: str,
    actions: Sequence[ActionSpec] | None = None,
    violation: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Decide a case under review.

    A violation records strikes on every account subject and takes `actions` (default: what `recommend` gives);
    severe actions wait for a second person's approval. `expected_version` is the case version the decider saw:
    if someone decided (or changed) the case meanwhile, ConflictError and nothing is written.
    """
    if outcome not in OUTCOMES:
        raise GovernanceError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if not reason.strip():
        raise GovernanceError("a decision needs a reason (it is shown to the account holder and on appeal)")
    moment = now_or(now)
    log = EventLog(session)
    case = load_case(log, case_id)
    if expected_version is not None and expected_version != case.version:
        last = case.events[-1]
        raise ConflictError(
            f"case {case.id} changed since you read it (version {expected_version}, now {case.version}: "
            f"{last.type} by {last.actor}): reload it and decide again; nothing was written"
        )
    expect_state(case, ("in_review",), "decide")
    chosen = violation or case.violation
    if outcome == "violation" and chosen not in policy.violations:
        raise GovernanceError(f"name the violation: one of {', '.join(policy.violations)}")
    specs = (
        list(actions)
        if actions is not None
        else (recommend(session, case, policy, moment) if outcome == "violation" else [])
    )
    if outcome == "no_violation" and specs:
        raise GovernanceError("a decision of no violation takes no actions")
    for spec in specs:
        _check_spec(spec, policy)
        _check_target(spec, case)
    decided = append_case(
        log,
        case,
        "case.decided",
        decider,
        {"outcome": outcome, "violation": chosen if outcome == "violation" else None},
        "decided",
        moment,
        reason=reason,
        policy_ref=policy.ref(f"violations.{chosen}") if outcome == "violation" else None,
    )
    if outcome == "violation":
        points = policy.severities[case.severity]
        for subject in case.subjects:
            if subject.kind == "account":
                decided = append_case(
                    log,
                    decided,
                    "strike.recorded",
                    decider,
                    {"points": points, "severity": case.severity},
                    "decided",
                    moment,
                    subject=subject.key,
                    policy_ref=policy.ref(f"severities.{case.severity}"),
                )
    taken = [_open_action(log, decided, spec, decider, policy, moment) for spec in specs]
    action_ids = [a.id for a in taken]
    if action_ids:
        decided = append_case(log, decided, "case.actions_added", decider, {"actions": action_ids}, "decided", moment)
    return Decision(decided, taken)


def _check_target(spec: ActionSpec, case: Case) -> None:
    """Due process: an action falls only on a subject of the case (whose evidence is in it), never on a person
    the findings say was harmed."""
    if spec.subject.key in {p.key for p in case.protected}:
        raise GovernanceError(f"{spec.subject.key} was harmed in case {case.id}: no action may fall on them")
    if spec.subject.key not in {s.key for s in case.subjects}:
        raise GovernanceError(
            f"{spec.subject.key} is not a subject of case {case.id}: add it to the case with its evidence first"
        )


def approve(session: Session, action_id: str, approver: str, reason: str = "", now: datetime | None = None) -> Action:
    """The second person's yes to a severe action: the action takes effect now."""
    log = EventLog(session)
    action = load_action(log, action_id)
    if action.state != "pending_approval":
        raise InvalidTransitionError(f"action {action_id} is {action.state}, not waiting for approval")
    if approver == action.proposed_by:
        raise PermissionDeniedError(
            f"{action.action} on {action.subject.key if action.subject else '?'} was proposed by {approver}: "
            "severe actions need a second person's approval"
        )
    return _append_action(log, action, "action.approved", approver, "active", now_or(now), reason=reason or None)


def reject(session: Session, action_id: str, approver: str, reason: str, now: datetime | None = None) -> Action:
    log = EventLog(session)
    action = load_action(log, action_id)
    if action.state != "pending_approval":
        raise InvalidTransitionError(f"action {action_id} is {action.state}, not waiting for approval")
    if approver == action.proposed_by:
        raise PermissionDeniedError(f"action {action_id} was proposed by {approver}: another person must review it")
    return _append_action(log, action, "action.rejected", approver, "rejected", now_or(now), reason=reason)


def reverse(
    session: Session, action_id: str, actor: str, reason: str, now: datetime | None = None, **payload: Any
) -> Action:
    """Undo an action that is pending or in force; an expired, rejected or reversed one is left as it is."""
    log = EventLog(session)
    action = load_action(log, action_id)
    if action.state not in ("pending_approval", "active"):
        raise InvalidTransitionError(f"action {action_id} is {action.state}: nothing to reverse")
    return _append_action(
        log, action, "action.reversed", actor, "reversed", now_or(now), reason=reason, payload=payload
    )


@dataclass
class TickReport:
    expired: list[str] = field(default_factory=list)
    overdue_cases: list[str] = field(default_factory=list)
    escalated_notices: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.expired) + len(self.overdue_cases) + len(self.escalated_notices)


def tick(session: Session, policy: Policy, now: datetime | None = None, actor: str = SYSTEM_ACTOR) -> TickReport:
    """Record the transitions that are due at `now`: expired actions, overdue cases, late notices.

    Idempotent: a second tick at the same moment finds nothing left to do.
    """
    from floodwatch.govern.oversight import escalate_late  # oversight builds on cases; imported late, one way

    moment = now_or(now)
    report = TickReport()
    log = EventLog(session)
    for action in list_actions(session, ["active"]):
        expires = action.expires_at
        if expires is not None and moment >= expires:
            _append_action(
                log,
                action,
                "action.expired",
                actor,
                "expired",
                moment,
                payload={"expired_at": expires},
                reason=f"{action.days} days elapsed",
            )
            report.expired.append(action.id)
    for case in list_cases(session, ["open", "in_review"]):
        if case.overdue(moment) and not case.overdue_recorded:
            append_case(log, case, "case.overdue", actor, {"due": case.due}, case.state, moment)
            report.overdue_cases.append(case.id)
    report.escalated_notices = escalate_late(session, policy, moment, actor)
    return report


def subject_status(
    session: Session, subject: SubjectRef, policy: Policy, now: datetime | None = None
) -> Mapping[str, Any]:
    """What applies to a subject now: its live strike points and the actions in force."""
    moment = now_or(now)
    return {
        "subject": subject.key,
        "points": live_points(session, subject, policy, moment),
        "in_force": [a.action for a in actions_on(session, subject) if a.in_force(moment)],
    }
