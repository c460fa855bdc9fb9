"""Canonical JSON Lines: one post (or one account) an object, keys as in docs/formats.md.

Fast path: Arrow's JSON parser on a chunk of lines. When that chunk holds anything it cannot take (a bad
line, a number where a string belongs, a blank line), the same chunk is parsed line by line with orjson,
so each bad line is quarantined on its own with its line number and the good ones still load.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.json as pajson

from floodwatch.ingest.base import (
    ACCOUNT_KIND,
    LINE,
    POST_KIND,
    RAW_ACCOUNT_SCHEMA,
    RAW_POST_SCHEMA,
    RawChunk,
    ReaderOptions,
    Rejected,
    coerce_account,
    coerce_post,
    fill_platform,
    rows_to_table,
)

BOM = b"\xef\xbb\xbf"


def detect_records(head: bytes) -> str:
    """Posts carry a post_id; a file whose first object has an account_id but no post_id holds accounts."""
    for raw in head.splitlines():
        line = raw.strip().removeprefix(BOM)
        if not line:
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return POST_KIND
        if isinstance(obj, dict) and "account_id" in obj and "post_id" not in obj:
            return ACCOUNT_KIND
        return POST_KIND
    return POST_KIND


def _parse_options(schema: pa.Schema) -> pajson.ParseOptions:
    explicit = pa.schema([f for f in schema if f.name != LINE])
    return pajson.ParseOptions(explicit_schema=explicit, unexpected_field_behavior="ignore")


def _fast(lines: list[bytes], first_line: int, schema: pa.Schema) -> pa.Table | None:
    """Arrow's parser, or None when the chunk needs the line-by-line path."""
    if any(not line.strip() for line in lines):
        return None
    data = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
    try:
        table = pajson.read_json(
            io.BytesIO(data),
            read_options=pajson.ReadOptions(block_size=max(len(data) + 1, 1 << 20)),
            parse_options=_parse_options(schema),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != len(lines):
        return None
    table = table.append_column(LINE, pa.array(range(first_line, first_line + len(lines)), type=pa.int64()))
    return table.select(schema.names).cast(schema)


def _slow(lines: list[bytes], first_line: int, source: str, kind: str) -> tuple[pa.Table, list[Rejected]]:
    coerce: Callable[[dict[str, Any], int], dict[str, Any]] = coerce_post if kind == POST_KIND else coerce_account
    schema = RAW_POST_SCHEMA if kind == POST_KIND else RAW_ACCOUNT_SCHEMA
    rows: list[dict[str, Any]] = []
    rejects: list[Rejected] = []
    for offset, raw in enumerate(lines):
        line_no = first_line + offset
        text = raw.strip()
        if not text:
            continue
        shown = text.decode("utf-8", "replace")
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            rejects.append(Rejected(source, line_no, f"invalid JSON: {exc}", shown, kind))
            continue
        if not isinstance(obj, dict):
            rejects.append(Rejected(source, line_no, f"not a JSON object but {type(obj).__name__}", shown, kind))
            continue
        try:
            rows.append(coerce(obj, line_no))
        except ValueError as exc:
            rejects.append(Rejected(source, line_no, f"wrong field type: {exc}", shown, kind))
    return rows_to_table(rows, schema), rejects


class JsonLinesReader:
    name = "jsonl"
    description = "canonical JSON Lines (posts or accounts), see docs/formats.md"

    def sniff(self, path: Path, head: bytes) -> bool:
        first = next((ln.strip().removeprefix(BOM) for ln in head.splitlines() if ln.strip()), b"")
        if not first.startswith(b"{"):
            return False
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError:
            # A long first line may be cut by the sniffing window; judge by the keys it starts with.
            return b'"post_id"' in first or b'"account_id"' in first
        return isinstance(obj, dict) and ("post_id" in obj or ("account_id" in obj and "platform" in obj))

    def read(self, path: Path, options: ReaderOptions) -> Iterator[RawChunk]:
        with open(path, "rb") as fh:
            kind = options.records if options.records != POST_KIND else detect_records(fh.read(65536))
            fh.seek(0)
            schema = RAW_POST_SCHEMA if kind == POST_KIND else RAW_ACCOUNT_SCHEMA
            source = str(path)
            first_line = 1
            while True:
                lines = list(islice(fh, options.chunk_rows))
                if not lines:
                    break
                if first_line == 1:
                    lines[0] = lines[0].removeprefix(BOM)
                table = _fast(lines, first_line, schema)
                rejects: list[Rejected] = []
                if table is None:
                    table, rejects = _slow(lines, first_line, source, kind)
                table = fill_platform(table, options.platform)
                start = first_line

                def raw_lines(wanted: list[int], lines: list[bytes] = lines, start: int = start) -> dict[int, str]:
                    return {n: lines[n - start].decode("utf-8", "replace").rstrip("\n") for n in wanted}

                yield RawChunk(
                    source=source,
                    posts=table if kind == POST_KIND else None,
                    accounts=table if kind == ACCOUNT_KIND else None,
                    rejects=rejects,
                    naive_timezone=options.naive_timezone or "UTC",
                    raw_lines=raw_lines,
                    progress_bytes=sum(len(ln) for ln in lines),
                )
                first_line += len(lines)


JSONL = JsonLinesReader()
