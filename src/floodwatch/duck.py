"""Small DuckDB helpers shared by every layer."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import duckdb

MEMORY_LIMIT_ENV = "FLOODWATCH_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"
TEMP_DIRECTORY_ENV = "FLOODWATCH_TEMP_DIR"


def connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A connection whose session time zone is UTC, so timestamps never shift with the machine's zone.

    DuckDB may use up to $FLOODWATCH_MEMORY_LIMIT (default 4GB) and spills beyond it to $FLOODWATCH_TEMP_DIR (default:
    the system's temporary folder), so a large run stays within memory instead of taking the machine.
    """
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    limit = os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT)
    temp = os.environ.get(TEMP_DIRECTORY_ENV) or os.path.join(tempfile.gettempdir(), "floodwatch-duckdb")
    con.execute(f"SET memory_limit = '{_literal(limit)}'")
    con.execute(f"SET temp_directory = '{_literal(temp)}'")
    return con


def _literal(value: str) -> str:
    return value.replace("'", "''")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value of a query; fetches every row so the connection is free for the next statement."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
