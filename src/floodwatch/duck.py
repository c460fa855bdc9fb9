"""Small DuckDB helpers shared by every layer."""

from __future__ import annotations

from typing import Any

import duckdb


def connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A connection whose session time zone is UTC, so timestamps never shift with the machine's zone."""
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value of a query; fetches every row so the connection is free for the next statement."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
