"""`floodwatch detect cascades` and `floodwatch detect trends`: how rumors spread, and which hot spots were made."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import typer
from rich.table import Table

from floodwatch.commands.common import DataDirOption, console, fail, log_findings, parse_duration, write_findings
from floodwatch.detect.cascades import CascadeParams, rumor_cascade_findings, tree_figures
from floodwatch.detect.trends import KEY_KINDS, TrendParams, detect_trends
from floodwatch.store.events import EventStore, resolve_data_dir

hotspots_app = typer.Typer(help="Rumor cascades and manufactured trends.", no_args_is_help=True)


def read_table(path: Path, required: tuple[str, ...]) -> pa.Table:
    """A CSV or Parquet file with at least the `required` columns, every column read as text."""
    if not path.is_file():
        raise fail(f"no such file: {path}")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            table = pq.read_table(path)
        else:
            header = pacsv.read_csv(path, read_options=pacsv.ReadOptions(skip_rows_after_names=10**9))
            types = dict.fromkeys(header.column_names, pa.string())
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    except (pa.ArrowInvalid, OSError) as exc:
        raise fail(f"cannot read {path}: {exc}") from None
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise fail(f"{path} lacks column(s) {', '.join(missing)}; it needs {', '.join(required)}")
    return table


def open_store(data_dir: Path | None) -> EventStore:
    root = resolve_data_dir(data_dir)
    if not (root / "catalog").is_dir():
        raise fail(f"no event store at {root}: ingest first (floodwatch ingest ...)")
    return EventStore(root)


@hotspots_app.command("cascades")
def cascades_command(
    rumor_posts: Annotated[
        Path, typer.Argument(help="CSV or Parquet of rumor posts: platform, post_id, claim_id (e.g. claim matches).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for trees.csv and findings.jsonl.")] = Path(
        "cascades"
    ),
    big_v_followers: Annotated[int, typer.Option(help="Followers that make an account high-influence.", min=1)] = (
        100_000
    ),
    key_accounts: Annotated[
        Optional[Path], typer.Option(help="CSV of watch-listed accounts (platform, account_id).")
    ] = None,
    replies: Annotated[bool, typer.Option(help="Follow replies as well as reposts and quotes.")] = True,
    min_size: Annotated[int, typer.Option(help="Smallest cascade (posts) reported.", min=1)] = 3,
    data_dir: DataDirOption = None,
) -> None:
    """Reconstruct how rumor posts spread (reposts, quotes, replies), with size, depth, speed, reach,
    super-spreaders and high-influence accounts per claim.

    Examples:

      floodwatch detect cascades matches.csv --out cascades

      floodwatch detect cascades matches.parquet --key-accounts watch.csv --big-v-followers 50000
    """
    store = open_store(data_dir)
    seeds = read_table(rumor_posts, ("platform", "post_id"))
    watch: tuple[tuple[str, str], ...] = ()
    if key_accounts is not None:
        rows = read_table(key_accounts, ("platform", "account_id")).select(["platform", "account_id"]).to_pylist()
        watch = tuple((str(r["platform"]), str(r["account_id"])) for r in rows)
    links = ("repost_of", "quote_of", "reply_to") if replies else ("repost_of", "quote_of")
    params = CascadeParams(big_v_followers=big_v_followers, key_accounts=watch, links=links, min_size=min_size)
    started = time.monotonic()
    con = store.connect()
    try:
        with console.status("reconstructing spread trees…"):
            findings = rumor_cascade_findings(con, seeds, params)
            trees = tree_figures(con)
    finally:
        con.close()
    out.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(trees, out / "trees.csv")
    write_findings(findings, out / "findings.jsonl")
    logged = log_findings(findings, store.root, "cascades")
    table = Table(title=f"Rumor cascades ({sum(f.kind == 'rumor_cascade' for f in findings)})", show_lines=True)
    for column in ("claim", "score", "posts", "depth", "reach", "what happened"):
        table.add_column(column, justify="left" if column in ("claim", "what happened") else "right")
    for f in findings:
        if f.kind == "rumor_cascade":
            e = f.evidence
            table.add_row(
                e["claim_id"], f"{f.score:.2f}", f"{e['size']:,}", str(e["depth"]), f"{e['reach']:,}", f.explanation
            )
    console.print(table)
    for f in findings:
        if f.kind == "key_account":
            console.print(f"[bold yellow]key account:[/] {f.explanation}")
    console.print(
        f"{trees.num_rows:,} trees; done in {time.monotonic() - started:.1f} s; wrote {out / 'trees.csv'}, "
        f"{out / 'findings.jsonl'}; {logged}"
    )


@hotspots_app.command("trends")
def trends_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for bursts.csv and findings.jsonl.")] = Path(
        "trends"
    ),
    bin_: Annotated[str, typer.Option("--bin", help="Time bin: 15m, 1h, 1d.")] = "1h",
    baseline_bins: Annotated[int, typer.Option(help="Trailing bins of the baseline.", min=1)] = 72,
    z: Annotated[float, typer.Option("--z", help="Robust z-score a bin needs to be high.")] = 4.0,
    min_bin_posts: Annotated[int, typer.Option(help="Posts a bin needs to be high.", min=1)] = 8,
    kinds: Annotated[str, typer.Option(help="Keys to watch, comma-separated: hashtag,url.")] = "hashtag,url",
    coordinated: Annotated[
        Optional[Path],
        typer.Option(
            help="Coordinated accounts (platform, account_id, cluster_id): detect coordination's accounts.csv."
        ),
    ] = None,
    topics: Annotated[
        Optional[Path], typer.Option(help="Extra grouping of posts (platform, post_id, topic), e.g. claim matches.")
    ] = None,
    new_account_days: Annotated[float, typer.Option(help="An account this many days old or less is new.")] = 30.0,
    suspect_share: Annotated[
        float, typer.Option(help="Share of a burst from coordinated/new/history-less accounts that flags it.")
    ] = 0.5,
    data_dir: DataDirOption = None,
) -> None:
    """Find bursts of hashtags and links (and given topics) and flag those carried mostly by coordinated,
    brand-new or history-less accounts. Organic bursts are listed but not flagged.

    Examples:

      floodwatch detect trends --coordinated coordination/accounts.csv --out trends

      floodwatch detect trends --topics matches.csv --bin 30m
    """
    chosen = tuple(k.strip() for k in kinds.split(",") if k.strip())
    if set(chosen) - set(KEY_KINDS) or "topic" in chosen:
        raise fail(f"--kinds takes hashtag and/or url, got {kinds!r} (topics come with --topics)")
    seconds = parse_duration(bin_)
    if seconds < 1:
        raise fail("--bin must be at least one second")
    try:
        params = TrendParams(
            bin_seconds=int(seconds),
            baseline_bins=baseline_bins,
            min_baseline_bins=min(24, baseline_bins),
            z_threshold=z,
            min_bin_posts=min_bin_posts,
            kinds=chosen,
            new_account_days=new_account_days,
            suspect_share=suspect_share,
        )
    except ValueError as exc:
        raise fail(str(exc)) from None
    store = open_store(data_dir)
    coordinated_table = read_table(coordinated, ("platform", "account_id", "cluster_id")) if coordinated else None
    topic_table = None
    if topics is not None:
        topic_table = read_table(topics, ("platform", "post_id"))
        if "topic" not in topic_table.column_names:
            if "claim_id" not in topic_table.column_names:
                raise fail(f"{topics} needs a topic (or claim_id) column")
            topic_table = topic_table.append_column("topic", topic_table.column("claim_id"))
    started = time.monotonic()
    con = store.connect()
    try:
        with console.status("finding bursts…") as status:
            result = detect_trends(
                con, params, coordinated_table, topic_table, lambda m: status.update(f"finding bursts: {m}…")
            )
    finally:
        con.close()
    out.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(result.bursts, out / "bursts.csv")
    write_findings(result.findings, out / "findings.jsonl")
    logged = log_findings(result.findings, store.root, "trends")
    table = Table(title=f"Manufactured trends ({len(result.findings)} of {result.bursts.num_rows} bursts)")
    for column in ("key", "platform", "score", "posts", "why"):
        table.add_column(column, justify="right" if column in ("score", "posts") else "left")
    for f in result.findings:
        e = f.evidence
        table.add_row(f"{e['kind']}: {e['key']}", e["platform"], f"{f.score:.2f}", f"{e['volume']:,}", f.explanation)
    console.print(table)
    console.print(
        f"done in {time.monotonic() - started:.1f} s; wrote {out / 'bursts.csv'}, {out / 'findings.jsonl'}; {logged}"
    )
