"""Co-action events on Spark, read from the store's Parquet: the events `detect/events.py` builds in DuckDB, built
where the posts are.

On one machine DuckDB numbers the posts and builds the events in seconds. At hundreds of millions of posts that
step reads every post, so on a cluster it runs on the executors, and the driver's DuckDB receives only the events
(through the exchange folder's Parquet). Nothing is rewritten for Spark; each piece reuses the single-machine code:

- **Numbering.** `pid` and `aid` are the ranks `events.prepare_posts` gives (by platform, post_id and by platform,
  account_id), computed as a distributed global rank: a range-partitioned sort, each row's number within its
  partition (`monotonically_increasing_id` keeps it in the low 33 bits) plus the partition's offset from a small
  table of per-partition counts. No step puts all rows in one task.
- **Per-post kinds** (all but `similar_text`): their DuckDB SQL (`events.row_events_query`) runs inside each Spark
  task on its Arrow batch of posts (`mapInArrow`), the very queries, regular expressions and normalisation of the
  single-machine run.
- **similar_text**: the normalised texts come from the same SQL (`events.TEXT_NORMS_SQL`); the distinct ones are
  ranked as DuckDB orders them (the rank is the cluster id's base), renormalised, signed and verified by the NumPy
  functions of `detect/neardup.py` inside the tasks (`normalise_array`, `signature_rows`, `verify_pairs`). The
  LSH rows are partitioned by bucket, so each task holds whole buckets and proposes their candidates by
  `neardup.bucket_pairs`, the single-machine rule. The verified edges (two integers each, about one per
  near-duplicate text) go to the driver, whose `neardup.component_roots` joins them into components.

Executors therefore need Python with floodwatch installed (`pip install floodwatch[spark]`); the pairing engine
alone (engines/spark.py) does not. `spark_submit.py --events-on driver` keeps the events on the driver for
clusters without it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from floodwatch import duck
from floodwatch.detect import neardup
from floodwatch.detect.events import EVENT_COLUMNS_SQL, ROW_KINDS, TEXT_NORMS_SQL, EventParams, row_events_query
from floodwatch.engines.base import EVENT_SCHEMA
from floodwatch.engines.spark import EVENT_DDL, SparkEngine, append_parquet
from floodwatch.schema import STORED_POST_SCHEMA

# The post columns the event queries read.
POST_COLUMNS = (
    *("platform", "post_id", "account_id", "created_at"),
    *("text", "urls", "hashtags", "mentions", "repost_of", "reply_to"),
)
Query = tuple[str, dict[str, int] | None]  # SQL over table `post_ref`, and its parameters
_LOW_BITS = (1 << 33) - 1  # monotonically_increasing_id: partition index above, row number within it below
_SPARK_TYPES = {"string": "string", "timestamp[us, tz=UTC]": "timestamp", "list<item: string>": "array<string>"}


def read_posts(spark: SparkSession, files: Sequence[Path]) -> DataFrame:
    """The store's committed post files (EventStore.post_files), with the columns the events need. The files
    carry their partition columns, so directory names are not parsed."""
    columns = [f for f in STORED_POST_SCHEMA if f.name in POST_COLUMNS]
    schema = ", ".join(f"{f.name} {_SPARK_TYPES[str(f.type)]}" for f in columns)
    return (
        spark.read.schema(schema)
        .option("recursiveFileLookup", "true")  # no partition discovery from platform=/day= folders
        .parquet(*(str(f) for f in files))
        .select(*POST_COLUMNS)
    )


def _kept(frame: DataFrame, kept: list[DataFrame]) -> DataFrame:
    """`frame`, persisted (memory, then disk) until the caller unpersists everything in `kept`."""
    kept.append(frame.persist(StorageLevel.MEMORY_AND_DISK))
    return kept[-1]


def ranked(frame: DataFrame, order: Sequence[str], name: str, kept: list[DataFrame]) -> DataFrame:
    """`frame` with column `name`: 0, 1, 2, ... in the order of `order` (which must be unique per row), as
    DuckDB's `row_number() OVER (ORDER BY ...) - 1`, without a single-partition window."""
    spark = frame.sparkSession
    # kept, so the counts and the numbers below see the very same partitions
    ordered = _kept(frame.orderBy(*order).withColumn("_mid", F.monotonically_increasing_id()), kept)
    part = F.shiftright("_mid", 33)
    counts = sorted((int(r[0]), int(r[1])) for r in ordered.groupBy(part).count().collect())
    offsets, total = [], 0
    for index, count in counts:
        offsets.append((index, total))
        total += count
    table = spark.createDataFrame(offsets or [(0, 0)], "_part long, _offset long")
    return (
        ordered.join(F.broadcast(table), part == F.col("_part"))
        .withColumn(name, F.col("_offset") + F.col("_mid").bitwiseAND(F.lit(_LOW_BITS)))
        .drop("_mid", "_part", "_offset")
    )


def numbered_posts(posts: DataFrame, kept: list[DataFrame]) -> DataFrame:
    """Posts with `pid` and `aid` exactly as `events.prepare_posts` numbers them."""
    accounts = ranked(posts.select("platform", "account_id").distinct(), ["platform", "account_id"], "aid", kept)
    return ranked(posts, ["platform", "post_id"], "pid", kept).join(accounts, ["platform", "account_id"])


def _in_duckdb(batches: Iterator[pa.RecordBatch], queries: Sequence[Query]) -> Iterator[pa.RecordBatch]:
    """Each query over each batch of numbered posts, as table `post_ref` (with `t`, as prepare_posts adds it)."""
    con = duckdb.connect(config={"threads": 1})  # the tasks are the parallelism
    try:
        for batch in batches:
            con.register("_batch", pa.Table.from_batches([batch]))
            con.execute("CREATE OR REPLACE TEMP TABLE post_ref AS SELECT *, epoch(created_at) AS t FROM _batch")
            con.unregister("_batch")
            for query, params in queries:
                yield from con.sql(query, params=params).to_arrow_table().to_batches()
    finally:
        con.close()


def _row_events(posts: DataFrame, params: EventParams) -> DataFrame:
    kinds = [kind for kind in params.kinds if kind in ROW_KINDS]
    queries: list[Query] = []
    for kind in kinds:
        query, query_params = row_events_query(kind, params)
        queries.append((f"SELECT aid, kind, key, t, pid FROM ({query})", query_params))
    return posts.mapInArrow(partial(_in_duckdb, queries=queries), EVENT_DDL)


# --- similar_text ------------------------------------------------------------------------------------------------


def _renormalised(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        renorm = neardup.normalise_array(batch.column("norm")).cast(pa.string())
        yield pa.record_batch({"idx": batch.column("idx"), "renorm": renorm})


def _signed(batches: Iterator[pa.RecordBatch], params: neardup.NearDupParams) -> Iterator[pa.RecordBatch]:
    """Each node's signature (uint32 bytes, fixed length) and its band keys."""
    width = params.hashes * 4
    for batch in batches:
        n = batch.num_rows
        sig, keys = neardup.signature_rows(batch.column("renorm"), params)
        offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
        sig_column = pa.Array.from_buffers(pa.binary(), n, [None, offsets, pa.py_buffer(sig.tobytes())])
        key_values = pa.array(keys.T.ravel().astype(np.int64))
        key_offsets = pa.array(np.arange(n + 1, dtype=np.int32) * params.bands)
        yield pa.record_batch(
            {
                "node": batch.column("node"),
                "renorm": batch.column("renorm"),
                "sig": sig_column,
                "keys": pa.ListArray.from_arrays(key_offsets, key_values),
            }
        )


def _signature_matrix(column: pa.Array, hashes: int) -> np.ndarray:
    """A binary column of fixed-length signatures as a uint32 [n, hashes] array (no per-row Python)."""
    n = len(column)
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset : column.offset + n + 1]
    data = np.frombuffer(column.buffers()[2], dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
    return data.view(np.uint32).reshape(n, hashes)


def _verified(batches: Iterator[pa.RecordBatch], params: neardup.NearDupParams) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        if not batch.num_rows:
            continue
        ok = neardup.verify_pairs(
            _signature_matrix(batch.column("sig_l"), params.hashes),
            _signature_matrix(batch.column("sig_r"), params.hashes),
            batch.column("text_l"),
            batch.column("text_r"),
            params,
        )
        mask = pa.array(ok)
        yield pa.record_batch({"left": batch.column("left").filter(mask), "right": batch.column("right").filter(mask)})


def _bucket_pairs(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """`neardup.bucket_pairs` over one whole partition of (node, band, bkey) rows: a partition holds whole
    buckets, since rows are partitioned by (band, bkey)."""
    parts = [batch for batch in batches if batch.num_rows]
    if not parts:
        return
    rows = pa.Table.from_batches(parts)
    band = rows.column("band").to_numpy().astype(np.uint64)
    bucket = (band << np.uint64(32)) | rows.column("bkey").to_numpy().astype(np.uint64)
    left, right = neardup.bucket_pairs(bucket, rows.column("node").to_numpy().astype(np.int64))
    yield pa.record_batch({"left": pa.array(left), "right": pa.array(right)})


def _candidates(signed: DataFrame) -> DataFrame:
    """Candidate pairs (left < right) by `neardup`'s own rule (`bucket_pairs`), each LSH bucket in one task."""
    members = signed.select("node", F.posexplode("keys").alias("band", "bkey"))
    partitions = int(signed.sparkSession.conf.get("spark.sql.shuffle.partitions") or 200)
    grouped = members.repartition(partitions, "band", "bkey")
    return grouped.mapInArrow(_bucket_pairs, "left long, right long").distinct()


def _similar_text_events(posts: DataFrame, params: EventParams, kept: list[DataFrame]) -> DataFrame:
    """`events._similar_text_events` on Spark: the same cluster of every text, hence the same keys."""
    spark = posts.sparkSession
    nd = params.neardup
    norm_query: list[Query] = [(TEXT_NORMS_SQL, {"min_chars": params.min_text_chars})]
    norms = posts.mapInArrow(partial(_in_duckdb, queries=norm_query), "aid long, t double, pid long, norm string")
    norms = _kept(norms, kept)
    # idx: the text's place in DuckDB's `SELECT DISTINCT norm ... ORDER BY norm` (byte order in both)
    texts = ranked(norms.select("norm").distinct(), ["norm"], "idx", kept)
    renormed = _kept(texts.mapInArrow(_renormalised, "idx long, renorm string"), kept)
    # a node per distinct renormalised text, numbered by its first input text, as `neardup._dedupe` does
    nodes = renormed.groupBy("renorm").agg(F.min("idx").alias("node"), F.count(F.lit(1)).alias("inputs"))
    eligible = nodes.where(F.length("renorm") >= max(nd.min_chars, nd.shingle))
    signed = eligible.select("node", "renorm").mapInArrow(
        partial(_signed, params=nd), "node long, renorm string, sig binary, keys array<long>"
    )
    signed = _kept(signed, kept)
    left = signed.select(F.col("node").alias("left"), F.col("sig").alias("sig_l"), F.col("renorm").alias("text_l"))
    right = signed.select(F.col("node").alias("right"), F.col("sig").alias("sig_r"), F.col("renorm").alias("text_r"))
    pairs = (
        _candidates(signed)
        .join(left, "left")
        .join(right, "right")
        .select("left", "right", "sig_l", "sig_r", "text_l", "text_r")
    )
    edges = pairs.mapInArrow(partial(_verified, params=nd), "left long, right long").toArrow()
    edge_left = edges.column("left").to_numpy().astype(np.int64)
    edge_right = edges.column("right").to_numpy().astype(np.int64)
    joined_nodes, roots = neardup.component_roots(edge_left, edge_right)
    roots_frame = spark.createDataFrame(pa.table({"node": pa.array(joined_nodes), "root": pa.array(roots)}))
    # A cluster is a component of two or more input texts; its id is its first input text's rank. A node alone
    # is a cluster when several input texts share its renormalised form.
    clusters = (
        eligible.join(roots_frame, "node", "left")
        .where(F.col("root").isNotNull() | (F.col("inputs") >= 2))
        .select("renorm", F.coalesce("root", "node").alias("cluster"))
    )
    keyed = texts.join(renormed, "idx").join(clusters, "renorm").select("norm", "cluster")
    return norms.join(keyed, "norm").select(
        "aid",
        F.lit("similar_text").alias("kind"),
        F.concat(F.lit("n"), F.col("cluster").cast("string")).alias("key"),
        "t",
        "pid",
    )


def event_frame(posts: DataFrame, params: EventParams, kept: list[DataFrame]) -> DataFrame:
    """The events (EVENT_SCHEMA columns) of numbered posts (`numbered_posts`). The frames they rest on are
    persisted and listed in `kept`, for the caller to unpersist once the events are written."""
    events = _row_events(posts, params)
    if "similar_text" in params.kinds:
        events = events.unionByName(_similar_text_events(posts, params, kept))
    return events.select(*EVENT_SCHEMA.names)


class SparkEvents:
    """`events.EventBuilder` on Spark: the events of the store's post files, built on the executors, loaded into
    the driver's DuckDB through the pairing engine's exchange folder (or, without one, as Arrow)."""

    def __init__(self, engine: SparkEngine, post_files: Sequence[Path], platform: str | None = None) -> None:
        self.engine = engine
        self.post_files = list(post_files)
        self.platform = platform  # only this platform's posts, as `prepare_posts` numbers them for a network

    def events_into(self, con: duckdb.DuckDBPyConnection, params: EventParams, table: str) -> None:
        con.execute(f"CREATE OR REPLACE TABLE {table} ({EVENT_COLUMNS_SQL})")
        if not self.post_files:
            return
        kept: list[DataFrame] = []
        folder = self.engine.exchange_folder("events")
        try:
            posts = read_posts(self.engine.spark, self.post_files)
            if self.platform is not None:
                posts = posts.where(F.col("platform") == F.lit(self.platform))
            posts = numbered_posts(posts, kept)
            posts = _kept(posts.select("pid", "aid", *POST_COLUMNS), kept)
            numbered = posts.agg(F.count(F.lit(1)), F.count_distinct("aid")).collect()[0]
            expected = con.execute("SELECT (SELECT count(*) FROM post_ref), (SELECT count(*) FROM acct)").fetchall()[0]
            if (int(numbered[0]), int(numbered[1])) != tuple(int(v) for v in expected):
                raise RuntimeError(
                    f"Spark numbered {numbered[0]:,} posts of {numbered[1]:,} accounts, the driver {expected[0]:,} "
                    f"of {expected[1]:,}: the store changed during the run; run it again"
                )
            events = event_frame(posts, params, kept)
            if folder is None:
                duck.copy_arrow(con, table, events.toArrow().cast(EVENT_SCHEMA), append=True)
            else:
                events.write.parquet(str(folder))
                append_parquet(con, table, EVENT_SCHEMA.names, folder)
        finally:
            for frame in kept:
                frame.unpersist()
            if folder is not None:
                shutil.rmtree(folder.parent, ignore_errors=True)
