"""/platforms and /notices: the oversight registry, per-platform figures, notices and their responses.

A platform key sees and answers only the notices addressed to its own platform (tenant slug = platform slug).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from floodwatch.api.deps import (
    AdminOrPlatform,
    Analysts,
    Anyone,
    CursorQuery,
    DatabaseDep,
    Limit,
    PolicyDep,
    Staff,
    page_of,
)
from floodwatch.api.errors import ApiError
from floodwatch.api.schemas import NoticeIn, Page, PlatformIn, Record, ResponseIn
from floodwatch.api.views import notice_view
from floodwatch.govern import oversight
from floodwatch.govern.events import EventLog
from floodwatch.govern.tenants import ApiKey

router = APIRouter(tags=["notices"])


@router.get("/platforms", summary="Platforms under oversight")
def list_platforms(_key: Staff, db: DatabaseDep) -> list[Record]:
    with db.read() as session:
        return [p.__dict__ for p in oversight.list_platforms(session)]


@router.post("/platforms", status_code=201, summary="Register a platform")
def register_platform(body: PlatformIn, key: Analysts, db: DatabaseDep) -> Record:
    with db.write() as session:
        return oversight.register_platform(session, key.actor, body.slug, body.name, body.contact).__dict__


@router.get("/platforms/figures", summary="Per-platform incident figures (findings held in cases)")
def platform_figures(_key: Staff, db: DatabaseDep, policy: PolicyDep) -> list[dict[str, Any]]:
    with db.read() as session:
        return [f.as_dict() for f in oversight.platform_figures(session, policy)]


def _visible(key: ApiKey, notice: oversight.Notice) -> bool:
    return key.role != "platform" or notice.platform == key.tenant


@router.get("/notices", summary="Notices (a platform key: its own)")
def list_notices(
    key: Anyone,
    db: DatabaseDep,
    state: Annotated[str | None, Query(pattern="^(issued|responded|referred)$")] = None,
    limit: Limit = 100,
    cursor: CursorQuery = None,
) -> Page[Record]:
    with db.read() as session:
        platform = key.tenant if key.role == "platform" else None
        found = oversight.list_notices(session, [state] if state else None, platform)
    items, next_cursor = page_of(found, cursor, limit)
    return Page[Record](items=[notice_view(n) for n in items], next_cursor=next_cursor)


@router.get("/notices/{notice_id}", summary="One notice")
def get_notice(notice_id: str, key: Anyone, db: DatabaseDep) -> Record:
    with db.read() as session:
        notice = oversight.load_notice(EventLog(session), notice_id)
    if not _visible(key, notice):
        raise ApiError(403, "forbidden", "a platform key sees only notices addressed to its platform")
    return notice_view(notice)


@router.post("/notices", status_code=201, summary="Issue a notice to a registered platform")
def issue_notice(body: NoticeIn, key: Analysts, db: DatabaseDep, policy: PolicyDep) -> Record:
    with db.write() as session:
        notice = oversight.issue_notice(
            session,
            key.actor,
            policy,
            platform=body.platform,
            kind=body.kind,
            about=body.about,
            cases=body.cases,
            deadline=body.deadline,
        )
    return notice_view(notice)


@router.post("/notices/{notice_id}/respond", summary="The platform's response (or an admin recording it)")
def respond(notice_id: str, body: ResponseIn, key: AdminOrPlatform, db: DatabaseDep) -> Record:
    with db.write() as session:
        notice = oversight.load_notice(EventLog(session), notice_id)
        if not _visible(key, notice):
            raise ApiError(403, "forbidden", "a platform key answers only notices addressed to its platform")
        return notice_view(oversight.respond(session, notice_id, key.actor, body.text))
