"""Account-level quality of `floodwatch detect coordination` on simulated data with planted groups, per style.

For each seed: simulate POSTS posts over four platforms (organic background, viral decoys, seven styles of
planted groups), ingest, run the detector with its defaults (a CLI subprocess, timed), and score the flagged
accounts against the ground truth: precision, recall, F1, per-style recall, and the share of viral-decoy accounts
flagged (the false-positive rate among accounts of organic viral events).

Side by side, the peer method: coordination-network-toolkit's networks as its users run them (co_tweet +
co_retweet + co_link at 30 s, minimum edge weight 2, every account with an edge flagged), computed here with the
same co-action engine (running the toolkit itself at 1M posts takes hours; bench/vs_cnt.py compares the tools).

    python bench/coordination_quality.py                 # 1M posts, seeds 11 12 13
    python bench/coordination_quality.py --posts 50000 --seeds 1
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    WORK,
    floodwatch_bin,
    git_revision,
    log,
    package_versions,
    print_table,
    run_timed,
    size_label,
    write_results,
)
from floodwatch.detect.events import EventParams, build_events, prepare_posts
from floodwatch.engines.base import PairParams
from floodwatch.engines.duckdb import DuckDBEngine
from floodwatch.sim.evaluate import Account, load_truth, score_accounts
from floodwatch.store.events import EventStore

PEER = "cnt-style networks (co_tweet+co_retweet+co_link, 30 s, min weight 2)"


def peer_flagged(store: Path) -> set[Account]:
    """Accounts with at least one edge of weight ≥ 2 in a co-tweet, co-retweet or co-link network at 30 s."""
    con = EventStore(store).connect()
    prepare_posts(con)
    events = build_events(con, EventParams(kinds=("same_text", "repost", "url")))
    pairs = DuckDBEngine(con).key_pairs(events, PairParams(window=30.0, max_neighbours=50)).key_pairs
    con.register("kp", pairs)
    rows = con.execute(
        """
        WITH per_kind AS (
          SELECT aid_a, aid_b, kind,
            greatest(len(list_distinct(flatten(list(pids_a)))), len(list_distinct(flatten(list(pids_b))))) AS weight
          FROM kp GROUP BY aid_a, aid_b, kind
        ), edges AS (SELECT DISTINCT aid_a, aid_b FROM per_kind WHERE weight >= 2)
        SELECT DISTINCT a.platform, a.account_id FROM edges e JOIN acct a ON a.aid IN (e.aid_a, e.aid_b)
        """
    ).fetchall()
    con.close()
    return {(str(p), str(a)) for p, a in rows}


def run_seed(posts: int, seed: int) -> dict[str, Any]:
    folder = WORK / f"quality-{size_label(posts)}-s{seed}"
    sim, store, out = folder / "sim", folder / "store", folder / "out"
    fw = floodwatch_bin() / "floodwatch"
    if not (sim / "posts.jsonl").exists():
        shutil.rmtree(folder, ignore_errors=True)
        log(f"simulating {posts:,} posts, seed {seed}")
        cmd = [str(fw), "simulate", "--posts", str(posts), "--seed", str(seed), "--out", str(sim)]
        subprocess.run(cmd, check=True, capture_output=True)
    shutil.rmtree(store, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    log(f"ingesting seed {seed}")
    ingest = run_timed(
        [fw, "ingest", sim / "posts.jsonl", sim / "accounts.jsonl", "--data-dir", store], folder / "ingest.log"
    )
    log(f"detecting seed {seed}")
    detect = run_timed(
        [fw, "detect", "coordination", "--data-dir", store, "--out", out, "--seed", str(seed)], folder / "detect.log"
    )
    if detect.returncode != 0:
        raise SystemExit(f"detect failed, see {folder / 'detect.log'}")
    accounts = pacsv.read_csv(out / "accounts.csv").to_pylist()
    flagged = {(str(r["platform"]), str(r["account_id"])) for r in accounts}
    truth = load_truth(sim)
    ours = score_accounts(flagged, truth)
    started = time.perf_counter()
    peer = score_accounts(peer_flagged(store), truth)
    peer_seconds = time.perf_counter() - started
    return {
        "seed": seed,
        "posts": posts,
        "ingest_seconds": ingest.seconds,
        "detect_seconds": detect.seconds,
        "detect_peak_mb": detect.peak_mb,
        "clusters": len({r["cluster_id"] for r in accounts}),
        "floodwatch": {**ours.__dict__, "decoy_false_positive_rate": round(ours.decoy_false_positive_rate, 5)},
        "peer": {
            "method": PEER,
            "seconds": round(peer_seconds, 2),
            **peer.__dict__,
            "decoy_false_positive_rate": round(peer.decoy_false_positive_rate, 5),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    args = parser.parse_args()
    runs = [run_seed(args.posts, seed) for seed in args.seeds]
    rows = []
    for r in runs:
        for name, s in (("floodwatch", r["floodwatch"]), ("peer", r["peer"])):
            rows.append(
                [
                    f"{name} seed {r['seed']}",
                    f"{s['precision']:.3f}",
                    f"{s['recall']:.3f}",
                    f"{s['f1']:.3f}",
                    s["decoys_flagged"],
                    s["decoy_accounts"],
                    f"{100 * s['decoy_false_positive_rate']:.2f}%",
                ]
            )
    print_table(["run", "precision", "recall", "F1", "decoys flagged", "decoy accounts", "decoy FP"], rows)
    styles = sorted(runs[0]["floodwatch"]["by_style"])
    print()
    print_table(
        ["style", *(f"seed {r['seed']}" for r in runs)],
        [[s, *(f"{r['floodwatch']['by_style'][s]['recall']:.3f}" for r in runs)] for s in styles],
    )
    mean = {
        k: round(sum(r[w][k] for r in runs) / len(runs), 4)
        for w in ("floodwatch",)
        for k in ("precision", "recall", "f1")
    }
    peer_mean = {k: round(sum(r["peer"][k] for r in runs) / len(runs), 4) for k in ("precision", "recall", "f1")}
    worst_fp = max(r["floodwatch"]["decoy_false_positive_rate"] for r in runs)
    versions = package_versions(sys.executable, ["floodwatch", "duckdb", "pyarrow", "igraph", "leidenalg", "numpy"])
    path = write_results(
        "coordination_quality",
        {
            "posts": args.posts,
            "seeds": args.seeds,
            "versions": versions,
            "floodwatch_git": git_revision(),
            "mean": {"floodwatch": mean, "peer": peer_mean},
            "worst_decoy_false_positive_rate": worst_fp,
            "runs": runs,
        },
    )
    log(f"wrote {path}")
    print(
        f"coordination quality on {args.posts:,} posts x {len(runs)} seeds: floodwatch F1 {mean['f1']:.3f} "
        f"(P {mean['precision']:.3f}, R {mean['recall']:.3f}, worst decoy FP {100 * worst_fp:.2f}%) vs peer F1 "
        f"{peer_mean['f1']:.3f}: {mean['f1'] / max(peer_mean['f1'], 1e-9):.2f}x"
    )


if __name__ == "__main__":
    main()
