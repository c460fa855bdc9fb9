"""Canonical Parquet: the columns of docs/formats.md, in any Arrow types that cast to them.

Timestamps may be stored as Arrow timestamps (with or without zone), epoch numbers or text; everything is
turned into the raw text layout so that normalize.py applies the same rules as for every other format.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from floodwatch.ingest.base import (
    ACCOUNT_KIND,
    LINE,
    POST_KIND,
    RAW_ACCOUNT_SCHEMA,
    RAW_POST_SCHEMA,
    RawChunk,
    ReaderOptions,
    Rejected,
    fill_platform,
)

MAGIC = b"PAR1"


def _as_raw_column(column: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_timestamp(column.type):
        # Arrow's %S carries the fraction of the column's unit; %z only where the column has a zone.
        return pc.strftime(column, format="%Y-%m-%dT%H:%M:%S" + ("%z" if column.type.tz else ""))
    if pa.types.is_list(target) and pa.types.is_string(column.type):
        return pc.split_pattern_regex(pc.utf8_trim_whitespace(column), r"\s+")
    return column.cast(target)


def _to_raw(batch: pa.RecordBatch, schema: pa.Schema, first_row: int, column_map: dict[str, str]) -> pa.Table:
    table = pa.Table.from_batches([batch])
    columns = {}
    for field in schema:
        if field.name == LINE:
            continue
        src = column_map.get(field.name, field.name)
        if src in table.column_names:
            columns[field.name] = _as_raw_column(table.column(src), field.type)
        else:
            columns[field.name] = pa.nulls(table.num_rows, field.type)
    columns[LINE] = pa.array(range(first_row, first_row + table.num_rows), type=pa.int64())
    return pa.table(columns).cast(schema)


class ParquetReader:
    name = "parquet"
    description = "canonical Parquet (posts or accounts), see docs/formats.md"

    def sniff(self, path: Path, head: bytes) -> bool:
        return head.startswith(MAGIC)

    def read(self, path: Path, options: ReaderOptions) -> Iterator[RawChunk]:
        source = str(path)
        tz = options.naive_timezone or "UTC"
        try:
            file = pq.ParquetFile(path)
            names = set(file.schema_arrow.names)
        except (pa.ArrowException, OSError) as exc:
            yield RawChunk(
                source, rejects=[Rejected(source, 0, f"not a readable Parquet file: {exc}", "")], naive_timezone=tz
            )
            return
        mapped = {options.column_map.get(n, n) for n in ("post_id",)}
        kind = POST_KIND if mapped & names else (ACCOUNT_KIND if "account_id" in names else POST_KIND)
        schema = RAW_POST_SCHEMA if kind == POST_KIND else RAW_ACCOUNT_SCHEMA
        row = 1
        try:
            for batch in file.iter_batches(batch_size=options.chunk_rows):
                table = fill_platform(_to_raw(batch, schema, row, dict(options.column_map)), options.platform)
                row += batch.num_rows
                yield RawChunk(
                    source,
                    posts=table if kind == POST_KIND else None,
                    accounts=table if kind == ACCOUNT_KIND else None,
                    naive_timezone=tz,
                    progress_bytes=0,
                )
        except (pa.ArrowException, OSError) as exc:
            # Row groups already yielded stay loaded; the rest of the file is reported as one record.
            yield RawChunk(
                source,
                rejects=[Rejected(source, row, f"unreadable Parquet data from row {row} on: {exc}", "", kind)],
                naive_timezone=tz,
            )


PARQUET = ParquetReader()
