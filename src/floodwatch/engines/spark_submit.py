"""The spark-submit entry point: `detect coordination` or `network KIND` on a store's Parquet, pairs on a cluster.

    spark-submit --master yarn --deploy-mode client --conf spark.executor.instances=100 \\
      "$(python -c 'import floodwatch.engines.spark_submit as m; print(m.__file__)')" \\
      coordination /shared/floodwatch-data --out /shared/results/coordination

    spark-submit --master k8s://https://api:6443 ... spark_submit.py network co_retweet /shared/floodwatch-data \\
      --out /shared/results/co_retweet.csv --window 1m

The data dir is an event store (catalog/*.json manifests naming posts/ and accounts/ Parquet files) on a
filesystem the driver can read. What runs where (docs/scaling.md has the long form):

- executors: both commands build the co-action events from the store's Parquet (engines/spark_events.py:
  numbering, the per-post event SQL and the near-duplicate MinHash of `similar_text` in Arrow tasks) and pair
  them (SparkEngine, plain Spark SQL): the steps that read every post and whose output grows with the data;
- driver, DuckDB: the post numbering kept for evidence, then, after pairing, rarity, the chance model's
  bookkeeping, traces, clustering and explanations, which work on per-account or per-pair tables.

The master comes from spark-submit (`--master`), not from here. The event tasks run Python, so executors need
`pip install floodwatch[spark]` as the driver does; `spark_submit.py --events-on driver ...` builds the events
in the driver's DuckDB instead, for clusters whose executors have no Python (the pairing itself needs none).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from floodwatch.commands.common import parse_duration
from floodwatch.commands.detect import print_clusters, write_coordination
from floodwatch.detect.coordination import CoordinationParams, detect_coordination
from floodwatch.detect.events import KINDS, EventParams
from floodwatch.detect.networks import NETWORK_KINDS, NetworkParams, compute_network, write_network
from floodwatch.engines.spark import (
    DEFAULT_BUCKET_SECONDS,
    SparkConfigError,
    SparkEngine,
    load_spark_config,
    spark_session,
)
from floodwatch.engines.spark_events import SparkEvents
from floodwatch.store.events import EventStore


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spark_submit.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--spark-config", type=Path, help="TOML of spark.* settings, on top of spark-submit's")
    parser.add_argument(
        "--bucket-seconds",
        type=float,
        default=DEFAULT_BUCKET_SECONDS,
        help="time bucket that bounds one task's share of a hot key (default: 3600)",
    )
    parser.add_argument(
        "--events-on",
        choices=("executors", "driver"),
        default="executors",
        help="where the co-action events are built (default: executors; driver: in its DuckDB)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    coordination = commands.add_parser("coordination", help="floodwatch detect coordination")
    coordination.add_argument("data_dir", type=Path)
    coordination.add_argument("--out", type=Path, default=Path("coordination"))
    coordination.add_argument("--window", default="30s")
    coordination.add_argument("--rare-window", default="15m")
    coordination.add_argument("--kinds", default=",".join(KINDS))
    coordination.add_argument("--seed", type=int, default=7)
    network = commands.add_parser("network", help="floodwatch network KIND (the default, undirected mode)")
    network.add_argument("kind", choices=NETWORK_KINDS)
    network.add_argument("data_dir", type=Path)
    network.add_argument("--out", type=Path, default=Path("edges.csv"))
    network.add_argument("--window", default="30s")
    network.add_argument("--min-weight", type=int, default=2)
    network.add_argument("--max-neighbours", type=int, default=50)
    network.add_argument("--format", default="csv", help="csv, parquet, graphml or gexf")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    store = EventStore(args.data_dir)
    if not store.catalog_dir.is_dir():
        raise SystemExit(f"no event store at {args.data_dir} (no catalog/ folder)")
    try:
        settings = load_spark_config(args.spark_config) if args.spark_config else {}
        session = spark_session(None, settings, app_name=f"floodwatch {args.command}")
    except SparkConfigError as exc:
        raise SystemExit(str(exc)) from None
    engine = SparkEngine(session, args.bucket_seconds)
    events = SparkEvents(engine, store.post_files()) if args.events_on == "executors" else None
    started = time.monotonic()
    con = store.connect()
    try:
        if args.command == "coordination":
            kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
            params = CoordinationParams(
                window=parse_duration(args.window),
                rare_window=parse_duration(args.rare_window),
                kinds=kinds,
                seed=args.seed,
                events=EventParams(kinds=kinds),
            )
            result = detect_coordination(con, engine, params, lambda message: print(message, flush=True), events)
            print_clusters(result)
            written = write_coordination(result, args.out, [])
            print(f"done in {time.monotonic() - started:.1f} s; wrote {', '.join(str(p) for p in written)}")
        else:
            network = NetworkParams(
                kind=args.kind,
                window=parse_duration(args.window),
                min_weight=args.min_weight,
                max_neighbours=args.max_neighbours,
            )
            run = compute_network(con, network, store, engine, events)
            path = write_network(con, run, args.out, args.format)
            print(
                f"{args.kind}: {run.edges:,} edges from {run.events:,} events; wrote {path} in "
                f"{time.monotonic() - started:.1f} s"
            )
            for note in run.notes:
                print(f"note: {note}")
    finally:
        con.close()


if __name__ == "__main__":
    main()
