"""The Spark co-action engine against DuckDB: same pair tables, same capped counts, same CLI outputs.

One local[2] SparkSession for the whole file. Spark jobs cost seconds each on a busy machine, so each test
pairs many independent cases in one engine call (cases live on keys of their own, and keys never interact).
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch.detect.coordination import CoordinationParams, detect_coordination
from floodwatch.detect.events import KINDS, EventParams, build_events, prepare_posts
from floodwatch.engines.base import EVENT_SCHEMA, PairParams, PairResult
from floodwatch.engines.duckdb import DuckDBEngine
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.pipeline import ingest
from floodwatch.store.events import EventStore
from tests.conftest import shared_data_dir
from tests.spark.conftest import require_spark

pytestmark = pytest.mark.spark
require_spark()

from pyspark.sql import SparkSession  # noqa: E402

from floodwatch.engines.spark import SparkConfigError, SparkEngine, load_spark_config  # noqa: E402
from floodwatch.engines.spark_events import SparkEvents  # noqa: E402


def events(rows: list[tuple[int, str, str, float]]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"aid": a, "kind": k, "key": key, "t": t, "pid": i} for i, (a, k, key, t) in enumerate(rows)],
        schema=EVENT_SCHEMA,
    )


def rows_of(table: pa.Table, kind: str | None = None) -> list[dict[str, object]]:
    found = [r for r in table.to_pylist() if kind is None or r["kind"] == kind]
    return sorted(found, key=lambda r: (r["aid_a"], r["aid_b"], r["kind"], r["key"]))


def assert_same(spark_result: PairResult, duck_result: PairResult) -> None:
    assert spark_result.key_pairs.schema == duck_result.key_pairs.schema
    assert rows_of(spark_result.key_pairs) == rows_of(duck_result.key_pairs)
    assert (spark_result.capped_events, spark_result.capped_keys) == (
        duck_result.capped_events,
        duck_result.capped_keys,
    )


def test_hand_made_cases(spark: SparkSession) -> None:
    """Window edges, ties, self-pairs, separate kinds, evidence posts and a capped hot key, in one call, with
    one-second buckets so the hot key and the window both cross bucket boundaries."""
    hot_n, k = 300, 5
    cases: list[tuple[int, str, str, float]] = [
        (1, "url", "boundary", 100.0),
        (2, "url", "boundary", 130.0),  # exactly one window later: in
        (3, "url", "boundary", 160.5),  # 30.5 s after the 2nd: out
        (1, "url", "self", 0.0),
        (1, "url", "self", 1.0),
        (1, "url", "x", 0.0),
        (2, "hashtag", "x", 0.0),
        (3, "url", "y", 0.0),
        (1, "url", "closest", 0.0),
        (2, "url", "closest", 20.0),
        (1, "url", "closest", 19.0),
        # seven events at one instant: which neighbours each gets under the cap follows ORDER BY t, aid, pid
        *[(aid, "repost", "ties", 7.0) for aid in (5, 3, 3, 1, 4, 2, 6)],
        *[(1000 + i, "repost", "hot", 50.0 + i * 0.01) for i in range(hot_n)],
    ]
    table = events(cases)
    params = PairParams(window=30.0, max_neighbours=k)
    result = SparkEngine(spark, bucket_seconds=1.0).key_pairs(
        pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), params
    )
    assert_same(result, DuckDBEngine().key_pairs(table, params))

    by_key: dict[str, list[dict[str, object]]] = {}
    for row in rows_of(result.key_pairs):
        by_key.setdefault(str(row["key"]), []).append(row)
    assert [(r["aid_a"], r["aid_b"], r["min_gap"]) for r in by_key["boundary"]] == [(1, 2, 30.0)]
    assert "self" not in by_key and "x" not in by_key and "y" not in by_key
    [closest] = by_key["closest"]
    assert (closest["co_actions"], closest["min_gap"], closest["pid_a"], closest["pid_b"]) == (2, 1.0, 10, 9)
    assert len(by_key["hot"]) == sum(min(k, hot_n - 1 - i) for i in range(hot_n))
    # ties: of 7 events at one instant only the first by (aid, pid) has more than k = 5 later ones
    assert result.capped_events == (hot_n - 1 - k) + 1 and result.capped_keys == 2


event_rows = st.lists(
    st.tuples(
        st.integers(0, 8),
        st.sampled_from(["url", "repost", "hashtag"]),
        st.sampled_from(["k1", "k2", "k3", "k4"]),
        st.integers(0, 480).map(lambda q: q / 4),  # quarter seconds: exact ties and exact window edges
    ),
    max_size=200,
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=event_rows,
    window=st.sampled_from([0.0, 5.0, 30.0]),
    k=st.sampled_from([1, 3, 50]),
    bucket=st.sampled_from([0.5, 7.0, 3600.0]),
)
def test_random_events_equal_duckdb(
    spark: SparkSession, rows: list[tuple[int, str, str, float]], window: float, k: int, bucket: float
) -> None:
    table = events(rows)
    params = PairParams(window=window, max_neighbours=k)
    assert_same(SparkEngine(spark, bucket).key_pairs(table, params), DuckDBEngine().key_pairs(table, params))


def _store_events(store: EventStore) -> pa.Table:
    con = store.connect()
    try:
        prepare_posts(con)
        return build_events(con, EventParams())
    finally:
        con.close()


def _compare_every_kind(spark: SparkSession, table: pa.Table, windows: tuple[float, ...]) -> set[str]:
    """Both engines on all kinds at once (kinds never meet), compared kind by kind; the kinds that paired."""
    paired: set[str] = set()
    for window in windows:
        params = PairParams(window=window, max_neighbours=50)
        fast, slow = SparkEngine(spark).key_pairs(table, params), DuckDBEngine().key_pairs(table, params)
        for kind in KINDS:
            assert rows_of(fast.key_pairs, kind) == rows_of(slow.key_pairs, kind), (kind, window)
            paired |= {kind} if rows_of(slow.key_pairs, kind) else set()
        assert (fast.capped_events, fast.capped_keys) == (slow.capped_events, slow.capped_keys)
    return paired


def test_pairs_into_a_table_through_parquet_and_through_arrow(spark: SparkSession, tmp_path: Path) -> None:
    """`detect coordination`'s path: the events a query selects, pairs appended to a table of the connection.
    Through the exchange folder's Parquet files, through Arrow (no exchange folder), and in DuckDB in place, the
    tables are the same; an empty selection appends nothing and runs no Spark job."""
    rng_rows = [(i % 7, "url", f"k{i % 5}", float((i * 37) % 400)) for i in range(300)]
    con = duckdb.connect()
    con.register("_rows", events(rng_rows))
    con.execute("CREATE TABLE ev AS SELECT * FROM _rows")
    params = PairParams(window=60.0, max_neighbours=3)
    through_parquet = SparkEngine(spark, exchange_dir=tmp_path / "exchange")
    through_arrow = SparkEngine(spark)
    through_arrow.exchange_dir = None
    engines = {"duck": DuckDBEngine(con), "parquet": through_parquet, "arrow": through_arrow}
    found = {}
    for name, engine in engines.items():
        capped = [engine.key_pairs_into(con, f"SELECT * FROM ev WHERE key {op} 'k2'", params, name) for op in "<>="]
        found[name] = (rows_of(con.table(name).to_arrow_table()), capped)
    assert found["parquet"] == found["duck"] == found["arrow"]
    assert found["duck"][0] and found["duck"][1][0][0] > 0  # pairs, and hot keys capped
    assert through_parquet.key_pairs_into(con, "SELECT * FROM ev WHERE false", params, "none") == (0, 0)
    assert con.execute("SELECT count(*) FROM none").fetchall() == [(0,)]
    assert list((tmp_path / "exchange").iterdir()) == []  # each call's files are removed


def test_simulated_world_every_kind_two_windows(spark: SparkSession, simulated_store: EventStore) -> None:
    paired = _compare_every_kind(spark, _store_events(simulated_store), (30.0, 900.0))
    assert {"same_text", "similar_text", "url", "repost", "hashtag"} <= paired


def test_weibo_sample_two_windows(spark: SparkSession, tmp_path: Path) -> None:
    root = shared_data_dir() / "ced_weibo_rumor"
    if not root.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: the CED Weibo dataset is not at {root} (set FLOODWATCH_SHARED_DATA)")
    # 300 files: the 150 smallest repost trees (each up to ~150 reposts and comments) and their original posts
    reposts = sorted((root / "rumor-repost").glob("*.json"), key=lambda p: (p.stat().st_size, p.name))[:150]
    originals = [root / "original-microblog" / p.name for p in reposts]
    store = EventStore(tmp_path / "store")
    report = ingest(store, [*originals, *reposts], "weibo", ReaderOptions())
    assert report.posts.loaded > 10_000
    paired = _compare_every_kind(spark, _store_events(store), (30.0, 900.0))
    assert {"repost", "reply"} <= paired


def _cli() -> typer.Typer:
    from floodwatch.commands.detect import detect_app
    from floodwatch.commands.network import network_command

    app = typer.Typer()
    app.add_typer(detect_app, name="detect")
    app.command("network")(network_command)
    return app


def _sorted_lines(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [lines[0], *sorted(lines[1:])]


def test_network_cli_and_coordination_match(spark: SparkSession, simulated_store: EventStore, tmp_path: Path) -> None:
    """`floodwatch network co_post` (every post on one key: the hot-key case) writes the same edges.csv with
    --engine spark as with DuckDB, and the coordination detector, its events and pairs on Spark, finds the same
    accounts and edges."""
    data = ["--data-dir", str(simulated_store.root)]
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine / "co_post.csv"
        done = CliRunner().invoke(_cli(), ["network", "co_post", *data, "--out", str(out), "--engine", engine])
        assert done.exit_code == 0, done.output
    duck_lines = _sorted_lines(tmp_path / "duckdb" / "co_post.csv")
    assert len(duck_lines) > 1 and _sorted_lines(tmp_path / "spark" / "co_post.csv") == duck_lines

    # The chance model's rounds are more of the same engine calls; without them the run is two calls long.
    params = CoordinationParams(null_rounds=0)
    found = {}
    for name in ("duckdb", "spark"):
        con = simulated_store.connect()
        if name == "duckdb":
            result = detect_coordination(con, DuckDBEngine(con), params)
        else:  # events and pairs on Spark
            engine = SparkEngine(spark)
            result = detect_coordination(con, engine, params, events=SparkEvents(engine, simulated_store.post_files()))
        found[name] = (sorted(result.accounts.to_pylist(), key=str), sorted(result.edges.to_pylist(), key=str))
        con.close()
    assert found["duckdb"][0] and found["duckdb"][1]
    assert found["spark"] == found["duckdb"]


def test_network_of_one_platform_matches(spark: SparkSession, simulated_store: EventStore, tmp_path: Path) -> None:
    """`network co_similar_tweet --platform douyin --engine spark`: the events of that platform's posts alone, built
    and paired on Spark, give DuckDB's edges."""
    data = ["--data-dir", str(simulated_store.root), "--platform", "douyin"]
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine / "similar.csv"
        args = ["network", "co_similar_tweet", *data, "--out", str(out), "--engine", engine, "--window", "15m"]
        done = CliRunner().invoke(_cli(), args)
        assert done.exit_code == 0, done.output
    duck_lines = _sorted_lines(tmp_path / "duckdb" / "similar.csv")
    edges = list(csv.DictReader(duck_lines))
    assert edges and {(e["platform_a"], e["platform_b"]) for e in edges} == {("douyin", "douyin")}
    assert _sorted_lines(tmp_path / "spark" / "similar.csv") == duck_lines


def test_spark_submit_network_matches_cli(spark: SparkSession, simulated_store: EventStore, tmp_path: Path) -> None:
    from floodwatch.engines import spark_submit

    spark_submit.main(["network", "co_retweet", str(simulated_store.root), "--out", str(tmp_path / "spark.csv")])
    args = ["network", "co_retweet", "--data-dir", str(simulated_store.root), "--out", str(tmp_path / "duck.csv")]
    done = CliRunner().invoke(_cli(), args)
    assert done.exit_code == 0, done.output
    assert len(_sorted_lines(tmp_path / "duck.csv")) > 1
    assert _sorted_lines(tmp_path / "spark.csv") == _sorted_lines(tmp_path / "duck.csv")


def test_spark_config_files(tmp_path: Path) -> None:
    flat = tmp_path / "flat.toml"
    flat.write_text('"spark.driver.memory" = "2g"\n"spark.sql.shuffle.partitions" = 8\n', encoding="utf-8")
    assert load_spark_config(flat) == {"spark.driver.memory": "2g", "spark.sql.shuffle.partitions": "8"}
    nested = tmp_path / "nested.toml"
    nested.write_text('[spark.executor]\nmemory = "4g"\n[spark.sql.adaptive]\nenabled = false\n', encoding="utf-8")
    assert load_spark_config(nested) == {"spark.executor.memory": "4g", "spark.sql.adaptive.enabled": "false"}
    foreign = tmp_path / "foreign.toml"
    foreign.write_text('memory = "2g"\n', encoding="utf-8")
    with pytest.raises(SparkConfigError, match="only spark"):
        load_spark_config(foreign)
    broken = tmp_path / "broken.toml"
    broken.write_text("spark.driver.memory = \n", encoding="utf-8")
    with pytest.raises(SparkConfigError, match="cannot read"):
        load_spark_config(broken)


def test_bad_bucket_is_refused(spark: SparkSession) -> None:
    with pytest.raises(ValueError, match="bucket_seconds"):
        SparkEngine(spark, bucket_seconds=0.0)


def test_cli_refuses_bad_spark_options(simulated_store: EventStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('executor_memory = "4g"\n', encoding="utf-8")
    data = ["--data-dir", str(simulated_store.root), "--engine", "spark"]
    done = CliRunner().invoke(_cli(), ["network", "co_post", *data, "--spark-config", str(bad)])
    assert done.exit_code == 2 and "only spark" in done.output
    done = CliRunner().invoke(_cli(), ["network", "co_post", *data, "--compat", "cnt"])
    assert done.exit_code == 2 and "--compat cnt" in done.output
    done = CliRunner().invoke(_cli(), ["detect", "coordination", *data, "--spark-config", str(tmp_path / "none.toml")])
    assert done.exit_code == 2 and "cannot read Spark config" in done.output


def test_detect_coordination_cli_writes_the_same_files(
    spark: SparkSession, simulated_store: EventStore, tmp_path: Path
) -> None:
    """`floodwatch detect coordination --engine spark`, events and pairs on Spark, chance model included, writes
    the accounts.csv and edges.csv DuckDB writes. (The command's session is the running test session.)"""
    data = ["--data-dir", str(simulated_store.root), "--kinds", "similar_text,url"]
    for engine in ("duckdb", "spark"):
        args = ["detect", "coordination", *data, "--out", str(tmp_path / engine), "--engine", engine]
        done = CliRunner().invoke(_cli(), [*args, "--spark-master", "local[2]"])
        assert done.exit_code == 0, done.output
    for name in ("accounts.csv", "edges.csv"):
        duck_lines = _sorted_lines(tmp_path / "duckdb" / name)
        assert len(duck_lines) > 1 and _sorted_lines(tmp_path / "spark" / name) == duck_lines, name
