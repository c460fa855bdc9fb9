"""The DuckDB co-action engine against the pure-Python reference, window edges and hot-key bounds."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from floodwatch import duck
from floodwatch.engines.base import EVENT_SCHEMA, PairParams
from floodwatch.engines.duckdb import DuckDBEngine
from floodwatch.engines.reference import ReferenceEngine


def events(rows: list[tuple[int, str, str, float]]) -> pa.Table:
    return pa.Table.from_pylist(
        [{"aid": a, "kind": k, "key": key, "t": t, "pid": i} for i, (a, k, key, t) in enumerate(rows)],
        schema=EVENT_SCHEMA,
    )


def pairs(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda r: (r["aid_a"], r["aid_b"], r["kind"], r["key"]))


event_rows = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.sampled_from(["url", "repost"]),
        st.sampled_from(["k1", "k2", "k3"]),
        st.integers(0, 120).map(float),
    ),
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(rows=event_rows, window=st.sampled_from([0.0, 5.0, 30.0]), k=st.sampled_from([1, 3, 50]))
def test_duckdb_engine_equals_reference(rows: list[tuple[int, str, str, float]], window: float, k: int) -> None:
    table = events(rows)
    params = PairParams(window=window, max_neighbours=k)
    fast = DuckDBEngine().key_pairs(table, params)
    slow = ReferenceEngine().key_pairs(table, params)
    assert pairs(fast.key_pairs) == pairs(slow.key_pairs)
    assert (fast.capped_events, fast.capped_keys) == (slow.capped_events, slow.capped_keys)


@settings(max_examples=25, deadline=None)
@given(rows=event_rows, k=st.sampled_from([1, 50]))
def test_pairs_into_a_table_in_place_and_through_arrow_agree(rows: list[tuple[int, str, str, float]], k: int) -> None:
    """Every engine appends to a table of the caller's connection: the DuckDB engine in place on its own
    connection, the others (and DuckDB on another connection) through Arrow; two runs append, as the detector's
    common-key and rare-key passes do."""
    params = PairParams(window=30.0, max_neighbours=k)
    con = duck.connect()
    con.register("_rows", events(rows))
    con.execute("CREATE TABLE ev AS SELECT * FROM _rows")
    engines = {"in_place": DuckDBEngine(con), "other_con": DuckDBEngine(), "reference": ReferenceEngine()}
    tables = {}
    for name, engine in engines.items():
        capped = [engine.key_pairs_into(con, f"SELECT * FROM ev WHERE key {op} 'k1'", params, name) for op in "=<>"]
        tables[name] = (pairs(con.table(name).to_arrow_table()), capped)
    assert tables["in_place"] == tables["other_con"] == tables["reference"]
    assert tables["in_place"][0] == pairs(ReferenceEngine().key_pairs(events(rows), params).key_pairs)


def test_window_boundary_is_inclusive() -> None:
    table = events([(1, "url", "u", 100.0), (2, "url", "u", 130.0), (3, "url", "u", 160.5)])
    result = DuckDBEngine().key_pairs(table, PairParams(window=30.0))
    assert [(r["aid_a"], r["aid_b"]) for r in pairs(result.key_pairs)] == [(1, 2)]
    assert pairs(result.key_pairs)[0]["min_gap"] == 30.0


def test_same_account_never_pairs_with_itself() -> None:
    table = events([(1, "url", "u", 0.0), (1, "url", "u", 1.0), (1, "url", "u", 2.0)])
    assert DuckDBEngine().key_pairs(table, PairParams()).key_pairs.num_rows == 0


def test_hot_key_work_is_bounded_and_reported() -> None:
    n, k = 2_000, 5
    table = events([(i, "repost", "viral", float(i) * 0.01) for i in range(n)])  # all within 20 s
    result = DuckDBEngine().key_pairs(table, PairParams(window=30.0, max_neighbours=k))
    # each event meets at most k later events: n*k minus the short tail, instead of n*(n-1)/2
    assert result.key_pairs.num_rows == sum(min(k, n - 1 - i) for i in range(n))
    assert result.capped_events == n - 1 - k
    assert result.capped_keys == 1


def test_kinds_and_keys_are_separate() -> None:
    table = events([(1, "url", "x", 0.0), (2, "hashtag", "x", 0.0), (3, "url", "y", 0.0)])
    assert DuckDBEngine().key_pairs(table, PairParams()).key_pairs.num_rows == 0


def test_closest_posts_are_the_evidence() -> None:
    table = events([(1, "url", "u", 0.0), (2, "url", "u", 20.0), (1, "url", "u", 19.0)])
    [row] = pairs(DuckDBEngine().key_pairs(table, PairParams()).key_pairs)
    assert row["co_actions"] == 2 and row["min_gap"] == 1.0
    assert (row["pid_a"], row["pid_b"]) == (2, 1)
