"""/appeals: file and decide appeals. An overturn delists the case's subjects on the blacklist in the same
transaction, so every consumer sees the removal in its next sync."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from floodwatch.api.deps import (
    Anyone,
    CursorQuery,
    DatabaseDep,
    Limit,
    PolicyDep,
    Reviewers,
    SettingsDep,
    Staff,
    page_of,
)
from floodwatch.api.errors import ApiError
from floodwatch.api.schemas import AppealDecisionIn, AppealIn, Page, Record
from floodwatch.api.views import appeal_view, case_view
from floodwatch.govern import appeals, blacklist, cases
from floodwatch.govern.events import EventLog

router = APIRouter(prefix="/appeals", tags=["appeals"])


@router.get("", summary="Appeals, filtered by state")
def list_appeals(
    _key: Staff,
    db: DatabaseDep,
    state: Annotated[str | None, Query(pattern="^(filed|upheld|overturned)$")] = None,
    limit: Limit = 100,
    cursor: CursorQuery = None,
) -> Page[Record]:
    with db.read() as session:
        found = appeals.list_appeals(session, [state] if state else None)
    items, next_cursor = page_of(found, cursor, limit)
    return Page[Record](items=[appeal_view(a) for a in items], next_cursor=next_cursor)


@router.get("/{appeal_id}", summary="One appeal")
def get_appeal(appeal_id: str, _key: Staff, db: DatabaseDep) -> Record:
    with db.read() as session:
        return appeal_view(appeals.load_appeal(EventLog(session), appeal_id))


@router.post("", status_code=201, summary="Appeal a decided case (a platform: only cases about its own platform)")
def file_appeal(body: AppealIn, key: Anyone, db: DatabaseDep, policy: PolicyDep) -> Record:
    with db.write() as session:
        if key.role == "platform":
            case = cases.load_case(EventLog(session), body.case)
            if key.tenant not in case.platforms:
                raise ApiError(403, "forbidden", "a platform may appeal only cases about its own platform")
        appeal = appeals.file_appeal(
            session, body.case, key.actor, policy, grounds=body.grounds, appellant=body.appellant
        )
    return appeal_view(appeal)


@router.post("/{appeal_id}/decide", summary="Uphold or overturn (an overturn reverses actions and delists)")
def decide_appeal(
    appeal_id: str, body: AppealDecisionIn, key: Reviewers, db: DatabaseDep, config: SettingsDep
) -> Record:
    with db.write() as session:
        appeal, case = appeals.decide_appeal(session, appeal_id, key.actor, outcome=body.outcome, reason=body.reason)
        swept = blacklist.sweep(session, config.federation_key)
    return {**appeal_view(appeal), "case_record": case_view(case), "blacklist_delisted": swept.delisted}
