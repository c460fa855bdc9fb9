"""Co-action events built on Spark from the store's Parquet (engines/spark_events.py) against DuckDB's: the same
rows, numbering included, on hand-made edge cases, the simulator and a Weibo sample; and the detector fed by them.

Each comparison is one Spark run over many cases at once, since every run costs tens of seconds of small jobs."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from floodwatch.detect import neardup
from floodwatch.detect.events import EventParams, create_events_table, prepare_posts
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.pipeline import ingest
from floodwatch.store.events import EventStore
from tests.conftest import load, shared_data_dir
from tests.spark.conftest import require_spark

pytestmark = pytest.mark.spark
require_spark()

from pyspark.sql import SparkSession  # noqa: E402

from floodwatch.engines.spark import SparkEngine  # noqa: E402
from floodwatch.engines.spark_events import SparkEvents, ranked  # noqa: E402

Row = tuple[int, str, str, float, int]


def both_ways(
    spark: SparkSession, store: EventStore, params: EventParams = EventParams()
) -> tuple[list[Row], list[Row]]:
    """(DuckDB's events, Spark's events) of the store, each sorted."""
    con = store.connect()
    try:
        prepare_posts(con)
        create_events_table(con, params, "duck_events")
        SparkEvents(SparkEngine(spark), store.post_files()).events_into(con, params, "spark_events")
        duck, on_spark = (sorted(con.execute(f"SELECT * FROM {t}").fetchall()) for t in ("duck_events", "spark_events"))
        return duck, on_spark
    finally:
        con.close()


BASE = "limited offer today only: the best phone deals in the whole town, visit our shop and tell your friends"


def _hand_made_posts() -> list[dict[str, object]]:
    start = datetime(2026, 3, 1, 23, 50, tzinfo=UTC)
    rows: list[dict[str, object]] = []

    def post(platform: str, post_id: str, account: str, seconds: float, text: str | None, **extra: object) -> None:
        when = (start + timedelta(seconds=seconds)).isoformat()
        rows.append(
            {"platform": platform, "post_id": post_id, "account_id": account, "created_at": when, "text": text, **extra}
        )

    # A family of 30 copies that differ only at the end: most LSH bands put all of them in one bucket, far over
    # ALL_PAIRS_MAX, so the star-and-chain rule makes the candidates. Spread over two days (two files a platform).
    for i in range(30):
        post("weibo", f"f{i}", f"army{i % 12}", i * 1500.0, f"{BASE} {i * 7919 % 1000:03d}")
    # A line separator: DuckDB's ASCII \\s keeps the texts apart, neardup's whitespace joins them: one node of two
    # input texts, a cluster without any verified pair.
    post("x", "w1", "fan1", 10.0, "WIDE letters campaign\u2028slogan number one")
    post("x", "w2", "fan2", 20.0, "WIDE letters campaign slogan number one")
    # Too short to be evidence, a repost, a reply, links, a contact, tags and mentions; the same post id on two
    # platforms (numbered by platform first).
    post("x", "p1", "fan1", 30.0, "ok ok")
    post("weibo", "p1", "fan3", 31.0, "转发微博", repost_of="f1")
    post("weibo", "p2", "fan4", 35.0, "同意楼上的说法，大家都来看看这个店铺吧", reply_to="f2")
    post(
        "x",
        "p3",
        "fan2",
        40.0,
        "deals at https://Shop.Example.com/a?utm_source=x @Seller #Deals",
        urls=["https://shop.example.com/a"],
        hashtags=["Deals"],
        mentions=["Seller"],
    )
    post("x", "p4", "fan5", 41.0, "加微信 shop8888 领取优惠券，名额有限 #Deals", hashtags=["deals"])
    post("x", "p5", "fan6", 42.0, None)
    # Unrelated texts in both languages (pseudo-random letters and characters), so most buckets are small.
    for i in range(40):
        noise = hashlib.sha256(str(i).encode()).hexdigest()
        chinese = "".join(chr(0x4E00 + int(noise[j : j + 4], 16) % 20_000) for j in range(0, 60, 3))
        post("x", f"u{i}", f"user{i}", 700.0 + i, f"note {noise[:40]}")
        post("weibo", f"z{i}", f"用户{i}", 200.0 + i, chinese)
    return rows


def test_hand_made_cases_equal_duckdb(spark: SparkSession, store: EventStore, tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _hand_made_posts()), "utf-8")
    load(store, source)
    assert len(store.post_files()) >= 4  # two platforms, two days
    duck, on_spark = both_ways(spark, store)
    assert on_spark == duck
    by_kind = Counter(kind for _, kind, *_ in duck)
    assert {"same_text", "similar_text", "url", "domain", "contact", "repost", "reply", "hashtag", "mention"} <= set(
        by_kind
    )
    similar = Counter(key for _, kind, key, _, _ in duck if kind == "similar_text")
    assert sorted(similar.values(), reverse=True)[:2] == [30, 2]  # the family, the separator pair


def test_ranked_numbers_in_byte_order(spark: SparkSession) -> None:
    """Ranks as DuckDB's ORDER BY gives them: UTF-8 byte order (not Java's UTF-16 order, which puts U+FFFF after
    U+10000), over several partitions."""
    words = ["", "a", "B", "é", "\uffff", "\U00010000", "中", "z" * 50] + [f"w{i:04d}" for i in range(300)]
    frame = spark.createDataFrame([(w,) for w in words], "word string").repartition(5)
    kept: list = []
    got = {r["word"]: r["n"] for r in ranked(frame, ["word"], "n", kept).collect()}
    for df in kept:
        df.unpersist()
    con = duckdb.connect()
    expected = dict(
        con.execute("SELECT w, row_number() OVER (ORDER BY w) - 1 FROM unnest($1) AS t(w)", [words]).fetchall()
    )
    assert got == expected


def test_simulated_store_equal_duckdb(spark: SparkSession, simulated_store: EventStore) -> None:
    duck, on_spark = both_ways(spark, simulated_store)
    assert on_spark == duck
    similar = Counter(key for _, kind, key, _, _ in duck if kind == "similar_text")
    assert len(similar) > 10 and max(similar.values()) > neardup.ALL_PAIRS_MAX


def test_weibo_sample_equal_duckdb(spark: SparkSession, tmp_path: Path) -> None:
    root = shared_data_dir() / "ced_weibo_rumor"
    if not root.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: the CED Weibo dataset is not at {root} (set FLOODWATCH_SHARED_DATA)")
    reposts = sorted((root / "rumor-repost").glob("*.json"), key=lambda p: (p.stat().st_size, p.name))[:150]
    store = EventStore(tmp_path / "store")
    ingest(store, [*(root / "original-microblog" / p.name for p in reposts), *reposts], "weibo", ReaderOptions())
    duck, on_spark = both_ways(spark, store)
    assert on_spark == duck
    assert {"repost", "reply", "same_text"} <= {kind for _, kind, *_ in duck}


def test_numbering_must_match_the_driver(spark: SparkSession, simulated_store: EventStore) -> None:
    """Spark's numbering is checked against the driver's before any event is used: other files, other counts."""
    con = simulated_store.connect()
    try:
        prepare_posts(con)
        partial = SparkEvents(SparkEngine(spark), simulated_store.post_files()[:1])
        with pytest.raises(RuntimeError, match="the store changed"):
            partial.events_into(con, EventParams(kinds=("url",)), "events")
    finally:
        con.close()
