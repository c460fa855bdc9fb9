"""Campaigns: figures counted from the event log within the period and scope; typical cases published anonymised."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from floodwatch.govern import cases
from floodwatch.govern.appeals import decide_appeal, file_appeal
from floodwatch.govern.campaigns import campaign_stats, create_campaign, list_campaigns
from floodwatch.govern.cases import SubjectRef, open_case, open_from_findings, start_review
from floodwatch.govern.db import transaction
from floodwatch.govern.enforcement import ActionSpec, approve, decide
from floodwatch.govern.errors import GovernanceError, InvalidTransitionError
from floodwatch.govern.events import EventLog
from floodwatch.govern.policy import Policy
from floodwatch.govern.publish import publish_typical_case
from tests.govern.conftest import T0, finding_record

START, END = T0 + timedelta(days=1), T0 + timedelta(days=31)


def rumor(accounts: list[str], platform: str = "weibo", cluster: str = "r") -> dict[str, object]:
    return finding_record(accounts, platform=platform, kind="rumor_match", cluster=cluster)


def test_the_figures_count_what_happened_in_period_and_scope(engine: Engine, policy: Policy) -> None:
    day = START + timedelta(days=2)
    a = [SubjectRef("account", "weibo", f"a{i}") for i in range(4)]
    post = SubjectRef("post", "weibo", "p1")
    first = rumor(["a0", "a1", "a2"], cluster="r1")  # actions fall only on a case's own subjects
    first["subjects"].append(post.to_dict())  # type: ignore[attr-defined]
    with transaction(engine) as s:
        create_campaign(
            s,
            "office",
            policy,
            slug="summer-rumors",
            name="Summer rumor clean-up",
            start=START,
            end=END,
            platforms=["weibo"],
            violations=["rumor_spreading", "cyber_violence"],
            targets="flood rumors",
            now=T0,
        )
        open_from_findings(s, "ana", policy, [rumor(["x0"], cluster="before")], now=T0)  # C-1: before the period
        opened = open_from_findings(
            s,
            "ana",
            policy,
            [
                first,
                rumor(["a2", "a3"], cluster="r2"),
                rumor(["d1"], platform="douyin", cluster="r3"),
                finding_record(["w1"], cluster="cib"),
            ],
            now=day,
        ).opened
        assert opened == ["C-2", "C-3", "C-4", "C-5"]  # C-4 is on douyin, C-5 is another violation: out of scope
        bully = open_case(s, "ana", policy, title="t", subjects=[a[0]], violation="cyber_violence", now=day)
        start_review(s, "C-2", "ben", now=day)
        specs = [
            ActionSpec("warning", a[0]),
            ActionSpec("restrict_posting", a[1]),
            ActionSpec("remove_content", post),
            ActionSpec("suspend", a[2]),
        ]
        decision = decide(s, "C-2", "ben", policy, outcome="violation", reason="r", actions=specs, now=day)
        approve(s, decision.actions[-1].id, "cy", now=day)
        cases.refer(s, "C-2", "ben", "public security bureau", "PSB-1", now=day)
        cases.close(s, "C-2", "ben", "done", now=day)
        publish_typical_case(s, "C-2", "ana", policy, now=day)
        start_review(s, bully.id, "ben", now=day)
        closing = decide(
            s,
            bully.id,
            "ben",
            policy,
            outcome="violation",
            reason="r",
            actions=[ActionSpec("close_account", a[0])],
            now=day,
        )
        appeal = file_appeal(s, bully.id, "a0", policy, grounds="g", now=day)
        decide_appeal(s, appeal.id, "dee", outcome="overturned", reason="r", now=day)
        for c in ("C-4", "C-5"):  # out of scope: their actions must not count
            start_review(s, c, "ben", now=day)
            decide(s, c, "ben", policy, outcome="violation", reason="r", now=day)
        open_from_findings(s, "ana", policy, [rumor(["late"], cluster="after")], now=END)  # after the period
        stats = campaign_stats(s, "summer-rumors", now=END + timedelta(days=5))
        midway = campaign_stats(s, "summer-rumors", now=day - timedelta(seconds=1))
        assert [c.slug for c in list_campaigns(s)] == ["summer-rumors"]
    assert closing.actions[0].state == "pending_approval"
    assert stats.as_dict() | {"period": None} == {
        "campaign": "summer-rumors",
        "period": None,
        "rumors_identified": 2,  # C-2, C-3
        "cases_opened": 3,  # C-2, C-3, the cyber-violence case
        "cases_closed": 2,  # C-2 closed, the cyber-violence case closed by its appeal
        "violations_found": 2,
        "referrals": 1,
        "penalties": {"remove_content": 1, "restrict_posting": 1, "suspend": 1, "warning": 1},
        "accounts_warned": 1,
        "accounts_restricted": 2,  # restrict_posting a1, suspend a2 (approved)
        "accounts_closed": 0,  # the closure never took effect: reversed on appeal while pending
        "items_removed": 1,
        "actions_reversed": 1,
        "typical_cases_published": 1,
    }
    assert midway.cases_opened == 0


def test_campaigns_are_checked(engine: Engine, policy: Policy) -> None:
    with transaction(engine) as s:
        with pytest.raises(GovernanceError, match="must end after it starts"):
            create_campaign(s, "o", policy, slug="x", name="x", start=END, end=START)
        with pytest.raises(GovernanceError, match=r"unknown violation types \['spam'\]"):
            create_campaign(s, "o", policy, slug="x", name="x", start=START, end=END, violations=["spam"])
        create_campaign(s, "o", policy, slug="x", name="x", start=START, end=END)
        with pytest.raises(GovernanceError, match="already exists"):
            create_campaign(s, "o", policy, slug="x", name="y", start=START, end=END)
        assert campaign_stats(s, "x", now=END).cases_opened == 0


def test_a_typical_case_is_anonymised(engine: Engine, policy: Policy) -> None:
    record = finding_record(["u12", "u1"], kind="doxxing")
    record["explanation"] = "u1 and u12 posted the phone 13812345678 of @victim_li, mail li@example.com"
    with transaction(engine) as s:
        (case_id,) = open_from_findings(s, "ana", policy, [record], now=T0).opened
        with pytest.raises(InvalidTransitionError, match="only a decided violation"):
            publish_typical_case(s, case_id, "ana", policy)
        start_review(s, case_id, "ben", now=T0)
        decide(s, case_id, "ben", policy, outcome="violation", reason="r", now=T0)
        summary = publish_typical_case(s, case_id, "ana", policy, now=T0)
        with pytest.raises(InvalidTransitionError, match="already published"):
            publish_typical_case(s, case_id, "ana", policy)
        stored = EventLog(s).read(case_id)[-1]
    text = json.dumps(summary, ensure_ascii=False)
    for secret in ("u12", "u1 ", "13812345678", "victim_li", "li@example.com", "ben", "ana"):
        assert secret not in text, secret
    assert summary["what_was_found"] == [
        "account B and account A posted the phone [MOBILE_CN] of @[account], mail [EMAIL]"
    ]
    assert summary["subjects"] == {"account": 2} and summary["platforms"] == ["weibo"]
    assert summary["violation"] == "doxxing" and summary["actions"] == {"suspend": 2}
    assert stored.type == "case.published" and stored.payload["summary"] == summary
