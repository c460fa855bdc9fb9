"""`floodwatch redact [FILE|-]`: mask personal data in text, CSV or JSON Lines, keeping the kind visible.

Records stream through in batches (the vectorised pre-filter skips texts without candidates), so any size of
input runs in bounded memory. With --out the result is written to a temporary file and renamed at the end: a
failed run leaves no half-redacted file behind.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Optional, TypeVar

import orjson
import typer
from rich.markup import escape

from floodwatch.commands.common import errors, fail
from floodwatch.detect.pii import KINDS, LABELS, redact_texts

FORMATS = ("text", "csv", "jsonl")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
BATCH = 4096
T = TypeVar("T")


class InputError(Exception):
    """A record that cannot be read in the chosen format."""


def _kinds(value: str | None) -> tuple[str, ...]:
    if not value:
        return KINDS
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise fail(f"unknown kinds {unknown}; choose from {', '.join(KINDS)}")
    return kinds


def _batches(items: Iterator[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for line in items:
        batch.append(line)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def redact_text(src: IO[str], dst: IO[str], kinds: tuple[str, ...], tally: Counter[str]) -> int:
    count = 0
    for batch in _batches(iter(src)):
        dst.writelines(redact_texts(batch, kinds, tally).to_pylist())
        count += len(batch)
    return count


def redact_csv(src: IO[str], dst: IO[str], kinds: tuple[str, ...], tally: Counter[str], columns: list[str]) -> int:
    reader = csv.reader(src)
    writer = csv.writer(dst, lineterminator="\n")
    header = next(reader, None)
    if header is None:
        return 0
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(f"no column {', '.join(missing)} in the CSV header (columns: {', '.join(header)})")
    writer.writerow(header)
    positions = [header.index(c) for c in columns]
    count = 0
    for records in _batches(reader):
        for pos in positions:
            values = [r[pos] if pos < len(r) else None for r in records]
            for r, value in zip(records, redact_texts(values, kinds, tally).to_pylist(), strict=True):
                if pos < len(r):
                    r[pos] = value
        writer.writerows(records)
        count += len(records)
    return count


def redact_jsonl(src: IO[str], dst: IO[str], kinds: tuple[str, ...], tally: Counter[str], columns: list[str]) -> int:
    count = 0
    for batch in _batches(iter(src)):
        records: list[object] = []
        for offset, line in enumerate(batch):
            if not line.strip():
                records.append(None)
                continue
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                raise InputError(f"line {count + offset + 1} is not JSON: {exc}") from None
        for column in columns:
            values = [
                r.get(column) if isinstance(r, dict) and isinstance(r.get(column), str) else None for r in records
            ]
            for r, value in zip(records, redact_texts(values, kinds, tally).to_pylist(), strict=True):
                if value is not None and isinstance(r, dict):
                    r[column] = value
        dst.writelines(("\n" if r is None else orjson.dumps(r).decode() + "\n") for r in records)
        count += len(batch)
    return count


@contextmanager
def _output(out: Path | None) -> Iterator[IO[str]]:
    """stdout, or a temporary file beside `out` renamed over it when the block ends without error."""
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _input(file: str) -> Iterator[IO[str]]:
    if file == "-":
        yield sys.stdin
        return
    path = Path(file)
    if not path.is_file():
        raise fail(f"no such file: {file}")
    with path.open(encoding="utf-8", newline="") as fh:
        yield fh


def redact_command(
    file: Annotated[str, typer.Argument(help="File to redact; - (the default) reads standard input.")] = "-",
    kinds: Annotated[
        Optional[str], typer.Option(help=f"Comma-separated kinds to mask \\[default: all: {','.join(KINDS)}].")
    ] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write here instead of standard output.")] = None,
    fmt: Annotated[
        Optional[str],
        typer.Option("--format", "-f", help="text, csv or jsonl \\[default: from the file name, else text]."),
    ] = None,
    column: Annotated[
        str, typer.Option("--column", "-c", help="CSV column(s) or JSON field(s) to mask, comma-separated.")
    ] = "text",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on standard error.")] = False,
) -> None:
    """Mask personal data (ID numbers, phones, bank cards, e-mail, plates, addresses, SSNs) in a file.

    Each value becomes its kind's label, e.g. 13812345678 -> [MOBILE_CN], so the text stays readable and the
    kind of data stays visible. Text is masked line by line; CSV and JSON Lines in the given column(s) only.

    Examples:

      floodwatch redact posts.jsonl --out posts.redacted.jsonl

      cat notes.txt | floodwatch redact - --kinds id_cn,mobile_cn

      floodwatch redact export.csv --column text,bio --out export.redacted.csv
    """
    chosen = _kinds(kinds)
    if fmt is None:
        fmt = SUFFIXES.get(Path(file).suffix.lower(), "text") if file != "-" else "text"
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    columns = [c.strip() for c in column.split(",") if c.strip()]
    if not columns:
        raise fail("--column names no column")
    tally: Counter[str] = Counter()
    try:
        with _input(file) as src, _output(out) as dst:
            if fmt == "csv":
                records = redact_csv(src, dst, chosen, tally, columns)
            elif fmt == "jsonl":
                records = redact_jsonl(src, dst, chosen, tally, columns)
            else:
                records = redact_text(src, dst, chosen, tally)
    except InputError as exc:
        raise fail(f"{file}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise fail(f"{file} is not UTF-8 text: {exc}") from None
    except csv.Error as exc:
        raise fail(f"{file}: {exc}") from None
    if not quiet:
        found = ", ".join(f"{LABELS[k]} {n:,}" for k, n in sorted(tally.items(), key=lambda kv: KINDS.index(kv[0])))
        unit = "lines" if fmt == "text" else "records"
        where = f" to {out}" if out else ""
        errors.print(
            escape(
                f"masked {sum(tally.values()):,} values in {records:,} {unit}{where}" + (f": {found}" if found else "")
            )
        )
