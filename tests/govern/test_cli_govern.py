"""The governance commands end to end, on each backend: findings in, a case decided, approved, appealed, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from floodwatch.commands.govern import (
    audit_app,
    campaigns_app,
    cases_app,
    db_app,
    govern_app,
    notices_app,
    platforms_app,
)
from floodwatch.govern.db import head_revision
from tests.govern.conftest import finding_record

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # Rich wraps at 80 columns otherwise, splitting the messages checked here


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run a sub-app command against the test database; fail loudly on an unexpected exit code."""
    monkeypatch.delenv("FLOODWATCH_ACTOR", raising=False)
    monkeypatch.delenv("FLOODWATCH_POLICY", raising=False)

    def run(app: object, *args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--db", url_of(engine)])  # type: ignore[arg-type]
        assert result.exit_code == code, (args, result.output, result.exception)
        return result.output

    return run


def test_db_upgrade_and_current(database_url_engine: Engine) -> None:
    url = url_of(database_url_engine)
    before = runner.invoke(db_app, ["current", "--db", url])
    assert "revision none" in before.output and "floodwatch db upgrade" in before.output
    first = runner.invoke(db_app, ["upgrade", "--db", url])
    again = runner.invoke(db_app, ["upgrade", "--db", url])
    after = runner.invoke(db_app, ["current", "--db", url])
    assert first.exit_code == again.exit_code == 0
    head = head_revision()
    assert f"empty → {head}" in first.output and f"at {head}" in again.output and "up to date" in after.output


def test_the_whole_workflow(cli, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    findings = tmp_path / "findings.jsonl"
    records = [finding_record(["a1", "a2"]), finding_record(["b1", "b2", "b3"], cluster="c2")]
    findings.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    assert "opened 2 cases: C-1, C-2" in cli(cases_app, "open", "--from-findings", str(findings), "--as", "ana")
    assert "already in case C-1" in cli(cases_app, "open", "--from-findings", str(findings), "--as", "ana")
    assert "say who you are" in cli(cases_app, "review", "C-1", code=2)
    listed = json.loads(cli(cases_app, "list", "--json"))
    assert [(c["id"], c["state"]) for c in listed] == [("C-1", "open"), ("C-2", "open")]

    cli(cases_app, "assign", "C-1", "ben", "--as", "ana")
    cli(cases_app, "review", "C-1", "--as", "ben")
    cli(cases_app, "note", "C-1", "same text, 12 s apart", "--as", "ben")
    assert "cannot decide case C-2: it is open" in cli(
        cases_app, "decide", "C-2", "--outcome", "violation", "--reason", "r", "--as", "ben", code=1
    )
    assert "--action takes ACTION=SUBJECT" in cli(
        cases_app,
        "decide",
        "C-1",
        "--outcome",
        "violation",
        "--reason",
        "r",
        "--action",
        "suspend",
        "--as",
        "b",
        code=2,
    )
    decided = cli(
        cases_app,
        "decide",
        "C-1",
        "--outcome",
        "violation",
        "--reason",
        "a water army",
        "--action",
        "suspend=account:weibo:a1",
        "--action",
        "restrict_posting/3=account:weibo:a2",
        "--as",
        "ben",
    )
    assert "A-1: suspend on account:weibo:a1 (pending_approval)" in decided and "cases approve A-1" in decided
    assert "A-2: restrict_posting on account:weibo:a2 (active)" in decided
    assert "second person" in cli(cases_app, "approve", "A-1", "--as", "ben", code=1)
    assert "A-1: suspend active until" in cli(cases_app, "approve", "A-1", "--as", "cy")
    shown = json.loads(cli(cases_app, "show", "C-1", "--json"))
    assert shown["findings"][0]["id"] == records[0]["id"] and shown["actions"] == ["A-1", "A-2"]
    assert [e["type"] for e in shown["history"]][:4] == [
        "case.opened",
        "case.assigned",
        "case.review_started",
        "case.noted",
    ]
    assert "History" in cli(cases_app, "show", "C-1")
    assert "active" in cli(cases_app, "actions", "--state", "active")

    cli(cases_app, "open", "--subject", "account:weibo:b1", "--violation", "doxxing", "--title", "dup", "--as", "ana")
    assert "C-3 merged into C-2: 3 subjects, 1 findings" in cli(cases_app, "merge", "C-3", "C-2", "--as", "ana")

    cli(cases_app, "appeal", "C-1", "--grounds", "we are a real fan club", "--as", "a1")
    assert "must be decided by someone else" in cli(
        cases_app, "appeal-decide", "AP-1", "--outcome", "overturned", "--reason", "r", "--as", "ben", code=1
    )
    overturned = cli(cases_app, "appeal-decide", "AP-1", "--outcome", "overturned", "--reason", "fans", "--as", "dee")
    assert "AP-1 overturned: C-1 is closed; reversed A-1, A-2" in overturned
    assert "overturned on appeal" in cli(cases_app, "publish", "C-1", "--as", "ana", code=1)

    cli(platforms_app, "add", "weibo", "--name", "Weibo", "--as", "ana")
    assert "N-1: reminder to weibo" in cli(
        notices_app, "issue", "weibo", "--kind", "reminder", "--about", "rumor wave", "--case", "C-2", "--as", "ana"
    )
    cli(notices_app, "respond", "N-1", "removed 300 posts", "--as", "weibo-ops")
    assert "responded" in cli(notices_app, "list")
    figures = json.loads(cli(platforms_app, "figures", "--json"))
    assert figures[0]["platform"] == "weibo" and figures[0]["cases_opened"] == 3 and figures[0]["notices"] == 1

    cli(
        campaigns_app,
        "create",
        "clean",
        "--name",
        "Clean-up",
        "--start",
        "2020-01-01",
        "--end",
        "2099-01-01",
        "--platform",
        "weibo",
        "--as",
        "ana",
    )
    stats = json.loads(cli(campaigns_app, "stats", "clean", "--json"))
    assert (stats["cases_opened"], stats["actions_reversed"], stats["penalties"]) == (
        3,
        2,
        {"restrict_posting": 1, "suspend": 1},
    )
    assert "clean" in cli(campaigns_app, "list")

    first_tick = cli(govern_app, "tick", "--at", "2099-01-01")
    assert "0 actions expired, 1 cases overdue, 0 notices escalated" in first_tick  # C-2, never decided
    assert "0 actions expired, 0 cases overdue, 0 notices escalated" in cli(govern_app, "tick", "--at", "2099-01-01")

    assert "OK" in cli(audit_app, "verify")
    head = cli(audit_app, "head").strip()
    assert "case.appeal_resolved" in cli(audit_app, "log", "--stream", "C-1")
    with engine.begin() as conn:
        conn.execute(text("UPDATE gov_events SET actor = 'mallory' WHERE seq = 5"))
    failed = cli(audit_app, "verify", "--anchor", head, code=1)
    assert "FAILED at event 5: altered" in failed
    assert "an anchor is SEQ:HASH" in cli(audit_app, "verify", "--anchor", "nonsense", code=2)


def test_clear_errors_for_bad_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\nnot json\n', encoding="utf-8")
    assert f"{bad}:2: not a JSON line" in cli(cases_app, "open", "--from-findings", str(bad), "--as", "a", code=2)
    assert "give --from-findings FILE" in cli(cases_app, "open", "--as", "a", code=2)
    assert "unknown states ['shut']" in cli(cases_app, "list", "--state", "shut", code=2)
    assert "no case 'C-9'" in cli(cases_app, "show", "C-9", code=1)
    policy = tmp_path / "p.toml"
    policy.write_text('name = "x"\n', encoding="utf-8")
    assert "problem(s) in the policy" in cli(govern_app, "tick", "--policy", str(policy), code=2)
    assert "cannot read --at" in cli(govern_app, "tick", "--at", "soon", code=2)
