"""Rumor cascades and manufactured trends at scale, on simulated posts with planted truth.

    .venv/bin/python bench/hotspots.py                   # 1,000,000 posts, seed 11: the published figures
    .venv/bin/python bench/hotspots.py --posts 200000    # a quick run while developing

Data: `floodwatch simulate --posts N --seed S` (bench/common.py's cached folder, shared with the other benchmarks),
ingested once into bench/.work/hotspots/store-<N>. Each measured run is a fresh subprocess (wall time, peak RSS):

- **cascades, floodwatch**: `rumor_cascade_findings` seeded with every planted rumor post (restatements and their
  reposts: nested seeds must fold into one tree per root), in DuckDB.
- **cascades, baseline**: the obvious in-memory reconstruction — every post's parent link read into Python dicts,
  roots by walking up, trees by breadth-first search — on the same seeds. Both must give the same trees (root,
  size, depth, widest level); the results say whether they do.
- **trends, floodwatch**: `detect_trends` on hashtags, URLs and each planted post's campaign as a topic, without a
  coordination table (account age and history only).
- **trends, baseline**: a volume-only trending list — the same bursts, every one flagged — which is what a
  detector that looks at counts alone reports.

Quality: for cascades, whether each claim's planted amplifiers are among its top-5 spreaders and big V; for trends,
precision of the flagged bursts (a flagged burst is right when its key is a planted group's hashtag, link or wave),
the share of group waves flagged, and the share of decoy bursts (viral reposts, friendly floods, rumor cascades,
pile-ons) flagged.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    WORK,
    announce,
    floodwatch_bin,
    git_revision,
    log,
    print_table,
    run_timed,
    simulated_data,
    size_label,
    write_results,
)
from floodwatch.detect.cascades import CascadeParams, rumor_cascade_findings, tree_figures
from floodwatch.detect.trends import detect_trends
from floodwatch.store.events import EventStore

NAME = "hotspots"
RUNS = ("cascades-floodwatch", "cascades-baseline", "trends-floodwatch")


def truth(sim: Path, name: str) -> list[dict[str, str]]:
    with open(sim / "truth" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rumor_seeds(sim: Path) -> list[tuple[str, str, str]]:
    return [
        (r["platform"], r["post_id"], r["campaign"].removeprefix("claim-"))
        for r in truth(sim, "posts.csv")
        if r["kind"] == "rumor"
    ]


def ensure_store(sim: Path, posts: int) -> Path:
    store = WORK / "hotspots" / f"store-{size_label(posts)}"
    stamp = store / ".bench-source"
    source = str((sim / "posts.jsonl").stat().st_mtime_ns)
    if stamp.exists() and stamp.read_text() == source:
        log(f"reusing {store}")
        return store
    subprocess.run(["rm", "-rf", str(store)], check=True)
    cmd = [str(floodwatch_bin() / "floodwatch"), "ingest", str(sim / "posts.jsonl"), str(sim / "accounts.jsonl")]
    log("ingesting: " + " ".join(cmd))
    subprocess.run([*cmd, "--data-dir", str(store)], check=True, capture_output=True)
    stamp.write_text(source)
    return store


def cascades_floodwatch(store: Path, sim: Path) -> dict[str, Any]:
    con = EventStore(store).connect()
    started = time.perf_counter()
    findings = rumor_cascade_findings(con, rumor_seeds(sim), CascadeParams(top_spreaders=5))
    trees = tree_figures(con).to_pylist()
    seconds = time.perf_counter() - started
    amplifiers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in truth(sim, "targets.csv"):
        if r["role"] == "amplifier":
            amplifiers[r["campaign"].removeprefix("claim-")].add((r["platform"], r["account_id"]))
    found = in_big_v = total = 0
    for f in findings:
        if f.kind != "rumor_cascade":
            continue
        planted = amplifiers.get(f.evidence["claim_id"], set())
        total += len(planted)
        found += len(planted & {(s["platform"], s["account_id"]) for s in f.evidence["top_spreaders"]})
        in_big_v += len(planted & {(s["platform"], s["account_id"]) for s in f.evidence["big_v"]})
    return {
        "seconds_inside": round(seconds, 2),
        "claims": sum(f.kind == "rumor_cascade" for f in findings),
        "trees": sorted([t["platform"], t["root_post_id"], t["size"], t["depth"], t["max_breadth"]] for t in trees),
        "amplifiers": total,
        "amplifiers_in_top5_spreaders": found,
        "amplifiers_big_v": in_big_v,
    }


def cascades_baseline(store: Path, sim: Path) -> dict[str, Any]:
    """Every parent link in Python dicts, then walk up from each seed and breadth-first down from each root."""
    started = time.perf_counter()
    parent: dict[tuple[str, str], str] = {}
    children: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in EventStore(store).post_files():
        table = pq.read_table(path, columns=["platform", "post_id", "repost_of", "quote_of", "reply_to"])
        for platform, pid, rp, qo, rt in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True):
            p = rp or qo or rt
            if p is not None:
                parent[(platform, pid)] = p
                children[(platform, p)].append(pid)
    seeds: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for platform, pid, claim in rumor_seeds(sim):
        seeds[claim].add((platform, pid))
    trees = []
    for members in seeds.values():
        for platform, pid in sorted(members):
            node, nested = parent.get((platform, pid)), False
            while node is not None and not nested:
                nested = (platform, node) in members
                node = parent.get((platform, node))
            if nested:
                continue
            levels, frontier = [1], [pid]
            while frontier := [c for f in frontier for c in children.get((platform, f), [])]:
                levels.append(len(frontier))
            trees.append([platform, pid, sum(levels), len(levels) - 1, max(levels)])
    return {"seconds_inside": round(time.perf_counter() - started, 2), "trees": sorted(trees)}


def trends_floodwatch(store: Path, sim: Path) -> dict[str, Any]:
    rows = truth(sim, "posts.csv")
    topics = pa.table(
        {
            "platform": [r["platform"] for r in rows],
            "post_id": [r["post_id"] for r in rows],
            "topic": [r["campaign"] for r in rows],
        }
    )
    con: duckdb.DuckDBPyConnection = EventStore(store).connect()
    started = time.perf_counter()
    result = detect_trends(con, topics=topics)
    seconds = time.perf_counter() - started
    groups = json.loads((sim / "summary.json").read_text())["groups"]
    planted_keys = {"hashtag": {g["hashtag"].lower() for g in groups}, "url": {g["contact"] for g in groups}}
    bursts = result.bursts.to_pylist()

    def planted(b: dict[str, Any]) -> bool:
        return b["key"].startswith("g") if b["kind"] == "topic" else b["key"] in planted_keys[b["kind"]]

    def quality(flag: str) -> dict[str, Any]:
        flagged = [b for b in bursts if b[flag]]
        waves = [b for b in bursts if b["kind"] == "topic" and b["key"].startswith("g") and b["volume"] >= 10]
        decoys = [b for b in bursts if b["kind"] == "topic" and not b["key"].startswith("g")]
        return {
            "flagged": len(flagged),
            "precision": round(sum(map(planted, flagged)) / len(flagged), 4) if flagged else None,
            "group_waves": len(waves),
            "group_waves_flagged": sum(b[flag] for b in waves),
            "decoy_bursts": len(decoys),
            "decoy_bursts_flagged": sum(b[flag] for b in decoys),
        }

    for b in bursts:
        b["any_burst"] = True
    return {
        "seconds_inside": round(seconds, 2),
        "bursts": len(bursts),
        "floodwatch": quality("manufactured"),
        "volume_only_baseline": quality("any_burst"),
    }


def child(run: str, store: Path, sim: Path, out: Path) -> None:
    work = {
        "cascades-floodwatch": cascades_floodwatch,
        "cascades-baseline": cascades_baseline,
        "trends-floodwatch": trends_floodwatch,
    }[run]
    out.write_text(json.dumps(work(store, sim)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000, help="simulated posts (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=11, help="simulation seed (default 11, as the other benches)")
    parser.add_argument("--child", choices=RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sim", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.store, args.sim, args.out)
        return
    # The 1M folder is shared with the ingest bench, which also writes the CNT CSV.
    sim = simulated_data(args.posts, args.seed, cnt_csv=args.posts == 1_000_000)
    store = ensure_store(sim, args.posts)
    folder = WORK / "hotspots" / f"runs-{size_label(args.posts)}"
    folder.mkdir(parents=True, exist_ok=True)
    measured: dict[str, dict[str, Any]] = {}
    for run in RUNS:
        out = folder / f"{run}.json"
        cmd = [sys.executable, __file__, "--child", run, "--store", store, "--sim", sim, "--out", out]
        log(f"running {run}")
        timed = run_timed(cmd, folder / f"{run}.log")
        if timed.returncode != 0:
            raise SystemExit(f"{run} failed: see {timed.log_path}")
        measured[run] = {
            "seconds": round(timed.seconds, 2),
            "peak_rss_mb": round(timed.peak_mb, 1),
            "cpu_s": timed.cpu_s,
            "other_cpu_s": timed.other_cpu_s,
            **json.loads(out.read_text()),
        }
    fw, base = measured["cascades-floodwatch"], measured["cascades-baseline"]
    same_trees = fw.pop("trees") == base.pop("trees")
    trends = measured["trends-floodwatch"]
    payload = {
        "posts": args.posts,
        "seed": args.seed,
        "code": git_revision(),
        "versions": {"python": sys.version.split()[0], "duckdb": duckdb.__version__, "pyarrow": pa.__version__},
        "cascades_same_trees_as_baseline": same_trees,
        "runs": measured,
    }
    path = write_results(NAME, payload)
    print_table(
        ["run", "seconds", "inside s", "peak MB"],
        [[r, m["seconds"], m["seconds_inside"], m["peak_rss_mb"]] for r, m in measured.items()],
    )
    q, v = trends["floodwatch"], trends["volume_only_baseline"]
    print_table(
        ["trends", "flagged", "precision", "group waves flagged", "decoys flagged"],
        [
            [
                name,
                x["flagged"],
                x["precision"],
                f"{x['group_waves_flagged']}/{x['group_waves']}",
                f"{x['decoy_bursts_flagged']}/{x['decoy_bursts']}",
            ]
            for name, x in (("floodwatch", q), ("volume-only", v))
        ],
    )
    announce(
        path,
        f"hotspots at {args.posts:,} posts: cascades {fw['seconds_inside']:.1f} s in DuckDB vs "
        f"{base['seconds_inside']:.1f} s in Python dicts (same trees: {same_trees}), amplifiers in top-5 spreaders "
        f"{fw['amplifiers_in_top5_spreaders']}/{fw['amplifiers']}; trends {trends['seconds_inside']:.1f} s, "
        f"{trends['bursts']:,} bursts, flagged precision {q['precision']} vs {v['precision']} volume-only, "
        f"decoys flagged {q['decoy_bursts_flagged']}/{q['decoy_bursts']}",
    )


if __name__ == "__main__":
    main()
