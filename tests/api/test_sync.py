"""The change feed: checkpointed sync, and delisting (appeal overturned, expiry) reaching every consumer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from floodwatch.govern import blacklist
from tests.api.conftest import Api, account_hash, entry, phone_hash


def sync(api: Api, label: str, cursor: str | None, limit: int = 1000) -> tuple[dict[str, dict[str, Any]], str]:
    """Mirror the feed from `cursor` page by page, as a consumer would: hash@platform -> last op and entry."""
    seen: dict[str, dict[str, Any]] = {}
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = api.call("GET", "/blacklist/changes", label, params=params).json()
        for change in page["changes"]:
            seen[f"{change['entry']['hash']}@{change['entry']['platform']}"] = change
        cursor = page["next_cursor"]
        if not page["more"]:
            return seen, cursor


def _decided_case(api: Api) -> str:
    case = api.call(
        "POST",
        "/cases",
        "analyst",
        json={
            "title": "pile-on organiser",
            "subjects": [{"kind": "account", "platform": "weibo", "id": "u-9"}],
            "violation": "cyber_violence",
        },
    ).json()
    assert api.call("POST", f"/cases/{case['id']}/review", "reviewer").status_code == 200
    decided = api.call(
        "POST",
        f"/cases/{case['id']}/decide",
        "reviewer",
        json={"outcome": "violation", "reason": "organised the pile-on"},
    )
    assert decided.status_code == 200, decided.text
    return str(case["id"])


def test_an_overturned_appeal_delists_everywhere_and_consumers_see_it_in_their_next_sync(api_any: Api) -> None:
    api = api_any
    case_id = _decided_case(api)
    target = account_hash("weibo", "u-9")
    other = phone_hash("13700000000")
    api.call(
        "POST", "/blacklist/entries", "platform", json={"entries": [entry(target, kind="account", case_ref=case_id)]}
    )
    api.call("POST", "/blacklist/entries", "douyin", json={"entries": [entry(target, kind="account"), entry(other)]})
    mirror, cursor = sync(api, "douyin", None)
    assert {c["op"] for c in mirror.values()} == {"upsert"} and len(mirror) == 3

    appeal = api.call("POST", "/appeals", "platform", json={"case": case_id, "grounds": "wrong account"}).json()
    same_person = api.call(
        "POST", f"/appeals/{appeal['id']}/decide", "reviewer", json={"outcome": "overturned", "reason": "x"}
    )
    assert same_person.status_code == 403  # the case's decider may not decide its appeal
    decided = api.call(
        "POST",
        f"/appeals/{appeal['id']}/decide",
        "reviewer2",
        json={"outcome": "overturned", "reason": "misidentified"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["blacklist_delisted"] == 2

    changes, _ = sync(api, "douyin", cursor, limit=1)  # page by page from the checkpoint
    assert set(changes) == {f"{target}@weibo", f"{target}@douyin"}
    assert all(c["op"] == "remove" and c["entry"]["status"] == "delisted" for c in changes.values())
    assert all("appeal_overturned" in c["entry"]["status_reason"] for c in changes.values())
    looked = api.call("POST", "/blacklist/lookup", "analyst", json={"hashes": [target, other]}).json()["matches"]
    assert [m["listed"] for m in looked] == [False, True]
    again, _ = sync(api, "douyin", cursor)
    assert set(again) == set(changes)  # a repeated sync from the same checkpoint sees the same removals


def test_an_expiry_reaches_consumers_as_a_removal(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    h = phone_hash("13600000000")
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    api.call("POST", "/blacklist/entries", "platform", json={"entries": [entry(h, expires_at=in_an_hour)]})
    first, cursor = sync(api, "douyin", None)
    assert first[f"{h}@weibo"]["op"] == "upsert"
    later_clock = datetime.now(UTC) + timedelta(hours=2)
    monkeypatch.setattr(blacklist, "now_or", lambda now: now or later_clock)
    later, cursor2 = sync(api, "douyin", cursor)
    assert later[f"{h}@weibo"]["op"] == "remove" and later[f"{h}@weibo"]["entry"]["status"] == "expired"
    assert sync(api, "douyin", cursor2)[0] == {}  # nothing new after the checkpoint


def test_withdrawals_and_opinions_appear_in_the_feed(api: Api) -> None:
    h = phone_hash("13500000000")
    made = api.call("POST", "/blacklist/entries", "platform", json={"entries": [entry(h)]}).json()
    _, cursor = sync(api, "douyin", None)
    api.call("POST", "/blacklist/opinions", "douyin", json={"opinions": [{"hash": h, "opinion": "negative"}]})
    disputed, cursor = sync(api, "douyin", cursor)
    assert disputed[f"{h}@weibo"]["entry"]["standing"]["standing"] == "disputed"
    api.call("POST", "/blacklist/withdraw", "platform", json={"entry_ids": made["entry_ids"], "reason": "wrong number"})
    withdrawn, _ = sync(api, "douyin", cursor)
    assert withdrawn[f"{h}@weibo"]["op"] == "remove"
