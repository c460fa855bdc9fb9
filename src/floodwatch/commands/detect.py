"""`floodwatch detect ...`: run detectors on files or on the event store and write what they found."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import duckdb
import orjson
import pyarrow.csv as pacsv
import typer
from rich.table import Table

from floodwatch.commands.common import (
    DataDirOption,
    console,
    fail,
    log_findings,
    parse_duration,
    run_ingest,
    write_findings,
)
from floodwatch.detect.coordination import CoordinationParams, CoordinationResult, detect_coordination
from floodwatch.detect.events import KINDS, EventBuilder, EventParams
from floodwatch.engines.base import CoactionEngine
from floodwatch.engines.duckdb import DuckDBEngine
from floodwatch.export.graph import GRAPH_FORMATS, write_graph
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.formats import AUTO
from floodwatch.store.events import EventStore, resolve_data_dir

detect_app = typer.Typer(help="Run detectors and write their findings.", no_args_is_help=True)

ENGINES = ("duckdb", "spark")

SparkMasterOption = Annotated[
    str,
    typer.Option(help="With --engine spark: the Spark master (local[*], local[2], spark://host:7077, yarn, k8s://…)."),
]
SparkConfigOption = Annotated[
    Optional[Path],
    typer.Option(help='With --engine spark: a TOML file of spark.* settings ("spark.driver.memory" = "2g").'),
]


def coaction_engine(
    name: str, con: duckdb.DuckDBPyConnection, spark_master: str, spark_config: Path | None
) -> CoactionEngine:
    """The engine chosen on the command line; Spark is imported only when asked for (an optional extra)."""
    if name not in ENGINES:
        raise fail(f"unknown engine {name!r}; available here: {', '.join(ENGINES)}")
    if name == "duckdb":
        return DuckDBEngine(con)
    try:
        from floodwatch.engines.spark import SparkConfigError, SparkEngine, load_spark_config, spark_session
    except ImportError:
        raise fail("--engine spark needs PySpark and Java 17: pip install 'floodwatch[spark]'") from None
    try:
        settings = load_spark_config(spark_config) if spark_config is not None else {}
        with console.status(f"starting Spark ({spark_master})…"):
            return SparkEngine(spark_session(spark_master, settings))
    except SparkConfigError as exc:
        raise fail(str(exc)) from None


def spark_events(engine: CoactionEngine, store: EventStore, platform: str | None = None) -> EventBuilder:
    """Co-action events built on Spark from the store's Parquet (of one platform, if given), for the Spark engine
    `coaction_engine` made."""
    from floodwatch.engines.spark import SparkEngine
    from floodwatch.engines.spark_events import SparkEvents

    assert isinstance(engine, SparkEngine)
    return SparkEvents(engine, store.post_files(), platform)


def open_store(inputs: list[Path], fmt: str, platform: str | None, out: Path, data_dir: Path | None) -> EventStore:
    """The store to detect on: the given files ingested into OUT/store (or --data-dir), else the data dir."""
    if inputs:
        root = data_dir if data_dir is not None else out / "store"
        report = run_ingest(root, inputs, fmt, ReaderOptions(platform=platform))
        p = report.posts
        console.print(
            f"ingested {p.loaded:,} new posts ({p.duplicate:,} already stored, "
            f"{p.quarantined:,} quarantined) into {root}"
        )
        return EventStore(root)
    root = resolve_data_dir(data_dir)
    if not (root / "catalog").is_dir():
        raise fail(f"no event store at {root}: give input files, or ingest first (floodwatch ingest ...)")
    return EventStore(root)


def write_coordination(result: CoordinationResult, out: Path, graph_formats: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "accounts.csv", out / "edges.csv", out / "clusters.json", out / "findings.jsonl"]
    pacsv.write_csv(result.accounts, written[0])
    pacsv.write_csv(result.edges, written[1])
    clusters = [
        {
            "cluster_id": c.cluster_id,
            "score": c.score,
            "explanation": c.explanation,
            "platforms": c.platforms,
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "members": c.members,
            "evidence": c.evidence,
        }
        for c in result.clusters
    ]
    payload = {"summary": result.summary(), "parameters": result.run.params.parameters(), "clusters": clusters}
    written[2].write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2, default=str))
    write_findings(list(result.findings), written[3])
    for fmt in graph_formats:
        if fmt not in GRAPH_FORMATS:
            raise fail(f"unknown graph format {fmt!r}; choose from {', '.join(GRAPH_FORMATS)}")
        if fmt == "csv":
            continue
        written.append(write_graph(result.edges, out / f"network.{fmt}", fmt, result.accounts))
    return written


def print_clusters(result: CoordinationResult, limit: int = 15) -> None:
    table = Table(title=f"Coordinated clusters ({len(result.clusters)})", show_lines=True)
    table.add_column("cluster")
    table.add_column("score", justify="right")
    table.add_column("accounts", justify="right")
    table.add_column("platforms")
    table.add_column("what they did", ratio=1)
    for c in result.clusters[:limit]:
        table.add_row(c.cluster_id, f"{c.score:.2f}", str(len(c.members)), ", ".join(c.platforms), c.explanation)
    console.print(table)
    if len(result.clusters) > limit:
        console.print(f"… and {len(result.clusters) - limit} more in clusters.json")
    s = result.summary()
    line = f"{s['events']:,} co-action events, {s['key_pairs']:,} co-acting pairs by key, {s['edges']:,} edges"
    if s["capped_events"]:
        line += f"; {s['capped_events']:,} events on {s['capped_keys']:,} hot keys met their nearest neighbours only"
    console.print(line + ".")


def _kinds(value: str | None) -> tuple[str, ...]:
    if not value:
        return KINDS
    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise fail(f"unknown kinds {unknown}; choose from {', '.join(KINDS)}")
    return kinds


@detect_app.command("coordination")
def coordination_command(
    inputs: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Files or folders to analyse; none: the event store.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for accounts.csv, edges.csv, clusters.json.")] = Path(
        "coordination"
    ),
    fmt: Annotated[str, typer.Option("--format", "-f", help="Input format (see floodwatch ingest --help).")] = AUTO,
    platform: Annotated[Optional[str], typer.Option(help="Platform for records that name none.")] = None,
    window: Annotated[str, typer.Option(help="Co-action window: 30s, 2m, 1h.")] = "30s",
    rare_window: Annotated[str, typer.Option(help="Window for keys few accounts touch.")] = "15m",
    kinds: Annotated[
        Optional[str], typer.Option(help=f"Comma-separated kinds \\[default: all: {','.join(KINDS)}].")
    ] = None,
    min_keys: Annotated[int, typer.Option(help="Distinct co-actions a pair needs.", min=1)] = 2,
    min_cluster_size: Annotated[int, typer.Option(help="Smallest group reported.", min=2)] = 3,
    engine: Annotated[str, typer.Option(help=f"Co-action engine: {', '.join(ENGINES)}.")] = "duckdb",
    spark_master: SparkMasterOption = "local[*]",
    spark_config: SparkConfigOption = None,
    graph: Annotated[
        Optional[str],
        typer.Option(
            help=f"Also write the network as: {', '.join(f for f in GRAPH_FORMATS if f != 'csv')} (comma-separated)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the chance model and the clustering.")] = 7,
    data_dir: DataDirOption = None,
) -> None:
    """Find groups of accounts that act as one (water armies): same or near-identical texts, links, contacts,
    reposts and replies, within seconds of each other and far beyond chance.

    Examples:

      floodwatch detect coordination posts.jsonl --out results

      floodwatch detect coordination tweets.csv --format cnt --window 1m --graph gexf,graphml

      floodwatch detect coordination --data-dir floodwatch-data --out results

      floodwatch detect coordination --data-dir floodwatch-data --engine spark --spark-master local[2]
    """
    if engine not in ENGINES:
        raise fail(f"unknown engine {engine!r}; available here: {', '.join(ENGINES)}")
    store = open_store(list(inputs or []), fmt, platform, out, data_dir)
    chosen = _kinds(kinds)
    params = CoordinationParams(
        window=parse_duration(window),
        rare_window=parse_duration(rare_window),
        kinds=chosen,
        min_keys=min_keys,
        min_cluster_size=min_cluster_size,
        seed=seed,
        events=EventParams(kinds=chosen),
    )
    started = time.monotonic()
    con = store.connect()
    pairing = coaction_engine(engine, con, spark_master, spark_config)
    events = spark_events(pairing, store) if engine == "spark" else None
    with console.status("detecting coordination…") as status:

        def step(message: str) -> None:
            status.update(f"detecting coordination: {message}…")
            console.print(f"[dim]{time.strftime('%H:%M:%S')}[/] {message}")

        result = detect_coordination(con, pairing, params, step, events)
    print_clusters(result)
    written = write_coordination(result, out, [g.strip() for g in (graph or "").split(",") if g.strip()])
    logged = log_findings(list(result.findings), store.root, "coordination")
    console.print(f"done in {time.monotonic() - started:.1f} s; wrote {', '.join(str(p) for p in written)}")
    console.print(logged)
    con.close()
