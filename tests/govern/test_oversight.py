"""Oversight: the platform registry, notices that escalate when answered late, and per-platform figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from floodwatch.govern.cases import SubjectRef, open_case, open_from_findings, start_review
from floodwatch.govern.db import transaction
from floodwatch.govern.enforcement import decide, tick
from floodwatch.govern.errors import GovernanceError, InvalidTransitionError, NotFoundError
from floodwatch.govern.events import EventLog
from floodwatch.govern.oversight import (
    issue_notice,
    list_notices,
    list_platforms,
    load_notice,
    platform_figures,
    register_platform,
    respond,
)
from floodwatch.govern.policy import Policy
from tests.govern.conftest import T0, finding_record


def test_the_registry_refuses_duplicates_and_unknown_platforms(engine: Engine, policy: Policy) -> None:
    with transaction(engine) as s:
        register_platform(s, "ana", "weibo", "Weibo", "ops@weibo.example", now=T0)
        with pytest.raises(GovernanceError, match="already registered"):
            register_platform(s, "ana", "weibo", "Weibo again")
        with pytest.raises(GovernanceError, match="platform 'forum-b' is not registered"):
            issue_notice(s, "ana", policy, platform="forum-b", kind="reminder", about="x")
        with pytest.raises(GovernanceError, match="unknown notice kind 'warning'"):
            issue_notice(s, "ana", policy, platform="weibo", kind="warning", about="x")
        with pytest.raises(NotFoundError, match="no case 'C-4'"):
            issue_notice(s, "ana", policy, platform="weibo", kind="reminder", about="x", cases=["C-4"])
        assert [(p.slug, p.name) for p in list_platforms(s)] == [("weibo", "Weibo")]


def test_an_unanswered_notice_climbs_the_ladder_one_level_per_late_deadline(engine: Engine, policy: Policy) -> None:
    with transaction(engine) as s:
        register_platform(s, "ana", "forum-a", "Forum A", now=T0)
        notice = issue_notice(s, "ana", policy, platform="forum-a", kind="reminder", about="rumor wave", now=T0)
    moment = notice.deadline
    assert moment == T0 + timedelta(days=policy.notice_days["reminder"])
    kinds = []
    for _ in range(3):
        assert moment is not None
        with transaction(engine) as s:
            assert tick(s, policy, moment - timedelta(seconds=1)).escalated_notices == []
            assert tick(s, policy, moment).escalated_notices == [notice.id]
            assert tick(s, policy, moment).changes == 0  # idempotent
            current = load_notice(EventLog(s), notice.id)
        kinds.append((current.kind, current.state))
        if current.state == "issued":
            assert current.deadline == moment + timedelta(days=policy.notice_days[current.kind])
        moment = current.deadline
    assert kinds == [("interview", "issued"), ("rectification_order", "issued"), ("rectification_order", "referred")]
    with pytest.raises(InvalidTransitionError, match="referred"), transaction(engine) as s:
        respond(s, notice.id, "forum-a", "sorry")


def test_responses_stop_the_ladder_and_feed_the_figures(engine: Engine, policy: Policy) -> None:
    with transaction(engine) as s:
        register_platform(s, "ana", "weibo", "Weibo", now=T0)
        register_platform(s, "ana", "douyin", "Douyin", now=T0)
        opened = open_from_findings(
            s,
            "ana",
            policy,
            [
                finding_record(["a1", "a2", "a3"]),
                finding_record(["r1"], kind="rumor_match", cluster="r"),
                finding_record(["d1", "d2"], platform="douyin", cluster="d"),
            ],
            now=T0,
        )
        start_review(s, opened.opened[0], "ben", now=T0)
        decide(s, opened.opened[0], "ben", policy, outcome="violation", reason="r", now=T0)
        on_time = issue_notice(s, "ana", policy, platform="weibo", kind="interview", about="a", now=T0)
        respond(s, on_time.id, "weibo-ops", "accounts closed", now=T0 + timedelta(hours=30))
        late = issue_notice(s, "ana", policy, platform="weibo", kind="reminder", about="b", now=T0)
        answered = respond(s, late.id, "weibo-ops", "late", now=T0 + timedelta(days=8))
        issue_notice(s, "ana", policy, platform="douyin", kind="reminder", about="c", now=T0)
        assert tick(s, policy, T0 + timedelta(days=8)).escalated_notices == ["N-3"]
        open_case(
            s,
            "ana",
            policy,
            title="t",
            subjects=[SubjectRef("url", None, "https://x.example")],
            violation="rumor_spreading",
            now=T0,
        )
        figures = {f.platform: f for f in platform_figures(s, policy, now=T0 + timedelta(days=8))}
        given = {f.platform: f for f in platform_figures(s, policy, findings=[finding_record(["z"], platform="x")])}
        assert [n.id for n in list_notices(s, platform="weibo")] == ["N-1", "N-2"]
    assert answered.responses[0]["late"] is True
    weibo, douyin = figures["weibo"], figures["douyin"]
    assert (weibo.findings, weibo.rumor_findings, weibo.coordinated_accounts) == (2, 1, 3)
    assert (weibo.cases_opened, weibo.cases_open, weibo.violations_found) == (2, 1, 1)
    assert (weibo.notices, weibo.notices_late, weibo.median_hours_to_response) == (2, 1, (30 + 192) / 2)
    assert (douyin.findings, douyin.coordinated_accounts, douyin.notices, douyin.notices_late) == (1, 2, 1, 1)
    assert douyin.median_hours_to_response is None and weibo.registered and douyin.registered
    assert given["x"].findings == 1 and not given["x"].registered and given["weibo"].findings == 0
