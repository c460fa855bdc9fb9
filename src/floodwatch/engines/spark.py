"""The distributed co-action engine: the DuckDB engine's method on Apache Spark, same results, no hot executor.

The method is the DuckDB engine's (duckdb.py): number each key's events by (t, aid, pid), find for each event
the last event of its key within `window` seconds, and pair it with the events numbered after it, up to that one
and at most `max_neighbours` of them. Work is the size of the output.

What changes on a cluster is *where* each step runs. A window function partitioned by key, as DuckDB runs it,
would put every event of a viral key (or of `co_post`'s single key) on one executor. So nothing here is
partitioned by the key alone:

1. **Numbering by time bucket.** Events are grouped by (kind, key, bucket), bucket = floor(t / bucket_seconds).
   A small table of per-bucket counts gives each bucket its offset (events of the key in earlier buckets), and
   each event's number is that offset plus its rank within the bucket. A hot key is spread over as many tasks as
   it has buckets; one bucket holds what the key got in `bucket_seconds` (an hour by default).
2. **Reach by the same trick.** The last event within the window of an event at t is the number of the key's
   events at or before t + window: a running count over events and "queries" at t + window, again per bucket.
3. **Pairing by number.** Each event is expanded to the numbers of its neighbours and equi-joined with the events
   on (kind, key, number): the shuffle is hashed on the number too, so a hot key's pairs spread evenly.
4. Pairs are aggregated per (aid_a, aid_b, kind, key) exactly as DuckDB does, ties included.

docs/scaling.md has the figures and how to run it on a cluster.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from floodwatch.engines.base import (
    EVENT_SCHEMA,
    KEY_PAIR_SCHEMA,
    EventSource,
    PairParams,
    PairResult,
    PairsThroughArrow,
    create_key_pair_table,
)

KEY = ["kind", "key"]
DEFAULT_BUCKET_SECONDS = 3600.0
# A folder the driver's DuckDB and every executor can read and write (NFS, Lustre, a FUSE-mounted bucket); events
# and pairs (`detect coordination`, `network`) pass through it as Parquet. Local masters default to a temp folder.
EXCHANGE_SETTING = "spark.floodwatch.exchangeDir"
Collected = TypeVar("Collected")
# Settings every floodwatch session gets unless the user's config says otherwise: Arrow transfers between
# Python and the JVM (events in, pairs out) and adaptive execution, which also splits skewed shuffle partitions.
SESSION_DEFAULTS = {
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.skewJoin.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",  # the commands show their own progress
}


class SparkConfigError(ValueError):
    """A --spark-config file that cannot be used, or a Spark that cannot start; the message says why."""


def load_spark_config(path: Path) -> dict[str, str]:
    """spark.* settings from a TOML file, written flat (`"spark.driver.memory" = "2g"`) or as tables
    (`[spark.driver] memory = "2g"`); values are passed to Spark as strings."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SparkConfigError(f"cannot read Spark config {path}: {exc}") from None
    settings: dict[str, str] = {}

    def flatten(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                flatten(f"{prefix}.{name}" if prefix else str(name), inner)
        elif isinstance(value, bool):
            settings[prefix] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            settings[prefix] = str(value)
        else:
            raise SparkConfigError(f"{path}: {prefix} must be a string, number or boolean, not {type(value).__name__}")

    flatten("", data)
    foreign = sorted(k for k in settings if not k.startswith("spark."))
    if foreign:
        raise SparkConfigError(f"{path}: only spark.* settings belong here, found {', '.join(foreign)}")
    return settings


def spark_session(
    master: str | None = "local[*]", config: dict[str, str] | None = None, app_name: str = "floodwatch"
) -> SparkSession:
    """A SparkSession with floodwatch's defaults, then `config` on top. `master=None` keeps what spark-submit set."""
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
        if master.startswith("local"):
            # local Python workers (the events' Arrow functions) run this interpreter, which has floodwatch;
            # PySpark reads the choice from the environment when the context starts
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for name, value in {**SESSION_DEFAULTS, **(config or {})}.items():
        builder = builder.config(name, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # PySpark raises plain RuntimeErrors of several kinds when the JVM cannot start
        raise SparkConfigError(
            f"Spark could not start ({exc}); it needs Java 17 (java on PATH or JAVA_HOME) and a reachable master"
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def _bucket(value: Column, bucket_seconds: float) -> Column:
    return F.floor(value / F.lit(bucket_seconds))


def _running_events(rows: DataFrame, order: list[str], bucket_seconds: float) -> DataFrame:
    """Adds `seen`: the number of the key's event rows (is_event = 1) at or before each row in `order`, and
    `shared`: whether more than one account has events on the key.

    Per (kind, key, bucket) a running count, plus the bucket's offset: the events of the key in earlier buckets,
    from a table with one row per bucket, so no task ever holds more than one bucket of one key."""
    rows = rows.withColumn("bucket", _bucket(F.col("value"), bucket_seconds))
    per_bucket = rows.groupBy(*KEY, "bucket").agg(
        F.sum("is_event").alias("in_bucket"), F.min("aid").alias("lo"), F.max("aid").alias("hi")
    )
    whole_key = Window.partitionBy(*KEY)
    earlier = whole_key.orderBy("bucket").rowsBetween(Window.unboundedPreceding, -1)
    offsets = per_bucket.select(
        *KEY,
        "bucket",
        F.coalesce(F.sum("in_bucket").over(earlier), F.lit(0)).alias("offset"),
        (F.min("lo").over(whole_key) < F.max("hi").over(whole_key)).alias("shared"),
    )
    within = Window.partitionBy(*KEY, "bucket").orderBy(*order).rowsBetween(Window.unboundedPreceding, 0)
    counted = rows.withColumn("running", F.sum("is_event").over(within))
    return counted.join(offsets, [*KEY, "bucket"]).withColumn("seen", F.col("offset") + F.col("running"))


def _numbered(events: DataFrame, bucket_seconds: float) -> DataFrame:
    """Events of keys that more than one account touched, with rn: 1, 2, ... by (t, aid, pid) within the key.

    One account alone on a key pairs with no one, and (as in DuckDB) its events are not counted as capped."""
    rows = events.select("aid", *KEY, "t", "pid", F.col("t").alias("value"), F.lit(1).alias("is_event"))
    counted = _running_events(rows, ["value", "aid", "pid"], bucket_seconds)
    return counted.where("shared").select("aid", *KEY, "t", "pid", F.col("seen").alias("rn"))


def _spans(numbered: DataFrame, params: PairParams, bucket_seconds: float) -> DataFrame:
    """Each event with last_rn, the number of the key's last event at or before t + window (inclusive, as
    DuckDB's RANGE frame is: the same double addition t + window)."""
    event_rows = numbered.select(
        F.lit(None).cast("long").alias("aid"),
        *KEY,
        F.lit(None).cast("double").alias("t"),
        F.lit(None).cast("long").alias("pid"),
        F.lit(None).cast("long").alias("rn"),
        F.col("t").alias("value"),
        F.lit(0).alias("is_query"),
        F.lit(1).alias("is_event"),
    )
    query_rows = numbered.select(
        "aid",
        *KEY,
        "t",
        "pid",
        "rn",
        (F.col("t") + F.lit(float(params.window))).alias("value"),
        F.lit(1).alias("is_query"),
        F.lit(0).alias("is_event"),
    )
    # A query sorts after every event at its very time, so an event exactly `window` later is within reach.
    counted = _running_events(event_rows.unionByName(query_rows), ["value", "is_query"], bucket_seconds)
    k = int(params.max_neighbours)
    return (
        counted.where("is_query = 1")
        .select("aid", *KEY, "t", "pid", "rn", F.col("seen").alias("last_rn"))
        .withColumn("stop", F.least(F.col("last_rn"), F.col("rn") + F.lit(k)))
        .withColumn("capped", F.col("last_rn") - F.col("rn") > F.lit(k))
    )


def _pairs(numbered: DataFrame, spans: DataFrame) -> DataFrame:
    """Each event joined with its neighbours by number, aggregated per (aid_a, aid_b, kind, key)."""
    offsets = spans.where("stop > rn").select(
        F.col("aid").alias("aid1"),
        *KEY,
        F.col("t").alias("t1"),
        F.col("pid").alias("pid1"),
        F.explode(F.sequence(F.col("rn") + F.lit(1), F.col("stop"))).alias("rn"),
    )
    later = numbered.select(F.col("aid").alias("aid2"), *KEY, F.col("t").alias("t2"), F.col("pid").alias("pid2"), "rn")
    first_is_a = F.col("aid1") < F.col("aid2")
    joined = (
        offsets.join(later, [*KEY, "rn"])
        .where(F.col("aid1") != F.col("aid2"))
        .select(
            *KEY,
            F.least("aid1", "aid2").alias("aid_a"),
            F.greatest("aid1", "aid2").alias("aid_b"),
            "t1",
            "t2",
            F.when(first_is_a, F.col("pid1")).otherwise(F.col("pid2")).alias("pid_a"),
            F.when(first_is_a, F.col("pid2")).otherwise(F.col("pid1")).alias("pid_b"),
            (F.col("t2") - F.col("t1")).alias("gap"),
        )
    )
    # The closest co-action's posts, ties to the smallest post ids: min of (gap, pid_a, pid_b), as DuckDB's arg_min.
    closest = F.min(F.struct("gap", "pid_a", "pid_b"))
    return (
        joined.groupBy("aid_a", "aid_b", *KEY)
        .agg(
            F.count(F.lit(1)).alias("co_actions"),
            F.min("t1").alias("first_t"),
            F.max("t2").alias("last_t"),
            F.min("gap").alias("min_gap"),
            closest.alias("closest"),
            F.array_sort(F.collect_set("pid_a")).alias("pids_a"),
            F.array_sort(F.collect_set("pid_b")).alias("pids_b"),
        )
        .select(
            "aid_a",
            "aid_b",
            *KEY,
            "co_actions",
            "first_t",
            "last_t",
            "min_gap",
            F.col("closest.pid_a").alias("pid_a"),
            F.col("closest.pid_b").alias("pid_b"),
            "pids_a",
            "pids_b",
        )
    )


def pair_frames(
    events: DataFrame, params: PairParams, bucket_seconds: float = DEFAULT_BUCKET_SECONDS
) -> tuple[DataFrame, DataFrame]:
    """(key pairs as KEY_PAIR_SCHEMA columns, every event of a shared key with its `capped` flag) from an
    EVENT_SCHEMA DataFrame: the engine for callers that already hold their events in Spark."""
    numbered = _numbered(events, bucket_seconds)
    spans = _spans(numbered, params, bucket_seconds)
    return _pairs(numbered, spans), spans


def capped_counts(spans: DataFrame) -> tuple[int, int]:
    """(events whose neighbours were cut, keys they are on)."""
    row = (
        spans.where("capped").agg(F.count(F.lit(1)).alias("events"), F.count_distinct(*KEY).alias("keys")).collect()[0]
    )
    return int(row["events"]), int(row["keys"])


class SparkEngine(PairsThroughArrow):
    name = "spark"

    def __init__(
        self, spark: SparkSession, bucket_seconds: float = DEFAULT_BUCKET_SECONDS, exchange_dir: Path | None = None
    ) -> None:
        if not bucket_seconds > 0:
            raise ValueError(f"bucket_seconds must be positive, got {bucket_seconds}")
        self.spark = spark
        self.bucket_seconds = bucket_seconds
        configured = spark.conf.get(EXCHANGE_SETTING, None)
        if exchange_dir is None and configured:
            exchange_dir = Path(configured)
        if exchange_dir is None and (spark.sparkContext.master or "").startswith("local"):
            exchange_dir = Path(tempfile.gettempdir())
        self.exchange_dir = exchange_dir

    def events_frame(self, events: EventSource) -> DataFrame:
        """Arrow events as a Spark DataFrame. The stream is read whole on the driver first: the local path, where
        the driver is the machine; on a cluster, events built in Spark go to `pair_frames` directly."""
        table = events.read_all() if isinstance(events, pa.RecordBatchReader) else events
        table = table.select(EVENT_SCHEMA.names).cast(EVENT_SCHEMA)
        return self.spark.createDataFrame(table)

    def key_pairs(self, events: EventSource, params: PairParams) -> PairResult:
        table = events.read_all() if isinstance(events, pa.RecordBatchReader) else events
        if table.num_rows == 0:  # no Spark jobs for nothing (a run's rare-key pass is often empty)
            return PairResult(KEY_PAIR_SCHEMA.empty_table(), 0, 0)
        frame = self.events_frame(table)
        pairs, capped = self._run(frame, params, lambda frame_: frame_.toArrow())
        return PairResult(pairs.select(KEY_PAIR_SCHEMA.names).cast(KEY_PAIR_SCHEMA), *capped)

    def key_pairs_into(
        self, con: duckdb.DuckDBPyConnection, events_query: str, params: PairParams, table: str
    ) -> tuple[int, int]:
        """Through Parquet files in the exchange folder when there is one: DuckDB writes the events (a file per
        thread), Spark reads them in parallel and writes the pairs, DuckDB reads those. Neither events nor pairs
        pass through Python, and on a cluster neither passes through the driver's JVM."""
        events_dir = self.exchange_folder("events")
        if events_dir is None:
            return super().key_pairs_into(con, events_query, params, table)
        try:
            pairs_dir = events_dir.parent / "pairs"
            [(written,)] = con.execute(
                f"COPY ({events_query}) TO {sql_path(events_dir)} (FORMAT parquet, PER_THREAD_OUTPUT true)"
            ).fetchall()
            create_key_pair_table(con, table)
            if not written:
                return 0, 0
            frame = self.spark.read.parquet(str(events_dir)).select(
                *(F.col(f.name).cast(t) for f, t in zip(EVENT_SCHEMA, EVENT_SPARK_TYPES, strict=True))
            )
            _, capped = self._run(frame, params, lambda pairs: pairs.write.parquet(str(pairs_dir)))
            append_parquet(con, table, KEY_PAIR_SCHEMA.names, pairs_dir)
            return capped
        finally:
            shutil.rmtree(events_dir.parent, ignore_errors=True)

    def exchange_folder(self, name: str) -> Path | None:
        """A path `name` (not yet created) inside a new folder of the exchange folder, for one transfer; the
        caller removes its parent when done. None without an exchange folder."""
        if self.exchange_dir is None:
            return None
        self.exchange_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="floodwatch-", dir=self.exchange_dir)) / name

    def _run(
        self, events: DataFrame, params: PairParams, collect: Callable[[DataFrame], Collected]
    ) -> tuple[Collected, tuple[int, int]]:
        """`collect(pairs frame)` and the capped counts. Numbered events and their reach feed both, computed once,
        kept (memory, then disk) until both are read."""
        numbered = _numbered(events, self.bucket_seconds).persist()
        spans = _spans(numbered, params, self.bucket_seconds).persist()
        try:
            collected = collect(_pairs(numbered, spans))
            return collected, capped_counts(spans)
        finally:
            spans.unpersist()
            numbered.unpersist()


EVENT_SPARK_TYPES = ("bigint", "string", "string", "double", "bigint")
EVENT_DDL = ", ".join(f"{f.name} {t}" for f, t in zip(EVENT_SCHEMA, EVENT_SPARK_TYPES, strict=True))


def sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def append_parquet(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], folder: Path) -> None:
    """The Parquet files Spark wrote to `folder` (none when its result was empty), appended to `table`."""
    if any(folder.glob("*.parquet")):
        con.execute(
            f"INSERT INTO {table} SELECT {', '.join(columns)} FROM read_parquet({sql_path(folder / '*.parquet')})"
        )
