"""Helpers shared by the benchmarks: paths, the peer tool's venv, simulated data, timed subprocesses, results.

Every benchmark runs the tools it compares as separate subprocesses (wall time and peak RSS per run), keeps its
scratch files in bench/.work/ (gitignored) and writes its figures to bench/results/<name>.json.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
CNT_PACKAGE = "coordination-network-toolkit"
CNT_VERSION = "1.5.2"
CNT_VENV = WORK / "cnt-venv"
GNU_TIME = Path("/usr/bin/time")
CONTENDED_CORES = 0.1  # a run during which other processes used more than this many cores on average is retried

# Runs a command and writes "peak-RSS-KiB user-s system-s" like GNU time's "%M %U %S": used where GNU time is
# missing. RUSAGE_CHILDREN of this short-lived wrapper covers only the one command, so figures are per measurement.
_RUSAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{r.ru_maxrss} {r.ru_utime:.2f} {r.ru_stime:.2f}')\n"
    "sys.exit(code)\n"
)


def log(message: str) -> None:
    """Progress notes go to stderr, so stdout holds only the results."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def floodwatch_bin() -> Path:
    """The folder of the `floodwatch` command: beside the running interpreter, else the project's .venv."""
    here = Path(sys.executable).parent
    return here if (here / "floodwatch").exists() else ROOT / ".venv" / "bin"


def ensure_cnt_venv() -> Path:
    """bench/.work/cnt-venv with coordination-network-toolkit installed (a benchmark dependency only)."""
    python = CNT_VENV / "bin" / "python"
    if not (CNT_VENV / "bin" / "compute_networks").exists():
        log(f"creating {CNT_VENV} with {CNT_PACKAGE}=={CNT_VERSION}")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(CNT_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"{CNT_PACKAGE}=={CNT_VERSION}"], check=True)
    found = package_versions(python, [CNT_PACKAGE])[CNT_PACKAGE]
    if found != CNT_VERSION:
        raise SystemExit(f"{CNT_VENV} has {CNT_PACKAGE} {found}, want {CNT_VERSION}: delete the folder and rerun")
    return CNT_VENV


def size_label(n: int) -> str:
    """1000000 -> '1m', 20000 -> '20k', 1500 -> '1500'."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)


def simulated_data(posts: int, seed: int, cnt_csv: bool = True) -> Path:
    """bench/.work/sim-<size> from `floodwatch simulate`, reused while its stamp names the same size and seed."""
    out = WORK / f"sim-{size_label(posts)}"
    stamp = out / ".bench-stamp.json"
    wanted = {"posts": posts, "seed": seed, "cnt_csv": cnt_csv}
    needed = ["posts.jsonl"] + (["posts.cnt.csv"] if cnt_csv else [])
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and all((out / f).exists() for f in needed):
        log(f"reusing {out} (posts={posts:,}, seed={seed})")
        return out
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(floodwatch_bin() / "floodwatch"), "simulate", "--posts", str(posts), "--seed", str(seed)]
    cmd += [*(["--cnt-csv"] if cnt_csv else []), "--out", str(out)]
    log("simulating: " + " ".join(cmd))
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"floodwatch simulate failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    log(f"simulated in {time.perf_counter() - started:.1f} s: {done.stdout.strip()}")
    stamp.write_text(json.dumps(wanted) + "\n")
    return out


def warm_cache(path: Path) -> None:
    """Read a file once so every tool measured after it starts from the same (warm) page cache."""
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def busy_cpu_seconds() -> float | None:
    """CPU time used so far by everything on the machine (all cores, from /proc/stat); None off Linux."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(max_cores: float = 0.2, timeout: float = 300.0, window: float = 2.0) -> float | None:
    """Wait (up to `timeout` s) until other work uses under `max_cores` cores; returns the last reading.

    On a shared machine another process's CPU use would slow the tool measured and skew the comparison."""
    deadline = time.monotonic() + timeout
    warned = False
    while True:
        before = busy_cpu_seconds()
        time.sleep(window)
        after = busy_cpu_seconds()
        if before is None or after is None:
            return None
        cores = (after - before) / window
        if cores < max_cores or time.monotonic() > deadline:
            if cores >= max_cores:
                log(f"machine still busy ({cores:.2f} cores in use by other processes): measuring anyway")
            return round(cores, 2)
        if not warned:
            log(f"machine busy ({cores:.2f} cores in use by other processes): waiting up to {timeout:.0f} s")
            warned = True


@dataclass
class Timed:
    """One measured subprocess. `other_cpu_s` is CPU time that other processes used meanwhile (contention)."""

    seconds: float
    peak_mb: float
    cpu_s: float
    other_cpu_s: float | None
    returncode: int
    log_path: Path

    @property
    def contended(self) -> bool:
        return self.other_cpu_s is not None and self.other_cpu_s > CONTENDED_CORES * self.seconds


def run_timed(cmd: Sequence[str | Path], log_path: Path, cwd: Path | None = None) -> Timed:
    """Run `cmd` with stdout and stderr to `log_path`; wall time, its CPU time, and its peak RSS from GNU time
    (or getrusage)."""
    usage_file = log_path.with_suffix(".usage")
    args = [str(c) for c in cmd]
    if GNU_TIME.exists():
        wrapped = [str(GNU_TIME), "-q", "-f", "%M %U %S", "-o", str(usage_file), *args]
    else:
        wrapped = [sys.executable, "-c", _RUSAGE_WRAPPER, str(usage_file), *args]
    env = {k: v for k, v in os.environ.items() if k != "FLOODWATCH_DATA_DIR"}
    with open(log_path, "wb") as out:
        busy_before = busy_cpu_seconds()
        started = time.perf_counter()
        code = subprocess.call(wrapped, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        seconds = time.perf_counter() - started
        busy_after = busy_cpu_seconds()
    # GNU time may write "Command exited with non-zero status" before the figures: take the last line.
    lines = usage_file.read_text().strip().splitlines() if usage_file.exists() else []
    try:
        peak_kib, user, system = lines[-1].split()
        peak_mb, cpu_s = int(peak_kib) / 1024, float(user) + float(system)
    except (IndexError, ValueError):
        peak_mb, cpu_s = 0.0, 0.0
    other = None
    if busy_before is not None and busy_after is not None:
        other = round(max(0.0, busy_after - busy_before - cpu_s), 2)
    return Timed(seconds, peak_mb, round(cpu_s, 2), other, code, log_path)


def run_timed_quietly(
    cmd: Sequence[str | Path],
    log_path: Path,
    prepare: Callable[[], None] = lambda: None,
    cwd: Path | None = None,
    quiet_timeout: float = 300.0,
    attempts: int = 5,
) -> Timed:
    """`run_timed` on a quiet machine: wait for other processes to go quiet, and run again (after `prepare`,
    which resets the output) while other processes took CPU meanwhile, up to `attempts` runs; then the least
    contended run counts."""
    runs: list[Timed] = []
    for attempt in range(1, attempts + 1):
        prepare()
        if quiet_timeout > 0:
            wait_until_quiet(timeout=quiet_timeout)
        timed = run_timed(cmd, log_path, cwd)
        if timed.returncode != 0 or not timed.contended:
            return timed
        runs.append(timed)
        if attempt < attempts:
            log(f"  {timed.seconds:.2f} s, contended (other processes used {timed.other_cpu_s} s CPU): again")
    return min(runs, key=lambda t: t.other_cpu_s or 0.0)


def git_revision(path: Path = ROOT / "src") -> dict[str, Any]:
    """The commit of the code measured, and whether `path` has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", str(path)], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}


def package_versions(python: Path | str, packages: Sequence[str]) -> dict[str, str | None]:
    """Installed versions of `packages` in the environment of `python`, plus its own version as 'python'."""
    script = (
        "import importlib.metadata as m, json, platform, sys\n"
        "def v(p):\n"
        "    try:\n        return m.version(p)\n"
        "    except m.PackageNotFoundError:\n        return None\n"
        "print(json.dumps({'python': platform.python_version(), **{p: v(p) for p in sys.argv[1:]}}))\n"
    )
    done = subprocess.run([str(python), "-c", script, *packages], capture_output=True, text=True, check=True)
    result: dict[str, str | None] = json.loads(done.stdout)
    return result


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb}


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """bench/results/<name>.json with the benchmark name, date and machine in front of `payload`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        **payload,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> None:
    """A plain-text table: the first `left` columns left-aligned, the others right-aligned; numbers grouped."""

    def cell(value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        cells = zip(values, widths, strict=True)
        return "  ".join(v.ljust(w) if i < left else v.rjust(w) for i, (v, w) in enumerate(cells))

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in text:
        print(line(row))


def rel(path: Path) -> str:
    """`path` relative to the project root when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def announce(results: Path, summary: str) -> None:
    """The closing lines every benchmark prints: where its figures went, on what machine, then the summary."""
    machine = machine_info()
    print(f"results: {rel(results)} ({machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB)")
    print(summary)
