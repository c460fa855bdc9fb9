"""Rumor cascades: hand-made trees with known shape, missing parents, key accounts, random forests against a
plain-Python reconstruction, and the simulator's planted amplifiers."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch import duck
from floodwatch.commands.hotspots import hotspots_app
from floodwatch.detect.cascades import CascadeParams, rumor_cascade_findings, spread_trees
from floodwatch.schema import ACCOUNT_SCHEMA, POST_SCHEMA
from floodwatch.sim import SimulationConfig, simulate
from floodwatch.store.events import EventStore
from tests.conftest import load

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
Row = dict[str, object]


def post(post_id: str, account: str, minutes: float, parent: str | None = None, link: str = "repost_of") -> Row:
    row: Row = {
        "platform": "x",
        "post_id": post_id,
        "account_id": account,
        "created_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "text": f"post {post_id}",
    }
    if parent is not None:
        row[link] = parent
    return row


def account(account_id: str, followers: int | None, verified: bool = False) -> Row:
    return {"platform": "x", "account_id": account_id, "followers": followers, "verified": verified}


def store_with(tmp_path: Path, posts: list[Row], accounts: list[Row]) -> duckdb.DuckDBPyConnection:
    posts_path, accounts_path = tmp_path / "posts.jsonl", tmp_path / "accounts.jsonl"
    posts_path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in posts))
    accounts_path.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in accounts))
    store = EventStore(tmp_path / "store")
    load(store, posts_path, accounts_path)
    return store.connect()


# root (by "origin", 7 posts):            depth 0
#   a (alice)   b (bob)   c (carol)        depth 1: breadth 3
#   a1 (dave, reply)  a2 (erin, quote)     depth 2
#   a1x (frank)                            depth 3
TREE = [
    post("root", "origin", 0),
    post("a", "alice", 10, "root"),
    post("b", "bob", 20, "root"),
    post("c", "carol", 30, "root"),
    post("a1", "dave", 45, "a", link="reply_to"),
    post("a2", "erin", 50, "a", link="quote_of"),
    post("a1x", "frank", 90, "a1"),
]
ACCOUNTS = [
    account("origin", 50),
    account("alice", 250_000),  # a big V by followers
    account("bob", 10),
    account("carol", 40, verified=True),  # a big V by verification
    account("dave", 5),
    account("erin", 5),
    # frank has no account record: his followers are unknown
]
UNRELATED = [post("other", "zed", 5), post("other-reply", "yan", 6, "other")]


def test_hand_made_tree_has_its_known_shape(tmp_path: Path) -> None:
    con = store_with(tmp_path, TREE + UNRELATED, ACCOUNTS)
    trees = spread_trees(con, [("x", "root", "c1")], CascadeParams()).to_pylist()
    assert len(trees) == 1
    tree = trees[0]
    assert (tree["root_post_id"], tree["size"], tree["depth"], tree["max_breadth"]) == ("root", 7, 3, 3)
    assert (tree["reposts"], tree["replies"], tree["quotes"]) == (4, 1, 1)
    assert tree["missing_parent"] is False
    # times 0, 10, 20, 30, 45, 50, 90 minutes: the 4th post (of 7) is at 30, the 7th (ceil 6.3) at 90
    assert tree["seconds_to_50"] == 30 * 60
    assert tree["seconds_to_90"] == 90 * 60
    assert tree["first_hour_posts"] == 5  # a, b, c, a1, a2
    assert tree["reach"] == 50 + 250_000 + 10 + 40 + 5 + 5
    assert tree["accounts_unknown_followers"] == 1


def test_nested_rumor_posts_share_one_tree_and_spreaders_rank_by_descendants(tmp_path: Path) -> None:
    con = store_with(tmp_path, TREE + UNRELATED, ACCOUNTS)
    seeds = [("x", "root", "c1"), ("x", "a1", "c1"), ("x", "a2", "c1")]  # a1, a2 lie inside root's tree
    findings = rumor_cascade_findings(con, seeds, CascadeParams(top_spreaders=3))
    assert [f.kind for f in findings] == ["rumor_cascade"]
    evidence = findings[0].evidence
    assert [r["post_id"] for r in evidence["root_posts"]] == ["root"]
    assert (evidence["size"], evidence["depth"], evidence["max_breadth"]) == (7, 3, 3)
    top = [(s["account_id"], s["descendants"], s["direct_children"]) for s in evidence["top_spreaders"]]
    assert top == [("origin", 6, 3), ("alice", 3, 2), ("dave", 1, 1)]
    assert {s["account_id"] for s in evidence["big_v"]} == {"alice", "carol"}
    assert sum(h["posts"] for h in evidence["timeline"]) == 7
    assert "alice" in findings[0].explanation and "c1" in findings[0].explanation
    assert ("account", "x", "alice") in {(s.kind, s.platform, s.id) for s in findings[0].subjects}


def test_big_v_threshold_is_configurable(tmp_path: Path) -> None:
    con = store_with(tmp_path, TREE, ACCOUNTS)
    findings = rumor_cascade_findings(con, [("x", "root", "c1")], CascadeParams(big_v_followers=300_000))
    assert {s["account_id"] for s in findings[0].evidence["big_v"]} == {"carol"}  # alice now falls short


def test_post_whose_parent_is_missing_becomes_a_flagged_root(tmp_path: Path) -> None:
    posts = [
        post("orphan", "bob", 0, "never-collected"),
        post("o1", "carol", 5, "orphan"),
        post("o2", "dave", 6, "o1"),
        post("own", "erin", 1),  # a rumor post of its own, no parent at all
    ]
    con = store_with(tmp_path, posts, ACCOUNTS)
    trees = {
        t["root_post_id"]: t
        for t in spread_trees(
            con, [("x", "o1", "c9"), ("x", "orphan", "c9"), ("x", "own", "c9")], CascadeParams()
        ).to_pylist()
    }
    assert set(trees) == {"orphan", "own"}
    assert trees["orphan"]["missing_parent"] is True and trees["orphan"]["size"] == 3
    assert trees["orphan"]["depth"] == 2
    assert trees["own"]["missing_parent"] is False and trees["own"]["size"] == 1
    finding = rumor_cascade_findings(con, [("x", "orphan", "c9")], CascadeParams())[0]
    assert finding.evidence["root_posts"][0]["missing_parent"] is True
    assert "not in the store" in finding.explanation


def test_replies_can_be_left_out_of_the_spread(tmp_path: Path) -> None:
    con = store_with(tmp_path, TREE, ACCOUNTS)
    tree = spread_trees(con, [("x", "root", "c1")], CascadeParams(links=("repost_of", "quote_of"))).to_pylist()[0]
    assert tree["size"] == 5  # a1 (a reply) and its repost a1x are cut off
    assert tree["replies"] == 0


def test_key_account_raises_a_finding_even_in_a_small_cascade(tmp_path: Path) -> None:
    con = store_with(tmp_path, TREE, ACCOUNTS)
    params = CascadeParams(min_size=100, key_accounts=(("x", "dave"), ("x", "nobody")))
    findings = rumor_cascade_findings(con, [("x", "root", "c1")], params)
    assert [f.kind for f in findings] == ["key_account"]  # too small for a cascade finding
    hit = findings[0]
    assert hit.evidence["account_id"] == "dave"
    assert [(p["post_id"], p["descendants"]) for p in hit.evidence["posts"]] == [("a1", 1)]
    assert hit.subjects[0].id == "dave" and "dave" in hit.explanation


def test_rumor_posts_as_a_table_without_claims_and_unknown_ids(tmp_path: Path) -> None:
    con = store_with(tmp_path, TREE + UNRELATED, ACCOUNTS)
    seeds = pa.table({"platform": ["x", "x", "x"], "post_id": ["root", "other", "not-stored"], "score": [1, 1, 1]})
    trees = spread_trees(con, seeds, CascadeParams()).to_pylist()
    assert sorted((t["root_post_id"], t["size"]) for t in trees) == [("other", 2), ("root", 7)]
    assert {t["claim_id"] for t in trees} == {"post:x:root", "post:x:other"}


def test_reply_cycle_in_malformed_data_ends(tmp_path: Path) -> None:
    posts = [post("p", "bob", 0, "q"), post("q", "carol", 1, "p"), post("r", "dave", 2, "q")]
    con = store_with(tmp_path, posts, ACCOUNTS)
    trees = spread_trees(con, [("x", "p", "c1")], CascadeParams(max_depth=10)).to_pylist()
    assert len(trees) == 1 and trees[0]["size"] == 3  # p, q, r: the cycle back to p is cut


def memory_store(posts: list[Row], accounts: list[Row]) -> duckdb.DuckDBPyConnection:
    """`posts` and `accounts` views over in-memory tables: the detector's whole interface to the store."""
    con = duck.connect()
    con.register("_posts", pa.Table.from_pylist(posts, schema=POST_SCHEMA))
    con.register("_accounts", pa.Table.from_pylist(accounts, schema=ACCOUNT_SCHEMA))
    con.execute("CREATE VIEW posts AS SELECT * FROM _posts; CREATE VIEW accounts AS SELECT * FROM _accounts")
    return con


@st.composite
def forests(draw: st.DrawFn) -> tuple[list[int | None], list[int]]:
    """parent[i] < i (or None): any forest; seeds: some of its nodes."""
    n = draw(st.integers(1, 40))
    parents: list[int | None] = [None]
    for i in range(1, n):
        parents.append(draw(st.one_of(st.none(), st.integers(0, i - 1))))
    seeds = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=6, unique=True))
    return parents, seeds


@settings(max_examples=30, deadline=None)
@given(forests())
def test_random_forests_match_a_plain_python_reconstruction(forest: tuple[list[int | None], list[int]]) -> None:
    parents, seeds = forest
    posts: list[Row] = [
        {
            "platform": "x",
            "post_id": f"p{i}",
            "account_id": f"u{i % 5}",
            "created_at": T0 + timedelta(minutes=i),
            "repost_of": None if p is None else f"p{p}",
        }
        for i, p in enumerate(parents)
    ]
    con = memory_store(posts, [{"platform": "x", "account_id": f"u{i}", "followers": 10**i} for i in range(5)])
    trees = spread_trees(con, [("x", f"p{s}", "c") for s in seeds], CascadeParams())
    got = {t["root_post_id"]: (t["size"], t["depth"], t["max_breadth"]) for t in trees.to_pylist()}

    children: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(parents):
        if p is not None:
            children[p].append(i)

    def ancestors(i: int) -> set[int]:
        out, p = set(), parents[i]
        while p is not None:
            out.add(p)
            p = parents[p]
        return out

    expected = {}
    for root in (s for s in seeds if not ancestors(s) & set(seeds)):
        levels, frontier = [1], [root]
        while frontier := [c for f in frontier for c in children[f]]:
            levels.append(len(frontier))
        expected[f"p{root}"] = (sum(levels), len(levels) - 1, max(levels))
    assert got == expected


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EventStore]:
    out = tmp_path_factory.mktemp("sim-cascades")
    summary = simulate(SimulationConfig(posts=25_000, seed=11), out / "sim")
    store = EventStore(out / "store")
    load(store, summary.files["posts"], summary.files["accounts"])
    return out / "sim", store


def test_simulated_cascades_are_whole_and_their_amplifiers_found(simulated: tuple[Path, EventStore]) -> None:
    sim, store = simulated
    with open(sim / "truth" / "posts.csv", newline="", encoding="utf-8") as fh:
        truth = [r for r in csv.DictReader(fh) if r["kind"] == "rumor"]
    with open(sim / "truth" / "targets.csv", newline="", encoding="utf-8") as fh:
        amplifiers = defaultdict(set)
        for r in csv.DictReader(fh):
            if r["role"] == "amplifier":
                amplifiers[r["campaign"].removeprefix("claim-")].add((r["platform"], r["account_id"]))
    con = store.connect()
    # Seeds as a claim matcher would give them: the restatements, not the bare reposts.
    restated = {(r["platform"], r["post_id"]) for r in truth}
    no_parent = {
        (p, i) for p, i in con.execute("SELECT platform, post_id FROM posts WHERE repost_of IS NULL").fetchall()
    }
    seeds = [
        (r["platform"], r["post_id"], r["campaign"].removeprefix("claim-"))
        for r in truth
        if (r["platform"], r["post_id"]) in no_parent
    ]
    findings = rumor_cascade_findings(con, seeds, CascadeParams(top_spreaders=5))
    cascades = {f.evidence["claim_id"]: f for f in findings if f.kind == "rumor_cascade"}
    assert set(cascades) == set(amplifiers)
    # The trees hold exactly the planted rumor posts: every repost found, nothing else swept in.
    nodes = {(p, i) for p, i in con.execute("SELECT platform, post_id FROM cascade_nodes").fetchall()}
    assert nodes == restated
    for claim, finding in cascades.items():
        spreaders = {(s["platform"], s["account_id"]) for s in finding.evidence["top_spreaders"]}
        big_v = {(s["platform"], s["account_id"]) for s in finding.evidence["big_v"]}
        assert amplifiers[claim] <= spreaders, (claim, finding.evidence["top_spreaders"])
        assert amplifiers[claim] <= big_v
        assert 0.0 < finding.score <= 1.0
        assert not math.isnan(finding.evidence["seconds_to_50"])


def test_cli_writes_trees_and_findings(tmp_path: Path) -> None:
    store_with(tmp_path, TREE + UNRELATED, ACCOUNTS).close()
    seeds, watch = tmp_path / "matches.csv", tmp_path / "watch.csv"
    seeds.write_text("platform,post_id,claim_id,score\nx,root,c1,0.9\nx,other,c2,0.8\n")
    watch.write_text("platform,account_id\nx,alice\n")
    out = tmp_path / "out"
    args = ["cascades", str(seeds), "--data-dir", str(tmp_path / "store"), "--out", str(out)]
    result = CliRunner().invoke(hotspots_app, [*args, "--key-accounts", str(watch), "--min-size", "3"])
    assert result.exit_code == 0, result.output
    trees = list(csv.DictReader((out / "trees.csv").open()))
    assert sorted((t["claim_id"], t["size"]) for t in trees) == [("c1", "7"), ("c2", "2")]
    findings = [orjson.loads(line) for line in (out / "findings.jsonl").read_bytes().splitlines()]
    assert [(f["kind"], f["evidence"]["claim_id"]) for f in findings] == [
        ("rumor_cascade", "c1"),
        ("key_account", "c1"),
    ]
    assert "key account" in result.output


def test_cli_explains_a_bad_input(tmp_path: Path) -> None:
    store_with(tmp_path, TREE, ACCOUNTS).close()
    seeds = tmp_path / "matches.csv"
    seeds.write_text("platform,id\nx,root\n")
    result = CliRunner().invoke(hotspots_app, ["cascades", str(seeds), "--data-dir", str(tmp_path / "store")])
    assert result.exit_code == 2
    assert "lacks column(s) post_id" in result.output
