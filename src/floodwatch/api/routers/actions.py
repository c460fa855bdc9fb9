"""/actions: enforcement actions; approve, reject (four-eyes) and reverse."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from floodwatch.api.deps import CursorQuery, DatabaseDep, Limit, Reviewers, Staff, page_of
from floodwatch.api.schemas import OptionalReasonIn, Page, ReasonIn, Record
from floodwatch.api.views import action_view
from floodwatch.govern import enforcement
from floodwatch.govern.events import EventLog

router = APIRouter(prefix="/actions", tags=["actions"])


@router.get("", summary="Actions, filtered by state")
def list_actions(
    _key: Staff,
    db: DatabaseDep,
    state: Annotated[str | None, Query(pattern="^(pending_approval|active|expired|reversed|rejected)$")] = None,
    limit: Limit = 100,
    cursor: CursorQuery = None,
) -> Page[Record]:
    with db.read() as session:
        found = enforcement.list_actions(session, [state] if state else None)
    items, next_cursor = page_of(found, cursor, limit)
    return Page[Record](items=[action_view(a) for a in items], next_cursor=next_cursor)


@router.get("/{action_id}", summary="One action")
def get_action(action_id: str, _key: Staff, db: DatabaseDep) -> Record:
    with db.read() as session:
        return action_view(enforcement.load_action(EventLog(session), action_id))


@router.post("/{action_id}/approve", summary="A second person approves a severe action")
def approve(action_id: str, body: OptionalReasonIn, key: Reviewers, db: DatabaseDep) -> Record:
    with db.write() as session:
        return action_view(enforcement.approve(session, action_id, key.actor, body.reason))


@router.post("/{action_id}/reject", summary="A second person rejects a proposed action")
def reject(action_id: str, body: ReasonIn, key: Reviewers, db: DatabaseDep) -> Record:
    with db.write() as session:
        return action_view(enforcement.reject(session, action_id, key.actor, body.reason))


@router.post("/{action_id}/reverse", summary="Undo a pending or active action")
def reverse(action_id: str, body: ReasonIn, key: Reviewers, db: DatabaseDep) -> Record:
    with db.write() as session:
        return action_view(enforcement.reverse(session, action_id, key.actor, body.reason))
