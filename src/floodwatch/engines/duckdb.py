"""The default co-action engine: DuckDB, in-process, streaming, within memory.

Each event is numbered within its key by time; a window function finds the last event within `window` seconds,
and each event is joined only with the events numbered after it up to that one (at most `max_neighbours`).
That is an equi-join on (key, number), so the work is the size of the output, however hot a key is.
"""

from __future__ import annotations

import duckdb

from floodwatch import duck
from floodwatch.engines.base import (
    KEY_PAIR_SCHEMA,
    EventSource,
    PairParams,
    PairResult,
    PairsThroughArrow,
    create_key_pair_table,
)

ENGINE_EVENTS = "engine_events"  # the events being paired, a temporary table of the connection

# Keys shared by two or more accounts get a small integer id, so the sorts, the join and the aggregation below work
# on integers rather than on (kind, key) strings; each event is numbered within its key and gets the number of the
# last event it pairs with (`stop`), once, for both the pairs and the capped counts.
KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE engine_keys AS
SELECT kind, key, row_number() OVER () AS kid FROM engine_events GROUP BY kind, key HAVING count(DISTINCT aid) > 1
"""

SPANS_SQL = """
CREATE OR REPLACE TEMP TABLE engine_spans AS
WITH numbered AS (
  SELECT k.kid, e.aid, e.t, e.pid, row_number() OVER (PARTITION BY k.kid ORDER BY e.t, e.aid, e.pid) AS rn
  FROM engine_events e JOIN engine_keys k USING (kind, key)
), reach AS (
  SELECT *, max(rn) OVER (PARTITION BY kid ORDER BY t RANGE BETWEEN CURRENT ROW AND $window FOLLOWING) AS last_rn
  FROM numbered
)
SELECT kid, aid, t, pid, rn, least(last_rn, rn + $k) AS stop, last_rn - rn > $k AS capped FROM reach
"""

KEY_PAIRS_SQL = """
WITH offsets AS (
  SELECT kid, aid, t, pid, rn + unnest(range(1, stop - rn + 1)) AS other FROM engine_spans WHERE stop > rn
), joined AS (
  SELECT a.kid,
    least(a.aid, b.aid) AS aid_a, greatest(a.aid, b.aid) AS aid_b,
    a.t AS t1, b.t AS t2,
    CASE WHEN a.aid < b.aid THEN a.pid ELSE b.pid END AS pid_a,
    CASE WHEN a.aid < b.aid THEN b.pid ELSE a.pid END AS pid_b
  FROM offsets a JOIN engine_spans b ON a.kid = b.kid AND b.rn = a.other
  WHERE a.aid <> b.aid
), pairs AS (
  SELECT aid_a, aid_b, kid,
    count(*) AS co_actions,
    min(t1) AS first_t,
    max(t2) AS last_t,
    min(t2 - t1) AS min_gap,
    -- the closest co-action's posts; ties go to the smallest post ids, so every engine picks the same
    arg_min(pid_a, (t2 - t1, pid_a, pid_b)) AS pid_a,
    arg_min(pid_b, (t2 - t1, pid_a, pid_b)) AS pid_b
  FROM joined
  GROUP BY aid_a, aid_b, kid
), several AS (
  -- the posts behind each pair, as lists only where there is more than one co-action: most pairs of a long
  -- window meet once, and their lists are their closest posts (building millions of one-element lists is slow)
  SELECT aid_a, aid_b, kid, list_sort(list(DISTINCT pid_a)) AS pids_a, list_sort(list(DISTINCT pid_b)) AS pids_b
  FROM joined SEMI JOIN (SELECT aid_a, aid_b, kid FROM pairs WHERE co_actions > 1) USING (aid_a, aid_b, kid)
  GROUP BY aid_a, aid_b, kid
)
SELECT p.aid_a, p.aid_b, k.kind, k.key, p.co_actions, p.first_t, p.last_t, p.min_gap, p.pid_a, p.pid_b,
  coalesce(s.pids_a, [p.pid_a]) AS pids_a, coalesce(s.pids_b, [p.pid_b]) AS pids_b
FROM pairs p JOIN engine_keys k USING (kid) LEFT JOIN several s USING (aid_a, aid_b, kid)
"""

CAPPED_SQL = "SELECT count(*) FILTER (WHERE capped), count(DISTINCT kid) FILTER (WHERE capped) FROM engine_spans"


class DuckDBEngine(PairsThroughArrow):
    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con or duck.connect()

    def key_pairs(self, events: EventSource, params: PairParams) -> PairResult:
        # Copied into DuckDB, where memory is bounded and spills to disk, and scanned twice from there.
        self.con.register("_engine_input", events)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {ENGINE_EVENTS} AS SELECT * FROM _engine_input")
        finally:
            self.con.unregister("_engine_input")
        try:
            self._spans(params)
            table = self.con.sql(KEY_PAIRS_SQL).to_arrow_table()
            capped_events, capped_keys = self._capped()
        finally:
            self._drop()
        return PairResult(
            table.select(KEY_PAIR_SCHEMA.names).cast(KEY_PAIR_SCHEMA), int(capped_events), int(capped_keys)
        )

    def key_pairs_into(
        self, con: duckdb.DuckDBPyConnection, events_query: str, params: PairParams, table: str
    ) -> tuple[int, int]:
        """On this engine's own connection, without leaving the database: neither the events nor the pairs are
        ever held in Python memory; DuckDB keeps within its memory limit and spills the rest."""
        if con is not self.con:
            return super().key_pairs_into(con, events_query, params, table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {ENGINE_EVENTS} AS {events_query}")
        try:
            self._spans(params)
            create_key_pair_table(self.con, table)
            columns = ", ".join(KEY_PAIR_SCHEMA.names)
            self.con.execute(f"INSERT INTO {table} SELECT {columns} FROM ({KEY_PAIRS_SQL})")
            return self._capped()
        finally:
            self._drop()

    def _spans(self, params: PairParams) -> None:
        self.con.execute(KEYS_SQL)
        self.con.execute(SPANS_SQL, {"window": float(params.window), "k": int(params.max_neighbours)})

    def _capped(self) -> tuple[int, int]:
        capped_events, capped_keys = self.con.execute(CAPPED_SQL).fetchall()[0]
        return int(capped_events), int(capped_keys)

    def _drop(self) -> None:
        for table in (ENGINE_EVENTS, "engine_keys", "engine_spans"):
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
