"""Ingest throughput: floodwatch vs coordination-network-toolkit's `preprocess` on the same simulated posts.

    .venv/bin/python bench/ingest.py                 # 1,000,000 posts, seed 11 (the published figures)
    .venv/bin/python bench/ingest.py --posts 20000   # a quick run while developing

Four measurements, each a fresh subprocess writing into a fresh, empty output:

1. coordination-network-toolkit 1.5.2 `compute_networks DB preprocess --format csv posts.cnt.csv` (SQLite)
2. `floodwatch ingest posts.cnt.csv --format cnt --data-dir DIR`   (the same CSV)
3. `floodwatch ingest posts.jsonl --format jsonl --data-dir DIR`    (canonical JSON Lines, the same posts)
4. the floor: DuckDB alone copying the same CSV into Parquet partitioned by day, as floodwatch's store does,
   with nothing checked, normalised, deduplicated or extracted. No ingest that reads this CSV and writes such
   Parquet through DuckDB can beat it, so its ratio over CNT bounds what the goal can ask of this design.

Posts/s is the input's data rows over the wall time of the whole command (start-up included). Each output is
then checked: the rows in floodwatch's store, and in CNT's `edge` table, must equal the input's rows.
The figures go to bench/results/ingest.json; the last line printed is the one-line summary with the ratio.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sqlite3
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Run as a script: its folder is on sys.path, so the shared helpers import as `common`.
from common import (
    CNT_PACKAGE,
    ROOT,
    WORK,
    announce,
    ensure_cnt_venv,
    floodwatch_bin,
    git_revision,
    log,
    package_versions,
    print_table,
    rel,
    run_timed_quietly,
    simulated_data,
    warm_cache,
    write_results,
)

NAME = "ingest"
GOAL = 10.0  # floodwatch's CSV throughput over CNT's, at least
CNT_TOOL = "coordination-network-toolkit"
RUNS = WORK / "ingest-runs"

_STORE_COUNT = (
    "import sys\n"
    "from pathlib import Path\n"
    "from floodwatch.store.events import EventStore\n"
    "con = EventStore(Path(sys.argv[1])).connect()\n"
    "print(con.execute('SELECT count(*) FROM posts').fetchone()[0],"
    " con.execute('SELECT count(*) FROM quarantine').fetchone()[0])\n"
)


# The floor (run 4): read the CSV as text, type the timestamp, write zstd Parquet by platform and day.
_BARE_COPY = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
ts = "to_timestamp(TRY_CAST(timestamp AS DOUBLE))"
con.execute(
    "COPY (SELECT 'twitter' AS platform, message_id, user_id, username, repost_id, reply_id, message, urls, "
    + ts + " AS created_at, strftime(" + ts + ", '%Y-%m-%d') AS day "
    + "FROM read_csv('" + sys.argv[1] + "', all_varchar = true, header = true)) "
    + "TO '" + sys.argv[2] + "' (FORMAT parquet, PARTITION_BY (platform, day), COMPRESSION zstd, COMPRESSION_LEVEL 1)"
)
"""
FLOOR_TOOL = "duckdb bare copy (floor)"


@dataclass
class Run:
    tool: str
    input: str  # "cnt-csv" or "jsonl"
    file: str
    rows: int
    command: list[str]
    seconds: float = 0.0  # the median over the repeats
    all_seconds: list[float] = field(default_factory=list)
    posts_per_s: float = 0.0
    peak_mb: float = 0.0  # the largest over the repeats
    cpu_s: float = 0.0  # user + system CPU time of the median run (several cores can add up past `seconds`)
    other_cpu_s: float | None = None  # the most CPU time other processes used during a kept run (contention)
    contended: bool = False  # some kept run shared the machine with other busy processes: figures skewed
    stored: int = 0  # rows found in the tool's output after the run
    quarantined: int = 0
    ok: bool = False


def csv_rows(path: Path) -> int:
    """Data rows (records, not physical lines) of a CSV file with a header."""
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1


def jsonl_rows(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def store_counts(data_dir: Path) -> tuple[int, int]:
    """Posts and quarantined records in a floodwatch event store, read by floodwatch's own Python."""
    python = floodwatch_bin() / "python"
    done = subprocess.run([str(python), "-c", _STORE_COUNT, str(data_dir)], capture_output=True, text=True)
    if done.returncode != 0:
        log(f"cannot count the store {data_dir}: {done.stderr.strip()}")
        return -1, -1
    posts, quarantined = done.stdout.split()
    return int(posts), int(quarantined)


def cnt_rows(db: Path) -> int:
    """Messages in CNT's SQLite db: its `edge` table holds one row per message (preprocess.py, database.py)."""
    con = sqlite3.connect(db)
    try:
        return int(con.execute("SELECT count(*) FROM edge").fetchone()[0])
    finally:
        con.close()


def parquet_rows(folder: Path) -> int:
    python = floodwatch_bin() / "python"
    query = f"import duckdb; print(duckdb.sql(\"SELECT count(*) FROM '{folder}/**/*.parquet'\").fetchall()[0][0])"
    done = subprocess.run([str(python), "-c", query], capture_output=True, text=True, check=True)
    return int(done.stdout)


def measure(run: Run, output: Path, repeat: int, quiet_timeout: float) -> None:
    """Run the command `repeat` times, each into a fresh `output`, then check what the last run stored."""

    def fresh_output() -> None:
        for leftover in (output, output.with_name(output.name + "-wal"), output.with_name(output.name + "-shm")):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            elif leftover.exists():
                leftover.unlink()
        output.parent.mkdir(parents=True, exist_ok=True)

    peaks, cpus, others = [], [], []
    for i in range(repeat):
        log(f"{run.tool} on {run.input} ({i + 1}/{repeat}): {' '.join(run.command)}")
        log_path = output.parent / f"{output.name}.{i + 1}.log"
        timed = run_timed_quietly(run.command, log_path, fresh_output, cwd=ROOT, quiet_timeout=quiet_timeout)
        if timed.returncode != 0:
            tail = timed.log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"{run.tool} failed with exit code {timed.returncode}; see {timed.log_path}:\n{tail}")
        log(
            f"  {timed.seconds:.2f} s, {timed.cpu_s:.1f} s CPU, peak {timed.peak_mb:,.0f} MB; "
            f"other processes meanwhile: {timed.other_cpu_s} s CPU"
        )
        run.all_seconds.append(round(timed.seconds, 3))
        peaks.append(timed.peak_mb)
        cpus.append(timed.cpu_s)
        if timed.other_cpu_s is not None:
            others.append(timed.other_cpu_s)
        run.contended = run.contended or timed.contended
    run.seconds = statistics.median(run.all_seconds)
    run.cpu_s = cpus[run.all_seconds.index(statistics.median_low(run.all_seconds))]
    run.other_cpu_s = max(others) if others else None
    run.posts_per_s = run.rows / run.seconds
    run.peak_mb = round(max(peaks), 1)
    if run.tool == CNT_TOOL:
        run.stored = cnt_rows(output)
    elif run.tool == FLOOR_TOOL:
        run.stored = parquet_rows(output)
    else:
        run.stored, run.quarantined = store_counts(output)
    run.ok = run.stored == run.rows and run.quarantined == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts to simulate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=11, help="simulation seed (default 11)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median counts (default 3)")
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=300,
        help="before each run, wait up to this many seconds for other processes to go quiet (0: do not wait)",
    )
    args = parser.parse_args(argv)

    cnt_venv = ensure_cnt_venv()
    fw = floodwatch_bin() / "floodwatch"
    sim = simulated_data(args.posts, args.seed, cnt_csv=True)
    csv_path, jsonl_path = sim / "posts.cnt.csv", sim / "posts.jsonl"
    rows_csv, rows_jsonl = csv_rows(csv_path), jsonl_rows(jsonl_path)
    log(f"input: {rows_csv:,} CSV rows, {rows_jsonl:,} JSONL rows")
    for path in (csv_path, jsonl_path):
        warm_cache(path)

    shutil.rmtree(RUNS, ignore_errors=True)
    cnt_db = RUNS / "cnt" / "cnt.db"
    fw_csv_dir, fw_jsonl_dir = RUNS / "floodwatch-cnt" / "data", RUNS / "floodwatch-jsonl" / "data"
    floor_dir = RUNS / "floor" / "parquet"
    cnt_cmd = [str(cnt_venv / "bin" / "compute_networks"), str(cnt_db), "preprocess", "--format", "csv"]
    runs = [
        (Run(CNT_TOOL, "cnt-csv", rel(csv_path), rows_csv, [*cnt_cmd, str(csv_path)]), cnt_db),
        (
            Run("floodwatch", "cnt-csv", rel(csv_path), rows_csv,
                [str(fw), "ingest", str(csv_path), "--format", "cnt", "--data-dir", str(fw_csv_dir)]),
            fw_csv_dir,
        ),
        (
            Run("floodwatch", "jsonl", rel(jsonl_path), rows_jsonl,
                [str(fw), "ingest", str(jsonl_path), "--format", "jsonl", "--data-dir", str(fw_jsonl_dir)]),
            fw_jsonl_dir,
        ),
        (
            Run(FLOOR_TOOL, "cnt-csv", rel(csv_path), rows_csv,
                [str(floodwatch_bin() / "python"), "-c", _BARE_COPY, str(csv_path), str(floor_dir)]),
            floor_dir,
        ),
    ]  # fmt: skip
    for run, output in runs:
        measure(run, output, args.repeat, args.quiet_timeout)
    cnt, fw_csv, fw_jsonl, floor = (run for run, _ in runs)

    print()
    print_table(
        ("tool", "input", "rows", "stored", "seconds", "CPU s", "posts/s", "peak MB"),
        [
            (r.tool, r.input, r.rows, r.stored, f"{r.seconds:.2f}", r.cpu_s, round(r.posts_per_s), r.peak_mb)
            for r in (cnt, fw_csv, fw_jsonl, floor)
        ],
        left=2,
    )
    print()
    ratio = fw_csv.posts_per_s / cnt.posts_per_s
    ratio_jsonl = fw_jsonl.posts_per_s / cnt.posts_per_s
    ceiling = floor.posts_per_s / cnt.posts_per_s
    correct = all(r.ok for r in (cnt, fw_csv, fw_jsonl, floor))
    for r in (cnt, fw_csv, fw_jsonl, floor):
        extra = f", {r.quarantined:,} quarantined" if r.quarantined else ""
        print(
            f"check {r.tool} ({r.input}): {r.stored:,} rows stored of {r.rows:,}{extra}: {'ok' if r.ok else 'MISMATCH'}"
        )
    for r in (cnt, fw_csv, fw_jsonl, floor):
        if r.contended:
            print(
                f"warning: other processes used {r.other_cpu_s:.1f} s CPU during {r.tool} ({r.input}): figures skewed"
            )
    print(f"floodwatch JSONL vs CNT's CSV preprocess: {ratio_jsonl:.1f}x")
    print(
        f"floor (DuckDB copying the CSV to partitioned Parquet, nothing else): {ceiling:.1f}x CNT; "
        f"floodwatch ingest takes {fw_csv.seconds / floor.seconds:.1f}x the floor's time"
    )
    print(f"goal >= {GOAL:g}x on the same CSV: {'met' if ratio >= GOAL else 'NOT met'} ({ratio:.1f}x)")

    fw_versions = package_versions(floodwatch_bin() / "python", ["floodwatch", "duckdb", "pyarrow", "orjson"])
    cnt_versions = package_versions(cnt_venv / "bin" / "python", [CNT_PACKAGE])
    summary = (
        f"ingest: floodwatch {fw_csv.posts_per_s:,.0f} posts/s vs {CNT_TOOL} {cnt.posts_per_s:,.0f} posts/s "
        f"on {rows_csv:,} posts: {ratio:.1f}x (the floor, a bare DuckDB copy, reaches {ceiling:.1f}x)"
    )
    path = write_results(
        NAME,
        {
            "seed": args.seed,
            "floodwatch_git": git_revision(),
            "posts": rows_csv,
            "posts_requested": args.posts,
            "repeat": args.repeat,
            "versions": {
                "python": fw_versions["python"],
                "floodwatch": fw_versions["floodwatch"],
                "duckdb": fw_versions["duckdb"],
                "pyarrow": fw_versions["pyarrow"],
                "orjson": fw_versions["orjson"],
                CNT_PACKAGE: cnt_versions[CNT_PACKAGE],
                "cnt_python": cnt_versions["python"],
            },
            "inputs": {
                "cnt-csv": {"file": rel(csv_path), "rows": rows_csv, "bytes": csv_path.stat().st_size},
                "jsonl": {"file": rel(jsonl_path), "rows": rows_jsonl, "bytes": jsonl_path.stat().st_size},
            },
            "method": "wall time of the whole command (start-up included) in a fresh subprocess into an empty "
            "output, warm page cache, after waiting for other processes to go quiet; peak RSS and CPU time from "
            "GNU time (or getrusage); other_cpu_s: CPU time other processes used meanwhile (from /proc/stat); "
            "posts/s = input rows / seconds",
            "runs": [
                {
                    **asdict(r),
                    "posts_per_s": round(r.posts_per_s),
                    "command": [rel(Path(c)) if c.startswith("/") else c for c in r.command],
                }
                for r in (cnt, fw_csv, fw_jsonl, floor)
            ],
            "ratio": round(ratio, 2),
            "ratio_jsonl": round(ratio_jsonl, 2),
            "floor_ratio": round(ceiling, 2),
            "floor_note": "run 4 writes the CSV's columns to Parquet by day with DuckDB and does nothing else: "
            "no validation, quarantine, NFKC, URL/hashtag/mention extraction, language hint, dedup, line numbers "
            "or catalogue; floor_ratio is its throughput over CNT's, the bound on any ingest of this design",
            "goal": GOAL,
            "goal_met": ratio >= GOAL,
            "correct": correct,
            "summary": summary,
        },
    )
    announce(path, summary)
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
