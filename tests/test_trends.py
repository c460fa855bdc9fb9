"""Hot spots: bursts against a trailing baseline, organic versus manufactured, on hand-made data with known answers,
on random count series against a plain-Python z-score, and on the simulator's pushes and decoys."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch import duck
from floodwatch.commands.hotspots import hotspots_app
from floodwatch.detect.coordination import CoordinationParams, detect_coordination
from floodwatch.detect.trends import TrendParams, detect_trends
from floodwatch.engines.duckdb import DuckDBEngine
from floodwatch.schema import ACCOUNT_SCHEMA, POST_SCHEMA
from floodwatch.sim import SimulationConfig, simulate
from floodwatch.store.events import EventStore
from tests.conftest import load

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
OLD = datetime(2019, 5, 1, tzinfo=UTC)
Row = dict[str, object]


def post(post_id: str, account: str, hours: float, tags: list[str] | None = None, urls: list[str] | None = None) -> Row:
    return {
        "platform": "x",
        "post_id": post_id,
        "account_id": account,
        "created_at": (T0 + timedelta(hours=hours)).isoformat(),
        "text": f"post {post_id}",
        "hashtags": tags or [],
        "urls": urls or [],
    }


def account(account_id: str, created: datetime) -> Row:
    return {"platform": "x", "account_id": account_id, "created_at": created.isoformat(), "followers": 100}


def store_with(tmp_path: Path, posts: list[Row], accounts: list[Row]) -> duckdb.DuckDBPyConnection:
    posts_path, accounts_path = tmp_path / "posts.jsonl", tmp_path / "accounts.jsonl"
    posts_path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in posts))
    accounts_path.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in accounts))
    store = EventStore(tmp_path / "store")
    load(store, posts_path, accounts_path)
    return store.connect()


def background() -> tuple[list[Row], list[Row]]:
    """Ten days of an ordinary public: 80 old accounts posting twice a day, #marathon now and then, and a tag
    that is busy every hour (#daily: ten posts an hour, never a burst)."""
    posts, accounts = [], [account(f"old{a}", OLD) for a in range(80)]
    for a in range(80):
        for d in range(10):
            posts.append(post(f"bg{a}-{d}", f"old{a}", d * 24 + (a * 7) % 24 + 0.25))
    for h in range(0, 240, 7):
        posts.append(post(f"m{h}", f"old{h % 80}", h + 0.5, ["Marathon"]))
    for h in range(240):
        posts += [post(f"d{h}-{i}", f"old{(h + i * 11) % 80}", h + i / 10, ["daily"]) for i in range(10)]
    return posts, accounts


ORGANIC_HOUR = 200.0  # day 8, 08:00


def organic_burst() -> list[Row]:
    """40 different old accounts, each with a past, post #marathon within the hour: a race was on."""
    return [post(f"race{a}", f"old{a}", ORGANIC_HOUR + a / 50, ["marathon"]) for a in range(40)]


def pushed_burst(new_accounts: int, hour: float, tag: str = "BuyNowLumen") -> tuple[list[Row], list[Row]]:
    """Freshly registered accounts that never posted before push a tag within ten minutes, with 3 old accounts."""
    made = hour - 24 * 5  # five days before the push
    accounts = [account(f"new{i}", T0 + timedelta(hours=made)) for i in range(new_accounts)]
    posts = [post(f"push{i}", f"new{i}", hour + i / 6 / new_accounts, [tag]) for i in range(new_accounts)]
    posts += [post(f"push-old{i}", f"old{i}", hour + 0.1, [tag]) for i in range(3)]
    return posts, accounts


def bursts_by_key(table: pa.Table) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    for row in table.to_pylist():
        out.setdefault(str(row["key"]), []).append(row)
    return out


def test_organic_burst_is_found_but_not_flagged(tmp_path: Path) -> None:
    posts, accounts = background()
    con = store_with(tmp_path, posts + organic_burst(), accounts)
    result = detect_trends(con)
    bursts = bursts_by_key(result.bursts)
    assert "daily" not in bursts  # busy every hour is its own baseline
    (race,) = bursts["marathon"]
    assert race["volume"] == 40 and race["accounts"] == 40
    assert race["start_at"] == T0 + timedelta(hours=ORGANIC_HOUR)
    assert race["suspect_share"] == 0.0 and race["no_history_share"] == 0.0
    assert race["manufactured"] is False
    assert result.findings == []


def test_push_by_new_accounts_without_history_is_manufactured(tmp_path: Path) -> None:
    posts, accounts = background()
    pushed, fresh = pushed_burst(15, 190.0)
    con = store_with(tmp_path, posts + organic_burst() + pushed, accounts + fresh)
    result = detect_trends(con)
    (finding,) = result.findings
    assert finding.kind == "manufactured_trend"
    evidence = finding.evidence
    assert (evidence["key"], evidence["volume"], evidence["accounts"]) == ("buynowlumen", 18, 18)
    assert evidence["new_account_share"] == round(15 / 18, 4) == evidence["no_history_share"]
    assert evidence["coordinated_share"] == 0.0
    assert finding.score == pytest.approx(15 / 18, abs=1e-4)
    named = {s.id for s in finding.subjects if s.kind == "account"}
    assert len(named) == 10 and named <= {f"new{i}" for i in range(15)}  # the carriers come first
    assert "registered less than 30 days" in finding.explanation and "#buynowlumen" in finding.explanation
    assert sum(t["posts"] for t in evidence["timeline"]) == 18
    # The organic race in the same store stays unflagged.
    assert not bursts_by_key(result.bursts)["marathon"][0]["manufactured"]


def test_coordinated_clusters_carry_a_trend_of_old_accounts(tmp_path: Path) -> None:
    posts, accounts = background()
    # 12 old accounts with a past push a link within minutes: only the coordination table tells them apart.
    link = "https://shop.example.com/deal"
    posts += [post(f"link{a}", f"old{a}", 180 + a / 60, urls=[link]) for a in range(12)]
    con = store_with(tmp_path, posts, accounts)
    assert detect_trends(con).findings == []
    coordinated = pa.table(
        {"platform": ["x"] * 10, "account_id": [f"old{a}" for a in range(10)], "cluster_id": ["c7"] * 10}
    )
    (finding,) = detect_trends(con, coordinated=coordinated).findings
    assert finding.evidence["kind"] == "url" and finding.evidence["key"] == link
    assert finding.evidence["coordinated_share"] == round(10 / 12, 4)
    assert finding.to_dict()["evidence"]["clusters"] == [{"cluster_id": "c7", "accounts": 10, "posts": 10}]
    assert "c7" in finding.explanation


def test_small_pushes_stay_below_the_documented_thresholds(tmp_path: Path) -> None:
    posts, accounts = background()
    pushed, fresh = pushed_burst(15, 190.0)
    con = store_with(tmp_path, posts + pushed, accounts + fresh)
    assert detect_trends(con, TrendParams(min_burst_posts=19)).findings == []
    assert detect_trends(con, TrendParams(suspect_share=0.9)).findings == []
    assert len(detect_trends(con, TrendParams(suspect_share=0.8)).findings) == 1


def test_topics_from_the_caller_are_bursts_like_tags(tmp_path: Path) -> None:
    posts, accounts = background()
    pushed, fresh = pushed_burst(15, 190.0)
    con = store_with(tmp_path, posts + pushed, accounts + fresh)
    topics = pa.table({"platform": ["x"] * 15, "post_id": [f"push{i}" for i in range(15)], "topic": ["claim-9"] * 15})
    result = detect_trends(con, TrendParams(kinds=()), topics=topics)
    (finding,) = result.findings
    assert (finding.evidence["kind"], finding.evidence["key"], finding.evidence["volume"]) == ("topic", "claim-9", 15)
    assert finding.evidence["suspect_share"] == 1.0


def memory_store(posts: list[Row]) -> duckdb.DuckDBPyConnection:
    con = duck.connect()
    con.register("_posts", pa.Table.from_pylist(posts, schema=POST_SCHEMA))
    con.register("_accounts", ACCOUNT_SCHEMA.empty_table())
    con.execute("CREATE VIEW posts AS SELECT * FROM _posts; CREATE VIEW accounts AS SELECT * FROM _accounts")
    return con


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=5, max_size=40))
def test_high_bins_match_a_plain_python_robust_z(counts: list[int]) -> None:
    params = TrendParams(baseline_bins=6, min_baseline_bins=3, min_bin_posts=3, z_threshold=2.7183)
    posts: list[Row] = [{"platform": "x", "post_id": "anchor", "account_id": "a", "created_at": T0}]
    for b, n in enumerate(counts):
        posts += [
            {
                "platform": "x",
                "post_id": f"{b}-{i}",
                "account_id": f"u{i}",
                "created_at": T0 + timedelta(hours=b, seconds=i),
                "hashtags": ["t"],
            }
            for i in range(n)
        ]
    con = memory_store(posts)
    result = detect_trends(con, params)
    got = {
        b
        for row in con.execute("SELECT first_bin, last_bin FROM trend_bursts").fetchall()
        for b in range(row[0] - int(T0.timestamp()) // 3600, row[1] - int(T0.timestamp()) // 3600 + 1)
    }
    expected = set()
    for b, n in enumerate(counts):
        window = np.array(counts[max(0, b - params.baseline_bins) : b], dtype=float)
        if n < params.min_bin_posts or b < params.min_baseline_bins:
            continue
        median = float(np.median(window))
        mad = float(np.median(np.abs(window - median)))
        if (n - median) / max(1.4826 * mad, np.sqrt(max(median, 1.0))) >= params.z_threshold:
            expected.add(b)
    assert got == expected
    assert result.bursts.num_rows == len({b for b in expected if b - 1 not in expected})


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, duckdb.DuckDBPyConnection]:
    out = tmp_path_factory.mktemp("sim-trends")
    summary = simulate(SimulationConfig(posts=25_000, seed=11), out / "sim")
    store = EventStore(out / "store")
    load(store, summary.files["posts"], summary.files["accounts"])
    return out / "sim", store.connect()


def truth_rows(sim: Path, name: str) -> list[dict[str, str]]:
    with open(sim / "truth" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def campaign_topics(sim: Path) -> pa.Table:
    """Each planted post's campaign as its topic: a viral burst, a friendly flood, a rumor, a group."""
    rows = truth_rows(sim, "posts.csv")
    return pa.table(
        {k: [r[c] for r in rows] for k, c in (("platform", "platform"), ("post_id", "post_id"), ("topic", "campaign"))}
    )


def test_simulated_pushes_are_flagged_and_decoys_are_not(simulated: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    sim, con = simulated
    groups = json.loads((sim / "summary.json").read_text())["groups"]
    pushed = {"hashtag": {g["hashtag"].lower() for g in groups}, "url": {g["contact"] for g in groups}}
    result = detect_trends(con, topics=campaign_topics(sim))
    bursts = result.bursts.to_pylist()
    flagged = [b for b in bursts if b["manufactured"]]
    # No organic tag, link or decoy is flagged: every flagged burst is a planted group's push.
    assert flagged
    for b in flagged:
        assert b["key"] in pushed[b["kind"]] if b["kind"] != "topic" else b["key"].startswith("g"), b
    decoys = [b for b in bursts if b["kind"] == "topic" and b["key"].startswith(("viral-", "friendly-", "claim-"))]
    assert len(decoys) >= 3, "the test needs decoy bursts to mean anything"
    assert not any(b["manufactured"] for b in decoys), decoys
    assert any(b["kind"] == "hashtag" for b in flagged), "a group's hashtag push must be flagged"
    # Group topics with a real burst are flagged from account age and history alone.
    group_bursts = [b for b in bursts if b["kind"] == "topic" and b["key"].startswith("g") and b["volume"] >= 10]
    assert sum(b["manufactured"] for b in group_bursts) >= 0.6 * len(group_bursts)


@pytest.mark.slow
def test_simulated_trends_with_the_coordination_detector(simulated: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    sim, con = simulated
    coordination = detect_coordination(con, DuckDBEngine(con), CoordinationParams())
    result = detect_trends(con, coordinated=coordination.accounts, topics=campaign_topics(sim))
    bursts = result.bursts.to_pylist()
    members = {(r["platform"], r["account_id"]) for r in truth_rows(sim, "accounts.csv")}
    for finding in result.findings:
        carriers = {(a["platform"], a["account_id"]) for a in finding.evidence["top_accounts"]}
        assert len(carriers & members) >= 0.5 * len(carriers), finding.explanation
    decoys = [b for b in bursts if b["kind"] == "topic" and b["key"].startswith(("viral-", "friendly-"))]
    assert decoys and not any(b["manufactured"] for b in decoys)
    group_bursts = [b for b in bursts if b["kind"] == "topic" and b["key"].startswith("g") and b["volume"] >= 10]
    assert sum(b["manufactured"] for b in group_bursts) >= 0.8 * len(group_bursts)


def test_cli_writes_bursts_and_findings(tmp_path: Path) -> None:
    posts, accounts = background()
    pushed, fresh = pushed_burst(15, 190.0)
    store_with(tmp_path, posts + organic_burst() + pushed, accounts + fresh).close()
    coordinated = tmp_path / "accounts.csv"
    coordinated.write_text("platform,account_id,cluster_id,score\nx,new1,c3,0.9\nx,new2,c3,0.9\n")
    out = tmp_path / "out"
    args = ["trends", "--data-dir", str(tmp_path / "store"), "--out", str(out), "--coordinated", str(coordinated)]
    result = CliRunner().invoke(hotspots_app, args)
    assert result.exit_code == 0, result.output
    bursts = list(csv.DictReader((out / "bursts.csv").open()))
    assert {(b["key"], b["manufactured"]) for b in bursts} == {("marathon", "false"), ("buynowlumen", "true")}
    (finding,) = [orjson.loads(line) for line in (out / "findings.jsonl").read_bytes().splitlines()]
    assert finding["kind"] == "manufactured_trend" and finding["evidence"]["clusters"][0]["cluster_id"] == "c3"
    bad = CliRunner().invoke(hotspots_app, ["trends", "--data-dir", str(tmp_path / "store"), "--kinds", "mood"])
    assert bad.exit_code == 2 and "--kinds" in bad.output
