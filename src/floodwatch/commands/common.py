"""What every command shares: consoles, errors without tracebacks, options, ingest with a progress bar."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.formats import UnknownFormatError
from floodwatch.ingest.pipeline import IngestReport, ingest
from floodwatch.schema import Finding
from floodwatch.store.events import EventStore, StoreBusyError
from floodwatch.store.findings import FindingStore

console = Console()
errors = Console(stderr=True)

MAX_FILE_ROWS = 15

DataDirOption = Annotated[
    Optional[Path],
    typer.Option("--data-dir", help="Event store folder \\[default: $FLOODWATCH_DATA_DIR or ./floodwatch-data]."),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def column_map(pairs: list[str], mapping_file: Path | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    if mapping_file is not None:
        try:
            data = tomllib.loads(mapping_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read mapping file {mapping_file}: {exc}") from None
        columns = data.get("columns", data)
        if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
            raise fail(f'{mapping_file}: expected a [columns] table of canonical_name = "source column"')
        mapping.update(columns)
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise fail(f"--map takes canonical=column, got {pair!r}")
        mapping[name.strip()] = column.strip()
    return mapping


def print_ingest_report(report: IngestReport) -> None:
    table = Table(title="Ingest", show_lines=False)
    for col in ("file", "format", "read", "loaded", "duplicate", "quarantined"):
        table.add_column(col, justify="right" if col not in ("file", "format") else "left")
    # Many files: show the ones with the most set aside, then a line for the rest.
    shown = sorted(report.files, key=lambda f: (-f.posts.quarantined - f.accounts.quarantined, str(f.path)))
    shown = shown if len(shown) <= MAX_FILE_ROWS else shown[:MAX_FILE_ROWS]
    for f in shown:
        for label, counts in (("posts", f.posts), ("accounts", f.accounts)):
            if counts.read or (label == "posts" and not f.accounts.read):
                table.add_row(
                    f"{f.path.name}" + (f" ({label})" if label != "posts" else ""),
                    f.format,
                    f"{counts.read:,}",
                    f"{counts.loaded:,}",
                    f"{counts.duplicate:,}",
                    f"{counts.quarantined:,}",
                )
    if len(report.files) > len(shown):
        table.add_row(f"… {len(report.files) - len(shown):,} more files", "", "", "", "", "")
    p = report.posts
    table.add_row("[bold]all posts", "", f"{p.read:,}", f"{p.loaded:,}", f"{p.duplicate:,}", f"{p.quarantined:,}")
    console.print(table)
    unreadable = [f for f in report.files if f.message]
    for f in unreadable[:MAX_FILE_ROWS]:
        errors.print(f"[yellow]warning:[/] {f.path}: {f.message}")
    if len(unreadable) > MAX_FILE_ROWS:
        errors.print(f"[yellow]warning:[/] … and {len(unreadable) - MAX_FILE_ROWS:,} more files could not be read")
    if p.quarantined:
        console.print(f"{p.quarantined:,} posts quarantined: see them with [bold]floodwatch quarantine[/].")


def run_ingest(
    data_dir: Path, inputs: list[Path], fmt: str, options: ReaderOptions, quiet: bool = False
) -> IngestReport:
    store = EventStore(data_dir)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=None)

        def on_progress(path: Path, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=f"ingest {path.name}")

        try:
            return ingest(store, inputs, fmt, options, on_progress)
        except FileNotFoundError as exc:
            raise fail(str(exc)) from None
        except StoreBusyError as exc:
            raise fail(str(exc)) from None
        except UnknownFormatError as exc:
            raise fail(str(exc)) from None


def check_zone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai or UTC)") from None


DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$")
UNITS = {"ms": 0.001, "s": 1.0, None: 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds from `30s`, `5m`, `1h`, `2d` or a plain number of seconds."""
    match = DURATION.match(text.lower())
    if not match:
        raise fail(f"cannot read the duration {text!r}: write e.g. 30s, 5m, 1h or 2d")
    return float(match.group(1)) * UNITS[match.group(2)]


def write_findings(findings: list[Finding], path: Path) -> None:
    """findings.jsonl beside a command's other outputs: one `Finding.to_dict()` a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        for finding in findings:
            fh.write(finding.to_json_line())


def log_findings(findings: list[Finding], store_root: Path, detector: str) -> str:
    """Append to the store's findings log; says where, for the command's last line."""
    logged = FindingStore(store_root).append(findings, detector)
    return f"findings log: {logged}" if logged else "findings log: no new findings"
