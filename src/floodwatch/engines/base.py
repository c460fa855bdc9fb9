"""The co-action engine interface: co-action events in, co-acting account pairs out.

An *event* is one account touching one key at one time: posting a text (kind `same_text`), a near-duplicate of
it (`similar_text`), a URL (`url`), a domain (`domain`), reposting a post (`repost`), replying to one (`reply`),
using a hashtag (`hashtag`), mentioning an account (`mention`). Two accounts *co-act* when they touch the same key
within `window` seconds of each other.

Every engine returns, per key and unordered account pair, how often and how closely they co-acted, and it bounds
the work on hot keys the same way: each event is paired with at most `max_neighbours` later events of its key
(those nearest in time), so a viral post with 100k reposters costs O(n · max_neighbours), not O(n²). The number of
events whose neighbours were cut is reported, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeAlias

import duckdb
import pyarrow as pa

from floodwatch import duck

# events: platform-independent integer account ids (`aid`), the kind and key, the time in epoch seconds,
# and the post behind the event (`pid`, an integer row id of the post) for evidence.
EVENT_SCHEMA = pa.schema(
    [
        ("aid", pa.int64()),
        ("kind", pa.string()),
        ("key", pa.string()),
        ("t", pa.float64()),
        ("pid", pa.int64()),
    ]
)

# One row per (key, unordered pair): aid_a < aid_b.
KEY_PAIR_SCHEMA = pa.schema(
    [
        ("aid_a", pa.int64()),
        ("aid_b", pa.int64()),
        ("kind", pa.string()),
        ("key", pa.string()),
        ("co_actions", pa.int64()),  # event pairs within the window on this key
        ("first_t", pa.float64()),
        ("last_t", pa.float64()),
        ("min_gap", pa.float64()),  # seconds between the closest two events of the pair on this key
        ("pid_a", pa.int64()),  # one post of each account behind the closest co-action
        ("pid_b", pa.int64()),
        ("pids_a", pa.list_(pa.int64())),  # every post of each account that co-acted on this key, sorted
        ("pids_b", pa.list_(pa.int64())),
    ]
)


# Events come as a table or as a stream of batches (large runs stream them out of DuckDB, so they are never
# all held in Python memory at once).
EventSource: TypeAlias = pa.Table | pa.RecordBatchReader


@dataclass(frozen=True)
class PairParams:
    window: float = 30.0  # seconds
    max_neighbours: int = 50  # later events of the same key each event is compared with


@dataclass(frozen=True)
class PairResult:
    key_pairs: pa.Table  # KEY_PAIR_SCHEMA
    capped_events: int  # events that had more than max_neighbours later events within the window
    capped_keys: int


class CoactionEngine(Protocol):
    name: str

    def key_pairs(self, events: EventSource, params: PairParams) -> PairResult:
        """Co-acting pairs per key from EVENT_SCHEMA events."""
        ...

    def key_pairs_into(
        self, con: duckdb.DuckDBPyConnection, events_query: str, params: PairParams, table: str
    ) -> tuple[int, int]:
        """`key_pairs` of the events a query of `con` selects, appended to table `table` of `con` (created with
        KEY_PAIR_SCHEMA's columns if missing). Returns (capped events, capped keys)."""
        ...


def create_key_pair_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Table `table` of `con` with KEY_PAIR_SCHEMA's columns, unless it exists. A plain (not TEMP) table of the
    database, so that cursors streaming from it can see it."""
    con.register("_key_pair_schema", KEY_PAIR_SCHEMA.empty_table())
    try:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM _key_pair_schema")
    finally:
        con.unregister("_key_pair_schema")


class PairsThroughArrow:
    """`key_pairs_into` for an engine that computes outside `con`: the events go out as a stream of batches, the
    pairs come back as Arrow and are appended."""

    def key_pairs(self, events: EventSource, params: PairParams) -> PairResult:
        raise NotImplementedError

    def key_pairs_into(
        self, con: duckdb.DuckDBPyConnection, events_query: str, params: PairParams, table: str
    ) -> tuple[int, int]:
        # a cursor of its own, so the engine can use `con` while this stream is read
        result = self.key_pairs(con.cursor().sql(events_query).to_arrow_reader(), params)
        create_key_pair_table(con, table)
        duck.copy_arrow(con, table, result.key_pairs, append=True)
        return result.capped_events, result.capped_keys
