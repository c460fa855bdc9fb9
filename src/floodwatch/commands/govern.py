"""`floodwatch db|cases|audit|platforms|notices|campaigns|govern ...`: the governance workflow on the command line.

Every command that changes something says who does it (`--as NAME` or $FLOODWATCH_ACTOR): the event log records
it, the four-eyes rule and appeals depend on it. The database is `--db`, else $FLOODWATCH_DATABASE_URL, else
`<data dir>/governance.sqlite`; the policy `--policy`, else $FLOODWATCH_POLICY, else the shipped default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import orjson
import typer
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from floodwatch.commands.common import DataDirOption, console, fail
from floodwatch.govern import appeals, campaigns, cases, enforcement, oversight, publish
from floodwatch.govern.audit import Anchor, check_index, verify
from floodwatch.govern.db import (
    current_revision,
    head_revision,
    make_engine,
    open_database,
    resolve_database_url,
    transaction,
    upgrade,
)
from floodwatch.govern.errors import GovernanceError
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.policy import Policy, load_policy

ACTOR_ENV = "FLOODWATCH_ACTOR"
POLICY_ENV = "FLOODWATCH_POLICY"

db_app = typer.Typer(help="The governance database: create or migrate it, show its revision.", no_args_is_help=True)
cases_app = typer.Typer(
    help="Cases: open from findings or by hand, review, decide, appeal, close.", no_args_is_help=True
)
audit_app = typer.Typer(help="The audit log: verify the hash chain, read it, print its head.", no_args_is_help=True)
platforms_app = typer.Typer(help="The platforms under oversight and their figures.", no_args_is_help=True)
notices_app = typer.Typer(
    help="Notices to platforms: reminders, interviews, rectification orders.", no_args_is_help=True
)
campaigns_app = typer.Typer(help="Campaigns: time-bounded operations and their statistics.", no_args_is_help=True)
govern_app = typer.Typer(help="Governance housekeeping.", no_args_is_help=True)

DbOption = Annotated[
    Optional[str],
    typer.Option("--db", help="Database URL \\[default: $FLOODWATCH_DATABASE_URL or DATA_DIR/governance.sqlite]."),
]
ActorOption = Annotated[Optional[str], typer.Option("--as", help="Who does this \\[default: $FLOODWATCH_ACTOR].")]
PolicyOption = Annotated[
    Optional[Path], typer.Option("--policy", help="Policy TOML \\[default: $FLOODWATCH_POLICY or the shipped one].")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def actor_of(explicit: str | None) -> str:
    actor = explicit or os.environ.get(ACTOR_ENV)
    if not actor or not actor.strip():
        raise fail(f"say who you are: --as NAME or ${ACTOR_ENV} (the audit log records every step's author)")
    return actor.strip()


def policy_of(path: Path | None) -> Policy:
    chosen = path or (Path(os.environ[POLICY_ENV]) if os.environ.get(POLICY_ENV) else None)
    try:
        return load_policy(chosen)
    except GovernanceError as exc:
        raise fail(str(exc)) from None


def parse_time(text: str, what: str) -> datetime:
    """ISO 8601; a date alone is midnight UTC, a time without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"cannot read {what} {text!r}: write e.g. 2026-07-01 or 2026-07-01T09:00+08:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@contextmanager
def governance(db: str | None, data_dir: Path | None) -> Iterator[Session]:
    """One transaction on the governance database; refusals and connection problems become clear errors."""
    url = resolve_database_url(db, data_dir)
    try:
        engine = open_database(url)
    except OperationalError as exc:
        raise fail(f"cannot open the governance database {_safe(url)}: {exc.orig}") from None
    except GovernanceError as exc:
        raise fail(str(exc)) from None
    try:
        with transaction(engine) as session:
            yield session
    except GovernanceError as exc:
        raise fail(str(exc), code=1) from None
    except OperationalError as exc:  # the server went away, the file is locked too long...: nothing was written
        raise fail(f"the governance database {_safe(url)} failed: {exc.orig}; nothing was written", code=1) from None
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    """The URL as it may be printed: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def _print_json(value: Any) -> None:
    console.print_json(orjson.dumps(value, default=str).decode())


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


# ── db ────────────────────────────────────────────────────────────────────────────────────────────────────────────


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Create the governance tables, or migrate them to this floodwatch's revision."""
    url = resolve_database_url(db, data_dir)
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    except OperationalError as exc:
        raise fail(f"cannot open the governance database {_safe(url)}: {exc.orig}") from None
    finally:
        engine.dispose()
    console.print(f"{_safe(url)}: {before or 'empty'} → {after}" if before != after else f"{_safe(url)}: at {after}")


@db_app.command("current")
def db_current(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Show the database's schema revision and the one this floodwatch needs."""
    url = resolve_database_url(db, data_dir)
    engine = make_engine(url)
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise fail(f"cannot open the governance database {_safe(url)}: {exc.orig}") from None
    finally:
        engine.dispose()
    head = head_revision()
    state = "up to date" if current == head else "run `floodwatch db upgrade`"
    console.print(f"{_safe(url)}: revision {current or 'none'} (this floodwatch needs {head}: {state})")


# ── cases ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def read_findings(path: Path) -> list[dict[str, Any]]:
    """findings.jsonl (one Finding.to_dict() a line) or a JSON array of them."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None
    if raw.lstrip().startswith(b"["):
        try:
            records = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise fail(f"{path}: not valid JSON ({exc})") from None
        return [r for r in records if isinstance(r, dict)]
    records = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise fail(f"{path}:{number}: not a JSON line ({exc})") from None
        if not isinstance(record, dict):
            raise fail(f"{path}:{number}: expected a finding object")
        records.append(record)
    return records


def _subjects(keys: Sequence[str]) -> list[cases.SubjectRef]:
    try:
        return [cases.SubjectRef.parse(k) for k in keys]
    except GovernanceError as exc:
        raise fail(str(exc)) from None


@cases_app.command("open")
def cases_open(
    from_findings: Annotated[
        Optional[Path], typer.Option("--from-findings", help="findings.jsonl from `floodwatch detect ...`.")
    ] = None,
    title: Annotated[Optional[str], typer.Option(help="Title of a case opened by hand.")] = None,
    subject: Annotated[
        Optional[list[str]], typer.Option("--subject", help="KIND:PLATFORM:ID (repeat), e.g. account:weibo:u123.")
    ] = None,
    violation: Annotated[Optional[str], typer.Option(help="Violation type \\[default: from the finding kind].")] = None,
    severity: Annotated[Optional[str], typer.Option(help="Severity \\[default: the violation's].")] = None,
    due: Annotated[
        Optional[str], typer.Option(help="Decision deadline \\[default: the policy's decision_days].")
    ] = None,
    actor: ActorOption = None,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Open cases: one per finding of a findings file (evidence snapshotted; findings already in a case are
    skipped), or one by hand.

    Examples:

      floodwatch cases open --from-findings results/findings.jsonl --as ana

      floodwatch cases open --title "Doxxing of a reporter" --subject account:weibo:u1 --violation doxxing --as ana
    """
    who, policy = actor_of(actor), policy_of(policy_file)
    if from_findings is None and not subject:
        raise fail("give --from-findings FILE, or --subject (and --title, --violation) to open a case by hand")
    with governance(db, data_dir) as s:
        if from_findings is not None:
            report = cases.open_from_findings(
                s, who, policy, read_findings(from_findings), violation=violation, severity=severity
            )
            console.print(
                f"opened {len(report.opened)} cases" + (f": {', '.join(report.opened)}" if report.opened else "")
            )
            for fid, why in report.skipped[:20]:
                console.print(f"[yellow]skipped[/] {fid}: {why}")
            if len(report.skipped) > 20:
                console.print(f"… and {len(report.skipped) - 20} more skipped")
            return
        case = cases.open_case(
            s,
            who,
            policy,
            title=title or "case opened by hand",
            subjects=_subjects(subject or []),
            violation=violation,
            severity=severity,
            due=parse_time(due, "--due") if due else None,
        )
        console.print(f"opened {case.id} ({case.violation}, {case.severity}), due {_when(case.due)} UTC")


@cases_app.command("list")
def cases_list(
    state: Annotated[Optional[list[str]], typer.Option(help=f"Only these states: {', '.join(cases.STATES)}.")] = None,
    assignee: Annotated[Optional[str], typer.Option(help="Only cases assigned to this person.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The case queue: state, severity, violation, subjects, assignee and deadline (overdue in red)."""
    unknown = sorted(set(state or []) - set(cases.STATES))
    if unknown:
        raise fail(f"unknown states {unknown}; choose from {', '.join(cases.STATES)}")
    now = datetime.now(UTC)
    with governance(db, data_dir) as s:
        found = cases.list_cases(s, state, assignee)
    if as_json:
        _print_json([_case_row(c) for c in found])
        return
    table = Table(title=f"Cases ({len(found)})")
    for column in ("case", "state", "severity", "violation", "subjects", "platforms", "assignee", "due (UTC)"):
        table.add_column(column)
    for c in found:
        due = _when(c.due) if c.state in ("open", "in_review") else "-"
        table.add_row(
            c.id,
            c.state,
            c.severity,
            c.violation or "-",
            str(len(c.subjects)),
            ", ".join(c.platforms),
            c.assignee or "-",
            f"[red]{due}[/]" if c.overdue(now) else due,
        )
    console.print(table)


def _case_row(c: cases.Case) -> dict[str, Any]:
    return {
        "id": c.id,
        "state": c.state,
        "title": c.title,
        "violation": c.violation,
        "severity": c.severity,
        "subjects": [s.key for s in c.subjects],
        "assignee": c.assignee,
        "due": c.due,
        "outcome": c.outcome,
        "actions": c.actions,
        "version": c.version,
    }


@cases_app.command("show")
def cases_show(
    case_id: Annotated[str, typer.Argument(help="Case id, e.g. C-12.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """One case: its subjects, evidence, notes, decision, actions and full history."""
    with governance(db, data_dir) as s:
        log = EventLog(s)
        case = cases.load_case(log, case_id)
        actions = [enforcement.load_action(log, a) for a in case.actions]
    if as_json:
        _print_json(_case_row(case) | {"findings": case.findings, "history": [_event_row(e) for e in case.events]})
        return
    console.print(f"[bold]{case.id}[/] {case.title}")
    console.print(
        f"state {case.state} · {case.violation or 'no violation type'} · severity {case.severity} · "
        f"version {case.version}"
    )
    console.print(
        f"opened {_when(case.opened_at)} by {case.opened_by} · due {_when(case.due)} · assignee {case.assignee or '-'}"
    )
    console.print("subjects: " + ", ".join(s.key for s in case.subjects))
    if case.protected:
        console.print("harmed (never acted on): " + ", ".join(s.key for s in case.protected))
    for finding in case.findings:
        console.print(
            f"  finding {finding.get('id')} ({finding.get('kind')}, score {finding.get('score')}): "
            f"{finding.get('explanation', '')}"
        )
    for note in case.notes:
        console.print(f"  note {_when(note.time)} {note.actor}: {note.text}")
    if case.outcome:
        console.print(f"decided {case.outcome} by {case.decided_by} at {_when(case.decided_at)}")
    for a in actions:
        subject = a.subject.key if a.subject else "-"
        until = f" until {_when(a.expires_at)}" if a.expires_at else ""
        console.print(f"  action {a.id}: {a.action} on {subject} — {a.state}{until}")
    if case.resolution:
        console.print(f"closed: {case.resolution}")
    table = Table(title="History")
    for column in ("seq", "time (UTC)", "actor", "event", "reason"):
        table.add_column(column)
    for e in case.events:
        table.add_row(str(e.seq), _when(e.time), e.actor, e.type, e.reason or "")
    console.print(table)


@cases_app.command("assign")
def cases_assign(
    case_id: str, assignee: str, actor: ActorOption = None, db: DbOption = None, data_dir: DataDirOption = None
) -> None:
    """Give a case to a reviewer."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        cases.assign(s, case_id, who, assignee)
    console.print(f"{case_id} assigned to {assignee}")


@cases_app.command("review")
def cases_review(case_id: str, actor: ActorOption = None, db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Start reviewing an open case (open → in_review)."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        cases.start_review(s, case_id, who)
    console.print(f"{case_id} is in review by {who}")


def _action_spec(text: str) -> enforcement.ActionSpec:
    """`ACTION=SUBJECT` or `ACTION/DAYS=SUBJECT`, e.g. `restrict_posting/3=account:weibo:u1`."""
    head, sep, key = text.partition("=")
    name, _, days = head.partition("/")
    if not sep or not name or (days and not days.isdigit()):
        raise fail(f"--action takes ACTION=SUBJECT or ACTION/DAYS=SUBJECT, got {text!r}")
    (subject,) = _subjects([key])
    return enforcement.ActionSpec(name.strip(), subject, int(days) if days else None)


@cases_app.command("decide")
def cases_decide(
    case_id: str,
    outcome: Annotated[str, typer.Option(help="violation or no_violation.")],
    reason: Annotated[str, typer.Option(help="Why (shown to the account holder and on appeal).")],
    action: Annotated[
        Optional[list[str]],
        typer.Option("--action", help="ACTION[/DAYS]=SUBJECT (repeat) \\[default: what the policy's ladder gives]."),
    ] = None,
    violation: Annotated[Optional[str], typer.Option(help="Violation type \\[default: the case's].")] = None,
    expect_version: Annotated[
        Optional[int], typer.Option(help="The case version you reviewed; refuse if it changed since.")
    ] = None,
    actor: ActorOption = None,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Decide a case in review. A violation records strikes and takes actions; severe ones wait for approval.

    Example:

      floodwatch cases decide C-3 --outcome violation --reason "posted the same ad 300 times" \\
          --action restrict_posting/3=account:weibo:u1 --action remove_content=post:weibo:p9 --as ben
    """
    who, policy = actor_of(actor), policy_of(policy_file)
    specs = [_action_spec(a) for a in action] if action else None
    with governance(db, data_dir) as s:
        decision = enforcement.decide(
            s,
            case_id,
            who,
            policy,
            outcome=outcome,
            reason=reason,
            actions=specs,
            violation=violation,
            expected_version=expect_version,
        )
    console.print(f"{case_id} decided: {outcome}")
    for a in decision.actions:
        waiting = " — needs a second person: floodwatch cases approve " + a.id if a.state == "pending_approval" else ""
        console.print(f"  {a.id}: {a.action} on {a.subject.key if a.subject else '-'} ({a.state}){waiting}")


@cases_app.command("approve")
def cases_approve(
    action_id: Annotated[str, typer.Argument(help="The pending action, e.g. A-7.")],
    reject: Annotated[bool, typer.Option("--reject", help="Refuse the action instead.")] = False,
    reason: Annotated[str, typer.Option(help="Why (required with --reject).")] = "",
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Approve (or --reject) a severe action proposed by someone else."""
    who = actor_of(actor)
    if reject and not reason.strip():
        raise fail("--reject needs a --reason")
    with governance(db, data_dir) as s:
        if reject:
            done = enforcement.reject(s, action_id, who, reason)
        else:
            done = enforcement.approve(s, action_id, who, reason)
    until = f" until {_when(done.expires_at)} UTC" if done.expires_at else ""
    console.print(f"{done.id}: {done.action} {done.state}{until}")


@cases_app.command("actions")
def cases_actions(
    state: Annotated[Optional[list[str]], typer.Option(help=f"Only: {', '.join(enforcement.STATES)}.")] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Enforcement actions and their states (pending approval, active, expired, reversed, rejected)."""
    with governance(db, data_dir) as s:
        found = enforcement.list_actions(s, state)
    table = Table(title=f"Actions ({len(found)})")
    for column in ("action", "case", "what", "subject", "state", "proposed by", "until (UTC)"):
        table.add_column(column)
    for a in found:
        table.add_row(
            a.id, a.case_id, a.action, a.subject.key if a.subject else "-", a.state, a.proposed_by, _when(a.expires_at)
        )
    console.print(table)


@cases_app.command("note")
def cases_note(
    case_id: str, text: str, actor: ActorOption = None, db: DbOption = None, data_dir: DataDirOption = None
) -> None:
    """Add a note to a case."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        cases.add_note(s, case_id, who, text)
    console.print(f"note added to {case_id}")


@cases_app.command("merge")
def cases_merge(
    duplicate: Annotated[str, typer.Argument(help="The duplicate case, which closes.")],
    into: Annotated[str, typer.Argument(help="The case that takes its subjects and evidence.")],
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Merge a duplicate case into another."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        target = cases.merge(s, duplicate, into, who)
    console.print(f"{duplicate} merged into {into}: {len(target.subjects)} subjects, {len(target.findings)} findings")


@cases_app.command("close")
def cases_close(
    case_id: str,
    resolution: Annotated[str, typer.Option(help="How it ended.")] = "closed",
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Close a decided case."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        cases.close(s, case_id, who, resolution)
    console.print(f"{case_id} closed")


@cases_app.command("refer")
def cases_refer(
    case_id: str,
    to: Annotated[str, typer.Option(help="The authority, e.g. 'public security bureau'.")],
    reference: Annotated[Optional[str], typer.Option(help="Their file number.")] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Record a referral of a decided case to another authority."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        cases.refer(s, case_id, who, to, reference)
    console.print(f"{case_id} referred to {to}")


@cases_app.command("appeal")
def cases_appeal(
    case_id: str,
    grounds: Annotated[str, typer.Option(help="Why the decision is wrong.")],
    appellant: Annotated[Optional[str], typer.Option(help="Who appeals \\[default: --as].")] = None,
    actor: ActorOption = None,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """File an appeal against a decided case (within the policy's appeal window)."""
    who, policy = actor_of(actor), policy_of(policy_file)
    with governance(db, data_dir) as s:
        appeal = appeals.file_appeal(s, case_id, who, policy, grounds=grounds, appellant=appellant)
    console.print(f"{appeal.id} filed against {case_id}; to be decided by {_when(appeal.due)} UTC")


@cases_app.command("appeal-decide")
def cases_appeal_decide(
    appeal_id: str,
    outcome: Annotated[str, typer.Option(help="upheld or overturned.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Decide an appeal (not by the case's decider). Overturning reverses its actions and delists its subjects."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        appeal, case = appeals.decide_appeal(s, appeal_id, who, outcome=outcome, reason=reason)
    extra = f"; reversed {', '.join(appeal.reversed_actions)}" if appeal.reversed_actions else ""
    console.print(f"{appeal.id} {appeal.state}: {case.id} is {case.state}{extra}")


@cases_app.command("publish")
def cases_publish(
    case_id: str,
    actor: ActorOption = None,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Publish a decided case as a typical case: prints the anonymised summary that is recorded."""
    who, policy = actor_of(actor), policy_of(policy_file)
    with governance(db, data_dir) as s:
        summary = publish.publish_typical_case(s, case_id, who, policy)
    _print_json(summary)


# ── audit ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def _event_row(e: Event) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "time": e.time,
        "stream": e.stream,
        "actor": e.actor,
        "type": e.type,
        "subject": e.subject,
        "reason": e.reason,
        "policy_ref": e.policy_ref,
        "payload": e.payload,
        "hash": e.hash,
    }


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Optional[str], typer.Option(help="SEQ:HASH printed earlier by `audit head`, to catch a cut tail too.")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Recompute the hash chain; exit 1 naming the first event altered, deleted, reordered or inserted.
    Then check that the case/action/appeal/notice index agrees with the events."""
    try:
        pinned = Anchor.parse(anchor) if anchor else None
    except ValueError as exc:
        raise fail(str(exc)) from None
    with governance(db, data_dir) as s, console.status("verifying the audit log…"):
        report = verify(s, pinned)
        index_problems = check_index(s) if report.ok else []
    if report.problem is not None:
        p = report.problem
        console.print(f"[bold red]FAILED[/] at event {p.seq}: {p.kind} — {p.detail} ({report.checked:,} events good)")
        raise typer.Exit(1)
    if index_problems:
        for line in index_problems[:20]:
            console.print(f"[bold red]index[/] {line}")
        console.print(f"[bold red]FAILED[/]: the event log is intact but {len(index_problems)} index entries disagree")
        raise typer.Exit(1)
    console.print(f"[bold green]OK[/] {report.checked:,} events, head {report.head_seq}:{report.head_hash}")


@audit_app.command("head")
def audit_head(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Print the chain head as SEQ:HASH. Keep it outside the database (a ticket, a signed mail) and pass it to
    `audit verify --anchor` later: that also catches events cut from the end together with the head."""
    with governance(db, data_dir) as s:
        seq, digest = EventLog(s).head()
    console.print(str(Anchor(seq, digest)), highlight=False, soft_wrap=True)


@audit_app.command("log")
def audit_log(
    stream: Annotated[Optional[str], typer.Option(help="Only this case, action, appeal, notice... (e.g. C-3).")] = None,
    limit: Annotated[int, typer.Option(help="The last N events.", min=1)] = 50,
    as_json: JsonOption = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The event log, newest last."""
    with governance(db, data_dir) as s:
        log = EventLog(s)
        events = log.read(stream)[-limit:] if stream else log.tail(limit)
    if as_json:
        _print_json([_event_row(e) for e in events])
        return
    table = Table(title="Audit log")
    for column in ("seq", "time (UTC)", "stream", "actor", "event", "subject", "reason", "hash"):
        table.add_column(column)
    for e in events:
        table.add_row(
            str(e.seq), _when(e.time), e.stream, e.actor, e.type, e.subject or "", e.reason or "", e.hash[:12]
        )
    console.print(table)


# ── platforms and notices ─────────────────────────────────────────────────────────────────────────────────────────


@platforms_app.command("add")
def platforms_add(
    slug: Annotated[str, typer.Argument(help="Short name used in posts' `platform` field, e.g. weibo.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    contact: Annotated[Optional[str], typer.Option(help="Where notices go.")] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Register a platform under oversight."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        oversight.register_platform(s, who, slug, name, contact)
    console.print(f"platform {slug} registered")


@platforms_app.command("list")
def platforms_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """The registered platforms."""
    with governance(db, data_dir) as s:
        found = oversight.list_platforms(s)
    table = Table(title=f"Platforms ({len(found)})")
    for column in ("platform", "name", "contact", "registered (UTC)"):
        table.add_column(column)
    for p in found:
        table.add_row(p.slug, p.name, p.contact or "-", _when(p.registered_at))
    console.print(table)


@platforms_app.command("figures")
def platforms_figures(
    findings: Annotated[
        Optional[Path], typer.Option("--findings", help="Count these findings \\[default: those held in cases].")
    ] = None,
    as_json: JsonOption = False,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Per platform: findings, rumor volume, coordinated accounts, cases, notices and time to respond."""
    policy = policy_of(policy_file)
    records = read_findings(findings) if findings else None
    with governance(db, data_dir) as s:
        figures = oversight.platform_figures(s, policy, records)
    if as_json:
        _print_json([f.as_dict() for f in figures])
        return
    table = Table(title="Platforms")
    columns = (
        "platform",
        "findings",
        "rumor",
        "coordinated accts",
        "cases",
        "open",
        "violations",
        "notices",
        "late",
        "median h to respond",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "platform" else "right")
    for f in figures:
        hours = "-" if f.median_hours_to_response is None else f"{f.median_hours_to_response:.1f}"
        table.add_row(
            f.platform + ("" if f.registered else " (unregistered)"),
            str(f.findings),
            str(f.rumor_findings),
            str(f.coordinated_accounts),
            str(f.cases_opened),
            str(f.cases_open),
            str(f.violations_found),
            str(f.notices),
            str(f.notices_late),
            hours,
        )
    console.print(table)


@notices_app.command("issue")
def notices_issue(
    platform: str,
    kind: Annotated[str, typer.Option(help="reminder, interview or rectification_order.")],
    about: Annotated[str, typer.Option(help="What the platform must address.")],
    case: Annotated[Optional[list[str]], typer.Option("--case", help="Related case (repeat).")] = None,
    deadline: Annotated[Optional[str], typer.Option(help="Answer by \\[default: the policy's days for KIND].")] = None,
    actor: ActorOption = None,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Send a platform a notice with a deadline; unanswered, it escalates (see `floodwatch govern tick`)."""
    who, policy = actor_of(actor), policy_of(policy_file)
    with governance(db, data_dir) as s:
        notice = oversight.issue_notice(
            s,
            who,
            policy,
            platform=platform,
            kind=kind,
            about=about,
            cases=case or [],
            deadline=parse_time(deadline, "--deadline") if deadline else None,
        )
    console.print(f"{notice.id}: {notice.kind} to {platform}, answer by {_when(notice.deadline)} UTC")


@notices_app.command("respond")
def notices_respond(
    notice_id: str, text: str, actor: ActorOption = None, db: DbOption = None, data_dir: DataDirOption = None
) -> None:
    """Record a platform's response to a notice."""
    who = actor_of(actor)
    with governance(db, data_dir) as s:
        notice = oversight.respond(s, notice_id, who, text)
    console.print(f"{notice.id} responded" + (" [yellow](late)[/]" if notice.responses[-1]["late"] else ""))


@notices_app.command("list")
def notices_list(
    platform: Annotated[Optional[str], typer.Option(help="Only this platform.")] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Notices, their level, deadline and state."""
    now = datetime.now(UTC)
    with governance(db, data_dir) as s:
        found = oversight.list_notices(s, platform=platform)
    table = Table(title=f"Notices ({len(found)})")
    for column in ("notice", "platform", "kind", "state", "deadline (UTC)", "escalations", "about"):
        table.add_column(column)
    for n in found:
        deadline = f"[red]{_when(n.deadline)}[/]" if n.late(now) else _when(n.deadline)
        table.add_row(n.id, n.platform, n.kind, n.state, deadline, str(len(n.escalations)), n.about)
    console.print(table)


# ── campaigns and housekeeping ────────────────────────────────────────────────────────────────────────────────────


@campaigns_app.command("create")
def campaigns_create(
    slug: str,
    name: Annotated[str, typer.Option(help="Display name.")],
    start: Annotated[str, typer.Option(help="First day (ISO 8601).")],
    end: Annotated[str, typer.Option(help="End, exclusive (ISO 8601).")],
    platform: Annotated[
        Optional[list[str]], typer.Option("--platform", help="Scope (repeat) \\[default: all].")
    ] = None,
    violation: Annotated[
        Optional[list[str]], typer.Option("--violation", help="Scope (repeat) \\[default: all].")
    ] = None,
    targets: Annotated[str, typer.Option(help="What the campaign aims at.")] = "",
    actor: ActorOption = None,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create a campaign: a named period with a scope of platforms and violation types."""
    who, policy = actor_of(actor), policy_of(policy_file)
    with governance(db, data_dir) as s:
        campaign = campaigns.create_campaign(
            s,
            who,
            policy,
            slug=slug,
            name=name,
            start=parse_time(start, "--start"),
            end=parse_time(end, "--end"),
            platforms=platform or [],
            violations=violation or [],
            targets=targets,
        )
    console.print(f"campaign {campaign.slug}: {campaign.start:%Y-%m-%d} .. {campaign.end:%Y-%m-%d}")


@campaigns_app.command("list")
def campaigns_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """The campaigns."""
    with governance(db, data_dir) as s:
        found = campaigns.list_campaigns(s)
    table = Table(title=f"Campaigns ({len(found)})")
    for column in ("campaign", "name", "from", "until", "platforms", "violations"):
        table.add_column(column)
    for c in found:
        table.add_row(
            c.slug,
            c.name,
            f"{c.start:%Y-%m-%d}",
            f"{c.end:%Y-%m-%d}",
            ", ".join(c.platforms) or "all",
            ", ".join(c.violations) or "all",
        )
    console.print(table)


@campaigns_app.command("stats")
def campaigns_stats(
    slug: str, as_json: JsonOption = False, db: DbOption = None, data_dir: DataDirOption = None
) -> None:
    """A campaign's figures so far, counted from the audit log."""
    with governance(db, data_dir) as s:
        stats = campaigns.campaign_stats(s, slug)
    if as_json:
        _print_json(stats.as_dict())
        return
    table = Table(title=f"Campaign {slug} ({stats.period[0][:10]} .. {stats.period[1][:10]})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in stats.as_dict().items():
        if key in ("campaign", "period"):
            continue
        table.add_row(key.replace("_", " "), _figure(value))
    console.print(table)


@govern_app.callback()
def govern_group() -> None:
    """Governance housekeeping (a group even with one command, so `floodwatch govern tick` reads the same)."""


def _figure(value: int | dict[str, int]) -> str:
    if isinstance(value, dict):  # counts by action type
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "0"
    return f"{value:,}"


@govern_app.command("tick")
def govern_tick(
    at: Annotated[Optional[str], typer.Option(help="Apply what is due at this time \\[default: now].")] = None,
    policy_file: PolicyOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Record what is due: expired actions, overdue cases, late notices escalated. Safe to run as often as you
    like (e.g. from cron every few minutes): a second run at the same time changes nothing."""
    policy = policy_of(policy_file)
    moment = parse_time(at, "--at") if at else None
    with governance(db, data_dir) as s:
        report = enforcement.tick(s, policy, moment)
    console.print(
        f"{len(report.expired)} actions expired, {len(report.overdue_cases)} cases overdue, "
        f"{len(report.escalated_notices)} notices escalated"
    )
