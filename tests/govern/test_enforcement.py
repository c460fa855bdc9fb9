"""Enforcement: actions from the ladder, the four-eyes rule, expiry computed from events, an idempotent tick,
and two reviewers racing to decide one case."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from floodwatch.govern import cases
from floodwatch.govern.audit import verify
from floodwatch.govern.cases import SubjectRef, open_case, start_review
from floodwatch.govern.db import transaction
from floodwatch.govern.enforcement import (
    ActionSpec,
    approve,
    decide,
    list_actions,
    live_points,
    reject,
    subject_status,
    tick,
)
from floodwatch.govern.errors import ConflictError, GovernanceError, InvalidTransitionError, PermissionDeniedError
from floodwatch.govern.events import EventLog
from floodwatch.govern.models import EventRow
from floodwatch.govern.policy import Policy
from tests.govern.conftest import T0

U1 = SubjectRef("account", "weibo", "u1")
POST = SubjectRef("post", "weibo", "p1")


def reviewed_case(engine: Engine, policy: Policy, subjects: list[SubjectRef], violation: str = "doxxing") -> str:
    with transaction(engine) as s:
        case = open_case(s, "ana", policy, title="t", subjects=subjects, violation=violation, now=T0)
        start_review(s, case.id, "ben", now=T0)
        return case.id


def test_a_violation_records_strikes_and_applies_the_recommended_actions(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1, POST], "cyber_violence")  # high: 4 points
    with transaction(engine) as s:
        decision = decide(s, case_id, "ben", policy, outcome="violation", reason="pile-on", now=T0)
        points = live_points(s, U1, policy, T0)
    taken = {(a.action, a.subject.key if a.subject else None, a.state) for a in decision.actions}
    assert taken == {("limit_reach", U1.key, "active"), ("remove_content", POST.key, "active")}
    assert points == policy.severities["high"]
    assert decision.case.strikes == {U1.key: 4} and decision.case.actions == [a.id for a in decision.actions]
    limit = next(a for a in decision.actions if a.action == "limit_reach")
    assert limit.expires_at == T0 + timedelta(days=policy.actions["limit_reach"].days or 0)


def test_severe_actions_wait_for_a_second_person(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1])
    with transaction(engine) as s:
        decision = decide(
            s,
            case_id,
            "ben",
            policy,
            outcome="violation",
            reason="posted an ID number",
            actions=[ActionSpec("suspend", U1)],
            now=T0,
        )
        (suspend,) = decision.actions
        assert suspend.state == "pending_approval" and not suspend.in_force(T0)
        with pytest.raises(PermissionDeniedError, match="second person"):
            approve(s, suspend.id, "ben", now=T0)
        later = T0 + timedelta(hours=2)
        approved = approve(s, suspend.id, "cy", now=later)
        with pytest.raises(InvalidTransitionError, match="not waiting for approval"):
            approve(s, suspend.id, "dee", now=later)
    assert (approved.state, approved.approved_by) == ("active", "cy")
    assert approved.expires_at == later + timedelta(days=30)  # the clock starts when it takes effect
    assert approved.in_force(later) and not approved.in_force(later + timedelta(days=30))


def test_a_rejected_proposal_never_takes_effect(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1])
    with transaction(engine) as s:
        decision = decide(
            s,
            case_id,
            "ben",
            policy,
            outcome="violation",
            reason="r",
            actions=[ActionSpec("close_account", U1)],
            now=T0,
        )
        rejected = reject(s, decision.actions[0].id, "cy", "too harsh for a first strike", now=T0)
        status = subject_status(s, U1, policy, T0)
    assert rejected.state == "rejected" and status["in_force"] == [] and status["points"] == 8


def test_explicit_actions_are_checked_against_the_policy(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1, POST])
    cases_of_error = [
        ([ActionSpec("remove_content", U1)], "remove_content applies to post, url, not to the account u1"),
        ([ActionSpec("warning", U1, days=3)], "warning is not timed"),
        ([ActionSpec("ban", U1)], "unknown action 'ban'"),
        ([ActionSpec("suspend", U1, days=0)], "days must be positive"),
        ([ActionSpec("warning", SubjectRef("account", "weibo", "bystander"))], "not a subject of case"),
    ]
    for specs, message in cases_of_error:
        with pytest.raises(GovernanceError, match=message), transaction(engine) as s:
            decide(s, case_id, "ben", policy, outcome="violation", reason="r", actions=specs, now=T0)
    with pytest.raises(GovernanceError, match="takes no actions"), transaction(engine) as s:
        decide(s, case_id, "ben", policy, outcome="no_violation", reason="r", actions=[ActionSpec("warning", U1)])
    with pytest.raises(GovernanceError, match="needs a reason"), transaction(engine) as s:
        decide(s, case_id, "ben", policy, outcome="violation", reason=" ")
    with transaction(engine) as s:  # every refusal rolled back whole
        assert cases.load_case(EventLog(s), case_id).state == "in_review"
        assert list_actions(s) == []


def test_no_action_falls_on_the_person_harmed(engine: Engine, policy: Policy) -> None:
    victim = SubjectRef("account", "weibo", "victim")
    with transaction(engine) as s:
        case = open_case(s, "ana", policy, title="t", subjects=[U1], protected=[victim], violation="doxxing", now=T0)
        start_review(s, case.id, "ben", now=T0)
    with pytest.raises(GovernanceError, match="was harmed"), transaction(engine) as s:
        decide(s, case.id, "ben", policy, outcome="violation", reason="r", actions=[ActionSpec("warning", victim)])


def test_timed_actions_expire_by_the_events_and_tick_records_it_once(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1])
    with transaction(engine) as s:
        decision = decide(
            s,
            case_id,
            "ben",
            policy,
            outcome="violation",
            reason="r",
            actions=[ActionSpec("restrict_posting", U1, days=3), ActionSpec("warning", U1)],
            now=T0,
        )
    restrict = next(a for a in decision.actions if a.action == "restrict_posting")
    due = T0 + timedelta(days=3)
    with transaction(engine) as s:
        assert tick(s, policy, due - timedelta(seconds=1)).expired == []
        assert subject_status(s, U1, policy, due)["in_force"] == ["warning"]  # already over, before any tick
    with transaction(engine) as s:
        first = tick(s, policy, due)
    with transaction(engine) as s:
        second = tick(s, policy, due)
        third = tick(s, policy, due + timedelta(days=400))
        states = {a.id: a.state for a in list_actions(s)}
        expired = EventLog(s).read(restrict.id)[-1]
    assert first.expired == [restrict.id] and second.changes == 0 and third.changes == 0
    assert states[restrict.id] == "expired" and expired.type == "action.expired" and expired.time == due


def test_strikes_decay(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1], "rumor_spreading")
    with transaction(engine) as s:
        decide(s, case_id, "ben", policy, outcome="violation", reason="r", now=T0)
        assert live_points(s, U1, policy, T0 + timedelta(days=policy.decay_days - 1)) == 2
        assert live_points(s, U1, policy, T0 + timedelta(days=policy.decay_days)) == 0


def test_tick_flags_overdue_cases_once(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1])
    late = T0 + timedelta(days=policy.decision_days)
    with transaction(engine) as s:
        assert tick(s, policy, late - timedelta(minutes=1)).overdue_cases == []
        assert tick(s, policy, late).overdue_cases == [case_id]
        assert tick(s, policy, late + timedelta(days=1)).changes == 0


def test_a_stale_decision_is_a_conflict(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1])
    with transaction(engine) as s:
        seen = cases.load_case(EventLog(s), case_id).version
        cases.add_note(s, case_id, "cy", "wait, these are two people")
    with pytest.raises(ConflictError, match=r"case\.noted by cy"), transaction(engine) as s:
        decide(s, case_id, "ben", policy, outcome="no_violation", reason="r", expected_version=seen)


def test_two_reviewers_deciding_at_once_one_wins_and_no_event_is_lost(engine: Engine, policy: Policy) -> None:
    case_id = reviewed_case(engine, policy, [U1, POST])
    with transaction(engine) as s:
        seen = cases.load_case(EventLog(s), case_id).version  # both reviewers have the case on screen
        before = s.scalar(select(func.count()).select_from(EventRow))
    start = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def reviewer(name: str, verdict: str) -> None:
        start.wait()
        try:
            with transaction(engine) as s:
                decide(s, case_id, name, policy, outcome=verdict, reason=name, expected_version=seen)
                time.sleep(0.3)  # hold the transaction open so the other reviewer really overlaps it
            outcome[name] = "won"
        except ConflictError as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=reviewer, args=a) for a in (("ben", "violation"), ("cy", "no_violation"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [n for n, r in outcome.items() if r == "won"]
    losers = [r for r in outcome.values() if isinstance(r, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, outcome
    assert "reload it and" in str(losers[0]) and "nothing was written" in str(losers[0])
    with transaction(engine) as s:
        case = cases.load_case(EventLog(s), case_id)
        after = s.scalar(select(func.count()).select_from(EventRow))
        assert verify(s).ok
    assert case.decided_by == winners[0] and [e.type for e in case.events].count("case.decided") == 1
    written = {"ben": 1 + 1 + 2 + 1, "cy": 1}[winners[0]]  # decided, a strike, two actions, the actions list
    assert after == (before or 0) + written
