"""The simulator: deterministic, well-formed, and its ground truth is what it claims to be."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from floodwatch.sim import SimulationConfig, SimulationSummary, simulate

POST_KEYS = {
    "platform",
    "post_id",
    "account_id",
    "created_at",
    "text",
    "urls",
    "hashtags",
    "mentions",
    "reply_to",
    "repost_of",
    "quote_of",
    "lang",
}
STYLES = {"copy_paste", "paraphrase", "link_push", "repost_ring", "reply_swarm", "staggered", "cross_platform"}
ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dX])(?!\d)")
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def valid_resident_id(number: str) -> bool:
    """GB 11643: a real birth date in digits 7-14 and the ISO 7064 MOD 11-2 check character last."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date(2026, 12, 31):
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = (12 - sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) % 11) % 11
    return number[17] == ("X" if check == 10 else str(check))


def test_checksum_helper_matches_a_known_number() -> None:
    assert valid_resident_id("11010519491231002X")
    assert not valid_resident_id("110105194912310021")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationSummary, list[int]]:
    calls: list[int] = []
    out = tmp_path_factory.mktemp("sim")
    summary = simulate(SimulationConfig(posts=2_000, seed=11, write_cnt_csv=True), out, progress=calls.append)
    return summary, calls


@pytest.fixture(scope="module")
def posts(run: tuple[SimulationSummary, list[int]]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in run[0].files["posts"].read_bytes().splitlines()]


@pytest.fixture(scope="module")
def truth_posts(run: tuple[SimulationSummary, list[int]]) -> list[dict[str, str]]:
    with open(run[0].files["truth_posts"], newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def utc(stamp: str) -> datetime:
    parsed = datetime.fromisoformat(stamp)
    assert parsed.tzinfo is not None, stamp
    return parsed.astimezone(UTC)


def test_same_seed_same_bytes_different_seed_different(tmp_path: Path) -> None:
    a = simulate(SimulationConfig(posts=1_500, seed=3, write_cnt_csv=True), tmp_path / "a")
    b = simulate(SimulationConfig(posts=1_500, seed=3, write_cnt_csv=True), tmp_path / "b")
    c = simulate(SimulationConfig(posts=1_500, seed=4), tmp_path / "c")
    assert set(a.files) == set(b.files)
    for name, path in a.files.items():
        assert path.read_bytes() == b.files[name].read_bytes(), name
    assert a.files["posts"].read_bytes() != c.files["posts"].read_bytes()
    assert a.files["truth_accounts"].read_bytes() != c.files["truth_accounts"].read_bytes()


def test_every_line_is_a_canonical_post(posts: list[dict[str, Any]], run: tuple[SimulationSummary, list[int]]) -> None:
    summary, _ = run
    assert len(posts) == summary.posts
    assert 1_800 <= len(posts) <= 2_200  # "approximately" the requested size
    for post in posts:
        assert set(post) == POST_KEYS
        assert post["platform"] in ("weibo", "x", "douyin", "forum-a")
        assert post["post_id"] and post["account_id"]
        assert isinstance(post["text"], str)
        for key in ("urls", "hashtags", "mentions"):
            assert isinstance(post[key], list) and all(isinstance(v, str) and v for v in post[key])
        for key in ("reply_to", "repost_of", "quote_of"):
            assert post[key] is None or isinstance(post[key], str)
        assert post["lang"] in ("zh", "en")
        offset = "+08:00" if post["platform"] in ("weibo", "douyin") else "+00:00"
        assert post["created_at"].endswith(offset)
        assert datetime(2026, 3, 1, tzinfo=UTC) <= utc(post["created_at"]) < datetime(2026, 3, 16, tzinfo=UTC)
        for url in post["urls"]:
            assert url in post["text"]
        for handle in post["mentions"]:
            assert f"@{handle}" in post["text"]
    ids = Counter((p["platform"], p["post_id"]) for p in posts)
    assert max(ids.values()) == 1
    assert Counter(p["platform"] for p in posts) == Counter(summary.posts_by_platform)


def test_replies_and_reposts_point_at_earlier_posts_of_the_same_platform(posts: list[dict[str, Any]]) -> None:
    when = {(p["platform"], p["post_id"]): utc(p["created_at"]) for p in posts}
    kinds: Counter[str] = Counter()
    for post in posts:
        for key in ("reply_to", "repost_of", "quote_of"):
            target = post[key]
            if target is None:
                continue
            kinds[key] += 1
            assert (post["platform"], target) in when, (key, post)
            assert when[(post["platform"], target)] < utc(post["created_at"]), post
    assert kinds["reply_to"] > 100 and kinds["repost_of"] > 100 and kinds["quote_of"] > 0


def test_truth_covers_every_style_and_kind(
    run: tuple[SimulationSummary, list[int]], posts: list[dict[str, Any]], truth_posts: list[dict[str, str]]
) -> None:
    summary, _ = run
    with open(summary.files["truth_accounts"], newline="", encoding="utf-8") as fh:
        members = list(csv.DictReader(fh))
    assert {m["style"] for m in members} == STYLES
    assert {m["role"] for m in members} == {"core", "part_time"}
    sizes = Counter(m["group_id"] for m in members if m["style"] != "cross_platform")
    assert all(5 <= n <= 60 for n in sizes.values())
    cross = [m for m in members if m["style"] == "cross_platform"]
    assert len({m["platform"] for m in cross}) >= 2
    by_id = {(p["platform"], p["post_id"]): p for p in posts}
    assert {t["kind"] for t in truth_posts} >= {
        "coordination",
        "rumor",
        "abuse",
        "doxxing",
        "viral_decoy",
        "friendly_decoy",
    }
    for row in truth_posts:
        assert (row["platform"], row["post_id"]) in by_id
    # Coordination posts are made by the group's members.
    member_of = {(m["platform"], m["account_id"]): m["group_id"] for m in members}
    for row in truth_posts:
        if row["kind"] == "coordination":
            author = by_id[(row["platform"], row["post_id"])]["account_id"]
            assert member_of[(row["platform"], author)] == row["campaign"]
    assert summary.groups_by_style.keys() == STYLES
    assert len(members) > 0 and summary.groups == len(sizes) + len({m["group_id"] for m in cross})


def test_viral_decoys_are_bursts_of_unrelated_accounts(
    posts: list[dict[str, Any]], truth_posts: list[dict[str, str]], run: tuple[SimulationSummary, list[int]]
) -> None:
    with open(run[0].files["truth_accounts"], newline="", encoding="utf-8") as fh:
        core = {(m["platform"], m["account_id"]) for m in csv.DictReader(fh) if m["role"] == "core"}
    by_id = {(p["platform"], p["post_id"]): p for p in posts}
    for campaign in {t["campaign"] for t in truth_posts if t["kind"] == "viral_decoy"}:
        burst = [by_id[(t["platform"], t["post_id"])] for t in truth_posts if t["campaign"] == campaign]
        crowd = [(p["platform"], p["account_id"]) for p in burst if p["repost_of"] or p["reply_to"]]
        assert len(crowd) >= 25
        assert len(set(crowd)) == len(crowd)  # each member of the public reacts once
        assert not set(crowd) & core  # and none of them is a planted account


def test_pile_ons_land_within_the_hour_and_doxx_checksum_valid_ids(
    posts: list[dict[str, Any]], truth_posts: list[dict[str, str]]
) -> None:
    by_id = {(p["platform"], p["post_id"]): p for p in posts}
    abuse: dict[str, list[datetime]] = {}
    doxxing = []
    for row in truth_posts:
        post = by_id[(row["platform"], row["post_id"])]
        if row["kind"] == "abuse":
            abuse.setdefault(row["campaign"], []).append(utc(post["created_at"]))
        elif row["kind"] == "doxxing":
            doxxing.append(post)
    assert abuse and doxxing
    for times in abuse.values():
        assert len(times) >= 15
        assert max(times) - min(times) <= timedelta(hours=1)
    for post in doxxing:
        ids = ID_NUMBER.findall(post["text"])
        assert ids, post["text"]
        assert all(valid_resident_id(n) for n in ids)
        assert MOBILE.search(post["text"]), post["text"]
    # Ordinary posts carry no valid resident ID number, only look-alikes.
    planted = {(t["platform"], t["post_id"]) for t in truth_posts if t["kind"] == "doxxing"}
    for post in posts:
        if (post["platform"], post["post_id"]) not in planted:
            assert not any(valid_resident_id(n) for n in ID_NUMBER.findall(post["text"])), post["text"]


def test_rumors_restate_claims_from_the_claims_file(
    run: tuple[SimulationSummary, list[int]], truth_posts: list[dict[str, str]]
) -> None:
    claims = [orjson.loads(line) for line in run[0].files["claims"].read_bytes().splitlines()]
    assert 5 <= len(claims) <= 20
    assert {c["lang"] for c in claims} == {"zh", "en"}
    assert all(c["verdict"] == "false" and c["url"].startswith("https://") for c in claims)
    assert len({c["claim_id"] for c in claims}) == len(claims)
    campaigns = {t["campaign"] for t in truth_posts if t["kind"] == "rumor"}
    assert campaigns == {f"claim-{c['claim_id']}" for c in claims}


def test_accounts_cover_every_author_with_realistic_traits(
    run: tuple[SimulationSummary, list[int]], posts: list[dict[str, Any]]
) -> None:
    summary, _ = run
    accounts = {
        (a["platform"], a["account_id"]): a
        for a in (orjson.loads(line) for line in summary.files["accounts"].read_bytes().splitlines())
    }
    assert len(accounts) == summary.accounts
    written = Counter((p["platform"], p["account_id"]) for p in posts)
    for key, n in written.items():
        assert accounts[key]["posts_count"] >= n
        assert utc(accounts[key]["created_at"]) < datetime(2026, 3, 1, tzinfo=UTC)
    assert max(a["followers"] for a in accounts.values() if a["verified"]) >= 1_000_000
    with open(summary.files["truth_accounts"], newline="", encoding="utf-8") as fh:
        core = [(m["platform"], m["account_id"]) for m in csv.DictReader(fh) if m["role"] == "core"]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for key in core:
        assert start - utc(accounts[key]["created_at"]) <= timedelta(days=31)
        assert not accounts[key]["verified"]


def test_cnt_csv_matches_posts(run: tuple[SimulationSummary, list[int]], posts: list[dict[str, Any]]) -> None:
    with open(run[0].files["cnt"], newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == [
            "message_id",
            "user_id",
            "username",
            "repost_id",
            "reply_id",
            "message",
            "timestamp",
            "urls",
        ]
        rows = list(reader)
    assert len(rows) == len(posts)
    ids = {r["message_id"] for r in rows}
    assert len(ids) == len(rows)
    for row, post in zip(rows, posts, strict=True):
        assert row["message_id"] == f"{post['platform']}:{post['post_id']}"
        assert row["message"] == post["text"]
        assert int(row["timestamp"]) == int(utc(post["created_at"]).timestamp())
        assert row["urls"].split() == post["urls"]
        for ref in (row["repost_id"], row["reply_id"]):
            assert ref == "" or ref in ids


def test_progress_reports_every_post(run: tuple[SimulationSummary, list[int]]) -> None:
    summary, calls = run
    assert sum(calls) == summary.posts
    assert len(calls) > 5
    data = orjson.loads(summary.files["summary"].read_bytes())
    assert data["posts"] == summary.posts
    assert data["planted_posts_by_kind"] == summary.posts_by_kind
    assert {g["style"] for g in data["groups"]} == STYLES


def test_single_platform_run(tmp_path: Path) -> None:
    summary = simulate(SimulationConfig(posts=1_000, platforms=("x",), days=3, write_cnt_csv=True), tmp_path)
    assert set(summary.posts_by_platform) == {"x"}
    assert set(summary.groups_by_style) == STYLES - {"cross_platform"}
    with open(summary.files["cnt"], newline="", encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    assert ":" not in first["message_id"]


@pytest.mark.parametrize(
    "config",
    [
        SimulationConfig(posts=10),
        SimulationConfig(days=0),
        SimulationConfig(platforms=()),
        SimulationConfig(platforms=("x", "x")),
        SimulationConfig(start=datetime(2026, 3, 1)),
    ],
)
def test_bad_configs_are_refused(config: SimulationConfig, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        simulate(config, tmp_path)
