"""The command line end to end: files in, results out, clear errors instead of tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pyarrow.csv as pacsv
from typer.testing import CliRunner

from floodwatch.cli import app
from floodwatch.commands.lazy import LAZY_COMMANDS, load_command
from tests.test_coordination import organic, repost_ring

runner = CliRunner()


def write_posts(path: Path, posts: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in posts))
    return path


def test_detect_coordination_writes_the_documented_files(tmp_path: Path) -> None:
    ring = [f"ring{i}" for i in range(5)]
    posts = write_posts(tmp_path / "posts.jsonl", organic(30, 4) + repost_ring("x", ring, 5, 0, "g"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["detect", "coordination", str(posts), "--out", str(out), "--graph", "gexf"])
    assert result.exit_code == 0, result.output
    accounts = pacsv.read_csv(out / "accounts.csv")
    assert accounts.column_names == ["platform", "account_id", "cluster_id", "score"]
    assert sorted(accounts.column("account_id").to_pylist()) == ring
    edges = pacsv.read_csv(out / "edges.csv")
    assert edges.column_names == ["platform_a", "account_a", "platform_b", "account_b", "weight", "kinds"]
    clusters = orjson.loads((out / "clusters.json").read_bytes())
    assert clusters["clusters"][0]["cluster_id"] == "C001" and clusters["summary"]["clusters"] == 1
    findings = (out / "findings.jsonl").read_bytes().splitlines()
    assert len(findings) == 1 and orjson.loads(findings[0])["kind"] == "coordination_cluster"
    assert (out / "network.gexf").exists()
    assert "C001" in result.output
    # the finding is also in the store's findings log, listed and shown by `floodwatch findings`
    store = ["--data-dir", str(out / "store")]
    listed = runner.invoke(app, ["findings", "list", "--json", *store])
    assert listed.exit_code == 0, listed.output
    [logged] = [orjson.loads(line) for line in listed.output.splitlines()]
    assert logged == orjson.loads(findings[0])
    shown = runner.invoke(app, ["findings", "show", logged["id"][:10], *store])
    assert shown.exit_code == 0 and orjson.loads(shown.output)["id"] == logged["id"]
    assert runner.invoke(app, ["findings", "show", "fnd_nope", *store]).exit_code == 2
    rerun = runner.invoke(app, ["detect", "coordination", str(posts), "--out", str(out)])
    assert "no new findings" in rerun.output


def test_ingest_then_detect_on_the_store(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", organic(10, 3))
    store = tmp_path / "store"
    assert runner.invoke(app, ["ingest", str(posts), "--data-dir", str(store)]).exit_code == 0
    again = runner.invoke(app, ["ingest", str(posts), "--data-dir", str(store)])
    assert again.exit_code == 0 and "30" in again.output  # 30 read, all duplicate
    result = runner.invoke(app, ["detect", "coordination", "--data-dir", str(store), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert pacsv.read_csv(tmp_path / "o" / "accounts.csv").num_rows == 0


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    cases = [
        ["ingest", str(tmp_path / "missing.jsonl"), "--data-dir", str(tmp_path / "s")],
        ["ingest", str(tmp_path), "--format", "nope", "--data-dir", str(tmp_path / "s")],
        ["detect", "coordination", "--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "o")],
        ["detect", "coordination", "--data-dir", str(tmp_path / "empty"), "--window", "soon"],
        ["detect", "coordination", "--kinds", "telepathy", "--data-dir", str(tmp_path / "empty")],
        ["ingest", str(tmp_path), "--tz", "Mars/Olympus", "--data-dir", str(tmp_path / "s")],
    ]
    (tmp_path / "x.jsonl").write_text("{}\n")
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and "error" in result.output.lower(), (args, result.output)


def test_detect_all_runs_the_chosen_detectors_and_writes_their_findings(tmp_path: Path) -> None:
    ring = [f"ring{i}" for i in range(5)]
    posts = write_posts(tmp_path / "posts.jsonl", organic(30, 4) + repost_ring("x", ring, 5, 0, "g"))
    out = tmp_path / "out"
    only = "coordination,trends,pile_ons,doxxing"
    result = runner.invoke(app, ["detect", "all", str(posts), "--out", str(out), "--only", only])
    assert result.exit_code == 0, result.output
    assert "Findings by detector" in result.output
    findings = [orjson.loads(line) for line in (out / "findings.jsonl").read_bytes().splitlines()]
    clusters = [f for f in findings if f["kind"] == "coordination_cluster"]
    members = sorted(s["id"] for s in clusters[0]["subjects"] if s["kind"] == "account") if clusters else []
    assert len(clusters) == 1 and members == ring
    assert (out / "coordination" / "accounts.csv").exists()
    bad = runner.invoke(app, ["detect", "all", str(posts), "--out", str(out), "--only", "coordination,bogus"])
    assert bad.exit_code != 0 and "unknown detectors ['bogus']" in bad.output


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--posts", "20000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    summary = orjson.loads((tmp_path / "demo" / "summary.json").read_bytes())
    assert summary["ingest"]["posts"]["loaded"] == summary["simulation"]["posts"]
    assert summary["coordination"]["clusters"] >= 1
    truth = summary["against_truth"]
    assert truth["coordination (accounts)"]["precision"] >= 0.9
    assert truth["pile-ons (victims)"]["recall"] == 1.0 and truth["doxxing (posts)"]["recall"] == 1.0
    assert set(summary["findings"]) == {"coordination", "claims", "cascades", "trends", "pile_ons", "doxxing"}
    # every finding became a case (or was reported as not actionable), and the campaign counted them
    governance = summary["governance"]
    assert governance["cases_opened"] + governance["findings_skipped"] == sum(summary["findings"].values())
    assert governance["campaign"]["cases_opened"] == governance["cases_opened"]
    data = str(tmp_path / "demo" / "data")
    assert runner.invoke(app, ["audit", "verify", "--data-dir", data]).exit_code == 0
    assert "<svg" in (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    key = tmp_path / "demo" / "console-key.txt"
    assert key.read_text().startswith("fwk_") and key.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_every_lazy_command_loads_under_its_name_and_shows_in_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for name, target in LAZY_COMMANDS.items():
        command = load_command(name, target)
        assert command.name == name and command.help, target
        assert name in result.output


def _heavy_modules_after(argv: list[str]) -> str:
    """What a fresh interpreter has imported of the heavy dependencies after running the CLI with `argv`."""
    script = (
        "import sys\n"
        "from floodwatch.cli import app\n"
        f"sys.argv = ['floodwatch', *{argv!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = ('sklearn', 'sqlalchemy', 'fastapi', 'floodwatch.commands.govern')\n"
        "print('heavy:', sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ingest_and_detect_coordination_do_not_import_the_heavy_subcommands(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts.jsonl", organic(5, 1))
    store = str(tmp_path / "store")
    assert "heavy: []" in _heavy_modules_after(["ingest", str(posts), "--data-dir", store])
    out = str(tmp_path / "out")
    assert "heavy: []" in _heavy_modules_after(["detect", "coordination", "--data-dir", store, "--out", out])
