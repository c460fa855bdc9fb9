"""Blacklist lookups under load: 10M keyed-hash entries, batch lookups over HTTP from a second process.

    .venv/bin/python bench/blacklist_load.py                      # 10,000,000 entries: the stated goal
    .venv/bin/python bench/blacklist_load.py --entries 1000000    # a quicker run; say so when quoting it

1. Load: `--entries` phone-number entries (HMAC-SHA256 under a bench federation key of mobile numbers
   13000000000 + i) are bulk-inserted into a fresh governance database (SQLite, migrated by floodwatch) straight
   into `bl_entries` in hash order with one executemany — not through the API, as a platform's initial load or
   a PostgreSQL COPY would be. Reused while its stamp names the same size and seed.
2. Serve: `uvicorn floodwatch.api:create_app --factory` in its own process on 127.0.0.1 (one worker).
3. Drive, from this process, for `--seconds` each or `--max-lookups` hashes, whichever comes first, with
   `--concurrency` requests in flight (default 1; asyncio + httpx on loopback; the client shares the 2 cores with
   the server, so more in flight raises throughput and queueing alike: 4 in flight gave 6,106/s at p99 60 ms):
   - floodwatch: POST /api/v1/blacklist/lookup with `--batch` hashes a request;
   - baseline (naive): the same endpoint with one hash a request.
   Half the hashes asked are listed, half are not. Throughput is hashes looked up a second; latency is per
   request (p50/p99 in ms). Goal: >= 4,000 lookups/s with p99 <= 20 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

# Run as a script: its folder is on sys.path, so the shared helpers import as `common`.
from common import (
    ROOT,
    WORK,
    announce,
    git_revision,
    log,
    package_versions,
    print_table,
    size_label,
    wait_until_quiet,
    write_results,
)
from floodwatch.govern import tenants
from floodwatch.govern.db import open_database, transaction

NAME = "blacklist_load"
BENCH_KEY = hashlib.sha256(b"floodwatch blacklist bench key").digest()
FIRST_NUMBER = 13_000_000_000
PORT = 18_765


def number_hash(i: int) -> bytes:
    """The keyed hash of bench phone number i, as identifiers.keyed_hash computes it ("phone\\0+86…")."""
    return hmac.new(BENCH_KEY, f"phone\x00+86{FIRST_NUMBER + i}".encode(), hashlib.sha256).digest()


def build_database(entries: int, seed: int) -> tuple[Path, str, dict[str, float]]:
    """bench/.work/blacklist-<size>/governance.sqlite with `entries` entries and a platform key; reused by stamp."""
    folder = WORK / f"blacklist-{size_label(entries)}"
    stamp = folder / ".bench-stamp.json"
    key_file = folder / "bench.apikey"
    wanted = {"entries": entries, "seed": seed, "schema": "0003"}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and key_file.exists():
        log(f"reusing {folder}")
        return folder, key_file.read_text().strip(), json.loads((folder / ".load.json").read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'governance.sqlite'}"
    engine = open_database(url)
    with transaction(engine) as session:
        tenants.create_tenant(session, "bench", "weibo", "Weibo")
        _, secret = tenants.issue_key(session, "bench", "weibo", "bench", "platform", rate_per_second=1e6)
    engine.dispose()
    started = time.perf_counter()
    log(f"hashing and sorting {entries:,} identifiers")
    hashes = sorted(number_hash(i) for i in range(entries))
    hashed = time.perf_counter() - started
    conn = sqlite3.connect(folder / "governance.sqlite")
    conn.execute("PRAGMA synchronous = OFF")  # a bulk load into a file made for it: rerun on a crash
    conn.execute("PRAGMA cache_size = -1000000")
    moment = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME text form
    log(f"inserting {entries:,} entries")
    began = time.perf_counter()
    conn.executemany(
        "INSERT INTO bl_entries (hash, kind, platform, reason_code, confidence, created_at, updated_at, status)"
        " VALUES (?, 'phone', 'weibo', 'doxxing', 0.9, ?, ?, 'active')",
        ((h, moment, moment) for h in hashes),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    loaded = time.perf_counter() - began
    figures = {
        "hash_and_sort_s": round(hashed, 1),
        "insert_s": round(loaded, 1),
        "insert_rows_per_s": round(entries / loaded),
        "database_mb": round((folder / "governance.sqlite").stat().st_size / 2**20),
    }
    key_file.write_text(secret + "\n")
    (folder / ".load.json").write_text(json.dumps(figures))
    stamp.write_text(json.dumps(wanted) + "\n")
    log(f"loaded in {loaded:.0f} s ({figures['insert_rows_per_s']:,} rows/s), {figures['database_mb']:,} MB")
    return folder, secret, figures


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to express throughput per server core-second:
    on a machine shared with other work, wall-clock throughput says more about the neighbours than the server."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FLOODWATCH_DATABASE_URL": f"sqlite:///{folder / 'governance.sqlite'}"}
    env.pop("FLOODWATCH_FEDERATION_KEY", None)
    cmd = [
        sys.executable, "-m", "uvicorn", "floodwatch.api:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(PORT), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "server.log", "wb"),  # noqa: SIM115 (the server keeps it open)
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/api/v1/openapi.json", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"the server did not start: see {folder / 'server.log'}")


async def drive(
    secret: str, entries: int, batch: int, concurrency: int, seconds: float, max_lookups: int, seed: int
) -> dict[str, Any]:
    """Send lookups until the time or count bound; returns throughput and request latencies."""
    rng = random.Random(seed)
    latencies: list[float] = []
    done = 0
    listed_found = 0
    errors = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {secret}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done, listed_found, errors
        while time.perf_counter() < deadline and done < max_lookups:
            hashes = [
                number_hash(rng.randrange(entries)).hex() if rng.random() < 0.5 else rng.randbytes(32).hex()
                for _ in range(batch)
            ]
            began = time.perf_counter()
            response = await client.post("/api/v1/blacklist/lookup", json={"hashes": hashes})
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                errors += 1
                continue
            done += batch
            listed_found += sum(m["listed"] for m in response.json()["matches"])

    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{PORT}", headers=headers, limits=limits, timeout=30
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "batch": batch,
        "concurrency": concurrency,
        "lookups": done,
        "requests": len(latencies),
        "errors": errors,
        "listed_share": round(listed_found / done, 3) if done else None,
        "seconds": round(elapsed, 2),
        "lookups_per_s": round(done / elapsed),
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2) if ordered else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000_000, help="entries loaded (default 10,000,000)")
    parser.add_argument("--batch", type=int, default=50, help="hashes per floodwatch lookup request (default 50)")
    parser.add_argument(
        "--concurrency", type=int, default=1, help="requests in flight (default 1: the p99 goal is per request)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound per phase (default 20)")
    parser.add_argument("--max-lookups", type=int, default=400_000, help="count bound per phase (default 400,000)")
    parser.add_argument("--seed", type=int, default=7, help="lookup sampling seed (default 7)")
    args = parser.parse_args()
    folder, secret, load = build_database(args.entries, args.seed)
    server = start_server(folder)
    try:
        asyncio.run(drive(secret, args.entries, args.batch, args.concurrency, 2.0, 10_000, args.seed))  # warm-up
        runs = {}
        for label, batch in (("baseline: one hash a request", 1), (f"floodwatch: batch of {args.batch}", args.batch)):
            quiet = wait_until_quiet(timeout=60)
            log(f"{label}: {args.seconds:g} s or {args.max_lookups:,} lookups (other load: {quiet} cores)")
            cpu_before = cpu_seconds(server.pid)
            run = asyncio.run(
                drive(secret, args.entries, batch, args.concurrency, args.seconds, args.max_lookups, args.seed)
            )
            server_cpu = cpu_seconds(server.pid) - cpu_before
            run["server_cpu_s"] = round(server_cpu, 2)
            run["lookups_per_server_cpu_s"] = round(run["lookups"] / server_cpu) if server_cpu else None
            runs[label] = {**run, "other_cores_before": quiet}
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = [
        [k, r["lookups"], r["lookups_per_s"], r["p50_ms"], r["p99_ms"], r["lookups_per_server_cpu_s"], r["errors"]]
        for k, r in runs.items()
    ]
    print_table(["run", "lookups", "lookups/s", "p50 ms", "p99 ms", "per server CPU-s", "errors"], rows)
    ours = runs[f"floodwatch: batch of {args.batch}"]
    base = runs["baseline: one hash a request"]
    goal = ours["lookups_per_s"] >= 4000 and (ours["p99_ms"] or 1e9) <= 20
    path = write_results(
        NAME,
        {
            "entries": args.entries,
            "seed": args.seed,
            "load": load,
            "runs": runs,
            "goal_met": goal,
            "code": git_revision(),
            "versions": package_versions(sys.executable, ["fastapi", "uvicorn", "httpx", "sqlalchemy"]),
        },
    )
    announce(
        path,
        f"blacklist lookups on {args.entries:,} entries: {ours['lookups_per_s']:,}/s p50 {ours['p50_ms']} ms "
        f"p99 {ours['p99_ms']} ms (batch {args.batch}; {ours['lookups_per_server_cpu_s']:,}/server CPU-s) "
        f"vs naive {base['lookups_per_s']:,}/s p99 {base['p99_ms']} ms; "
        f"goal >=4k/s & p99<=20ms {'met' if goal else 'NOT met'}",
    )


if __name__ == "__main__":
    main()
