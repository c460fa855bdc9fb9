"""Appeals: decided by someone else; overturning reverses actions, cancels strikes and delists every subject."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from floodwatch.govern import cases
from floodwatch.govern.appeals import decide_appeal, delistings, file_appeal, list_appeals
from floodwatch.govern.audit import verify
from floodwatch.govern.cases import SubjectRef, open_case, start_review
from floodwatch.govern.db import transaction
from floodwatch.govern.enforcement import ActionSpec, decide, list_actions, live_points, subject_status
from floodwatch.govern.errors import GovernanceError, InvalidTransitionError, PermissionDeniedError
from floodwatch.govern.events import EventLog
from floodwatch.govern.policy import Policy
from tests.govern.conftest import T0

U1, U2 = SubjectRef("account", "weibo", "u1"), SubjectRef("account", "weibo", "u2")
POST = SubjectRef("post", "weibo", "p1")


def decided_case(engine: Engine, policy: Policy, outcome: str = "violation") -> str:
    with transaction(engine) as s:
        case = open_case(s, "ana", policy, title="t", subjects=[U1, U2, POST], violation="doxxing", now=T0)
        start_review(s, case.id, "ben", now=T0)
        specs = [ActionSpec("suspend", U1), ActionSpec("restrict_posting", U2), ActionSpec("remove_content", POST)]
        decide(
            s,
            case.id,
            "ben",
            policy,
            outcome=outcome,
            reason="r",
            actions=specs if outcome == "violation" else None,
            now=T0,
        )
        return case.id


def test_overturning_undoes_everything_and_delists_every_subject(engine: Engine, policy: Policy) -> None:
    case_id = decided_case(engine, policy)
    day = T0 + timedelta(days=1)
    with transaction(engine) as s:
        appeal = file_appeal(s, case_id, "clerk", policy, grounds="not my post", appellant="u1", now=day)
        assert cases.load_case(EventLog(s), case_id).state == "appealed"
        assert live_points(s, U1, policy, day) == 8
    with transaction(engine) as s:
        appeal, case = decide_appeal(s, appeal.id, "dee", outcome="overturned", reason="a forged screenshot", now=day)
        states = {a.subject.key if a.subject else "": a.state for a in list_actions(s)}
        delisted = delistings(s)
        status = subject_status(s, U1, policy, day)
        history = [e.type for e in EventLog(s).read(case_id)]
        assert verify(s).ok
    assert (appeal.state, appeal.decided_by) == ("overturned", "dee") and len(appeal.reversed_actions) == 3
    assert (case.state, case.resolution) == ("closed", f"appeal {appeal.id} overturned")
    assert set(states.values()) == {"reversed"}  # the pending suspension and the two live actions
    assert sorted(e.subject or "" for e in delisted) == sorted(s.key for s in (U1, U2, POST))
    assert {e.payload["reason_code"] for e in delisted} == {"appeal_overturned"}
    assert status == {"subject": U1.key, "points": 0, "in_force": []}
    assert history.count("case.decided") == 1 and history.count("strike.cancelled") == 2  # nothing erased


def test_upholding_keeps_the_actions(engine: Engine, policy: Policy) -> None:
    case_id = decided_case(engine, policy)
    with transaction(engine) as s:
        appeal = file_appeal(s, case_id, "u2", policy, grounds="too harsh", now=T0)
        _, case = decide_appeal(s, appeal.id, "dee", outcome="upheld", reason="the evidence holds", now=T0)
        assert delistings(s) == [] and case.state == "closed"
        assert {a.state for a in list_actions(s)} == {"active", "pending_approval"}
        assert [a.id for a in list_appeals(s, ["upheld"])] == [appeal.id]


def test_only_someone_else_decides_an_appeal(engine: Engine, policy: Policy) -> None:
    case_id = decided_case(engine, policy)
    with transaction(engine) as s:
        appeal = file_appeal(s, case_id, "u1", policy, grounds="g", now=T0)
        with pytest.raises(PermissionDeniedError, match="ben decided case C-1: an appeal must be decided by someone"):
            decide_appeal(s, appeal.id, "ben", outcome="overturned", reason="r")
        with pytest.raises(PermissionDeniedError, match="u1 filed appeal AP-1"):
            decide_appeal(s, appeal.id, "u1", outcome="overturned", reason="r")
        with pytest.raises(GovernanceError, match="upheld or overturned"):
            decide_appeal(s, appeal.id, "dee", outcome="maybe", reason="r")
        decide_appeal(s, appeal.id, "dee", outcome="upheld", reason="r")
        with pytest.raises(InvalidTransitionError, match="already upheld"):
            decide_appeal(s, appeal.id, "eve", outcome="overturned", reason="r")


def test_appeals_have_a_window_and_a_subject(engine: Engine, policy: Policy) -> None:
    case_id = decided_case(engine, policy)
    late = T0 + timedelta(days=policy.appeal_window_days, seconds=1)
    with pytest.raises(InvalidTransitionError, match="appeal window of case C-1 closed"), transaction(engine) as s:
        file_appeal(s, case_id, "u1", policy, grounds="g", now=late)
    cleared = decided_case(engine, policy, outcome="no_violation")
    with pytest.raises(InvalidTransitionError, match="nothing to appeal"), transaction(engine) as s:
        file_appeal(s, cleared, "u1", policy, grounds="g", now=T0)
    with pytest.raises(GovernanceError, match="needs grounds"), transaction(engine) as s:
        file_appeal(s, case_id, "u1", policy, grounds="", now=T0)
