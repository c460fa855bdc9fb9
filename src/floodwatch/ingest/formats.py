"""The registry of readers and `--format auto`: which reader takes which file."""

from __future__ import annotations

from pathlib import Path

from floodwatch.ingest.base import Reader
from floodwatch.ingest.csv_table import CNT_CSV, GENERIC_CSV
from floodwatch.ingest.jsonl import JSONL
from floodwatch.ingest.parquet import PARQUET
from floodwatch.ingest.twitter import TWITTER
from floodwatch.ingest.weibo import WEIBO

SNIFF_BYTES = 65536

# Sniffing order matters: the most specific formats first, generic CSV last.
READERS: dict[str, Reader] = {r.name: r for r in (PARQUET, JSONL, TWITTER, WEIBO, CNT_CSV, GENERIC_CSV)}
AUTO = "auto"


class UnknownFormatError(ValueError):
    pass


def format_names() -> list[str]:
    return [AUTO, *READERS]


def reader_for(path: Path, name: str) -> Reader:
    """The named reader, or with `auto` the first whose sniffer accepts the file's first bytes."""
    if name != AUTO:
        try:
            return READERS[name]
        except KeyError:
            raise UnknownFormatError(f"unknown format {name!r}; choose one of {', '.join(format_names())}") from None
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    for reader in READERS.values():
        if reader.sniff(path, head):
            return reader
    raise UnknownFormatError(f"cannot tell the format of {path}; name it with --format ({', '.join(READERS)})")
