"""The findings log: every detector run appends its findings to the data directory, and nothing is rewritten.

One JSON Lines file a run (`findings/<time>-<detector>.jsonl`), written to a temporary name, synced and renamed
into place, so a killed run leaves either its whole file or nothing. Findings are content-addressed (`Finding.id`),
so a rerun that finds the same thing adds no new finding: readers keep the first record of each id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson

from floodwatch.schema import Finding
from floodwatch.store.events import sql_list, write_atomically

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
VIEW_COLUMNS = (
    ("id", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("score", "DOUBLE"),
    ("subjects", "JSON"),
    ("start", "TIMESTAMPTZ"),
    ("end", "TIMESTAMPTZ"),
    ("explanation", "VARCHAR"),
    ("evidence", "JSON"),
    ("detector", "VARCHAR"),
    ("detector_version", "VARCHAR"),
    ("parameters", "JSON"),
)


class FindingStore:
    """Append-only findings of all detectors under `<data_dir>/findings/`."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "findings"

    def files(self) -> list[Path]:
        """Committed run files, oldest first (names start with the run time)."""
        return sorted(self.dir.glob("*.jsonl")) if self.dir.is_dir() else []

    def append(self, findings: Iterable[Finding], detector: str) -> Path | None:
        """Write one run's findings; returns the file, or None when the run found nothing new."""
        known = {record["id"] for record in self.records()}
        lines = [f.to_json_line() for f in findings if f.id not in known]
        if not lines:
            return None
        self.dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.dir / f"{stamp}-{_UNSAFE.sub('_', detector)}.jsonl"
        write_atomically(path, b"".join(lines))
        return path

    def records(self, kinds: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """Each finding once, as `Finding.to_dict()` records, oldest run first."""
        wanted = set(kinds) if kinds is not None else None
        seen: set[str] = set()
        for path in self.files():
            for line in path.read_bytes().splitlines():
                record = orjson.loads(line)
                if record["id"] in seen or (wanted is not None and record["kind"] not in wanted):
                    continue
                seen.add(record["id"])
                yield record

    def define_view(self, con: duckdb.DuckDBPyConnection) -> None:
        """A `findings` view (one row a finding; subjects and evidence as JSON) on `con`."""
        files = self.files()
        if not files:
            nulls = ", ".join(f'NULL::{kind} AS "{name}"' for name, kind in VIEW_COLUMNS)
            con.execute(f"CREATE OR REPLACE VIEW findings AS SELECT {nulls} WHERE false")
            return
        spec = ", ".join(f"\"{name}\": '{kind}'" for name, kind in VIEW_COLUMNS)
        con.execute(
            "CREATE OR REPLACE VIEW findings AS SELECT * EXCLUDE (rn, filename) FROM ("
            " SELECT *, row_number() OVER (PARTITION BY id ORDER BY filename) AS rn"
            f" FROM read_json({sql_list(files)}, format = 'newline_delimited', filename = true, columns = {{{spec}}})"
            ") WHERE rn = 1"
        )
