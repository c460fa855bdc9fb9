"""The `floodwatch` command line: simulate, ingest, inspect the store, run the demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from floodwatch import __version__
from floodwatch.commands.common import (
    DataDirOption,
    check_zone,
    column_map,
    console,
    errors,
    print_ingest_report,
    run_ingest,
)
from floodwatch.commands.lazy import LazyGroup
from floodwatch.duck import scalar
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.formats import AUTO, READERS
from floodwatch.store.events import EventStore, resolve_data_dir

app = typer.Typer(
    name="floodwatch",
    help="Find and govern organised online manipulation (water armies, rumors, pile-ons) across platforms.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    cls=LazyGroup,
)


@app.command("ingest")
def ingest_command(
    inputs: Annotated[list[Path], typer.Argument(help="Files or folders to load.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {AUTO}, {', '.join(READERS)}.")] = AUTO,
    platform: Annotated[
        Optional[str], typer.Option(help="Platform for records that name none (e.g. weibo, x).")
    ] = None,
    map_: Annotated[
        list[str], typer.Option("--map", help="CSV column mapping canonical=column, repeatable.", show_default=False)
    ] = [],  # noqa: B006 - Typer reads the default, never mutates it
    mapping: Annotated[
        Optional[Path], typer.Option(help='TOML file with a [columns] table canonical = "column".')
    ] = None,
    tz: Annotated[
        Optional[str], typer.Option("--tz", help="Zone of timestamps without offset \\[default: the format's].")
    ] = None,
    chunk_rows: Annotated[int, typer.Option(help="Records per committed batch.", min=1)] = 500_000,
    data_dir: DataDirOption = None,
) -> None:
    """Load posts and accounts into the event store; bad records go to quarantine with file, line and reason.

    Re-ingesting the same input changes nothing. Examples:

      floodwatch ingest posts.jsonl accounts.jsonl

      floodwatch ingest tweets.csv --format cnt --platform x

      floodwatch ingest export.csv --format csv --map post_id=id --map account_id=user --map created_at=time
    """
    options = ReaderOptions(
        platform=platform, column_map=column_map(map_, mapping), naive_timezone=tz, chunk_rows=chunk_rows
    )
    if tz is not None:
        check_zone(tz)
    report = run_ingest(resolve_data_dir(data_dir), inputs, fmt, options)
    print_ingest_report(report)


@app.command("stats")
def stats_command(data_dir: DataDirOption = None) -> None:
    """Summarise the event store: posts and accounts by platform, time span, batches and quarantine."""
    root = resolve_data_dir(data_dir)
    store = EventStore(root)
    con = store.connect()
    rows = con.execute(
        "SELECT platform, count(*) AS posts, count(DISTINCT account_id) AS accounts, min(created_at), max(created_at), "
        "count(repost_of) AS reposts, count(reply_to) AS replies FROM posts GROUP BY platform ORDER BY platform"
    ).fetchall()
    table = Table(title=f"Event store {root}")
    for col in ("platform", "posts", "accounts", "first post", "last post", "reposts", "replies"):
        table.add_column(col)
    for platform, posts, accounts, first, last, reposts, replies in rows:
        table.add_row(
            platform,
            f"{posts:,}",
            f"{accounts:,}",
            f"{first:%Y-%m-%d %H:%M}",
            f"{last:%Y-%m-%d %H:%M}",
            f"{reposts:,}",
            f"{replies:,}",
        )
    console.print(table)
    manifests = store.manifests()
    quarantined = scalar(con, "SELECT count(*) FROM quarantine")
    profiles = scalar(con, "SELECT count(*) FROM accounts")
    sources = {s.sha256 for m in manifests for s in m.sources}
    console.print(
        f"{len(manifests):,} batches from {len(sources):,} distinct files; {profiles:,} account profiles; "
        f"{quarantined:,} records in quarantine."
    )


@app.command("quarantine")
def quarantine_command(
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    data_dir: DataDirOption = None,
) -> None:
    """Show quarantined records: file, line, reason. The raw records are in <data-dir>/quarantine/*.jsonl."""
    con = EventStore(resolve_data_dir(data_dir)).connect()
    reasons = con.execute(
        "SELECT regexp_replace(reason, ':.*', '') AS why, count(*) FROM quarantine GROUP BY why ORDER BY 2 DESC"
    ).fetchall()
    summary = Table(title="Quarantine by reason")
    summary.add_column("reason")
    summary.add_column("records", justify="right")
    for why, n in reasons:
        summary.add_row(why, f"{n:,}")
    console.print(summary)
    table = Table(title=f"First {limit} quarantined records")
    for col in ("file", "line", "kind", "reason"):
        table.add_column(col)
    for source, line, kind, reason in con.execute(
        "SELECT source, line, kind, reason FROM quarantine ORDER BY source, line LIMIT ?", [limit]
    ).fetchall():
        table.add_row(source, str(line), kind, reason)
    console.print(table)


@app.command("simulate")
def simulate_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for posts.jsonl, accounts.jsonl, truth/.")] = Path(
        "sim-output"
    ),
    posts: Annotated[int, typer.Option(help="Approximate number of posts (1,000 to 10,000,000).")] = 50_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same files.")] = 7,
    days: Annotated[int, typer.Option(help="Days covered.")] = 14,
    cnt_csv: Annotated[
        bool, typer.Option("--cnt-csv", help="Also write posts.cnt.csv (coordination-network-toolkit).")
    ] = False,
) -> None:
    """Write a multi-platform dataset with planted water-army groups, rumors and pile-ons, plus the ground truth.

    Example: floodwatch simulate --posts 200000 --seed 3 --out sim
    """
    from floodwatch.commands.demo import run_simulation  # the demo's imports are heavy; `simulate` needs one function

    summary = run_simulation(out, posts, seed, days, cnt_csv)
    console.print(
        f"wrote {summary.posts:,} posts by {summary.accounts:,} accounts with {summary.groups} planted groups to {out}"
    )


@app.command("version")
def version_command() -> None:
    """Print the version."""
    console.print(f"floodwatch {__version__}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        errors.print("interrupted: committed batches are kept, the batch in progress was not stored")
        sys.exit(130)


if __name__ == "__main__":
    main()
