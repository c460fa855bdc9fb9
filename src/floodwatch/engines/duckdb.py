"""The default co-action engine: DuckDB, in-process, streaming, within memory.

Each event is numbered within its key by time; a window function finds the last event within `window` seconds,
and each event is joined only with the events numbered after it up to that one (at most `max_neighbours`).
That is an equi-join on (key, number), so the work is the size of the output, however hot a key is.
"""

from __future__ import annotations

import duckdb

from floodwatch import duck
from floodwatch.engines.base import KEY_PAIR_SCHEMA, EventSource, PairParams, PairResult

ENGINE_EVENTS = "engine_events"  # the events being paired, a temporary table of the connection

KEY_PAIRS_SQL = """
WITH numbered AS (
  SELECT aid, kind, key, t, pid,
    row_number() OVER (PARTITION BY kind, key ORDER BY t, aid, pid) AS rn
  FROM engine_events
  WHERE (kind, key) IN (SELECT kind, key FROM engine_events GROUP BY ALL HAVING count(DISTINCT aid) > 1)
), reach AS (
  SELECT *, max(rn) OVER (PARTITION BY kind, key ORDER BY t
      RANGE BETWEEN CURRENT ROW AND $window FOLLOWING) AS last_rn
  FROM numbered
), spans AS (
  SELECT *, least(last_rn, rn + $k) AS stop, last_rn - rn > $k AS capped FROM reach
), offsets AS (
  SELECT aid, kind, key, t, pid, rn + unnest(range(1, stop - rn + 1)) AS other
  FROM spans WHERE stop > rn
), joined AS (
  SELECT a.kind, a.key,
    least(a.aid, b.aid) AS aid_a, greatest(a.aid, b.aid) AS aid_b,
    a.t AS t1, b.t AS t2,
    CASE WHEN a.aid < b.aid THEN a.pid ELSE b.pid END AS pid_a,
    CASE WHEN a.aid < b.aid THEN b.pid ELSE a.pid END AS pid_b
  FROM offsets a JOIN numbered b ON a.kind = b.kind AND a.key = b.key AND b.rn = a.other
  WHERE a.aid <> b.aid
)
SELECT aid_a, aid_b, kind, key,
  count(*) AS co_actions,
  min(t1) AS first_t,
  max(t2) AS last_t,
  min(t2 - t1) AS min_gap,
  -- the closest co-action's posts; ties go to the smallest post ids, so every engine picks the same
  arg_min(pid_a, (t2 - t1, pid_a, pid_b)) AS pid_a,
  arg_min(pid_b, (t2 - t1, pid_a, pid_b)) AS pid_b,
  list_sort(list(DISTINCT pid_a)) AS pids_a,
  list_sort(list(DISTINCT pid_b)) AS pids_b
FROM joined
GROUP BY aid_a, aid_b, kind, key
"""

CAPPED_SQL = """
WITH numbered AS (
  SELECT kind, key, t, row_number() OVER (PARTITION BY kind, key ORDER BY t, aid, pid) AS rn FROM engine_events
  WHERE (kind, key) IN (SELECT kind, key FROM engine_events GROUP BY ALL HAVING count(DISTINCT aid) > 1)
), reach AS (
  SELECT kind, key, rn, max(rn) OVER (PARTITION BY kind, key ORDER BY t
      RANGE BETWEEN CURRENT ROW AND $window FOLLOWING) AS last_rn
  FROM numbered
)
SELECT count(*) FILTER (WHERE last_rn - rn > $k), count(DISTINCT (kind, key)) FILTER (WHERE last_rn - rn > $k)
FROM reach
"""


class DuckDBEngine:
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
            table = self.con.sql(KEY_PAIRS_SQL, params=_sql_params(params)).to_arrow_table()
            capped_events, capped_keys = self._capped(params)
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {ENGINE_EVENTS}")
        return PairResult(
            table.select(KEY_PAIR_SCHEMA.names).cast(KEY_PAIR_SCHEMA), int(capped_events), int(capped_keys)
        )

    def key_pairs_into(self, events_query: str, params: PairParams, table: str) -> tuple[int, int]:
        """`key_pairs` without leaving the database: the events a query of this connection selects in, rows
        appended to `table` (KEY_PAIR_SCHEMA columns, created if missing) out, so neither is ever held in Python
        memory; DuckDB keeps within its memory limit and spills the rest. Returns (capped events, capped keys)."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {ENGINE_EVENTS} AS {events_query}")
        try:
            columns = ", ".join(KEY_PAIR_SCHEMA.names)
            self.con.execute(
                f"CREATE TABLE IF NOT EXISTS {table} AS SELECT {columns} FROM ({KEY_PAIRS_SQL}) LIMIT 0",
                _sql_params(params),
            )
            self.con.execute(f"INSERT INTO {table} SELECT {columns} FROM ({KEY_PAIRS_SQL})", _sql_params(params))
            return self._capped(params)
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {ENGINE_EVENTS}")

    def _capped(self, params: PairParams) -> tuple[int, int]:
        capped_events, capped_keys = self.con.execute(CAPPED_SQL, _sql_params(params)).fetchall()[0]
        return int(capped_events), int(capped_keys)


def _sql_params(params: PairParams) -> dict[str, float | int]:
    return {"window": float(params.window), "k": int(params.max_neighbours)}
