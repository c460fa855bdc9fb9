"""CSV readers: generic CSV with a column mapping by name, and the CSV of coordination-network-toolkit.

Fast path: DuckDB's CSV reader (parallel, every column as text), its rejected rows reported with line and
reason. Each good row's line number is recovered exactly when every record is one physical line; a file with
line breaks inside quoted values goes through the reference path instead (Python's csv module, record by
record, with `line_num`), which is slower but exact. Both paths give the same records.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from floodwatch import duck
from floodwatch.duck import scalar
from floodwatch.ingest.base import (
    LINE,
    RAW_ACCOUNT_SCHEMA,
    RAW_POST_SCHEMA,
    RawChunk,
    ReaderOptions,
    Rejected,
    fill_platform,
    rows_to_table,
)

BOM = "\ufeff"
INVALID_UTF8 = "invalid UTF-8 in row"
NAME = "_display_name"  # the account name column some formats carry on every post
LIST_FIELDS = ("urls", "hashtags", "mentions")

# coordination-network-toolkit's columns (its README, "Preparing Data"), mapped to the canonical names.
CNT_COLUMNS = ("message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls")
CNT_MAP = {
    "post_id": "message_id",
    "account_id": "user_id",
    "repost_of": "repost_id",
    "reply_to": "reply_id",
    "text": "message",
    "created_at": "timestamp",
    "urls": "urls",
}


class CsvFormatError(ValueError):
    """The file cannot be read as this CSV at all (no header, mapped columns missing)."""


def _header_columns(first_line: str) -> list[str]:
    """The column names of a CSV header line (its line break, \r, \n or both, may end it)."""
    line = first_line.removeprefix(BOM).rstrip("\r\n")
    try:
        row = next(csv.reader([line]), [])
    except csv.Error as exc:  # e.g. a carriage return inside the line
        raise CsvFormatError(f"the header line cannot be read as CSV: {exc}") from None
    return [c.strip() for c in row]


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        return _header_columns(fh.readline())


def _resolve_map(header: list[str], column_map: Mapping[str, str], defaults: Mapping[str, str]) -> dict[str, str]:
    """canonical name -> source column: explicit mapping, else the format's, else a column of the same name."""
    mapping = dict(defaults)
    mapping.update(column_map)
    for name in RAW_POST_SCHEMA.names:
        if name != LINE and name not in mapping and name in header:
            mapping[name] = name
    unknown_targets = sorted(set(column_map) - set(RAW_POST_SCHEMA.names))
    if unknown_targets:
        raise CsvFormatError(f"mapping names unknown fields {unknown_targets}; known: {RAW_POST_SCHEMA.names[:-1]}")
    missing = sorted({src for src in mapping.values() if src not in header})
    if missing:
        raise CsvFormatError(f"columns {missing} are mapped but not in the header {header}")
    return mapping


def _column_count_reason(expected: int, found: int) -> str:
    return f"bad CSV row: expected {expected} columns, found {found}"


def _reason(error_type: str, message: str) -> str:
    """DuckDB's reject reasons in the words of the reference path, so both paths quarantine alike."""
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if counts:
        return _column_count_reason(int(counts.group(1)), int(counts.group(2)))
    if error_type == "INVALID ENCODING":
        return INVALID_UTF8
    return f"bad CSV row: {message}"


def _physical_lines(path: Path) -> int:
    count = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 24):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (0 if last == b"\n" else 1)


class CsvReader:
    def __init__(
        self,
        name: str,
        description: str,
        defaults: Mapping[str, str],
        platform: str | None,
        name_column: str | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.defaults = dict(defaults)
        self.platform = platform
        self.name_column = name_column

    def sniff(self, path: Path, head: bytes) -> bool:
        # The first line as `_header` reads it: universal newlines end it at \r, \n or \r\n.
        first = re.split(r"\r\n|\r|\n", head.decode("utf-8", "replace"), maxsplit=1)[0]
        try:
            columns = set(_header_columns(first))
        except CsvFormatError:
            return False
        if self.defaults:
            return set(self.defaults.values()) <= columns
        return {"post_id", "account_id", "created_at"} <= columns

    def read(self, path: Path, options: ReaderOptions) -> Iterator[RawChunk]:
        source = str(path)
        tz = options.naive_timezone or "UTC"
        platform = options.platform or self.platform
        try:
            header = _header(path)
            if not header or header == [""]:
                raise CsvFormatError("the file has no header line")
            mapping = _resolve_map(header, options.column_map, self.defaults)
            if self.name_column and self.name_column not in header:
                raise CsvFormatError(f"column {self.name_column!r} is missing from the header {header}")
        except CsvFormatError as exc:
            yield RawChunk(
                source, rejects=[Rejected(source, 1, f"cannot read as {self.name}: {exc}", "")], naive_timezone=tz
            )
            return
        fast = self._fast(path, header, mapping, options)
        chunks = self._reference(path, header, mapping, options) if fast is None else fast
        for chunk in chunks:
            if chunk.posts is not None:
                chunk.posts = fill_platform(chunk.posts, platform)
            if chunk.accounts is not None:
                chunk.accounts = fill_platform(chunk.accounts, platform)
            chunk.naive_timezone = tz
            yield chunk

    def _select_sql(self, mapping: Mapping[str, str]) -> str:
        parts = []
        for name in RAW_POST_SCHEMA.names:
            if name == LINE:
                continue
            src = mapping.get(name)
            if src is None:
                parts.append(f"NULL AS {name}" if name not in LIST_FIELDS else f"NULL::VARCHAR[] AS {name}")
            elif name in LIST_FIELDS:
                # Space-separated lists (coordination-network-toolkit's convention); empty entries are dropped later.
                parts.append(f"coalesce(string_split_regex(trim(\"{src}\"), '\\s+'), []) AS {name}")
            else:
                parts.append(f'"{src}" AS {name}')
        if self.name_column:
            parts.append(f'"{self.name_column}" AS {NAME}')
        return ", ".join(parts)

    def _fast(
        self, path: Path, header: list[str], mapping: Mapping[str, str], options: ReaderOptions
    ) -> Iterator[RawChunk] | None:
        con = duck.connect()
        columns = "{" + ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for c in header) + "}"
        target = str(path).replace("'", "''")
        try:
            con.execute(
                f"CREATE TABLE rows AS SELECT {self._select_sql(mapping)} FROM read_csv('{target}', "
                f"auto_detect = false, header = true, delim = ',', quote = '\"', escape = '\"', "
                f"columns = {columns}, store_rejects = true, strict_mode = true, null_padding = false)"
            )
            rejected = con.execute(
                "SELECT line, error_type, error_message, csv_line FROM reject_errors ORDER BY line"
            ).fetchall()
        except duckdb.Error:
            return None
        total = scalar(con, "SELECT count(*) FROM rows")
        reject_lines = sorted({int(r[0]) for r in rejected})
        data_lines = _physical_lines(path) - 1
        if total + len(reject_lines) != data_lines or any(r[1] == "UNQUOTED VALUE" for r in rejected):
            return None  # quoted line breaks: only the reference path knows each record's line
        lines = np.arange(2, data_lines + 2, dtype=np.int64)
        lines = lines[~np.isin(lines, np.asarray(reject_lines, dtype=np.int64))]
        if len(lines) != total:
            return None  # DuckDB counted lines differently (stray carriage returns): the reference path decides
        source = str(path)
        seen: set[int] = set()
        rejects = []
        for line, error_type, message, csv_line in rejected:
            if int(line) in seen:
                continue
            seen.add(int(line))
            rejects.append(Rejected(source, int(line), _reason(str(error_type), str(message)), csv_line or ""))
        return self._chunks_of(con, path, lines, rejects, options)

    def _chunks_of(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        lines: np.ndarray,  # type: ignore[type-arg]
        rejects: list[Rejected],
        options: ReaderOptions,
    ) -> Iterator[RawChunk]:
        """The parsed rows, `chunk_rows` at a time in file order (DuckDB's row ids), so only one chunk is ever
        held in Python memory; the table itself lives in DuckDB, within its memory limit."""
        try:
            step = max(1, options.chunk_rows)
            starts = range(0, max(len(lines), 1), step)
            for start in starts:
                part = con.sql(
                    f"SELECT * FROM rows WHERE rowid >= {start} AND rowid < {start + step} ORDER BY rowid"
                ).to_arrow_table()
                part = part.append_column(LINE, pa.array(lines[start : start + step], type=pa.int64()))
                yield self._chunk(
                    str(path), part, rejects if start == 0 else [], path.stat().st_size if start == starts[-1] else 0
                )
        finally:
            con.close()

    def _chunk(self, source: str, table: pa.Table, rejects: list[Rejected], progress: int = 0) -> RawChunk:
        """Split the account names (if the format has them) off the posts into account records."""
        accounts = None
        if NAME in table.column_names:
            names = pa.table(
                {"account_id": table.column("account_id"), "display_name": table.column(NAME), LINE: table.column(LINE)}
            )
            names = names.filter(pc.is_valid(names.column("account_id")))
            # One record per account a chunk: its first appearance (rows are in line order). np.unique on the
            # dictionary codes is ~10x faster than a group-by joined back to the rows.
            codes = pc.dictionary_encode(names.column("account_id")).combine_chunks().indices
            _, firsts = np.unique(codes.to_numpy(zero_copy_only=False), return_index=True)
            names = names.take(pa.array(np.sort(firsts)))
            accounts = pa.table(
                {
                    n: names.column(n) if n in names.column_names else pa.nulls(names.num_rows, pa.string())
                    for n in RAW_ACCOUNT_SCHEMA.names
                }
            ).cast(RAW_ACCOUNT_SCHEMA)
            table = table.drop_columns([NAME])
        return RawChunk(
            source, posts=table.cast(RAW_POST_SCHEMA), accounts=accounts, rejects=rejects, progress_bytes=progress
        )

    def _reference(
        self, path: Path, header: list[str], mapping: Mapping[str, str], options: ReaderOptions
    ) -> Iterator[RawChunk]:
        source = str(path)
        index = {name: i for i, name in enumerate(header)}
        with open(path, "rb") as raw_fh:
            text = io.TextIOWrapper(raw_fh, encoding="utf-8", errors="surrogateescape", newline="")
            reader = csv.reader(text, strict=True)
            rows: list[dict[str, Any]] = []
            rejects: list[Rejected] = []
            last_line = 0
            try:
                next(reader)  # header
                last_line = reader.line_num
            except (csv.Error, StopIteration):
                pass
            while True:
                start = last_line + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    rejects.append(Rejected(source, start, f"bad CSV row: {exc}", ""))
                    last_line = reader.line_num
                    continue
                last_line = reader.line_num
                raw = ",".join(record)
                if any("\udc80" <= ch <= "\udcff" for value in record for ch in value):
                    shown = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    rejects.append(Rejected(source, start, INVALID_UTF8, shown))
                elif len(record) != len(header):
                    rejects.append(Rejected(source, start, _column_count_reason(len(header), len(record)), raw))
                else:
                    row: dict[str, Any] = {LINE: start}
                    for name, src in mapping.items():
                        value = record[index[src]]
                        # Empty text is null, as DuckDB's fast path reads it.
                        row[name] = value.split() if name in LIST_FIELDS else (value or None)
                    if self.name_column:
                        row[NAME] = record[index[self.name_column]] or None
                    rows.append(row)
                if len(rows) >= options.chunk_rows:
                    yield self._chunk(source, self._rows_table(rows), rejects)
                    rows, rejects = [], []
            yield self._chunk(source, self._rows_table(rows), rejects, path.stat().st_size)

    def _rows_table(self, rows: list[dict[str, Any]]) -> pa.Table:
        schema = RAW_POST_SCHEMA
        if self.name_column:
            schema = schema.append(pa.field(NAME, pa.string()))
        return rows_to_table(rows, schema)


GENERIC_CSV = CsvReader("csv", "generic CSV; map columns by name with --map or a TOML mapping file", {}, None)
CNT_CSV = CsvReader(
    "cnt",
    "coordination-network-toolkit CSV: message_id,user_id,username,repost_id,reply_id,message,timestamp,urls",
    CNT_MAP,
    "twitter",
    name_column="username",
)
