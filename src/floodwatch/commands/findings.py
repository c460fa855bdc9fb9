"""`floodwatch findings ...`: browse the findings log of the event store."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import orjson
import typer
from rich.table import Table

from floodwatch.commands.common import DataDirOption, console, fail
from floodwatch.store.events import resolve_data_dir
from floodwatch.store.findings import FindingStore

findings_app = typer.Typer(help="Browse what the detectors found (the findings log).", no_args_is_help=True)


def _store(data_dir: Path | None) -> FindingStore:
    return FindingStore(resolve_data_dir(data_dir))


@findings_app.command("list")
def list_command(
    kind: Annotated[Optional[list[str]], typer.Option("--kind", "-k", help="Only these kinds (repeatable).")] = None,
    min_score: Annotated[float, typer.Option(help="Only findings scoring at least this.", min=0, max=1)] = 0.0,
    limit: Annotated[int, typer.Option(help="Rows to show.", min=1)] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON record a line instead of a table.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """List findings, highest score first, with a count per kind."""
    records = [r for r in _store(data_dir).records(kind) if r["score"] >= min_score]
    records.sort(key=lambda r: (-r["score"], r["start"]))
    if as_json:
        for r in records[:limit]:
            typer.echo(orjson.dumps(r).decode())
        return
    counts = Counter(r["kind"] for r in records)
    console.print(", ".join(f"{k}: {n:,}" for k, n in counts.most_common()) or "no findings yet")
    table = Table(show_lines=False)
    for column in ("id", "kind", "score", "start", "subjects", "explanation"):
        table.add_column(column, overflow="fold", ratio=3 if column == "explanation" else None)
    for r in records[:limit]:
        first = r["subjects"][0] if r["subjects"] else {"platform": "", "id": ""}
        subjects = f"{first['platform']}:{first['id']}" + (
            f" +{len(r['subjects']) - 1}" if len(r["subjects"]) > 1 else ""
        )
        table.add_row(r["id"], r["kind"], f"{r['score']:.2f}", r["start"][:16], subjects, r["explanation"])
    console.print(table)
    if len(records) > limit:
        console.print(f"… {len(records) - limit:,} more (--limit, --kind, --min-score)")


@findings_app.command("show")
def show_command(
    finding_id: Annotated[str, typer.Argument(help="The finding's id (fnd_…), or a unique prefix of it.")],
    data_dir: DataDirOption = None,
) -> None:
    """Print one finding whole: explanation, subjects, evidence, detector and parameters, as JSON."""
    matches = [r for r in _store(data_dir).records() if r["id"].startswith(finding_id)]
    if not matches:
        raise fail(f"no finding {finding_id!r} in the findings log")
    if len(matches) > 1:
        raise fail(f"{finding_id!r} names {len(matches)} findings; give more of the id")
    typer.echo(orjson.dumps(matches[0], option=orjson.OPT_INDENT_2).decode())
