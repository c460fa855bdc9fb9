"""What every reader produces: raw chunks of loosely typed records plus the records it could not parse.

A reader's only job is to turn one source format into the *raw* canonical layout below (every scalar a
string, as found), keeping each record's line or record index. Typing, validation and normalisation happen
once, in `normalize.py`, so every format gets the same rules and the same quarantine reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from floodwatch.schema import STRING_LIST

LINE = "_line"  # 1-based line number (line formats) or record index (whole-document formats)

RAW_POST_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("account_id", pa.string()),
        ("created_at", pa.string()),
        ("text", pa.string()),
        ("urls", STRING_LIST),  # null means "extract from text"
        ("hashtags", STRING_LIST),
        ("mentions", STRING_LIST),
        ("reply_to", pa.string()),
        ("repost_of", pa.string()),
        ("quote_of", pa.string()),
        ("lang", pa.string()),
        (LINE, pa.int64()),
    ]
)

RAW_ACCOUNT_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("created_at", pa.string()),
        ("display_name", pa.string()),
        ("followers", pa.string()),
        ("following", pa.string()),
        ("posts_count", pa.string()),
        ("verified", pa.string()),
        ("extras", pa.string()),
        (LINE, pa.int64()),
    ]
)

POST_KIND = "post"
ACCOUNT_KIND = "account"


@dataclass(frozen=True)
class Rejected:
    """A record that goes to quarantine: where it came from, why, and the record itself."""

    source: str
    line: int
    reason: str
    raw: str
    kind: str = POST_KIND


@dataclass
class ReaderOptions:
    """Settings a reader may need; every field has a default that suits the format."""

    platform: str | None = None  # for formats without a platform field, or to override it
    column_map: Mapping[str, str] = field(default_factory=dict)  # canonical name -> source column
    naive_timezone: str | None = None  # zone of timestamps without offset; None: the format's default
    chunk_rows: int = 500_000
    records: str = POST_KIND  # what a tabular file holds: posts or accounts


@dataclass
class RawChunk:
    """Up to `ReaderOptions.chunk_rows` records of one source file."""

    source: str
    posts: pa.Table | None = None
    accounts: pa.Table | None = None
    rejects: list[Rejected] = field(default_factory=list)
    naive_timezone: str = "UTC"
    # Returns the original text of the given lines, for quarantine; None: rebuild it from the parsed fields.
    raw_lines: Callable[[list[int]], dict[int, str]] | None = None
    progress_bytes: int = 0  # bytes of the source consumed by this chunk, for progress bars


class Reader(Protocol):
    name: str
    description: str

    def read(self, path: Path, options: ReaderOptions) -> Iterator[RawChunk]: ...

    def sniff(self, path: Path, head: bytes) -> bool:
        """True when the first bytes of `path` look like this format."""
        ...


def as_text(value: Any) -> str | None:
    """A raw scalar as a string, as found: numbers keep their digits, booleans become true/false."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return orjson.dumps(value).decode()


def as_text_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for t in (as_text(v) for v in value) if t is not None]
    raise ValueError(f"expected a list of strings, got {type(value).__name__}")


def rows_to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """Build a raw table from dict rows; missing keys become nulls."""
    names = schema.names
    columns: dict[str, list[Any]] = {n: [] for n in names}
    for row in rows:
        for n in names:
            columns[n].append(row.get(n))
    return pa.table({n: pa.array(columns[n], type=schema.field(n).type) for n in names}, schema=schema)


def coerce_post(obj: Mapping[str, Any], line: int) -> dict[str, Any]:
    """A canonical-layout mapping turned into a raw post row; raises ValueError for wrong shapes."""
    row: dict[str, Any] = {
        n: as_text(obj.get(n)) for n in RAW_POST_SCHEMA.names if n not in ("urls", "hashtags", "mentions", LINE)
    }
    for n in ("urls", "hashtags", "mentions"):
        row[n] = as_text_list(obj.get(n))
    row[LINE] = line
    return row


def coerce_account(obj: Mapping[str, Any], line: int) -> dict[str, Any]:
    row: dict[str, Any] = {n: as_text(obj.get(n)) for n in RAW_ACCOUNT_SCHEMA.names if n != LINE}
    known = set(RAW_ACCOUNT_SCHEMA.names)
    extras = {k: v for k, v in obj.items() if k not in known}
    if obj.get("extras") is None and extras:
        row["extras"] = orjson.dumps(extras, default=str).decode()
    row[LINE] = line
    return row


def fill_platform(table: pa.Table, platform: str | None) -> pa.Table:
    """`--platform` fills records that lack one; a record's own platform wins."""
    if not platform:
        return table
    idx = table.schema.get_field_index("platform")
    return table.set_column(idx, "platform", pc.fill_null(table.column("platform"), pa.scalar(platform)))
