"""`floodwatch network KIND INPUT...`: one coordination network (co-tweet, co-retweet, co-link, ...) as a file.

The default is floodwatch's view (undirected account pairs from the co-action engine); `--compat cnt` gives
coordination-network-toolkit's directed networks and CSV exactly, so its users can diff the two
(detect/networks.py explains both).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated, Optional

import duckdb
import typer
from rich.table import Table

from floodwatch.commands.common import DataDirOption, console, errors, fail, parse_duration, run_ingest
from floodwatch.commands.detect import ENGINES, SparkConfigOption, SparkMasterOption, coaction_engine, spark_events
from floodwatch.detect.networks import (
    CNT_VERSION,
    COMPAT_MODES,
    NETWORK_KINDS,
    NETWORK_TABLE,
    NetworkError,
    NetworkParams,
    NetworkRun,
    compute_network,
    write_network,
)
from floodwatch.export.graph import GRAPH_FORMATS
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.formats import AUTO
from floodwatch.store.events import EventStore, resolve_data_dir

SUFFIX_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".graphml": "graphml", ".gexf": "gexf"}
SHOWN_EDGES = 5


def _graph_format(value: str | None, out: Path) -> str:
    if value is None:
        return SUFFIX_FORMATS.get(out.suffix.lower(), "csv")
    if value not in GRAPH_FORMATS:
        raise fail(f"unknown graph format {value!r}; choose one of {', '.join(GRAPH_FORMATS)}")
    return value


def _print_summary(con: duckdb.DuckDBPyConnection, run: NetworkRun, seconds: float, written: Path) -> None:
    params = run.params
    if params.compat:
        mode, ends = f"coordination-network-toolkit {CNT_VERSION} semantics, directed", ("source", "target")
    else:
        mode, ends = "floodwatch semantics, undirected", ("account_a", "account_b")
    if run.edges:
        table = Table(title=f"Heaviest {params.kind} edges")
        for column in (*ends, "weight"):
            table.add_column(column, justify="right" if column == "weight" else "left")
        query = f"SELECT {', '.join(ends)}, weight FROM {NETWORK_TABLE} ORDER BY weight DESC, 1, 2 LIMIT {SHOWN_EDGES}"
        for row in con.execute(query).fetchall():
            table.add_row(*(str(v) for v in row))
        console.print(table)
    for note in run.notes:
        errors.print(f"[yellow]note:[/] {note}")
    line = (
        f"{params.kind} network ({mode}): {run.edges:,} edges of weight >= {params.min_weight} within "
        f"{params.window:g} s, from {run.posts:,} posts ({run.events:,} matching events)"
    )
    if run.candidate_pairs:
        line += f"; {run.candidate_pairs:,} candidate message pairs compared"
    console.print(f"{line}; wrote {written} in {seconds:.1f} s")


def network_command(
    kind: Annotated[str, typer.Argument(help=f"The network: {', '.join(NETWORK_KINDS)}.", show_default=False)],
    inputs: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Files or folders to analyse; none: the event store.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The edge list or graph file to write.")] = Path("edges.csv"),
    window: Annotated[str, typer.Option(help="Co-action window, both ends inclusive: 30s, 2m, 1h.")] = "30s",
    min_weight: Annotated[int, typer.Option(help="Smallest edge weight written.", min=1)] = 2,
    compat: Annotated[
        Optional[str],
        typer.Option(
            help=f"cnt: coordination-network-toolkit {CNT_VERSION}'s directed networks and CSV, exactly "
            "(without its empty-URL bug)."
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Input format (see floodwatch ingest --help).")] = AUTO,
    platform: Annotated[
        Optional[str],
        typer.Option(help="Platform for records that name none; the network is built from its posts only."),
    ] = None,
    graph_format: Annotated[
        Optional[str],
        typer.Option(help=f"{', '.join(GRAPH_FORMATS)} (default: from the suffix of --out, else csv)."),
    ] = None,
    self_loops: Annotated[
        bool, typer.Option("--self-loops", help="With --compat cnt: keep user -> same user edges, as CNT can.")
    ] = False,
    similarity_threshold: Annotated[
        Optional[float],
        typer.Option(
            help="co_similar_tweet: Jaccard threshold (default: 0.8 of CNT tokens with --compat cnt, else 0.7 of "
            "character shingles)."
        ),
    ] = None,
    min_tokens: Annotated[
        int, typer.Option(help="co_similar_tweet --compat cnt: fewer tokens match nothing (CNT's default 1).", min=1)
    ] = 1,
    max_neighbours: Annotated[
        int, typer.Option(help="Without --compat: later events of a key each event is paired with.", min=1)
    ] = 50,
    engine: Annotated[str, typer.Option(help=f"Without --compat: co-action engine, {', '.join(ENGINES)}.")] = "duckdb",
    spark_master: SparkMasterOption = "local[*]",
    spark_config: SparkConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write one coordination network: co_tweet, co_retweet, co_link, co_reply, co_similar_tweet or co_post.

    Links accounts that posted the same or near-identical texts, reposts, links, replies or anything within the window.

    Default: undirected account pairs, weighted by their distinct co-acting posts (the less involved account's).

    --compat cnt: coordination-network-toolkit's directed networks and CSV (source, target, weight, edge_type), exactly.

    Examples:

      floodwatch network co_retweet tweets.csv --format cnt --window 1m --out co_retweet.csv

      floodwatch network co_tweet tweets.csv --compat cnt --window 30s --min-weight 2 --out co_tweet.csv

      floodwatch network co_link --data-dir floodwatch-data --out links.gexf

      floodwatch network co_post --data-dir floodwatch-data --engine spark --spark-master local[2]
    """
    if kind not in NETWORK_KINDS:
        raise fail(f"unknown network kind {kind!r}; choose one of {', '.join(NETWORK_KINDS)}")
    if compat is not None and compat not in COMPAT_MODES:
        raise fail(f"unknown --compat {compat!r}; available: {', '.join(COMPAT_MODES)}")
    if compat is not None and engine != "duckdb":
        raise fail("--compat cnt enumerates every pair exactly in DuckDB; --engine applies to the default mode only")
    params = NetworkParams(
        kind=kind,
        window=parse_duration(window),
        min_weight=min_weight,
        compat=compat,
        platform=platform.lower() if platform else None,
        self_loops=self_loops,
        similarity_threshold=similarity_threshold,
        min_tokens=min_tokens,
        max_neighbours=max_neighbours,
    )
    try:
        params.validate()
    except NetworkError as exc:
        raise fail(str(exc)) from None
    graph_format_ = _graph_format(graph_format, out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch: Path | None = None
    try:
        if inputs:
            # Files without --data-dir: a throwaway store beside the output (it can be large), removed at the end.
            if data_dir is None:
                root = scratch = Path(tempfile.mkdtemp(prefix=".floodwatch-network-", dir=out.parent))
            else:
                root = data_dir
            report = run_ingest(root, list(inputs), fmt, ReaderOptions(platform=params.platform))
            p = report.posts
            console.print(
                f"ingested {p.loaded:,} new posts ({p.duplicate:,} already stored, {p.quarantined:,} quarantined)"
                + (f" into {root}" if scratch is None else "")
            )
            if p.quarantined and scratch is not None:
                hint = "run again with --data-dir DIR, then floodwatch quarantine --data-dir DIR"
                errors.print(f"[yellow]note:[/] to see the quarantined records, {hint}")
        else:
            root = resolve_data_dir(data_dir)
            if not (root / "catalog").is_dir():
                raise fail(f"no event store at {root}: give input files, or ingest first (floodwatch ingest ...)")
        store = EventStore(root)
        started = time.monotonic()
        con = store.connect()
        try:
            pairing = coaction_engine(engine, con, spark_master, spark_config)
            events = spark_events(pairing, store, params.platform) if engine == "spark" else None
            with console.status(f"computing the {kind} network…"):
                run = compute_network(con, params, store, pairing, events)
                written = write_network(con, run, out, graph_format_)
            _print_summary(con, run, time.monotonic() - started, written)
        except NetworkError as exc:
            raise fail(str(exc)) from None
        except duckdb.Error as exc:
            raise fail(f"computing the {kind} network failed: {exc}", code=1) from None
        finally:
            con.close()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
