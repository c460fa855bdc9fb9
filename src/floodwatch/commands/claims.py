"""`floodwatch claims ...`: import fact-checked claims, list them, match the stored posts to them."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Optional

import pyarrow.csv as pacsv
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from floodwatch.commands.common import (
    MAX_FILE_ROWS,
    DataDirOption,
    column_map,
    console,
    errors,
    fail,
    log_findings,
    write_findings,
)
from floodwatch.detect.claim_match import METHODS, MatchParams, match_store, rumor_match_findings
from floodwatch.detect.claims import FORMATS, ClaimFormatError, ClaimStore, ClaimStoreBusyError, ImportReport
from floodwatch.duck import scalar
from floodwatch.store.events import EventStore, resolve_data_dir

claims_app = typer.Typer(
    help="Debunked claims: import fact-checks, list them, find posts that restate them.", no_args_is_help=True
)


def print_import_report(report: ImportReport) -> None:
    table = Table(title="Claims import")
    for col in ("read", "added", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="right")
    table.add_row(*(f"{n:,}" for n in (report.read, report.added, report.updated, report.unchanged, report.rejected)))
    console.print(table)
    for bad in report.rejects[:MAX_FILE_ROWS]:
        errors.print(f"[yellow]rejected:[/] {bad.source}:{bad.line}: {bad.reason}")
    if report.rejected > MAX_FILE_ROWS:
        errors.print(f"[yellow]rejected:[/] … and {report.rejected - MAX_FILE_ROWS:,} more records")
    if report.skipped:
        console.print(f"{report.skipped:,} JSON-LD nodes of other types (pages, publishers) were not claims.")


@claims_app.command("import")
def import_command(
    files: Annotated[list[Path], typer.Argument(help="ClaimReview JSON/JSON-LD, CSV or JSON Lines files.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}.")] = "auto",
    mapping: Annotated[
        Optional[list[str]],
        typer.Option("--map", help="CSV column of a field, as field=COLUMN (text, verdict, source, date, url, ...)."),
    ] = None,
    mapping_file: Annotated[Optional[Path], typer.Option(help="TOML file with a [columns] table.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add debunked claims to the claim store; importing the same claims again changes nothing.

    Examples:

      floodwatch claims import claimreview.json

      floodwatch claims import checks.csv --map text=Claim --map verdict=Rating
    """
    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    for path in files:
        if not path.is_file():
            raise fail(f"no such file: {path}")
    store = ClaimStore(resolve_data_dir(data_dir))
    try:
        report = store.import_files(files, fmt, column_map(mapping or [], mapping_file))
    except (ClaimFormatError, ClaimStoreBusyError) as exc:
        raise fail(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read: {exc}") from None
    print_import_report(report)
    console.print(f"{len(store):,} claims in {store.path}")


@claims_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(help="Claims shown (newest reviews first).", min=1)] = 20,
    data_dir: DataDirOption = None,
) -> None:
    """Show the stored claims."""
    store = ClaimStore(resolve_data_dir(data_dir))
    claims = store.table()
    if not claims.num_rows:
        raise fail(f"no claims in {store.path}: import some first (floodwatch claims import FILE)")
    rows = sorted(claims.to_pylist(), key=lambda r: (r["date"] or "", r["claim_id"]), reverse=True)
    table = Table(title=f"Debunked claims ({claims.num_rows:,})")
    for col in ("claim", "lang", "verdict", "checked by", "date"):
        table.add_column(col)
    table.add_column("text", ratio=1)
    for r in rows[:limit]:
        table.add_row(r["claim_id"], r["lang"], r["verdict"] or "", r["source"] or "", r["date"] or "", r["text"])
    console.print(table)
    if claims.num_rows > limit:
        console.print(f"… and {claims.num_rows - limit:,} more (--limit)")


def _methods(value: str) -> tuple[str, ...]:
    chosen = tuple(m.strip() for m in value.split(",") if m.strip())
    unknown = sorted(set(chosen) - set(METHODS))
    if unknown or not chosen:
        raise fail(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    return chosen


@claims_app.command("match")
def match_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV of the matches.")] = Path("matches.csv"),
    findings_path: Annotated[
        Optional[Path], typer.Option("--findings", help="Findings JSONL \\[default: beside --out].")
    ] = None,
    methods: Annotated[str, typer.Option(help=f"Comma-separated: {', '.join(METHODS)}.")] = ",".join(METHODS),
    top_k: Annotated[int, typer.Option(help="Best claims kept per post and method.", min=1)] = 3,
    background: Annotated[int, typer.Option(help="Posts sampled for the IDF weights.", min=0)] = 20_000,
    workers: Annotated[int, typer.Option(help="Processes \\[default: cores, at most 4].", min=1)] = min(
        4, os.cpu_count() or 1
    ),
    data_dir: DataDirOption = None,
) -> None:
    """Find stored posts that restate a debunked claim (Chinese or English); write the matches and one finding
    per claim. Matches at `suggest` level go to review, at `confirm` level they are near-certain; posts that
    debunk a claim are labelled stance=debunk.

    Example:

      floodwatch claims match --data-dir floodwatch-data --out matches.csv
    """
    root = resolve_data_dir(data_dir)
    claims = ClaimStore(root).table()
    if not claims.num_rows:
        raise fail(f"no claims in {ClaimStore(root).path}: import some first (floodwatch claims import FILE)")
    if not (root / "catalog").is_dir():
        raise fail(f"no event store at {root}: ingest posts first (floodwatch ingest ...)")
    params = MatchParams(methods=_methods(methods), top_k=top_k)
    started = time.monotonic()
    con = EventStore(root).connect()
    total = int(scalar(con, "SELECT count(*) FROM posts WHERE text IS NOT NULL"))
    with Progress(
        TextColumn("[bold]matching posts"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("match", total=total)
        matches = match_store(con, claims, params, background, workers, lambda n: progress.advance(task, n))
    con.close()
    findings = rumor_match_findings(matches, claims, params)
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(matches, out)
    findings_path = findings_path or out.with_name(out.stem + ".findings.jsonl")
    write_findings(findings, findings_path)
    logged = log_findings(findings, root, "claims")
    table = Table(title=f"Claims restated in posts ({len(findings)})")
    for col in ("claim", "posts", "accounts", "confirmed", "debunks", "best"):
        table.add_column(col, justify="right" if col != "claim" else "left")
    table.add_column("claim text", ratio=1)
    for f in sorted(findings, key=lambda f: -int(f.evidence["posts"]))[:MAX_FILE_ROWS]:
        e = f.evidence
        table.add_row(
            str(e["claim"]["claim_id"]),
            f"{e['posts']:,}",
            f"{e['accounts']:,}",
            f"{e['confirmed_posts']:,}",
            f"{e['debunk_posts']:,}",
            f"{f.score:.2f}",
            str(e["claim"]["text"] or ""),
        )
    console.print(table)
    console.print(
        f"{total:,} posts against {claims.num_rows:,} claims in {time.monotonic() - started:.1f} s: "
        f"{matches.num_rows:,} matches; wrote {out} and {findings_path}; {logged}"
    )
