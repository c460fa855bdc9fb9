"""`floodwatch network`: each kind on hand-made data with known answers, CNT compatibility against the output of
the real coordination-network-toolkit 1.5.2 (tests/fixtures/cnt, committed: CNT need not be installed), a
brute-force reference of CNT's semantics under Hypothesis, the writers and the command line."""

from __future__ import annotations

import csv
import importlib.util
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import duckdb
import igraph as ig
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch import duck
from floodwatch.commands.network import network_command
from floodwatch.detect import networks
from floodwatch.detect.networks import (
    CNT_COLUMNS,
    NetworkError,
    NetworkParams,
    NetworkRun,
    compute_network,
    network_edges,
    write_network,
)
from floodwatch.schema import STORED_POST_SCHEMA
from floodwatch.store.events import EventStore
from tests.conftest import load

FIXTURE = Path(__file__).parent / "fixtures" / "cnt"
T0 = 1_700_000_000
HEADER = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
HAS_REGEX = importlib.util.find_spec("regex") is not None
needs_regex = pytest.mark.skipif(not HAS_REGEX, reason="CNT's tokenizer needs the `regex` package")

Row = tuple[str, str, str, str, str, float, str]  # message_id, user_id, repost_id, reply_id, message, t, urls


def cnt_file(path: Path, rows: list[Row]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        writer = csv.writer(fh)
        for mid, user, repost, reply, text, t, urls in rows:
            seconds = f"{T0 + t:.6f}".rstrip("0").rstrip(".")
            writer.writerow([mid, user, f"name-{user}", repost, reply, text, seconds, urls])
    return path


def network(tmp_path: Path, rows: list[Row], kind: str, window: float = 10, min_weight: int = 1, **kw: object) -> dict:
    """{(source, target): weight} (compat) or {(account_a, account_b): weight} of a network of `rows`."""
    store = EventStore(tmp_path / "store")
    shutil.rmtree(store.root, ignore_errors=True)
    load(store, cnt_file(tmp_path / "posts.csv", rows), fmt="cnt")
    con = store.connect()
    try:
        compute_network(con, NetworkParams(kind, window, min_weight, **kw), store)  # type: ignore[arg-type]
        edges = network_edges(con).to_pylist()
    finally:
        con.close()
    if kw.get("compat"):
        assert all(e["edge_type"] == kind for e in edges)
        return {(e["source"], e["target"]): e["weight"] for e in edges}
    return {(e["account_a"], e["account_b"]): e["weight"] for e in edges}


def cnt(tmp_path: Path, rows: list[Row], kind: str, window: float = 10, min_weight: int = 1, **kw: object) -> dict:
    return network(tmp_path, rows, kind, window, min_weight, compat="cnt", **kw)


# --- compat: CNT's semantics on hand-made data --------------------------------------------------------------------


def test_window_is_inclusive_at_both_ends(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "99", "", "", 0, ""),
        ("2", "b", "99", "", "", 10, ""),  # exactly the window after a
        ("3", "c", "99", "", "", 20.5, ""),  # 10.5 after b
    ]
    assert cnt(tmp_path, rows, "co_retweet", window=10) == {("a", "b"): 1, ("b", "a"): 1}
    assert cnt(tmp_path, rows, "co_retweet", window=9.999) == {}
    assert len(cnt(tmp_path, rows, "co_retweet", window=20.5)) == 6


def test_weights_are_directed_distinct_messages_of_the_source(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "Same words here", 0, ""),
        ("2", "a", "", "", "same words here", 5, ""),
        ("3", "a", "", "", "SAME WORDS HERE", 8, ""),
        ("4", "b", "", "", "same words here", 4, ""),
        ("5", "b", "", "", "same words here", 100, ""),  # far from everything
    ]
    assert cnt(tmp_path, rows, "co_tweet") == {("a", "b"): 3, ("b", "a"): 1}
    assert cnt(tmp_path, rows, "co_tweet", min_weight=2) == {("a", "b"): 3}
    # floodwatch's undirected weight: the distinct co-acting posts of the less involved account.
    assert network(tmp_path, rows, "co_tweet") == {("a", "b"): 1}


def test_co_tweet_text_as_cnt_normalises_it(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "Buy  NOW @shop", 0, ""),
        ("2", "b", "", "", "@x buy now", 1, ""),
        ("3", "c", "", "", "buy\tnow\n", 2, ""),
        ("4", "d", "", "", "ｂｕｙ ｎｏｗ", 3, ""),  # full-width: equal after NFKC, not for CNT
        ("5", "e", "", "", "buy now!", 4, ""),
    ]
    edges = cnt(tmp_path, rows, "co_tweet")
    assert {u for pair in edges for u in pair} == {"a", "b", "c"}
    assert len(edges) == 6


def test_empty_and_mention_only_messages_co_tweet_as_in_cnt(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "", 0, ""),
        ("2", "b", "", "", "@alice", 1, ""),
        ("3", "c", "", "", "hi", 2, ""),
    ]
    assert cnt(tmp_path, rows, "co_tweet") == {("a", "b"): 1, ("b", "a"): 1}


def test_reposts_are_excluded_where_cnt_excludes_them(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "9", "", "same text", 0, "http://x.example/"),
        ("2", "b", "9", "", "same text", 1, "http://x.example/"),
        ("3", "c", "9", "7", "same text", 2, "http://x.example/"),  # a repost that is also a reply
        ("4", "d", "", "7", "other", 3, ""),
        ("5", "e", "", "7", "more", 4, ""),
    ]
    assert cnt(tmp_path, rows, "co_tweet") == {}
    assert cnt(tmp_path, rows, "co_link") == {}
    assert len(cnt(tmp_path, rows, "co_retweet")) == 6  # a, b, c
    assert cnt(tmp_path, rows, "co_reply") == {("d", "e"): 1, ("e", "d"): 1}  # c is a repost


def test_no_empty_url_edges(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "one", 0, ""),
        ("2", "b", "", "", "two", 1, " "),
        ("3", "c", "", "", "three", 2, "http://x.example/  http://y.example/"),
        ("4", "d", "", "", "four", 3, "http://y.example/ "),
        ("5", "e", "", "", "five", 4, " http://y.example/ http://y.example/"),
    ]
    # CNT would link all five on the URL "" its split(" ") makes of "", " " and double spaces.
    edges = cnt(tmp_path, rows, "co_link")
    assert {u for pair in edges for u in pair} == {"c", "d", "e"}
    assert set(edges.values()) == {1}  # one message each, however many times it names the URL


def test_co_link_counts_messages_not_urls(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "x", 0, "http://x.example/ http://y.example/"),
        ("2", "b", "", "", "y", 1, "http://x.example/"),
        ("3", "b", "", "", "z", 2, "http://y.example/"),
    ]
    assert cnt(tmp_path, rows, "co_link") == {("a", "b"): 1, ("b", "a"): 2}


def test_urls_are_compared_as_written(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "x", 0, "http://X.example/?utm_source=a"),
        ("2", "b", "", "", "y", 1, "http://x.example/"),
    ]
    assert cnt(tmp_path, rows, "co_link") == {}  # the store normalises URLs; CNT does not
    assert network(tmp_path, rows, "co_link") == {("a", "b"): 1}


def test_self_loops_as_cnt_exports_them(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "5", "", "", 0, ""),
        ("2", "a", "5", "", "", 1, ""),
        ("3", "b", "5", "", "", 2, ""),
        ("4", "c", "6", "", "", 500, ""),
    ]
    assert cnt(tmp_path, rows, "co_retweet") == {("a", "b"): 2, ("b", "a"): 1}
    # Every message matches itself, so a loop weighs the user's messages with the key.
    looped = cnt(tmp_path, rows, "co_retweet", self_loops=True)
    assert looped == {("a", "a"): 2, ("a", "b"): 2, ("b", "a"): 1, ("b", "b"): 1, ("c", "c"): 1}
    assert cnt(tmp_path, rows, "co_retweet", min_weight=2, self_loops=True) == {("a", "a"): 2, ("a", "b"): 2}


def test_co_post_ignores_content(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "x", 0, ""),
        ("2", "b", "8", "", "", 3, ""),
        ("3", "c", "", "8", "y", 20, ""),
    ]
    assert cnt(tmp_path, rows, "co_post") == {("a", "b"): 1, ("b", "a"): 1}
    assert network(tmp_path, rows, "co_post") == {("a", "b"): 1}


@needs_regex
def test_co_similar_tweet_jaccard_threshold(tmp_path: Path) -> None:
    rows: list[Row] = [
        ("1", "a", "", "", "w1 w2 w3 w4", 0, ""),
        ("2", "b", "", "", "W1 w2 w3 w4 w5", 1, ""),  # 4/5 = 0.8 with a
        ("3", "c", "", "", "w1 w2 w3", 2, ""),  # 3/4 = 0.75 with a, 3/5 with b
        ("4", "d", "", "", "@someone", 3, ""),  # no tokens: matches nothing
        ("5", "e", "", "", "@other", 4, ""),
    ]
    assert cnt(tmp_path, rows, "co_similar_tweet") == {("a", "b"): 1, ("b", "a"): 1}
    edges = cnt(tmp_path, rows, "co_similar_tweet", similarity_threshold=0.75)
    assert set(edges) == {("a", "b"), ("b", "a"), ("a", "c"), ("c", "a")}
    assert ("d", "d") not in cnt(tmp_path, rows, "co_similar_tweet", self_loops=True)


def test_compat_needs_one_platform(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "store")
    load(store, cnt_file(tmp_path / "a.csv", [("1", "a", "", "", "x", 0, "")]), fmt="cnt", platform="x")
    load(store, cnt_file(tmp_path / "b.csv", [("1", "a", "", "", "x", 0, "")]), fmt="cnt", platform="weibo")
    con = store.connect()
    with pytest.raises(NetworkError, match="choose one with --platform"):
        compute_network(con, NetworkParams("co_tweet", compat="cnt"), store)
    assert compute_network(con, NetworkParams("co_tweet", compat="cnt", platform="x"), store).posts == 1
    with pytest.raises(NetworkError, match="no posts of platform 'forum'"):
        compute_network(con, NetworkParams("co_tweet", compat="cnt", platform="forum"), store)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (NetworkParams("co_like"), "unknown network kind"),
        (NetworkParams("co_tweet", compat="gephi"), "unknown compatibility mode"),
        (NetworkParams("co_tweet", window=-1), "zero or more seconds"),
        (NetworkParams("co_tweet", min_weight=0), "at least 1"),
        (NetworkParams("co_similar_tweet", similarity_threshold=0), "in \\(0, 1\\]"),
        (NetworkParams("co_tweet", self_loops=True), "add --compat cnt"),
    ],
)
def test_bad_parameters_say_what_to_change(params: NetworkParams, message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        params.validate()


# --- default mode: floodwatch's pairs -------------------------------------------------------------------------------


def test_default_mode_is_undirected_and_bounded(tmp_path: Path) -> None:
    rows: list[Row] = [(str(i), f"u{i:02d}", "77", "", "", i * 0.1, "") for i in range(30)]
    capped = network(tmp_path, rows, "co_retweet", max_neighbours=3)
    assert len(capped) == 30 * 3 - 6  # each event pairs with its 3 next ones only
    assert all(a < b for a, b in capped)
    assert len(network(tmp_path, rows, "co_retweet")) == 30 * 29 // 2
    store = EventStore(tmp_path / "store")
    con = store.connect()
    run = compute_network(con, NetworkParams("co_retweet", max_neighbours=3), store)
    assert run.capped_events == 26 and run.capped_keys == 1 and "nearest later events only" in run.notes[0]
    assert network_edges(con).column_names == list(run.columns)


# --- the fixture: CNT 1.5.2's own output ---------------------------------------------------------------------------


def read_edges(path: Path) -> list[tuple[str, ...]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == CNT_COLUMNS
    return sorted(tuple(r) for r in rows[1:])


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EventStore]:
    """The fixture CSV (a copy, so a test can take it away) ingested once for all fixture tests."""
    folder = tmp_path_factory.mktemp("cnt-fixture")
    shutil.copy(FIXTURE / "posts.csv", folder / "posts.csv")
    store = EventStore(folder / "store")
    report = load(store, folder / "posts.csv", fmt="cnt")
    assert (report.posts.loaded, report.posts.duplicate, report.posts.quarantined) == (321, 7, 0)
    yield store


def fixture_cases() -> list[tuple[str, int, int, bool]]:
    cases = []
    for path in sorted((FIXTURE / "expected").glob("co_*.csv")):
        if path.name.endswith(".cnt-raw.csv"):
            continue
        kind, config = path.stem.split("_w")
        window, min_weight, *loops = config.split("_")
        cases.append((kind, int(window), int(min_weight.removeprefix("m")), bool(loops)))
    return cases


def fixture_name(kind: str, window: int, min_weight: int, loops: bool) -> str:
    return f"{kind}_w{window}_m{min_weight}{'_loops' if loops else ''}.csv"


def test_fixture_covers_what_it_should() -> None:
    cases = fixture_cases()
    for kind in ("co_tweet", "co_retweet", "co_link", "co_reply"):
        assert {w for k, w, _, _ in cases if k == kind} == {10, 60}
    text = (FIXTURE / "posts.csv").read_bytes().decode("utf-8")
    for needle in (",\r\n", "  http", "@alice", "Ｂｕｙ", ",RT ", "ΣΑΣ", "σας"):
        assert needle in text, needle


@pytest.mark.parametrize(("kind", "window", "min_weight", "loops"), fixture_cases())
def test_compat_equals_cnt_on_the_fixture(
    fixture_store: EventStore, tmp_path: Path, kind: str, window: int, min_weight: int, loops: bool
) -> None:
    if kind == "co_similar_tweet" and not HAS_REGEX:
        pytest.skip("CNT's tokenizer needs the `regex` package")
    con = fixture_store.connect()
    params = NetworkParams(kind, window, min_weight, compat="cnt", self_loops=loops)
    run = compute_network(con, params, fixture_store)
    out = write_network(con, run, tmp_path / "edges.csv", "csv")
    con.close()
    assert run.fields_from_store == 0 and not run.notes
    expected = FIXTURE / "expected" / fixture_name(kind, window, min_weight, loops)
    assert read_edges(out) == read_edges(expected)
    if kind == "co_tweet" and (window, min_weight, loops) == (60, 1, False):
        # Byte for byte, as CNT's export writes it (it orders rows by source, target as here).
        assert out.read_bytes() == expected.read_bytes()


@pytest.mark.parametrize("kind", ["co_tweet", "co_link"])
def test_raw_fields_read_as_cnt_reads_them_when_duckdb_cannot(
    fixture_store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The raw fields come from DuckDB's CSV reader when it parses the file, else from Python's csv module as
    CNT reads it (the hand-made files above, with a LF header and CRLF rows, take that path): same edges."""
    monkeypatch.setattr(networks, "_read_originals_fast", lambda con, path: False)
    con = fixture_store.connect()
    run = compute_network(con, NetworkParams(kind, 60, 1, compat="cnt"), fixture_store)
    out = write_network(con, run, tmp_path / "edges.csv", "csv")
    con.close()
    assert run.fields_from_source == 321
    assert read_edges(out) == read_edges(FIXTURE / "expected" / f"{kind}_w60_m1.csv")


def test_cnt_empty_url_bug_only_adds_to_the_fixed_network() -> None:
    for window, min_weight, loops in ((10, 1, False), (60, 1, False), (60, 2, False), (60, 1, True)):
        fixed = {
            (s, t): int(w)
            for s, t, w, _ in read_edges(FIXTURE / "expected" / fixture_name("co_link", window, min_weight, loops))
        }
        raw_path = (
            FIXTURE / "expected" / fixture_name("co_link", window, min_weight, loops).replace(".csv", ".cnt-raw.csv")
        )
        raw = {(s, t): int(w) for s, t, w, _ in read_edges(raw_path)}
        assert all(raw.get(pair, 0) >= weight for pair, weight in fixed.items())
        assert len(raw) > len(fixed)


def test_nfkc_text_of_the_store_would_change_co_tweet(fixture_store: EventStore, tmp_path: Path) -> None:
    """Why compat mode reads the raw message back from the CSV: without it (the file gone), the store's NFKC
    text makes full-width variants equal and co_tweet differs from CNT's, which the run reports."""
    source = fixture_store.root.parent / "posts.csv"
    moved = source.rename(source.with_suffix(".away"))
    try:
        con = fixture_store.connect()
        run = compute_network(con, NetworkParams("co_tweet", 60, 1, compat="cnt"), fixture_store)
        out = write_network(con, run, tmp_path / "edges.csv", "csv")
        con.close()
    finally:
        moved.rename(source)
    assert run.fields_from_store == 321 and "NFKC" in run.notes[0]
    assert read_edges(out) != read_edges(FIXTURE / "expected" / "co_tweet_w60_m1.csv")


# --- CNT's semantics, brute force, under Hypothesis ----------------------------------------------------------------


def reference(messages: list[dict], kind: str, window: float, min_weight: int, loops: bool) -> dict:
    """CNT's SQL as plain loops: user_1's distinct messages with a message of user_2 sharing a key within window."""

    def keys(m: dict) -> set[str]:
        if kind == "co_retweet":
            return {m["repost_of"]} if m["repost_of"] else set()
        if m["repost_of"]:
            return set()
        if kind == "co_link":
            return set(m["urls"])
        return {m["reply_to"]} if kind == "co_reply" and m["reply_to"] else set()

    matched: dict[tuple[str, str], set[int]] = {}
    for i, m1 in enumerate(messages):
        for m2 in messages:
            same_user = m1["user"] == m2["user"]
            if (same_user and not loops) or not keys(m1) & keys(m2) or abs(m1["t"] - m2["t"]) > window:
                continue
            matched.setdefault((m1["user"], m2["user"]), set()).add(i)
    return {pair: len(ms) for pair, ms in matched.items() if len(ms) >= min_weight}


def posts_table(messages: list[dict]) -> pa.Table:
    n = len(messages)
    columns = {name: [None] * n for name in STORED_POST_SCHEMA.names}
    columns.update(
        platform=["x"] * n,
        post_id=[str(i) for i in range(n)],
        account_id=[m["user"] for m in messages],
        created_at=[int((T0 + m["t"]) * 1_000_000) for m in messages],
        repost_of=[m["repost_of"] for m in messages],
        reply_to=[m["reply_to"] for m in messages],
        urls_original=[m["urls"] for m in messages],
        source_file=["memory"] * n,
    )
    return pa.table({f.name: pa.array(columns[f.name], f.type) for f in STORED_POST_SCHEMA})


message_strategy = st.fixed_dictionaries(
    {
        "user": st.sampled_from(["a", "b", "c", "d"]),
        "t": st.integers(0, 40).map(float),
        "repost_of": st.sampled_from([None, None, "p1", "p2"]),
        "reply_to": st.sampled_from([None, "r1", "r2"]),
        "urls": st.lists(st.sampled_from(["u1", "u2", "u3"]), max_size=3),
    }
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    messages=st.lists(message_strategy, min_size=1, max_size=14),
    kind=st.sampled_from(["co_retweet", "co_link", "co_reply"]),
    window=st.sampled_from([0.0, 1.0, 5.0, 15.0]),
    min_weight=st.integers(1, 3),
    loops=st.booleans(),
)
def test_compat_equals_brute_force_cnt(
    messages: list[dict], kind: str, window: float, min_weight: int, loops: bool
) -> None:
    con: duckdb.DuckDBPyConnection = duck.connect()
    con.register("posts_arrow", posts_table(messages))
    con.execute("CREATE VIEW posts AS SELECT * FROM posts_arrow")
    compute_network(con, NetworkParams(kind, window, min_weight, compat="cnt", self_loops=loops))
    got = {(e["source"], e["target"]): e["weight"] for e in network_edges(con).to_pylist()}
    con.close()
    assert got == reference(messages, kind, window, min_weight, loops)


# --- writers -------------------------------------------------------------------------------------------------------


@pytest.fixture
def small_run(tmp_path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, NetworkRun]]:
    rows: list[Row] = [("1", "a", "5", "", "", 0, ""), ("2", "a", "5", "", "", 1, ""), ("3", "b", "5", "", "", 2, "")]
    store = EventStore(tmp_path / "store")
    load(store, cnt_file(tmp_path / "posts.csv", rows), fmt="cnt")
    con = store.connect()
    yield con, compute_network(con, NetworkParams("co_retweet", 10, 1, compat="cnt"), store)
    con.close()


def test_compat_writers(small_run: tuple[duckdb.DuckDBPyConnection, NetworkRun], tmp_path: Path) -> None:
    con, run = small_run
    text = write_network(con, run, tmp_path / "e.csv", "csv").read_bytes()
    assert text == b'"source","target","weight","edge_type"\r\n"a","b","2","co_retweet"\r\n"b","a","1","co_retweet"\r\n'
    assert pq.read_table(write_network(con, run, tmp_path / "e.parquet", "parquet")).to_pylist() == [
        {"source": "a", "target": "b", "weight": 2, "edge_type": "co_retweet"},
        {"source": "b", "target": "a", "weight": 1, "edge_type": "co_retweet"},
    ]
    graph = ig.Graph.Read_GraphML(str(write_network(con, run, tmp_path / "e.graphml", "graphml")))
    assert graph.is_directed() and sorted(graph.es["weight"]) == [1.0, 2.0]
    root = ET.parse(write_network(con, run, tmp_path / "e.gexf", "gexf")).getroot()
    ns = {"g": "http://gexf.net/1.3"}
    assert root.find("g:graph", ns).get("defaultedgetype") == "directed"  # type: ignore[union-attr]
    assert {(e.get("source"), e.get("target")) for e in root.iterfind(".//g:edge", ns)} == {("a", "b"), ("b", "a")}


# --- the command line ---------------------------------------------------------------------------------------------


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """floodwatch (network only)"""

    app.command("network")(network_command)
    return app


def test_command_writes_cnt_csv_from_files(tmp_path: Path) -> None:
    shutil.copy(FIXTURE / "posts.csv", tmp_path / "posts.csv")
    out = tmp_path / "out" / "co_reply.csv"
    args = ["network", "co_reply", str(tmp_path / "posts.csv"), "--compat", "cnt", "--window", "1m"]
    result = CliRunner().invoke(cli(), [*args, "--min-weight", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "co_reply network" in result.output and "directed" in result.output
    assert read_edges(out) == read_edges(FIXTURE / "expected" / "co_reply_w60_m2.csv")
    assert [p.name for p in out.parent.iterdir()] == ["co_reply.csv"]  # the scratch store is gone


def test_command_default_mode_graph_format_from_suffix(tmp_path: Path) -> None:
    out = tmp_path / "net.graphml"
    args = ["network", "co_tweet", str(FIXTURE / "posts.csv"), "--window", "60s", "--min-weight", "1"]
    result = CliRunner().invoke(cli(), [*args, "--out", str(out), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    graph = ig.Graph.Read_GraphML(str(out))
    assert not graph.is_directed() and graph.ecount() > 10
    assert (tmp_path / "d" / "catalog").is_dir()  # --data-dir keeps the store


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["co_like"], "unknown network kind 'co_like'"),
        (["co_tweet", "--compat", "gephi"], "unknown --compat 'gephi'"),
        (["co_tweet", "--window", "soon"], "cannot read the duration"),
        (["co_tweet", "--graph-format", "dot"], "unknown graph format 'dot'"),
        (["co_tweet", "--self-loops"], "add --compat cnt"),
        (["co_tweet", "missing.csv"], "missing.csv"),
        (["co_tweet", "--data-dir", "nowhere"], "no event store at nowhere"),
    ],
)
def test_command_errors_are_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli(), ["network", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not list(tmp_path.glob(".floodwatch-network-*"))
