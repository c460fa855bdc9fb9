"""`floodwatch detect all`: every detector over the event store, findings logged, one summary table."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.table import Table

from floodwatch.commands.common import DataDirOption, console, fail, log_findings, write_findings
from floodwatch.commands.detect import detect_app, open_store, print_clusters, write_coordination
from floodwatch.commands.hotspots import cascades_command, trends_command
from floodwatch.detect.coordination import CoordinationParams
from floodwatch.detect.names import DETECTORS
from floodwatch.ingest.formats import AUTO

if TYPE_CHECKING:
    from floodwatch.detect.suite import SuiteResult


def print_suite(result: SuiteResult) -> None:
    """One row a detector: how many findings, how long, and its strongest finding in words."""
    table = Table(title="Findings by detector", show_lines=True)
    for column in ("detector", "findings", "seconds", "strongest finding"):
        table.add_column(column, justify="right" if column in ("findings", "seconds") else "left", ratio=None)
    for name, found in result.findings.items():
        top = max(found, key=lambda f: f.score, default=None)
        table.add_row(
            name.replace("_", "-"),
            f"{len(found):,}",
            f"{result.seconds[name]:.1f}",
            f"[{top.score:.2f}] {top.explanation}" if top else "",
        )
    console.print(table)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")


def save_suite(result: SuiteResult, out: Path, store_root: Path) -> list[Path]:
    """The coordination outputs, all findings in OUT/findings.jsonl, and the store's findings log."""
    written = write_coordination(result.coordination, out / "coordination", ["gexf"]) if result.coordination else []
    findings = result.all_findings()
    write_findings(findings, out / "findings.jsonl")
    console.print(log_findings(findings, store_root, "suite"))
    return [*written, out / "findings.jsonl"]


def all_command(
    inputs: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Files or folders to analyse; none: the event store.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for findings.jsonl and coordination/.")] = Path(
        "findings-out"
    ),
    fmt: Annotated[str, typer.Option("--format", "-f", help="Input format (see floodwatch ingest --help).")] = AUTO,
    platform: Annotated[Optional[str], typer.Option(help="Platform for records that name none.")] = None,
    only: Annotated[
        Optional[str], typer.Option(help=f"Comma-separated detectors \\[default: all: {','.join(DETECTORS)}].")
    ] = None,
    abuse_model: Annotated[
        Optional[Path], typer.Option(help="Abuse model for pile-ons \\[default: the shipped one].")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the coordination detector's chance model and clustering.")] = 7,
    data_dir: DataDirOption = None,
) -> None:
    """Run every detector — coordination, claim matching, rumor cascades, manufactured trends, pile-ons, doxxing —
    on the store, log the findings there and write them to OUT/findings.jsonl.

    Claims come from the store's claim store (floodwatch claims import FILE); without claims, claim matching
    and cascades are skipped and say so.

    Examples:

      floodwatch detect all --data-dir floodwatch-data --out results

      floodwatch detect all posts.jsonl --only coordination,pile_ons
    """
    # Here, not at the top: `floodwatch detect coordination` loads this module and needs none of the others.
    from floodwatch.detect.suite import SuiteParams, run_suite

    store = open_store(list(inputs or []), fmt, platform, out, data_dir)
    detectors = tuple(d.strip() for d in (only or ",".join(DETECTORS)).split(",") if d.strip())
    try:
        params = SuiteParams(coordination=CoordinationParams(seed=seed), detectors=detectors, abuse_model=abuse_model)
    except ValueError as exc:
        raise fail(str(exc)) from None
    started = time.monotonic()
    con = store.connect()
    try:
        with console.status("detecting…") as status:
            result = run_suite(con, store.root, params, step=lambda m: status.update(f"detecting: {m}…"))
    finally:
        con.close()
    if result.coordination is not None:
        print_clusters(result.coordination, limit=8)
    print_suite(result)
    written = save_suite(result, out, store.root)
    console.print(f"done in {time.monotonic() - started:.1f} s; wrote {', '.join(str(p) for p in written)}")


# `floodwatch detect`: the per-detector commands of commands/detect.py, plus these (they import from it).
detect_app.command("all")(all_command)
detect_app.command("cascades")(cascades_command)
detect_app.command("trends")(trends_command)
