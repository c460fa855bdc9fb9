"""Governance through the API: findings to cases, four-eyes, appeals, notices, campaigns, the transparency summary.

The actor of every write is the key's `tenant/name`, so the four-eyes and appeal rules hold between keys.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from floodwatch.schema import Finding, Subject
from floodwatch.store.findings import FindingStore
from tests.api.conftest import Api

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _findings(api: Api) -> list[str]:
    made = [
        Finding(
            kind="coordination_cluster",
            score=0.9,
            subjects=tuple(Subject("account", "weibo", f"u{i}{j}") for j in range(3)),
            start=T0,
            end=T0,
            explanation="3 accounts posted the same text within 12 seconds",
            evidence={"cluster_id": f"c{i}"},
            detector="coordination",
            detector_version="1.0",
            parameters={},
        )
        for i in range(2)
    ]
    FindingStore(api.data_dir).append(made, "coordination")
    return [f.id for f in made]


def test_findings_to_cases_to_decisions_with_four_eyes(api: Api) -> None:
    ids = _findings(api)
    listed = api.call("GET", "/findings", "analyst", params={"kind": "coordination_cluster"}).json()
    assert sorted(f["id"] for f in listed["items"]) == sorted(ids)
    assert api.call("GET", f"/findings/{ids[0]}", "reviewer").json()["id"] == ids[0]
    opened = api.call("POST", "/cases/from-findings", "analyst", json={"finding_ids": ids}).json()
    assert len(opened["opened"]) == 2
    again = api.call("POST", "/cases/from-findings", "analyst", json={"finding_ids": ids}).json()
    assert again["opened"] == [] and len(again["skipped"]) == 2
    case_id = opened["opened"][0]
    api.call("POST", f"/cases/{case_id}/review", "reviewer")
    actions = [{"action": "suspend", "subject": {"kind": "account", "platform": "weibo", "id": "u00"}}]
    decided = api.call(
        "POST", f"/cases/{case_id}/decide", "reviewer", json={"outcome": "violation", "reason": "r", "actions": actions}
    ).json()
    action_id = decided["new_actions"][0]["id"]
    assert decided["new_actions"][0]["state"] == "pending_approval"
    assert decided["decided_by"] == "regulator/reviewer"
    assert api.call("POST", f"/actions/{action_id}/approve", "reviewer", json={}).status_code == 403
    approved = api.call("POST", f"/actions/{action_id}/approve", "reviewer2", json={})
    assert approved.json()["state"] == "active" and approved.json()["approved_by"] == "regulator/reviewer2"
    stale = api.call(
        "POST",
        f"/cases/{opened['opened'][1]}/decide",
        "reviewer",
        json={"outcome": "no_violation", "reason": "r", "expected_version": 7},
    )
    assert stale.status_code == 409
    shown = api.call("GET", f"/cases/{case_id}", "analyst").json()
    assert shown["events"][0]["actor"] == "regulator/analyst" and shown["evidence"][0]["id"] == ids[0]
    summary = api.call("POST", f"/cases/{case_id}/publish", "reviewer2").json()
    assert "u00" not in str(summary)


def test_transparency_summary_counts_actions_appeals_and_campaigns(api: Api) -> None:
    start = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    end = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    campaign = {"slug": "clean-up", "name": "Clean-up", "start": start, "end": end, "platforms": ["weibo"]}
    assert api.call("POST", "/campaigns", "analyst", json=campaign).status_code == 201
    case_ids = []
    for n in range(2):
        body = {"title": f"t{n}", "subjects": [{"kind": "account", "platform": "weibo", "id": f"a{n}"}]}
        case_id = api.call("POST", "/cases", "analyst", json={**body, "violation": "cyber_violence"}).json()["id"]
        api.call("POST", f"/cases/{case_id}/review", "reviewer")
        api.call("POST", f"/cases/{case_id}/decide", "reviewer", json={"outcome": "violation", "reason": "r"})
        case_ids.append(case_id)
    for case_id, outcome in zip(case_ids, ("overturned", "upheld"), strict=True):
        appeal = api.call("POST", "/appeals", "analyst", json={"case": case_id, "grounds": "g"}).json()
        api.call("POST", f"/appeals/{appeal['id']}/decide", "reviewer2", json={"outcome": outcome, "reason": "r"})
    report = api.call("GET", "/reports/summary", "platform").json()
    assert report["appeals"] == {"filed": 2, "pending": 0, "upheld": 1, "overturned": 1, "overturn_rate": 0.5}
    assert report["cases_by_state"] == {"closed": 2} and report["violations_found"] == 2
    stats = report["campaigns"][0]
    assert stats["campaign"] == "clean-up" and stats["cases_opened"] == 2 and stats["actions_reversed"] >= 1
    assert sum(report["actions_by_type"].values()) == sum(stats["penalties"].values())
    shown = api.call("GET", "/campaigns/clean-up", "platform").json()
    assert shown["stats"]["violations_found"] == 2


def test_notices_flow_between_regulator_and_platform(api: Api) -> None:
    api.call("POST", "/platforms", "analyst", json={"slug": "weibo", "name": "Weibo"})
    notice = api.call("POST", "/notices", "analyst", json={"platform": "weibo", "kind": "reminder", "about": "rumors"})
    assert notice.status_code == 201
    mine = api.call("GET", "/notices", "platform").json()["items"]
    assert [n["id"] for n in mine] == [notice.json()["id"]]
    answered = api.call("POST", f"/notices/{mine[0]['id']}/respond", "platform", json={"text": "removed 40 posts"})
    assert answered.json()["state"] == "responded" and answered.json()["responses"][0]["by"] == "weibo/platform"
    figures = api.call("GET", "/platforms/figures", "analyst").json()
    assert [f["notices"] for f in figures if f["platform"] == "weibo"] == [1]
