"""Coordination networks: floodwatch `network --compat cnt` vs coordination-network-toolkit 1.5.2 on the same CSV.

    .venv/bin/python bench/vs_cnt.py                     # 1,000,000 posts, seed 11, W = 30 s, min weight 2
    .venv/bin/python bench/vs_cnt.py --posts 20000       # a quick run while developing
    .venv/bin/python bench/vs_cnt.py --cnt-budget 3600   # CNT's total time budget, seconds (default 2700)

The simulated posts (`floodwatch simulate --posts N --seed S --cnt-csv`, reused from bench/.work/sim-<N>) go
through both tools, each step a fresh subprocess, timed (wall, CPU, peak RSS) on a quiet machine:

- CNT: `compute_networks DB preprocess --format csv posts.cnt.csv`, then `compute_networks DB compute KIND
  --time_window 30 --min_edge_weight 2 --n_cpus 2` for co_tweet, co_retweet, co_link, co_similar_tweet (its
  CLI defaults otherwise: similarity threshold 0.8, min document size 1). Every step gets what is left of the
  budget as its timeout; a step that does not finish is killed and recorded as "did not finish in N s".
- floodwatch: `floodwatch ingest posts.cnt.csv --format cnt --data-dir DIR`, then `floodwatch network KIND
  --data-dir DIR --compat cnt --window 30s --min-weight 2` for the same kinds, and `floodwatch detect
  coordination` on the same store (its full detector, for scale; not part of the ratio).

The edges are then compared. CNT's CSV export is broken in 1.5.2's CLI, so its tables are written with its own
`output_gephi_csv` (self-loops left out, as by default). co_tweet and co_retweet must be identical. co_link must
equal CNT's co_link *without its empty-URL bug*: CNT's network recomputed (untimed) after deleting the URL "" its
`split(" ")` adds for empty fields; how many edges the bug adds is reported. co_similar_tweet: the overlap of the
two edge sets. If CNT's co_similar_tweet does not finish, both tools also run it on the first `--subset-posts`
posts and that comparison is reported beside the timeout.

Peak memory: `peak_mb` is GNU time's maximum RSS (of the largest process of the tree), `peak_tree_mb` the largest
sum of RSS over the whole process tree, sampled every 0.2 s (CNT computes in a pool of worker processes).
The ratio is CNT's total time over floodwatch's for the steps that finished on both sides (preprocess vs ingest
plus each finished network); the last line printed states it and what it covers. Results: bench/results/vs_cnt.json.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Run as a script: its folder is on sys.path, so the shared helpers import as `common`.
from common import (
    CNT_PACKAGE,
    GNU_TIME,
    ROOT,
    WORK,
    announce,
    busy_cpu_seconds,
    ensure_cnt_venv,
    floodwatch_bin,
    git_revision,
    log,
    package_versions,
    print_table,
    rel,
    simulated_data,
    wait_until_quiet,
    warm_cache,
    write_results,
)

NAME = "vs_cnt"
CNT_TOOL = "coordination-network-toolkit"
KINDS = ("co_tweet", "co_retweet", "co_link", "co_similar_tweet")
MUST_BE_IDENTICAL = ("co_tweet", "co_retweet", "co_link")
RUNS = WORK / "vs-cnt"

# CNT's own CSV writer (its CLI's `--output_format csv` fails in 1.5.2: n_messages passed to output_gephi_csv).
CNT_EXPORT = (
    "import sys; from coordination_network_toolkit.output import output_gephi_csv; "
    "output_gephi_csv(sys.argv[1], sys.argv[2], sys.argv[3], loops=False)"
)


@dataclass
class Step:
    tool: str
    step: str  # preprocess / ingest / a network kind / detect coordination
    command: list[str]
    status: str = "not run"  # ok, failed, timeout, not run (budget spent)
    seconds: float | None = None
    cpu_s: float | None = None
    peak_mb: float | None = None
    peak_tree_mb: float | None = None
    timeout_s: float | None = None
    other_cpu_s: float | None = None
    edges: int | None = None
    note: str = ""


@dataclass
class Comparison:
    kind: str
    cnt_edges: int
    floodwatch_edges: int
    common: int
    only_cnt: int
    only_floodwatch: int
    same_weights: int
    identical: bool
    jaccard: float
    reference: str = "CNT's network as computed"
    examples_only_cnt: list[list[Any]] = field(default_factory=list)
    examples_only_floodwatch: list[list[Any]] = field(default_factory=list)


def _tree_rss_kib(session: int) -> tuple[int, int]:
    """Largest single RSS and the sum of RSS (KiB) of the processes of a session (Linux /proc)."""
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    largest = total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
            if int(stat.rsplit(")", 1)[1].split()[3]) != session:
                continue
            with open(f"/proc/{entry.name}/statm") as fh:
                rss = int(fh.read().split()[1]) * page_kib
        except (OSError, ValueError, IndexError):
            continue
        largest, total = max(largest, rss), total + rss
    return largest, total


def run_step(step: Step, log_path: Path, timeout: float | None, quiet_timeout: float) -> Step:
    """Run `step.command` in its own session with GNU time; kill the whole session after `timeout` seconds."""
    if quiet_timeout > 0:
        wait_until_quiet(timeout=quiet_timeout)
    usage = log_path.with_suffix(".usage")
    usage.unlink(missing_ok=True)
    wrapped = (
        [str(GNU_TIME), "-q", "-f", "%M %U %S", "-o", str(usage), *step.command] if GNU_TIME.exists() else step.command
    )
    env = {k: v for k, v in os.environ.items() if k != "FLOODWATCH_DATA_DIR"}
    shown = " ".join(step.command)
    log(f"{step.tool} {step.step}: {shown}" + (f" (timeout {timeout:.0f} s)" if timeout else ""))
    peaks = [0, 0]
    with open(log_path, "wb") as out:
        busy_before = busy_cpu_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(
            wrapped, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True
        )
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                largest, total = _tree_rss_kib(proc.pid)
                peaks[0], peaks[1] = max(peaks[0], largest), max(peaks[1], total)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            code = proc.wait(timeout=timeout)
            step.status = "ok" if code == 0 else "failed"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            step.status = "timeout"
            step.note = f"did not finish in {timeout:.0f} s"
        step.seconds = round(time.perf_counter() - started, 2)
        busy_after = busy_cpu_seconds()
        done.set()
        sampler.join()
    step.timeout_s = timeout
    step.peak_tree_mb = round(peaks[1] / 1024, 1)
    lines = usage.read_text().strip().splitlines() if usage.exists() else []
    try:
        peak_kib, user, system = lines[-1].split()
        step.peak_mb, step.cpu_s = round(int(peak_kib) / 1024, 1), round(float(user) + float(system), 2)
    except (IndexError, ValueError):
        step.peak_mb = round(peaks[0] / 1024, 1)  # killed: GNU time wrote nothing, the sampler's figure stands
    if busy_before is not None and busy_after is not None and step.cpu_s is not None:
        step.other_cpu_s = round(max(0.0, busy_after - busy_before - step.cpu_s), 1)
    if step.status == "failed":
        tail = log_path.read_text(errors="replace")[-2000:]
        step.note = f"exit code {code}; see {rel(log_path)}"
        log(f"  failed:\n{tail}")
    else:
        log(
            f"  {step.status}: {step.seconds:.1f} s, {step.cpu_s} s CPU, peak {step.peak_mb} MB (tree "
            f"{step.peak_tree_mb} MB); other processes meanwhile: {step.other_cpu_s} s CPU"
        )
    return step


def step_json(step: Step) -> dict[str, Any]:
    """A step for the results file: paths relative to the project."""
    data = asdict(step)
    data["command"] = [rel(Path(c)) if c.startswith("/") else c for c in step.command]
    return data


def read_edges(path: Path) -> dict[tuple[str, str], int]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {(s, t): int(w) for s, t, w, _ in reader}


def compare(kind: str, cnt: dict[tuple[str, str], int], fw: dict[tuple[str, str], int], reference: str) -> Comparison:
    common = cnt.keys() & fw.keys()
    union = cnt.keys() | fw.keys()
    same = sum(1 for k in common if cnt[k] == fw[k])
    return Comparison(
        kind=kind,
        cnt_edges=len(cnt),
        floodwatch_edges=len(fw),
        common=len(common),
        only_cnt=len(cnt.keys() - fw.keys()),
        only_floodwatch=len(fw.keys() - cnt.keys()),
        same_weights=same,
        identical=cnt == fw,
        jaccard=round(len(common) / len(union), 6) if union else 1.0,
        reference=reference,
        examples_only_cnt=[[*k, cnt[k]] for k in sorted(cnt.keys() - fw.keys())[:5]],
        examples_only_floodwatch=[[*k, fw[k]] for k in sorted(fw.keys() - cnt.keys())[:5]],
    )


def cnt_export(python: Path, db: Path, kind: str, out: Path) -> dict[tuple[str, str], int]:
    subprocess.run([str(python), "-c", CNT_EXPORT, str(db), kind, str(out)], check=True, capture_output=True)
    return read_edges(out)


def floodwatch_network_cmd() -> list[str]:
    return [str(floodwatch_bin() / "floodwatch"), "network"]


def subset_csv(src: Path, dst: Path, rows: int) -> int:
    """The header and the first `rows` records of a CSV."""
    with open(src, encoding="utf-8", newline="") as fh_in, open(dst, "w", encoding="utf-8", newline="") as fh_out:
        reader, writer = csv.reader(fh_in), csv.writer(fh_out)
        writer.writerow(next(reader))
        n = 0
        for n, row in enumerate(reader, start=1):
            writer.writerow(row)
            if n >= rows:
                break
    return n


@dataclass
class Sides:
    cnt: dict[str, Step] = field(default_factory=dict)
    floodwatch: dict[str, Step] = field(default_factory=dict)


def run_both(
    csv_path: Path,
    out: Path,
    kinds: tuple[str, ...],
    args: argparse.Namespace,
    budget: float,
    cnt_venv: Path,
    network_cmd: list[str],
    detect: bool,
) -> tuple[Sides, dict[str, Comparison], dict[str, Any]]:
    """Both tools on one CSV: timed steps, then the edge comparison."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "cnt").mkdir(parents=True)
    (out / "floodwatch").mkdir(parents=True)
    warm_cache(csv_path)
    sides = Sides()
    cnt_bin, cnt_python = cnt_venv / "bin" / "compute_networks", cnt_venv / "bin" / "python"
    db = out / "cnt" / "cnt.db"
    window, weight = str(int(args.window)), str(args.min_weight)

    spent = 0.0
    cnt_steps = [("preprocess", [str(cnt_bin), str(db), "preprocess", "--format", "csv", str(csv_path)])]
    cnt_steps += [
        (kind, [str(cnt_bin), str(db), "compute", kind, "--time_window", window, "--min_edge_weight", weight,
                "--n_cpus", str(args.n_cpus)])
        for kind in kinds
    ]  # fmt: skip
    for name, command in cnt_steps:
        step = Step(CNT_TOOL, name, command)
        left = budget - spent
        if left <= 1 or (name != "preprocess" and sides.cnt["preprocess"].status != "ok"):
            step.note = "not run: the budget was spent" if left <= 1 else "not run: preprocess did not finish"
        else:
            run_step(step, out / "cnt" / f"{name}.log", left, args.quiet_timeout)
            spent += step.seconds or 0.0
        sides.cnt[name] = step

    data = out / "floodwatch" / "data"
    fw = floodwatch_bin() / "floodwatch"
    fw_steps = [("ingest", [str(fw), "ingest", str(csv_path), "--format", "cnt", "--data-dir", str(data)])]
    fw_steps += [
        (kind, [*network_cmd, kind, "--data-dir", str(data), "--compat", "cnt", "--window", f"{window}s",
                "--min-weight", weight, "--out", str(out / "floodwatch" / f"{kind}.csv")])
        for kind in kinds
    ]  # fmt: skip
    if detect:
        fw_steps.append(
            ("detect coordination", [str(fw), "detect", "coordination", "--data-dir", str(data), "--window",
                                     f"{window}s", "--out", str(out / "floodwatch" / "coordination")])
        )  # fmt: skip
    for name, command in fw_steps:
        step = run_step(Step("floodwatch", name, command), out / "floodwatch" / f"{name.replace(' ', '-')}.log",
                        None, args.quiet_timeout)  # fmt: skip
        if step.status != "ok":
            raise SystemExit(f"floodwatch {name} failed; see {out / 'floodwatch'}")
        sides.floodwatch[name] = step

    comparisons: dict[str, Comparison] = {}
    extra: dict[str, Any] = {}
    for kind in kinds:
        fw_edges = read_edges(out / "floodwatch" / f"{kind}.csv")
        sides.floodwatch[kind].edges = len(fw_edges)
        if sides.cnt[kind].status != "ok":
            continue
        cnt_edges = cnt_export(cnt_python, db, kind, out / "cnt" / f"{kind}.csv")
        sides.cnt[kind].edges = len(cnt_edges)
        reference = "CNT's network as computed"
        if kind == "co_link":
            # The reference without CNT's empty-URL bug: its own computation after deleting the URL "".
            con = sqlite3.connect(db)
            removed = con.execute("DELETE FROM message_url WHERE url = ''").rowcount
            con.commit()
            con.close()
            log(f"CNT co_link without the empty-URL bug ({removed:,} empty URLs deleted), untimed")
            subprocess.run(cnt_steps[1 + kinds.index(kind)][1], check=True, capture_output=True)
            fixed = cnt_export(cnt_python, db, kind, out / "cnt" / "co_link.no-empty-url.csv")
            extra["co_link_empty_url_bug"] = {
                "empty_urls_in_message_url": removed,
                "edges_as_cnt_computes": len(cnt_edges),
                "edges_without_the_bug": len(fixed),
                "edges_only_from_the_bug": len(cnt_edges.keys() - fixed.keys()),
            }
            cnt_edges = fixed
            reference = "CNT's network without its empty-URL bug (message_url rows with url '' deleted)"
        comparisons[kind] = compare(kind, cnt_edges, fw_edges, reference)
    return sides, comparisons, extra


def totals(sides: Sides, kinds: tuple[str, ...]) -> tuple[float, float, list[str]]:
    """CNT's and floodwatch's total seconds over the steps both finished: preprocess/ingest + finished networks."""
    covered = [k for k in kinds if sides.cnt[k].status == "ok"]
    cnt_total = (sides.cnt["preprocess"].seconds or 0.0) + sum(sides.cnt[k].seconds or 0.0 for k in covered)
    fw_total = (sides.floodwatch["ingest"].seconds or 0.0) + sum(sides.floodwatch[k].seconds or 0.0 for k in covered)
    return cnt_total, fw_total, covered


def print_steps(sides: Sides, kinds: tuple[str, ...], title: str) -> None:
    print(f"\n{title}")
    rows = []
    pairs = [("preprocess", "ingest"), *((k, k) for k in kinds)]
    for cnt_name, fw_name in pairs:
        c, f = sides.cnt[cnt_name], sides.floodwatch[fw_name]
        c_time = f"{c.seconds:.1f}" if c.status == "ok" else (c.note or c.status)
        ratio = f"{c.seconds / f.seconds:.1f}x" if c.status == "ok" and c.seconds and f.seconds else "-"
        rows.append((f"{cnt_name} / {fw_name}" if cnt_name != fw_name else cnt_name, c_time, f"{f.seconds:.1f}",
                     ratio, c.peak_tree_mb or "-", f.peak_tree_mb or "-", c.edges if c.edges is not None else "-",
                     f.edges if f.edges is not None else "-"))  # fmt: skip
    for name, f in sides.floodwatch.items():
        if name not in dict(pairs).values():
            rows.append((name, "-", f"{f.seconds:.1f}", "-", "-", f.peak_tree_mb or "-", "-", "-"))
    print_table(("step", "CNT s", "floodwatch s", "ratio", "CNT peak MB", "fw peak MB", "CNT edges", "fw edges"), rows)


def print_contention(*all_sides: Sides) -> None:
    for sides in all_sides:
        for step in [*sides.cnt.values(), *sides.floodwatch.values()]:
            if step.other_cpu_s is not None and step.seconds and step.other_cpu_s > 0.1 * step.seconds:
                print(
                    f"warning: other processes used {step.other_cpu_s:,.0f} s CPU during {step.tool} {step.step} "
                    f"({step.seconds:,.0f} s): its time is skewed"
                )


def print_comparisons(comparisons: dict[str, Comparison]) -> bool:
    ok = True
    for c in comparisons.values():
        if c.kind in MUST_BE_IDENTICAL:
            verdict = "identical" if c.identical else "DIFFERENT"
            ok = ok and c.identical
        else:
            verdict = f"overlap {c.jaccard:.4f}"
        print(
            f"edges {c.kind}: CNT {c.cnt_edges:,}, floodwatch {c.floodwatch_edges:,}, common {c.common:,} "
            f"({c.same_weights:,} with equal weights), only CNT {c.only_cnt:,}, only floodwatch {c.only_floodwatch:,}: "
            f"{verdict}"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts to simulate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=11, help="simulation seed (default 11)")
    parser.add_argument("--window", type=int, default=30, help="co-action window, seconds (default 30)")
    parser.add_argument("--min-weight", type=int, default=2, help="minimum edge weight (default 2)")
    parser.add_argument("--n-cpus", type=int, default=2, help="CNT's --n_cpus (default 2)")
    parser.add_argument("--cnt-budget", type=float, default=2700, help="CNT's total seconds (default 2700 = 45 min)")
    parser.add_argument("--subset-posts", type=int, default=100_000, help="posts of the co_similar_tweet subset run")
    parser.add_argument("--subset-budget", type=float, default=1800, help="CNT's seconds on the subset (default 1800)")
    parser.add_argument("--no-detect", action="store_true", help="skip floodwatch detect coordination")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"networks to compare, comma-separated (default {','.join(KINDS)})"
    )
    parser.add_argument(
        "--results", default=NAME, help=f"results name: bench/results/NAME.json (default {NAME}; e.g. vs_cnt_10m)"
    )
    parser.add_argument(
        "--quiet-timeout", type=float, default=120, help="wait up to this long for a quiet machine before each step"
    )
    args = parser.parse_args(argv)
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if not kinds or set(kinds) - set(KINDS):
        parser.error(f"--kinds: choose from {', '.join(KINDS)}")

    cnt_venv = ensure_cnt_venv()
    network_cmd = floodwatch_network_cmd()
    sim = simulated_data(args.posts, args.seed, cnt_csv=True)
    csv_path = sim / "posts.cnt.csv"
    sides, comparisons, extra = run_both(
        csv_path, RUNS / "full", kinds, args, args.cnt_budget, cnt_venv, network_cmd, not args.no_detect
    )
    with open(csv_path, encoding="utf-8", newline="") as fh:
        posts = sum(1 for _ in csv.reader(fh)) - 1

    subset: dict[str, Any] | None = None
    sub_sides: Sides = Sides()
    sub_comparisons: dict[str, Comparison] = {}
    if "co_similar_tweet" in kinds and sides.cnt["co_similar_tweet"].status != "ok" and args.subset_posts < posts:
        subset_path = RUNS / f"subset-{args.subset_posts}.cnt.csv"
        RUNS.mkdir(parents=True, exist_ok=True)
        n = subset_csv(csv_path, subset_path, args.subset_posts)
        log(f"CNT's co_similar_tweet did not finish at {posts:,} posts: running both on the first {n:,}")
        sub_sides, sub_comparisons, _ = run_both(
            subset_path, RUNS / "subset", ("co_similar_tweet",), args, args.subset_budget, cnt_venv, network_cmd, False
        )
        subset = {
            "posts": n,
            "file": rel(subset_path),
            "cnt": {k: step_json(v) for k, v in sub_sides.cnt.items()},
            "floodwatch": {k: step_json(v) for k, v in sub_sides.floodwatch.items()},
            "comparisons": {k: asdict(v) for k, v in sub_comparisons.items()},
        }

    print_steps(sides, kinds, f"{posts:,} posts, window {args.window} s, min weight {args.min_weight}")
    identical = print_comparisons(comparisons)
    if subset is not None:
        print_steps(sub_sides, ("co_similar_tweet",), f"co_similar_tweet on the first {subset['posts']:,} posts")
        print_comparisons(sub_comparisons)
    print_contention(sides, sub_sides)
    if "co_link_empty_url_bug" in extra:
        bug = extra["co_link_empty_url_bug"]
        print(
            f"CNT's empty-URL bug: {bug['empty_urls_in_message_url']:,} empty URLs; co_link "
            f"{bug['edges_as_cnt_computes']:,} edges as CNT computes it, {bug['edges_without_the_bug']:,} without "
            f"({bug['edges_only_from_the_bug']:,} edges come from the bug alone)"
        )

    cnt_total, fw_total, covered = totals(sides, kinds)
    ratio = cnt_total / fw_total if fw_total else float("nan")
    missing = [k for k in kinds if k not in covered]
    scope = " + ".join(["preprocess/ingest", *covered])
    speed = f"floodwatch {ratio:.1f}x faster" if ratio >= 1 else f"floodwatch {1 / ratio:.1f}x slower"
    summary = (
        f"vs_cnt: CNT {cnt_total:,.1f} s vs floodwatch {fw_total:,.1f} s ({scope}) on {posts:,} posts: "
        f"{speed} (ratio CNT/floodwatch {ratio:.2f})"
    )
    if missing:
        summary += "; not in the ratio: " + ", ".join(
            f"{k} (CNT {sides.cnt[k].note or sides.cnt[k].status})" for k in missing
        )

    fw_versions = package_versions(floodwatch_bin() / "python", ["floodwatch", "duckdb", "pyarrow", "regex"])
    cnt_versions = package_versions(cnt_venv / "bin" / "python", [CNT_PACKAGE, "regex"])
    detect = sides.floodwatch.get("detect coordination")
    detect_figures = None
    if detect is not None:
        peak = max(detect.peak_mb or 0.0, detect.peak_tree_mb or 0.0)
        detect_figures = {"seconds": detect.seconds, "peak_mb": peak, "under_8_gb": peak < 8192}
        summary += f"; detect coordination {detect.seconds:,.0f} s at peak {peak / 1024:.1f} GB"
    path = write_results(
        args.results,
        {
            "seed": args.seed,
            "kinds": list(kinds),
            "posts": posts,
            "posts_requested": args.posts,
            "input": {"file": rel(csv_path), "bytes": csv_path.stat().st_size},
            "window_s": args.window,
            "min_weight": args.min_weight,
            "cnt_n_cpus": args.n_cpus,
            "cnt_budget_s": args.cnt_budget,
            "floodwatch_git": git_revision(),
            "floodwatch_network_command": "floodwatch network",
            "versions": {
                "python": fw_versions["python"],
                "floodwatch": fw_versions["floodwatch"],
                "duckdb": fw_versions["duckdb"],
                "pyarrow": fw_versions["pyarrow"],
                "regex": fw_versions["regex"],
                CNT_PACKAGE: cnt_versions[CNT_PACKAGE],
                "cnt_python": cnt_versions["python"],
                "cnt_regex": cnt_versions["regex"],
            },
            "method": "each step a fresh subprocess in its own session, after waiting for a quiet machine; wall "
            "time; CPU time and peak RSS (largest process) from GNU time; other_cpu_s: CPU time other processes used "
            "meanwhile (/proc/stat); peak_tree_mb: the largest sampled sum of "
            "RSS over the process tree (0.2 s); CNT steps share one budget and are killed when it is spent; one "
            "run per step",
            "cnt": {k: step_json(v) for k, v in sides.cnt.items()},
            "floodwatch": {k: step_json(v) for k, v in sides.floodwatch.items()},
            "comparisons": {k: asdict(v) for k, v in comparisons.items()},
            **extra,
            "co_similar_tweet_subset": subset,
            "ratio": round(ratio, 2),
            "ratio_covers": ["preprocess/ingest", *covered],
            "ratio_excludes": missing,
            "cnt_total_s": round(cnt_total, 2),
            "floodwatch_total_s": round(fw_total, 2),
            "identical": identical,
            "detect_coordination": detect_figures,
            "summary": summary,
        },
    )
    announce(path, summary)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
