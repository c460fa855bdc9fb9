"""Small DuckDB helpers shared by every layer."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa

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
    temp = os.environ.get(TEMP_DIRECTORY_ENV) or os.path.join(tempfile.gettempdir(), "floodwatch-duckdb")
    con.execute(f"SET memory_limit = '{_literal(memory_limit())}'")
    con.execute(f"SET temp_directory = '{_literal(temp)}'")
    return con


def memory_limit() -> str:
    """DuckDB's memory limit: $FLOODWATCH_MEMORY_LIMIT or the default."""
    return os.environ.get(MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT)


@contextmanager
def memory_lent(con: duckdb.DuckDBPyConnection, keep: str = "1GB") -> Iterator[None]:
    """DuckDB's memory limit lowered to `keep` while NumPy work of the same process needs the memory (DuckDB
    moves its tables to the temporary directory and frees the rest), then set back to `memory_limit()`. So the
    process's peak stays near one budget, not the sum of two."""
    try:
        con.execute(f"SET memory_limit = '{_literal(keep)}'")
    except duckdb.Error:
        yield  # DuckDB cannot let go of that much now: carry on with the limit it has
        return
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{_literal(memory_limit())}'")


def _literal(value: str) -> str:
    return value.replace("'", "''")


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value of a query; fetches every row so the connection is free for the next statement."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def copy_arrow(
    con: duckdb.DuckDBPyConnection, table: str, data: pa.Table | pa.RecordBatchReader, append: bool = False
) -> None:
    """Arrow data into DuckDB table `table`: created (or replaced), or appended to. A plain (not TEMP) table of
    the database, so that cursors streaming from it can see it."""
    view = f"_{table}_arrow"
    con.register(view, data)
    try:
        if append:
            con.execute(f"INSERT INTO {table} SELECT * FROM {view}")
        else:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)
