"""Co-action engines side by side: DuckDB vs Spark local[1] vs Spark local[2] on the same events.

    .venv/bin/python bench/engines.py                       # 1,000,000 simulated posts, seed 11: the published figures
    .venv/bin/python bench/engines.py --posts 10000000 --results engines_10m   # 10M posts, results of their own
    .venv/bin/python bench/engines.py --stage events --results engines_events  # building the events instead
    .venv/bin/python bench/engines.py --posts 100000        # a quick run while developing

The posts come from `floodwatch simulate` (bench/common.py's cached folder, shared with the ingest benchmark),
ingested once into bench/.work/engines-store-<size>; their co-action events of every kind (what
`detect coordination` pairs, similar_text's MinHash included) are built once with DuckDB and kept as Parquet.
Then each engine pairs them, `PairParams(window, max_neighbours)`, in a fresh subprocess:

- wall: the whole subprocess (Python, JVM start for Spark); engine: `key_pairs_into` alone, the path of
  `detect coordination`: events selected by a DuckDB query, pairs appended to a DuckDB table (DuckDB pairs in
  place; Spark reads and writes Parquet files in an exchange folder);
- peak MB and CPU s: the largest sum of RSS, and the CPU time, over the subprocess and all its descendants
  (the JVM included), sampled from /proc every 50 ms (GNU time would see the largest single process only);
- shuffle read/write: summed over the Spark application's completed stages, from Spark's REST status API
  (`/api/v1/applications/<id>/stages` on the driver's UI, loopback);
- the pair tables must agree: row count, capped counts and an order-independent hash of every row.

`--stage events` times the step before instead: the co-action events of every kind built from the store's
Parquet, by DuckDB (`create_events_table`) or on Spark (`SparkEvents`: numbering, per-post SQL in Arrow tasks,
the distributed MinHash of similar_text); the post numbering the driver keeps is done before the clock starts,
and the event tables must agree the same way.

Before each run the benchmark waits (up to --quiet-timeout) for other processes to go quiet; CPU time other
processes used meanwhile is recorded as `other_cpu_s`, since on a shared 2-core machine it slows every engine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

# Run as a script: its folder is on sys.path, so the shared helpers import as `common`.
from common import (
    WORK,
    announce,
    busy_cpu_seconds,
    floodwatch_bin,
    git_revision,
    log,
    package_versions,
    print_table,
    rel,
    simulated_data,
    size_label,
    wait_until_quiet,
    write_results,
)

ENGINES = {"duckdb": None, "spark-local1": "local[1]", "spark-local2": "local[2]"}
SPARK_SETTINGS = {
    "spark.driver.memory": "6g",
    "spark.sql.shuffle.partitions": "16",
    "spark.ui.port": "0",  # any free port: the status API is read from it
    "spark.ui.showConsoleProgress": "false",
}


# --- the worker: one engine in its own process --------------------------------------------------------------


def _pair_digest(con: Any, table: str) -> dict[str, Any]:
    """Row count and an order-independent hash of every pair row: equal tables give equal digests."""
    rows, digest = con.execute(
        "SELECT count(*), bit_xor(hash(aid_a, aid_b, kind, key, co_actions, first_t, last_t, min_gap, "
        f"pid_a, pid_b, pids_a, pids_b)) FROM {table}"
    ).fetchall()[0]
    return {"pairs": int(rows), "digest": str(digest)}


def _shuffle_figures(spark: Any) -> dict[str, Any]:
    """Shuffle bytes over the application's completed stages, from the driver's REST status API."""
    sc = spark.sparkContext
    url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/stages?status=complete"
    with urllib.request.urlopen(url, timeout=30) as response:  # the driver's own UI, on this machine
        stages = json.load(response)
    return {
        "stages": len(stages),
        "shuffle_read_mb": round(sum(s.get("shuffleReadBytes", 0) for s in stages) / 2**20, 1),
        "shuffle_write_mb": round(sum(s.get("shuffleWriteBytes", 0) for s in stages) / 2**20, 1),
    }


def _event_digest(con: Any, table: str) -> dict[str, Any]:
    rows, digest = con.execute(f"SELECT count(*), bit_xor(hash(aid, kind, key, t, pid)) FROM {table}").fetchall()[0]
    return {"events": int(rows), "digest": str(digest)}


def worker(engine: str, stage: str, source: Path, window: float, max_neighbours: int, result_path: Path) -> None:
    """One engine, one stage: `source` is the events' Parquet (pairs) or the store (events)."""
    from floodwatch import duck
    from floodwatch.detect.events import EventParams, create_events_table, prepare_posts
    from floodwatch.engines.base import PairParams
    from floodwatch.engines.duckdb import DuckDBEngine
    from floodwatch.store.events import EventStore

    started = time.perf_counter()
    spark = None
    if engine != "duckdb":
        from floodwatch.engines.spark import SparkEngine, spark_session

        spark = spark_session(ENGINES[engine], SPARK_SETTINGS, app_name=f"bench-{engine}")
    if stage == "events":
        store = EventStore(source)
        con = store.connect()
        prepare_posts(con)
        figures: dict[str, Any] = {"posts": int(con.execute("SELECT count(*) FROM post_ref").fetchall()[0][0])}
        figures["startup_s"] = round(time.perf_counter() - started, 2)
        began = time.perf_counter()
        if spark is None:
            create_events_table(con, EventParams(), "events")
        else:
            from floodwatch.engines.spark_events import SparkEvents

            SparkEvents(SparkEngine(spark), store.post_files()).events_into(con, EventParams(), "events")
        figures["engine_s"] = round(time.perf_counter() - began, 2)
        figures |= _event_digest(con, "events") | {"capped_events": 0, "capped_keys": 0}
    else:
        con = duck.connect()
        events_query = "SELECT * FROM read_parquet('" + str(source).replace("'", "''") + "')"
        figures = {"events": int(con.execute(f"SELECT count(*) FROM ({events_query})").fetchall()[0][0])}
        pair_engine: Any = DuckDBEngine(con) if spark is None else SparkEngine(spark)
        figures["startup_s"] = round(time.perf_counter() - started, 2)
        began = time.perf_counter()
        capped_events, capped_keys = pair_engine.key_pairs_into(
            con, events_query, PairParams(window=window, max_neighbours=max_neighbours), "pairs"
        )
        figures["engine_s"] = round(time.perf_counter() - began, 2)
        figures |= {"capped_events": capped_events, "capped_keys": capped_keys}
        figures |= _pair_digest(con, "pairs")
    if spark is not None:
        figures |= _shuffle_figures(spark)
        spark.stop()
    result_path.write_text(json.dumps(figures) + "\n")


# --- the parent: data, timed subprocesses, the table --------------------------------------------------------


def _process_tree(root: int) -> dict[int, tuple[int, float]]:
    """(RSS KiB, CPU seconds so far) of `root` and every process below it (the JVM that PySpark starts is a
    grandchild that its parent never waits for, so neither GNU time nor getrusage would count it)."""
    parents: dict[int, int] = {}
    figures: dict[int, tuple[int, float]] = {}
    page_kib, ticks = os.sysconf("SC_PAGE_SIZE") // 1024, os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            figures[pid] = (int(fields[21]) * page_kib, (int(fields[11]) + int(fields[12])) / ticks)
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return {p: figures[p] for p in tree if p in figures}


def run_sampled(cmd: list[str], log_path: Path) -> dict[str, Any]:
    """Wall time, CPU time and peak RSS of the whole process tree, and other processes' CPU use meanwhile."""
    busy_before = busy_cpu_seconds()
    started = time.perf_counter()
    peak_kib = 0
    cpu: dict[int, float] = {}
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            tree = _process_tree(proc.pid)
            peak_kib = max(peak_kib, sum(rss for rss, _ in tree.values()))
            cpu.update({pid: used for pid, (_, used) in tree.items()})
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    busy_after = busy_cpu_seconds()
    cpu_s = sum(cpu.values())
    other = None if busy_before is None or busy_after is None else round(max(0.0, busy_after - busy_before - cpu_s), 1)
    return {
        "returncode": proc.returncode,
        "wall_s": round(seconds, 2),
        "cpu_s": round(cpu_s, 1),
        "peak_mb": round(peak_kib / 1024, 1),
        "other_cpu_s": other,
    }


def prepared_store(posts: int, seed: int) -> Path:
    """bench/.work/engines-store-<size>: the simulated posts ingested, once."""
    label = size_label(posts)
    store_dir = WORK / f"engines-store-{label}"
    stamp = store_dir / "bench-stamp.json"
    wanted = {"posts": posts, "seed": seed}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        log(f"reusing {rel(store_dir)}")
        return store_dir
    sim = simulated_data(posts, seed, cnt_csv=True)
    subprocess.run(["rm", "-rf", str(store_dir)], check=True)
    log(f"ingesting {rel(sim / 'posts.jsonl')} into {rel(store_dir)}")
    fw = floodwatch_bin() / "floodwatch"
    done = subprocess.run(
        [str(fw), "ingest", str(sim / "posts.jsonl"), "--data-dir", str(store_dir)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"floodwatch ingest failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    stamp.write_text(json.dumps(wanted) + "\n")
    return store_dir


def prepared_events(posts: int, seed: int) -> Path:
    """bench/.work/engines-events-<size>.parquet: every kind's events of the simulated posts, built once."""
    label = size_label(posts)
    events_path = WORK / f"engines-events-{label}.parquet"
    stamp = events_path.with_suffix(".json")
    wanted = {"posts": posts, "seed": seed}
    if events_path.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        log(f"reusing {rel(events_path)}")
        return events_path
    store_dir = prepared_store(posts, seed)
    log("building the co-action events (all kinds) with DuckDB")
    import pyarrow.parquet as pq

    from floodwatch.detect.events import EventParams, build_events, prepare_posts
    from floodwatch.store.events import EventStore

    con = EventStore(store_dir).connect()
    prepare_posts(con)
    pq.write_table(build_events(con, EventParams()), events_path)
    con.close()
    stamp.write_text(json.dumps(wanted) + "\n")
    return events_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts to simulate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=11, help="simulation seed (default 11)")
    parser.add_argument("--window", type=float, default=30.0, help="co-action window in seconds (default 30)")
    parser.add_argument("--max-neighbours", type=int, default=50, help="hot-key bound (default 50)")
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated, of {', '.join(ENGINES)}")
    parser.add_argument("--quiet-timeout", type=float, default=180, help="wait this long for a quiet machine")
    parser.add_argument(
        "--results", default="engines", help="results name: bench/results/NAME.json (default engines; e.g. engines_10m)"
    )
    parser.add_argument(
        "--stage", choices=("pairs", "events"), default="pairs", help="what to time: pairing (default) or the events"
    )
    parser.add_argument("--worker", choices=list(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.stage, args.source, args.window, args.max_neighbours, args.result)
        return 0

    chosen = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(chosen) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engines {unknown}")
    source = prepared_events(args.posts, args.seed) if args.stage == "pairs" else prepared_store(args.posts, args.seed)
    runs_dir = WORK / "engines-runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    runs: dict[str, dict[str, Any]] = {}
    for engine in chosen:
        result_path = runs_dir / f"{engine}.json"
        result_path.unlink(missing_ok=True)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--source", str(source)]
        cmd += [
            "--stage",
            args.stage,
            "--window",
            str(args.window),
            "--max-neighbours",
            str(args.max_neighbours),
            "--result",
            str(result_path),
        ]
        if args.quiet_timeout > 0:
            wait_until_quiet(timeout=args.quiet_timeout)
        log(f"{engine}: {'pairing' if args.stage == 'pairs' else 'building the events'}")
        measured = run_sampled(cmd, runs_dir / f"{engine}.log")
        if measured["returncode"] != 0:
            raise SystemExit(f"{engine} failed; see {rel(runs_dir / (engine + '.log'))}")
        runs[engine] = {**measured, **json.loads(result_path.read_text())}
        log(f"{engine}: {runs[engine]['engine_s']} s in the engine, {runs[engine]['wall_s']} s in all")

    digests = {(r[args.stage], r["digest"], r["capped_events"], r["capped_keys"]) for r in runs.values()}
    identical = len(digests) == 1
    speedup = None
    if {"spark-local1", "spark-local2"} <= runs.keys():
        speedup = round(runs["spark-local1"]["engine_s"] / runs["spark-local2"]["engine_s"], 2)

    print()
    print_table(
        ("engine", "wall s", "engine s", "start s", "CPU s", "peak MB", "shuffle rd MB", "shuffle wr MB", args.stage),
        [
            (
                name,
                r["wall_s"],
                r["engine_s"],
                r["startup_s"],
                r["cpu_s"],
                r["peak_mb"],
                r.get("shuffle_read_mb", "-"),
                r.get("shuffle_write_mb", "-"),
                r[args.stage],
            )
            for name, r in runs.items()
        ],
    )
    first = next(iter(runs.values()))
    size = first["events"] if args.stage == "pairs" else first["posts"]
    path = write_results(
        args.results,
        {
            "posts_requested": args.posts,
            "seed": args.seed,
            "stage": args.stage,
            ("events" if args.stage == "pairs" else "posts"): size,
            "params": {"window": args.window, "max_neighbours": args.max_neighbours},
            "floodwatch_git": git_revision(),
            "versions": package_versions(sys.executable, ["floodwatch", "duckdb", "pyarrow", "pyspark"]),
            "java": subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
            "spark_settings": SPARK_SETTINGS,
            "method": (
                "each engine pairs the same Parquet events (stage pairs) or builds the events from the same store "
                "(stage events) in a fresh subprocess; wall = whole subprocess, engine = key_pairs_into alone "
                "(DuckDB in place; Spark through Parquet in an exchange folder) or the event building alone "
                "(after the driver's numbering); "
                "peak = max summed RSS of the process tree (JVM included), sampled "
                "every 50 ms; shuffle bytes from Spark's REST status API; other_cpu_s = CPU other processes used "
                "meanwhile (from /proc/stat)"
            ),
            f"identical_{args.stage}": identical,
            "speedup_local1_to_local2": speedup,
            "runs": runs,
        },
    )
    fastest = min(runs, key=lambda name: runs[name]["engine_s"])
    made = f"{runs[fastest][args.stage]:,} {args.stage}"
    summary = (
        f"engines ({args.stage}): {size:,} {'events' if args.stage == 'pairs' else 'posts'} of "
        f"{size_label(args.posts)} simulated -> {made}; "
        + ", ".join(f"{name} {r['engine_s']:.1f} s / {r['peak_mb']:,.0f} MB" for name, r in runs.items())
        + (f"; Spark 1->2 cores x{speedup}" if speedup else "")
        + (f"; identical {args.stage} tables" if identical else f"; {args.stage.upper()} TABLES DIFFER")
    )
    announce(path, summary)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
