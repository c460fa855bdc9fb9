"""`floodwatch simulate` and `floodwatch demo`: the main job end to end on the embedded default.

simulate → ingest → import the debunked claims → every detector → findings checked against the planted truth →
governance: platforms registered, a campaign over the data's period, one case per finding, the campaign's
statistics. Each run starts from an empty store and governance database in OUT/data, so the figures are its own.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from floodwatch.commands.common import console, errors, fail, print_ingest_report, run_ingest
from floodwatch.commands.report import report_command
from floodwatch.commands.suite import print_suite, save_suite
from floodwatch.detect.claims import ClaimStore
from floodwatch.detect.coordination import CoordinationParams
from floodwatch.detect.suite import SuiteParams, SuiteResult, run_suite
from floodwatch.govern.campaigns import campaign_stats, create_campaign
from floodwatch.govern.cases import open_from_findings
from floodwatch.govern.db import open_database, transaction
from floodwatch.govern.oversight import register_platform
from floodwatch.govern.policy import load_policy
from floodwatch.govern.tenants import create_tenant, issue_key
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.formats import AUTO
from floodwatch.sim import SimulationConfig, SimulationSummary, simulate
from floodwatch.sim.evaluate import (
    load_truth,
    planted_claims,
    planted_posts,
    planted_targets,
    score_accounts,
    score_set,
)
from floodwatch.store.events import EventStore
from floodwatch.store.findings import FindingStore

DEMO_ACTOR = "floodwatch-demo"
CAMPAIGN = "demo-cleanup"


def run_simulation(out: Path, posts: int, seed: int, days: int, cnt_csv: bool) -> SimulationSummary:
    try:
        config = SimulationConfig(posts=posts, seed=seed, days=days, write_cnt_csv=cnt_csv)
        config.validate()
    except ValueError as exc:
        raise fail(str(exc)) from None
    with Progress(
        TextColumn("[bold]simulate"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} posts"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("simulate", total=posts)
        return simulate(config, out, lambda n: progress.advance(task, n))


def check_against_truth(result: SuiteResult, sim_dir: Path) -> dict[str, dict[str, Any]]:
    """Each detector's flags against what the simulator planted (the demo knows the truth; real data does not)."""
    scores: dict[str, dict[str, Any]] = {}
    if result.coordination is not None:
        flagged = {(r["platform"], r["account_id"]) for r in result.coordination.accounts.to_pylist()}
        scores["coordination (accounts)"] = asdict(score_accounts(flagged, load_truth(sim_dir)))
    found = result.findings
    if "pile_ons" in found:
        targets = {(f.subjects[0].platform or "", f.subjects[0].id) for f in found["pile_ons"]}
        scores["pile-ons (victims)"] = asdict(score_set(targets, planted_targets(sim_dir, "victim")))
    if "doxxing" in found:
        posts = {(s.platform or "", s.id) for f in found["doxxing"] for s in f.subjects if s.kind == "post"}
        scores["doxxing (posts)"] = asdict(score_set(posts, planted_posts(sim_dir, "doxxing")))
    if "claims" in found:
        claims = {("claim", s.id) for f in found["claims"] for s in f.subjects if s.kind == "claim"}
        scores["claims (restated claims)"] = asdict(score_set(claims, planted_claims(sim_dir)))
    table = Table(title="Against the planted truth")
    for column in ("detector", "precision", "recall", "flagged", "planted"):
        table.add_column(column, justify="left" if column == "detector" else "right")
    for name, s in scores.items():
        flagged_n = s.get("flagged", s.get("true_positives", 0) + s.get("false_positives", 0))
        planted_n = s.get("planted", s.get("true_positives", 0) + s.get("false_negatives", 0))
        table.add_row(name, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{flagged_n:,}", f"{planted_n:,}")
    console.print(table)
    return scores


def govern_findings(data_dir: Path, platforms: list[str], start: datetime, end: datetime) -> dict[str, Any]:
    """Register the platforms, open a campaign over the period and a case per logged finding; its statistics."""
    policy = load_policy()
    engine = open_database(data_dir=data_dir)
    try:
        with transaction(engine) as session:
            for slug in platforms:
                register_platform(session, DEMO_ACTOR, slug, slug)
            create_campaign(
                session,
                DEMO_ACTOR,
                policy,
                slug=CAMPAIGN,
                name="Demo clean-up of the simulated platforms",
                start=start,
                end=end,
                platforms=platforms,
                targets="water armies, rumors, pile-ons and doxxing in the simulated data",
                now=start,
            )
        with transaction(engine) as session:
            opened = open_from_findings(session, DEMO_ACTOR, policy, FindingStore(data_dir).records(), now=start)
        with transaction(engine) as session:
            stats = campaign_stats(session, CAMPAIGN, now=end).as_dict()
    finally:
        engine.dispose()
    table = Table(title=f"Campaign {CAMPAIGN}: statistics from the governance log")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in stats.items():
        if name not in ("campaign", "period"):
            if isinstance(value, dict):
                table.add_row(name.replace("_", " "), ", ".join(f"{k} {v}" for k, v in value.items()) or "0")
            else:
                table.add_row(name.replace("_", " "), f"{value:,}")
    console.print(table)
    console.print(
        f"{len(opened.opened):,} cases opened from the findings ({len(opened.skipped):,} findings not actionable); "
        f"review them: floodwatch cases list --data-dir {data_dir}"
    )
    return {"cases_opened": len(opened.opened), "findings_skipped": len(opened.skipped), "campaign": stats}


def console_key(data_dir: Path, out: Path) -> Path:
    """An analyst key for the web console, written (owner-readable only) to OUT/console-key.txt."""
    engine = open_database(data_dir=data_dir)
    try:
        with transaction(engine) as session:
            create_tenant(session, DEMO_ACTOR, "demo-office", "Demo oversight office")
            _, secret = issue_key(session, DEMO_ACTOR, "demo-office", "analyst", "analyst")
    finally:
        engine.dispose()
    path = out / "console-key.txt"
    path.touch(mode=0o600)
    path.write_text(secret + "\n", encoding="utf-8")
    return path


def demo_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the simulated data, the store and the outputs.")
    ] = Path("demo-output"),
    posts: Annotated[int, typer.Option(help="Approximate number of simulated posts.")] = 60_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """The main job end to end on the embedded default: simulate several platforms, ingest, run every detector,
    check them against the planted truth, open cases and show the campaign's statistics.

    Starts from an empty store in OUT/data every time, so the figures are those of this run.
    """
    started = time.monotonic()
    sim_dir, data_dir = out / "sim", out / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    console.rule("[bold]1. simulate")
    summary = run_simulation(sim_dir, posts, seed, 14, False)
    console.print(
        f"{summary.posts:,} posts, {summary.accounts:,} accounts, {summary.groups} planted groups in {sim_dir}"
    )
    console.rule("[bold]2. ingest")
    report = run_ingest(data_dir, [summary.files["posts"], summary.files["accounts"]], AUTO, ReaderOptions())
    print_ingest_report(report)
    claims = ClaimStore(data_dir).import_files([sim_dir / "claims.jsonl"])
    console.print(f"{claims.added:,} debunked claims imported from {sim_dir / 'claims.jsonl'}")
    console.rule("[bold]3. detect")
    store = EventStore(data_dir)
    con = store.connect()
    try:
        with console.status("detecting…") as status:
            result = run_suite(
                con,
                data_dir,
                SuiteParams(coordination=CoordinationParams(seed=seed)),
                step=lambda m: status.update(f"detecting: {m}…"),
            )
        platforms = [str(p) for (p,) in con.execute("SELECT DISTINCT platform FROM posts ORDER BY 1").fetchall()]
        first, last = con.execute("SELECT min(created_at), max(created_at) FROM posts").fetchall()[0]
    finally:
        con.close()
    print_suite(result)
    written = save_suite(result, out, data_dir)
    truth = check_against_truth(result, sim_dir)
    console.rule("[bold]4. govern")
    governance = govern_findings(data_dir, platforms, first.astimezone(UTC), last.astimezone(UTC) + timedelta(days=1))
    console.rule("[bold]5. report and console")
    report_command(campaign=CAMPAIGN, out=out / "report.html", data_dir=data_dir)
    key_file = console_key(data_dir, out)
    path = out / "summary.json"
    payload = {
        "simulation": {"posts": summary.posts, "accounts": summary.accounts, "groups": summary.groups},
        "ingest": {"posts": asdict(report.posts), "accounts": asdict(report.accounts)},
        "findings": {name: len(found) for name, found in result.findings.items()},
        "seconds": result.seconds,
        "coordination": result.coordination.summary() if result.coordination else None,
        "against_truth": truth,
        "governance": governance,
    }
    path.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2, default=str))
    console.rule("[bold]done")
    console.print(f"finished in {time.monotonic() - started:.1f} s")
    console.print(f"outputs: {', '.join(str(p) for p in written)}; summary {path}")
    console.print(f"transparency report (personal data redacted): {out / 'report.html'}")
    console.print(
        f"web console: floodwatch serve --data-dir {data_dir}, then open http://127.0.0.1:8000/console/ and log in "
        f"with the analyst key in {key_file}"
    )
    console.print(
        f"explore further: floodwatch findings list --data-dir {data_dir}  ·  "
        f"floodwatch cases list --data-dir {data_dir}  ·  floodwatch campaigns stats {CAMPAIGN} --data-dir {data_dir}"
    )
