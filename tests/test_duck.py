"""The shared DuckDB connection settings: UTC, a memory limit from the environment, and lending memory."""

from __future__ import annotations

import duckdb
import pytest

from floodwatch import duck


def limit_is(con: duckdb.DuckDBPyConnection, expected: float) -> bool:
    """DuckDB shows its limit rounded to one decimal of its unit (2GB reads '1.8 GiB')."""
    number, unit = duck.scalar(con, "SELECT current_setting('memory_limit')").split()
    return abs(float(number) * {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}[unit] - expected) < 0.05 * expected


def test_memory_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(duck.MEMORY_LIMIT_ENV, "512MB")
    con = duck.connect()
    assert limit_is(con, 512e6)
    assert duck.scalar(con, "SELECT current_setting('TimeZone')") == "UTC"


def test_memory_is_lent_and_given_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(duck.MEMORY_LIMIT_ENV, "2GB")
    con = duck.connect()
    con.execute("CREATE TABLE t AS SELECT range AS x, repeat('x', 50) AS s FROM range(200000)")
    with duck.memory_lent(con, keep="100MB"):
        assert limit_is(con, 100e6)
        assert duck.scalar(con, "SELECT count(*) FROM t") == 200_000  # the data is still there
    assert limit_is(con, 2e9)
    with pytest.raises(RuntimeError), duck.memory_lent(con, keep="100MB"):
        raise RuntimeError("work failed")
    assert limit_is(con, 2e9)  # given back when the work fails too
