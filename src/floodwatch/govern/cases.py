"""Cases: opened from findings (evidence snapshotted) or by hand, reviewed, decided, appealed, closed.

A case is a stream of events (`C-1`, `C-2`, ...); its state is what folding them gives:

    open ──review──► in_review ──decide──► decided ──appeal──► appealed ──appeal decided──► closed
      │                 │                    └──────────close──────────────────────────────► closed
      └────merge────────┴──► closed (merged into another case)

Deciding lives in enforcement.py (it brings actions and strikes), appeals in appeals.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from floodwatch.govern.errors import GovernanceError, InvalidTransitionError
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.policy import SUBJECT_KINDS, Policy

KIND = "case"
PREFIX = "C"
STATES = ("open", "in_review", "decided", "appealed", "closed")
OUTCOMES = ("violation", "no_violation")


def now_or(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


@dataclass(frozen=True)
class SubjectRef:
    """What a case is about: an account, a post, a URL or a platform (`kind:platform:id`, `*` for no platform)."""

    kind: str
    platform: str | None
    id: str

    def __post_init__(self) -> None:
        if self.kind not in SUBJECT_KINDS:
            raise GovernanceError(f"unknown subject kind {self.kind!r} (choose from {', '.join(SUBJECT_KINDS)})")
        if not self.id:
            raise GovernanceError(f"a {self.kind} subject needs an id")

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.platform or '*'}:{self.id}"

    @staticmethod
    def parse(key: str) -> SubjectRef:
        """`account:weibo:u123`, `url:*:https://x.example/a`, `platform:weibo:weibo`."""
        kind, sep1, rest = key.partition(":")
        platform, sep2, ident = rest.partition(":")
        if not (sep1 and sep2 and ident):
            raise GovernanceError(f"a subject is KIND:PLATFORM:ID (PLATFORM * for none), got {key!r}")
        return SubjectRef(kind, None if platform in ("*", "") else platform, ident)

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> SubjectRef:
        return SubjectRef(str(data.get("kind", "")), data.get("platform"), str(data.get("id", "")))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "platform": self.platform, "id": self.id}


@dataclass(frozen=True)
class Note:
    time: datetime
    actor: str
    text: str


@dataclass
class Case:
    """A case as its events make it."""

    id: str
    version: int = 0
    state: str = "open"
    title: str = ""
    violation: str | None = None
    severity: str = ""
    subjects: list[SubjectRef] = field(default_factory=list)
    protected: list[SubjectRef] = field(default_factory=list)  # people the findings say were harmed: never acted on
    findings: list[dict[str, Any]] = field(default_factory=list)
    opened_at: datetime | None = None
    opened_by: str = ""
    due: datetime | None = None
    assignee: str | None = None
    reviewer: str | None = None
    notes: list[Note] = field(default_factory=list)
    outcome: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    actions: list[str] = field(default_factory=list)
    strikes: dict[str, int] = field(default_factory=dict)
    appeals: list[str] = field(default_factory=list)
    merged_into: str | None = None
    merged_from: list[str] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    overdue_recorded: bool = False
    published: bool = False
    closed_at: datetime | None = None
    resolution: str | None = None
    events: list[Event] = field(default_factory=list)

    @property
    def platforms(self) -> list[str]:
        return sorted({s.platform for s in self.subjects if s.platform})

    def overdue(self, now: datetime) -> bool:
        return self.state in ("open", "in_review") and self.due is not None and now >= self.due


def _add_subjects(case: Case, subjects: Iterable[Mapping[str, Any]]) -> None:
    known = {s.key for s in case.subjects}
    for data in subjects:
        subject = SubjectRef.from_dict(data)
        if subject.key not in known:
            case.subjects.append(subject)
            known.add(subject.key)


def fold_case(case_id: str, events: Sequence[Event]) -> Case:
    """The case that `events` (its stream, in order) describe."""
    case = Case(case_id)
    for e in events:
        p = e.payload
        case.version = e.version
        case.events.append(e)
        if e.type == "case.opened":
            case.title, case.violation, case.severity = p["title"], p.get("violation"), p["severity"]
            _add_subjects(case, p["subjects"])
            case.protected.extend(SubjectRef.from_dict(d) for d in p.get("protected", []))
            case.findings.extend(p.get("findings", []))
            case.opened_at, case.opened_by = e.time, e.actor
            case.due = datetime.fromisoformat(p["due"]) if p.get("due") else None
        elif e.type == "case.assigned":
            case.assignee = p["assignee"]
        elif e.type == "case.review_started":
            case.state, case.reviewer = "in_review", e.actor
        elif e.type == "case.noted":
            case.notes.append(Note(e.time, e.actor, p["text"]))
        elif e.type == "case.deadline_set":
            case.due = datetime.fromisoformat(p["due"])
        elif e.type == "case.absorbed":
            _add_subjects(case, p["subjects"])
            case.protected.extend(SubjectRef.from_dict(d) for d in p.get("protected", []))
            case.findings.extend(p.get("findings", []))
            case.merged_from.append(p["source"])
        elif e.type == "case.merged":
            case.state, case.merged_into, case.closed_at = "closed", p["target"], e.time
            case.resolution = f"merged into {p['target']}"
        elif e.type == "case.decided":
            case.state, case.outcome, case.decided_by, case.decided_at = "decided", p["outcome"], e.actor, e.time
            case.violation = p.get("violation") or case.violation
            case.actions = list(p.get("actions", []))
        elif e.type == "strike.recorded":
            case.strikes[str(e.subject)] = p["points"]
        elif e.type == "case.actions_added":
            case.actions.extend(p["actions"])
        elif e.type == "case.appealed":
            case.state = "appealed"
            case.appeals.append(p["appeal"])
        elif e.type == "case.appeal_resolved":
            case.state, case.closed_at = "closed", e.time
            case.resolution = f"appeal {p['appeal']} {p['outcome']}"
        elif e.type == "case.closed":
            case.state, case.closed_at, case.resolution = "closed", e.time, p.get("resolution") or "closed"
        elif e.type == "case.referred":
            case.referrals.append({"to": p["to"], "reference": p.get("reference"), "time": e.time.isoformat()})
        elif e.type == "case.overdue":
            case.overdue_recorded = True
        elif e.type == "case.published":
            case.published = True
    return case


def load_case(log: EventLog, case_id: str) -> Case:
    log.require(case_id, KIND, "case")
    return fold_case(case_id, log.read(case_id))


def list_cases(session: Session, states: Sequence[str] | None = None, assignee: str | None = None) -> list[Case]:
    log = EventLog(session)
    ids = [row.id for row in log.streams(KIND, states)]
    cases = [fold_case(i, events) for i, events in log.read_many(ids).items()]
    return [c for c in cases if assignee is None or c.assignee == assignee]


def expect_state(case: Case, allowed: Sequence[str], step: str) -> None:
    if case.state not in allowed:
        raise InvalidTransitionError(
            f"cannot {step} case {case.id}: it is {case.state} ({step} applies to {' or '.join(allowed)} cases)"
        )


def append_case(
    log: EventLog,
    case: Case,
    type: str,
    actor: str,
    payload: Mapping[str, Any],
    state: str,
    now: datetime | None,
    **kwargs: Any,
) -> Case:
    """Append to the case's stream at the version it was read at, and return the case as it now stands."""
    event = log.append(
        case.id, KIND, type, actor, payload, expected_version=case.version, state=state, now=now_or(now), **kwargs
    )
    return fold_case(case.id, [*case.events, event])


def open_case(
    session: Session,
    actor: str,
    policy: Policy,
    *,
    title: str,
    subjects: Sequence[SubjectRef],
    violation: str | None,
    severity: str | None = None,
    findings: Sequence[Mapping[str, Any]] = (),
    protected: Sequence[SubjectRef] = (),
    due: datetime | None = None,
    now: datetime | None = None,
    subject_tag: str | None = None,
) -> Case:
    """Open a case; its deadline is `due` or the policy's decision_days from now."""
    if violation is not None and violation not in policy.violations:
        raise GovernanceError(f"unknown violation {violation!r} (the policy defines: {', '.join(policy.violations)})")
    chosen = severity or (policy.violations[violation].severity if violation else None)
    if chosen not in policy.severities:
        raise GovernanceError(f"give a severity: one of {', '.join(policy.severities)}")
    if not subjects:
        raise GovernanceError("a case needs at least one subject")
    moment = now_or(now)
    log = EventLog(session)
    case = Case(log.new_stream_id(KIND, PREFIX))
    payload = {
        "title": title,
        "violation": violation,
        "severity": chosen,
        "subjects": [s.to_dict() for s in subjects],
        "protected": [s.to_dict() for s in protected],
        "findings": [dict(f) for f in findings],  # the evidence as it was when the case opened
        "due": (due or moment + timedelta(days=policy.decision_days)).isoformat(),
    }
    return append_case(log, case, "case.opened", actor, payload, "open", moment, subject=subject_tag)


@dataclass
class FindingsImport:
    opened: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (finding id or line, why)


def finding_tag(finding_id: str) -> str:
    return f"finding:{finding_id}"


def _harmed(finding: Mapping[str, Any]) -> set[tuple[str | None, str]]:
    """Who the finding says was harmed: `evidence.target`, as pile-on and doxxing findings name the person
    targeted ({platform, account_id} or an account id)."""
    target = (finding.get("evidence") or {}).get("target")
    if isinstance(target, Mapping) and target.get("account_id"):
        return {(target.get("platform"), str(target["account_id"]))}
    if isinstance(target, str) and target:
        return {(s.get("platform"), target) for s in finding.get("subjects", []) if s.get("id") == target}
    return set()


def finding_subjects(finding: Mapping[str, Any]) -> tuple[list[SubjectRef], list[SubjectRef]]:
    """A finding's subjects split into those a case acts on and the people it protects.

    Subjects of other kinds (a claim, a hashtag) stay in the snapshotted evidence but are not case subjects.
    """
    harmed = _harmed(finding)
    subjects: list[SubjectRef] = []
    protected: list[SubjectRef] = []
    for data in finding.get("subjects", []):
        if data.get("kind") not in SUBJECT_KINDS or not data.get("id"):
            continue
        subject = SubjectRef.from_dict(data)
        is_victim = subject.kind == "account" and (subject.platform, subject.id) in harmed
        (protected if is_victim else subjects).append(subject)
    return subjects, protected


def _finding_title(finding: Mapping[str, Any], violation: str) -> str:
    kinds: dict[str, int] = {}
    for s in finding.get("subjects", []):
        kinds[s.get("kind", "?")] = kinds.get(s.get("kind", "?"), 0) + 1
    what = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items()))
    return f"{violation.replace('_', ' ')}: {what} ({finding.get('kind')}, score {float(finding.get('score', 0)):.2f})"


def open_from_findings(
    session: Session,
    actor: str,
    policy: Policy,
    findings: Iterable[Mapping[str, Any]],
    *,
    violation: str | None = None,
    severity: str | None = None,
    now: datetime | None = None,
) -> FindingsImport:
    """One case per finding (a `Finding.to_dict()` record), its evidence snapshotted into the case.

    A finding already in a case is skipped, so importing the same findings.jsonl twice opens nothing new.
    """
    report = FindingsImport()
    log = EventLog(session)
    for finding in findings:
        fid = str(finding.get("id") or "")
        if not fid or not isinstance(finding.get("subjects"), list) or not finding.get("kind"):
            report.skipped.append((fid or "?", "not a finding record (needs id, kind and subjects)"))
            continue
        existing = log.find(types=["case.opened"], subject=finding_tag(fid))
        if existing:
            report.skipped.append((fid, f"already in case {existing[0].stream}"))
            continue
        chosen = violation or policy.violation_for_finding(str(finding["kind"]))
        if chosen is None:
            report.skipped.append((fid, f"no violation type of the policy covers finding kind {finding['kind']!r}"))
            continue
        subjects, protected = finding_subjects(finding)
        if not subjects:
            report.skipped.append((fid, "no account, post, url or platform to act on among its subjects"))
            continue
        case = open_case(
            session,
            actor,
            policy,
            title=_finding_title(finding, chosen),
            subjects=subjects,
            violation=chosen,
            severity=severity,
            findings=[finding],
            protected=protected,
            now=now,
            subject_tag=finding_tag(fid),
        )
        report.opened.append(case.id)
    return report


def assign(session: Session, case_id: str, actor: str, assignee: str, now: datetime | None = None) -> Case:
    log = EventLog(session)
    case = load_case(log, case_id)
    expect_state(case, ("open", "in_review"), "assign")
    return append_case(log, case, "case.assigned", actor, {"assignee": assignee}, case.state, now)


def start_review(session: Session, case_id: str, actor: str, now: datetime | None = None) -> Case:
    log = EventLog(session)
    case = load_case(log, case_id)
    expect_state(case, ("open",), "start reviewing")
    return append_case(log, case, "case.review_started", actor, {}, "in_review", now)


def add_note(session: Session, case_id: str, actor: str, text: str, now: datetime | None = None) -> Case:
    if not text.strip():
        raise GovernanceError("a note needs some text")
    log = EventLog(session)
    case = load_case(log, case_id)
    return append_case(log, case, "case.noted", actor, {"text": text}, case.state, now)


def set_deadline(session: Session, case_id: str, actor: str, due: datetime, now: datetime | None = None) -> Case:
    log = EventLog(session)
    case = load_case(log, case_id)
    expect_state(case, ("open", "in_review"), "set the deadline of")
    return append_case(log, case, "case.deadline_set", actor, {"due": due.astimezone(UTC).isoformat()}, case.state, now)


def merge(session: Session, source_id: str, target_id: str, actor: str, now: datetime | None = None) -> Case:
    """Fold a duplicate case into another: the target takes its subjects and evidence, the duplicate closes."""
    if source_id == target_id:
        raise GovernanceError("a case cannot be merged into itself")
    log = EventLog(session)
    source, target = load_case(log, source_id), load_case(log, target_id)
    expect_state(source, ("open", "in_review"), "merge")
    expect_state(target, ("open", "in_review"), "merge into")
    append_case(log, source, "case.merged", actor, {"target": target.id}, "closed", now)
    absorbed = {
        "source": source.id,
        "subjects": [s.to_dict() for s in source.subjects],
        "protected": [s.to_dict() for s in source.protected],
        "findings": source.findings,
    }
    return append_case(log, target, "case.absorbed", actor, absorbed, target.state, now)


def close(session: Session, case_id: str, actor: str, resolution: str, now: datetime | None = None) -> Case:
    log = EventLog(session)
    case = load_case(log, case_id)
    expect_state(case, ("decided",), "close")
    return append_case(log, case, "case.closed", actor, {"resolution": resolution}, "closed", now)


def refer(
    session: Session, case_id: str, actor: str, to: str, reference: str | None = None, now: datetime | None = None
) -> Case:
    """Record that a case was referred to another authority (police, regulator); the case state does not change."""
    log = EventLog(session)
    case = load_case(log, case_id)
    expect_state(case, ("decided", "appealed", "closed"), "refer")
    return append_case(log, case, "case.referred", actor, {"to": to, "reference": reference}, case.state, now)
