"""/cases: open (by hand or from findings), assign, note, review, decide, merge, refer, close, publish."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from floodwatch.api.deps import (
    Analysts,
    CursorQuery,
    DatabaseDep,
    Limit,
    PolicyDep,
    Reviewers,
    SettingsDep,
    Staff,
    page_of,
)
from floodwatch.api.schemas import (
    AssignIn,
    CaseIn,
    CloseIn,
    DecideIn,
    FromFindingsIn,
    ImportOut,
    MergeIn,
    NoteIn,
    Page,
    Record,
    ReferIn,
)
from floodwatch.api.views import action_view, case_view
from floodwatch.govern import cases, enforcement, publish
from floodwatch.govern.cases import SubjectRef
from floodwatch.govern.errors import NotFoundError
from floodwatch.govern.events import EventLog
from floodwatch.store.events import resolve_data_dir
from floodwatch.store.findings import FindingStore

router = APIRouter(prefix="/cases", tags=["cases"])

State = Annotated[str | None, Query(pattern="^(open|in_review|decided|appealed|closed)$")]


@router.get("", summary="Cases, filtered by state and assignee")
def list_cases(
    _key: Staff,
    db: DatabaseDep,
    state: State = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 100,
    cursor: CursorQuery = None,
) -> Page[Record]:
    with db.read() as session:
        found = cases.list_cases(session, [state] if state else None, assignee)
    items, next_cursor = page_of(found, cursor, limit)
    return Page[Record](items=[case_view(c) for c in items], next_cursor=next_cursor)


@router.get("/{case_id}", summary="One case with its evidence and its events")
def get_case(case_id: str, _key: Staff, db: DatabaseDep) -> Record:
    with db.read() as session:
        return case_view(cases.load_case(EventLog(session), case_id), history=True)


@router.post("", status_code=201, summary="Open a case by hand")
def open_case(body: CaseIn, key: Analysts, db: DatabaseDep, policy: PolicyDep) -> Record:
    subjects = [SubjectRef(s.kind, s.platform, s.id) for s in body.subjects]
    with db.write() as session:
        case = cases.open_case(
            session,
            key.actor,
            policy,
            title=body.title,
            subjects=subjects,
            violation=body.violation,
            severity=body.severity,
            due=body.due,
        )
    return case_view(case)


@router.post("/from-findings", status_code=201, summary="One case per finding of the findings log (skips known ones)")
def from_findings(
    body: FromFindingsIn, key: Analysts, db: DatabaseDep, policy: PolicyDep, config: SettingsDep
) -> ImportOut:
    wanted = set(body.finding_ids)
    records = [r for r in FindingStore(resolve_data_dir(config.data_dir)).records() if r["id"] in wanted]
    missing = wanted - {r["id"] for r in records}
    if missing:
        raise NotFoundError(f"no finding {sorted(missing)[0]!r} in the findings log")
    with db.write() as session:
        report = cases.open_from_findings(session, key.actor, policy, records, violation=body.violation)
    return ImportOut(opened=report.opened, skipped=[{"finding": f, "why": why} for f, why in report.skipped])


@router.post("/{case_id}/assign", summary="Assign an open case")
def assign(case_id: str, body: AssignIn, key: Staff, db: DatabaseDep) -> Record:
    with db.write() as session:
        return case_view(cases.assign(session, case_id, key.actor, body.assignee))


@router.post("/{case_id}/notes", summary="Add a note (keep personal data out: the log is permanent)")
def note(case_id: str, body: NoteIn, key: Staff, db: DatabaseDep) -> Record:
    with db.write() as session:
        return case_view(cases.add_note(session, case_id, key.actor, body.text))


@router.post("/{case_id}/review", summary="Start reviewing an open case")
def review(case_id: str, key: Reviewers, db: DatabaseDep) -> Record:
    with db.write() as session:
        return case_view(cases.start_review(session, case_id, key.actor))


@router.post("/{case_id}/decide", summary="Decide a case under review (actions default to the policy's ladder)")
def decide(case_id: str, body: DecideIn, key: Reviewers, db: DatabaseDep, policy: PolicyDep) -> Record:
    specs = (
        [
            enforcement.ActionSpec(a.action, SubjectRef(a.subject.kind, a.subject.platform, a.subject.id), a.days)
            for a in body.actions
        ]
        if body.actions is not None
        else None
    )
    with db.write() as session:
        decision = enforcement.decide(
            session,
            case_id,
            key.actor,
            policy,
            outcome=body.outcome,
            reason=body.reason,
            actions=specs,
            violation=body.violation,
            expected_version=body.expected_version,
        )
    return {**case_view(decision.case), "new_actions": [action_view(a) for a in decision.actions]}


@router.post("/{case_id}/merge", summary="Merge this duplicate case into another")
def merge(case_id: str, body: MergeIn, key: Reviewers, db: DatabaseDep) -> Record:
    with db.write() as session:
        return case_view(cases.merge(session, case_id, body.into, key.actor))


@router.post("/{case_id}/refer", summary="Record a referral to another authority")
def refer(case_id: str, body: ReferIn, key: Reviewers, db: DatabaseDep) -> Record:
    with db.write() as session:
        return case_view(cases.refer(session, case_id, key.actor, body.to, body.reference))


@router.post("/{case_id}/close", summary="Close a decided case")
def close(case_id: str, body: CloseIn, key: Reviewers, db: DatabaseDep) -> Record:
    with db.write() as session:
        return case_view(cases.close(session, case_id, key.actor, body.resolution))


@router.post("/{case_id}/publish", summary="Publish a decided violation as an anonymised typical case")
def publish_case(case_id: str, key: Reviewers, db: DatabaseDep, policy: PolicyDep) -> Record:
    with db.write() as session:
        return publish.publish_typical_case(session, case_id, key.actor, policy)
