"""Cases: opened from findings with their evidence snapshotted, or by hand; the state machine; merging."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from floodwatch.govern import cases
from floodwatch.govern.audit import verify
from floodwatch.govern.cases import SubjectRef, open_case, open_from_findings, start_review
from floodwatch.govern.db import transaction
from floodwatch.govern.enforcement import decide
from floodwatch.govern.errors import GovernanceError, InvalidTransitionError, NotFoundError
from floodwatch.govern.events import EventLog
from floodwatch.govern.models import EventRow, StreamRow
from floodwatch.govern.policy import Policy
from tests.govern.conftest import T0, finding_record


def test_findings_open_one_case_each_with_the_evidence_snapshotted(engine: Engine, policy: Policy) -> None:
    first, second = finding_record(["a1", "a2", "a3"]), finding_record(["b1", "b2"], platform="douyin", cluster="c2")
    original = copy.deepcopy(first)
    with transaction(engine) as s:
        report = open_from_findings(s, "ana", policy, [first, second], now=T0)
    assert report.opened == ["C-1", "C-2"] and not report.skipped
    first["evidence"]["posts"].append("edited later")  # type: ignore[index]
    with transaction(engine) as s:
        case = cases.load_case(EventLog(s), "C-1")
    assert case.findings == [original]  # the case keeps the evidence as it was
    assert [s.key for s in case.subjects] == ["account:weibo:a1", "account:weibo:a2", "account:weibo:a3"]
    assert case.violation == "coordinated_inauthentic_behaviour"
    assert case.severity == policy.violations["coordinated_inauthentic_behaviour"].severity
    assert case.due == T0 + timedelta(days=policy.decision_days)
    assert (case.state, case.opened_by) == ("open", "ana")


def test_importing_the_same_findings_again_opens_nothing(engine: Engine, policy: Policy) -> None:
    records = [finding_record(["a1", "a2"]), finding_record(["x"], kind="hot_spot"), {"kind": "nonsense"}]
    with transaction(engine) as s:
        first = open_from_findings(s, "ana", policy, records, now=T0)
    with transaction(engine) as s:
        again = open_from_findings(s, "ana", policy, records, now=T0)
    assert first.opened == ["C-1"]
    reasons = dict(first.skipped)
    assert "no violation type of the policy covers finding kind 'hot_spot'" in reasons[str(records[1]["id"])]
    assert "not a finding record" in reasons["?"]
    assert again.opened == [] and dict(again.skipped)[str(records[0]["id"])] == "already in case C-1"


def test_the_person_harmed_is_protected_and_other_subject_kinds_stay_evidence(engine: Engine, policy: Policy) -> None:
    pile_on = finding_record(["victim", "troll1", "troll2"], kind="pile_on", cluster="p")
    pile_on["evidence"]["target"] = {"platform": "weibo", "account_id": "victim", "posts": []}  # type: ignore[index]
    doxxing = finding_record(["poster", "person"], kind="doxxing", cluster="d")
    doxxing["evidence"]["target"] = "person"  # type: ignore[index]
    rumor = finding_record(["spreader"], kind="rumor_match", cluster="r")
    rumor["subjects"].insert(0, {"kind": "claim", "platform": None, "id": "claim-7"})  # type: ignore[attr-defined]
    only_claim = finding_record([], kind="rumor_match", cluster="c")
    only_claim["subjects"] = [{"kind": "claim", "platform": None, "id": "claim-8"}]
    with transaction(engine) as s:
        report = open_from_findings(s, "ana", policy, [pile_on, doxxing, rumor, only_claim], now=T0)
        opened = [cases.load_case(EventLog(s), c) for c in report.opened]
        start_review(s, "C-1", "ben", now=T0)
        decision = decide(s, "C-1", "ben", policy, outcome="violation", reason="pile-on", now=T0)
    bullied, doxxed, rumored = opened
    assert [x.id for x in bullied.subjects] == ["troll1", "troll2"] and [x.id for x in bullied.protected] == ["victim"]
    assert [x.id for x in doxxed.subjects] == ["poster"] and [x.id for x in doxxed.protected] == ["person"]
    assert [x.key for x in rumored.subjects] == ["account:weibo:spreader"]
    assert rumored.findings[0]["subjects"][0]["kind"] == "claim"  # kept in the evidence
    assert "no account, post, url or platform to act on" in dict(report.skipped)[str(only_claim["id"])]
    assert "victim" not in {a.subject.id for a in decision.actions if a.subject}
    assert set(decision.case.strikes) == {"account:weibo:troll1", "account:weibo:troll2"}


def test_a_forced_violation_maps_any_finding(engine: Engine, policy: Policy) -> None:
    with transaction(engine) as s:
        report = open_from_findings(
            s, "ana", policy, [finding_record(["x"], kind="hot_spot")], violation="rumor_spreading", severity="low"
        )
        case = cases.load_case(EventLog(s), report.opened[0])
    assert (case.violation, case.severity) == ("rumor_spreading", "low")


@given(
    st.sampled_from(["account", "post", "url", "platform"]),
    st.one_of(st.none(), st.text(st.characters(blacklist_characters=":*"), min_size=1, max_size=8)),
    st.text(min_size=1, max_size=30),
)
def test_subject_keys_round_trip(kind: str, platform: str | None, ident: str) -> None:
    subject = SubjectRef(kind, platform, ident)
    assert SubjectRef.parse(subject.key) == subject


def test_a_case_by_hand_walks_the_state_machine(engine: Engine, policy: Policy) -> None:
    subjects = [SubjectRef.parse(k) for k in ("account:x:u9", "post:x:p1", "url:*:https://shop.example/a?b=1")]
    with transaction(engine) as s:
        case = open_case(s, "ana", policy, title="by hand", subjects=subjects, violation="traffic_diversion_fraud")
        with pytest.raises(InvalidTransitionError, match="cannot decide case C-1: it is open"):
            decide(s, case.id, "ana", policy, outcome="no_violation", reason="x")
        cases.assign(s, case.id, "ana", "ben")
        cases.start_review(s, case.id, "ben")
        cases.add_note(s, case.id, "ben", "shop links in every post")
        with pytest.raises(InvalidTransitionError, match="start reviewing"):
            cases.start_review(s, case.id, "ben")
        decide(s, case.id, "ben", policy, outcome="no_violation", reason="a real shop")
        cases.close(s, case.id, "ben", "no violation")
        with pytest.raises(InvalidTransitionError, match="it is closed"):
            cases.assign(s, case.id, "ana", "cy")
        case = cases.load_case(EventLog(s), case.id)
        stored = s.get(StreamRow, case.id)
    assert [s.key for s in case.subjects] == [s.key for s in subjects]
    assert (case.state, case.assignee, case.reviewer, case.outcome) == ("closed", "ben", "ben", "no_violation")
    assert [n.text for n in case.notes] == ["shop links in every post"]
    assert [e.type for e in case.events] == [
        "case.opened",
        "case.assigned",
        "case.review_started",
        "case.noted",
        "case.decided",
        "case.closed",
    ]
    assert stored is not None and (stored.state, stored.version) == (case.state, case.version)


def test_bad_input_is_refused_with_reasons(engine: Engine, policy: Policy) -> None:
    with transaction(engine) as s:
        with pytest.raises(GovernanceError, match="unknown violation 'spam'"):
            open_case(s, "a", policy, title="t", subjects=[SubjectRef("account", "x", "1")], violation="spam")
        with pytest.raises(GovernanceError, match="at least one subject"):
            open_case(s, "a", policy, title="t", subjects=[], violation="doxxing")
        with pytest.raises(NotFoundError, match="no case 'C-99'"):
            cases.add_note(s, "C-99", "a", "hi")
    with pytest.raises(GovernanceError, match="unknown subject kind 'user'"):
        SubjectRef.parse("user:x:1")


def test_merging_a_duplicate_moves_its_subjects_and_evidence(engine: Engine, policy: Policy) -> None:
    duplicate = finding_record(["a2", "a3"], cluster="c9")
    with transaction(engine) as s:
        open_from_findings(s, "ana", policy, [finding_record(["a1", "a2"]), duplicate], now=T0)
        target = cases.merge(s, "C-2", "C-1", "ben", now=T0)
        with pytest.raises(InvalidTransitionError, match="cannot merge case C-2: it is closed"):
            cases.merge(s, "C-2", "C-1", "ben")
        with pytest.raises(GovernanceError, match="into itself"):
            cases.merge(s, "C-1", "C-1", "ben")
        source = cases.load_case(EventLog(s), "C-2")
        again = open_from_findings(s, "ana", policy, [duplicate])
        listed = cases.list_cases(s, ["open"])
    assert [s.id for s in target.subjects] == ["a1", "a2", "a3"]
    assert [f["id"] for f in target.findings][1] == duplicate["id"] and target.merged_from == ["C-2"]
    assert (source.state, source.merged_into, source.resolution) == ("closed", "C-1", "merged into C-1")
    assert dict(again.skipped)[str(duplicate["id"])] == "already in case C-2"
    assert [c.id for c in listed] == ["C-1"]


def test_nothing_is_ever_deleted_and_the_chain_holds(engine: Engine, policy: Policy) -> None:
    counts = []
    with transaction(engine) as s:
        open_from_findings(s, "ana", policy, [finding_record(["a"]), finding_record(["b"], cluster="z")], now=T0)
        counts.append(s.scalar(select(func.count()).select_from(EventRow)))
        cases.merge(s, "C-2", "C-1", "ana")
        counts.append(s.scalar(select(func.count()).select_from(EventRow)))
        cases.set_deadline(s, "C-1", "ana", T0 + timedelta(days=9))
        counts.append(s.scalar(select(func.count()).select_from(EventRow)))
        assert cases.load_case(EventLog(s), "C-1").due == T0 + timedelta(days=9)
        assert cases.list_cases(s, assignee="nobody") == []
    with transaction(engine) as s:
        assert verify(s).ok
    assert counts == [2, 4, 5]
