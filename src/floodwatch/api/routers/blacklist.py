"""/blacklist: submit, withdraw, delist, opinions, batch lookup, the change feed, sweeps.

Raw identifier values reach the server only on the two convenience endpoints (`/entries/raw`, `/lookup/raw`):
they are hashed under the federation key inside the request and dropped; they are never stored, logged or echoed
(a validation error names the field, not its value).
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Query, Response

from floodwatch.api.deps import (
    MAX_PAGE,
    Admin,
    Anyone,
    CursorQuery,
    Database,
    DatabaseDep,
    Limit,
    PolicyDep,
    Reviewers,
    SettingsDep,
    Submitters,
    cursor_value,
)
from floodwatch.api.errors import ApiError
from floodwatch.api.schemas import (
    ChangeOut,
    ChangesOut,
    EntryOut,
    LookupIn,
    LookupOut,
    OpinionsIn,
    Page,
    RawLookupIn,
    RawSubmitIn,
    RawWriteOut,
    RemoveIn,
    SubmitIn,
    SweepOut,
    WriteOut,
)
from floodwatch.api.views import entry_record, entry_view, standing_record
from floodwatch.federation.identifiers import IdentifierKind
from floodwatch.govern import blacklist
from floodwatch.govern.tenants import ApiKey, get_tenant, tenant_stream

router = APIRouter(prefix="/blacklist", tags=["blacklist"])


Status = Query(None, pattern="^(active|withdrawn|delisted|expired)$")


def _write_out(report: blacklist.WriteReport) -> WriteOut:
    return WriteOut(
        created=report.created,
        updated=report.updated,
        removed=report.removed,
        entry_ids=report.entry_ids,
        digest=report.digest,
        audit_event=report.event_seq,
    )


@router.post("/entries", status_code=201, summary="Submit entries (keyed hashes) as the caller's platform")
def submit(body: SubmitIn, key: Submitters, db: DatabaseDep, policy: PolicyDep) -> WriteOut:
    items = [
        blacklist.Submission(e.kind.value, bytes.fromhex(e.hash), e.reason_code, e.confidence, e.case_ref, e.expires_at)
        for e in body.entries
    ]
    with db.write() as session:
        return _write_out(blacklist.submit(session, key.actor, key.tenant, items, policy))


@router.post(
    "/entries/raw",
    status_code=201,
    summary="Convenience: submit raw identifiers, hashed here under the federation key and dropped at once",
)
def submit_raw(
    body: RawSubmitIn, key: Submitters, db: DatabaseDep, policy: PolicyDep, config: SettingsDep
) -> RawWriteOut:
    items = [
        blacklist.Submission(
            e.kind.value,
            blacklist.convenience_hash(e.kind.value, e.value, config.federation_key, e.platform),
            e.reason_code,
            e.confidence,
            e.case_ref,
            e.expires_at,
        )
        for e in body.entries
    ]
    del body  # the raw values go no further than this function
    with db.write() as session:
        report = blacklist.submit(session, key.actor, key.tenant, items, policy)
    out = _write_out(report)
    return RawWriteOut(**out.model_dump(), hashes=[s.hash.hex() for s in items])


@router.get("/entries", summary="The shared view of entries (case references only on the caller's own)")
def list_entries(
    key: Anyone,
    db: DatabaseDep,
    limit: Limit = 100,
    cursor: CursorQuery = None,
    status: str | None = Status,
    kind: IdentifierKind | None = None,
) -> Page[EntryOut]:
    with db.read() as session:
        entries = blacklist.list_entries(
            session,
            status=status,
            kind=kind.value if kind else None,
            after_id=cursor_value(cursor),
            limit=limit,
        )
        summaries = blacklist.standings(session, entries)
    items = [entry_view(e, key, summaries.get(e.hash)) for e in entries]
    return Page[EntryOut](items=items, next_cursor=str(entries[-1].id) if len(entries) == limit else None)


@router.get("/entries/{entry_id}", summary="One entry with its standing")
def get_entry(entry_id: int, key: Anyone, db: DatabaseDep) -> EntryOut:
    if not 1 <= entry_id <= 2**62:
        raise ApiError(404, "not_found", f"no blacklist entry {entry_id}")
    with db.read() as session:
        entry = blacklist.get_entry(session, entry_id)
        summary = blacklist.standings(session, [entry]).get(entry.hash)
    return entry_view(entry, key, summary)


@router.get(
    "/submissions/{tenant}",
    summary="Every submission of one tenant, whatever its status (a platform key: its own tenant only)",
)
def submissions(
    tenant: str,
    key: Anyone,
    db: DatabaseDep,
    limit: Limit = 100,
    cursor: CursorQuery = None,
    status: str | None = Status,
) -> Page[EntryOut]:
    _own_or_staff(key, tenant)
    with db.read() as session:
        entries = blacklist.list_entries(
            session, platform=tenant, status=status, after_id=cursor_value(cursor), limit=limit
        )
    items = [entry_view(e, key) for e in entries]
    return Page[EntryOut](items=items, next_cursor=str(entries[-1].id) if len(entries) == limit else None)


def _own_or_staff(key: ApiKey, tenant: str) -> None:
    if key.role == "platform" and key.tenant != tenant:
        raise ApiError(403, "forbidden", "a platform key sees its own tenant's submissions only")


@router.post("/withdraw", summary="Withdraw entries the caller's platform submitted")
def withdraw(body: RemoveIn, key: Submitters, db: DatabaseDep) -> WriteOut:
    with db.write() as session:
        return _write_out(blacklist.withdraw(session, key.actor, key.tenant, body.entry_ids, body.reason))


@router.post("/delist", summary="A reviewer removes entries, whoever submitted them")
def delist(body: RemoveIn, key: Reviewers, db: DatabaseDep) -> WriteOut:
    with db.write() as session:
        report = blacklist.delist(session, key.actor, tenant_stream(key.tenant), body.entry_ids, body.reason)
        return _write_out(report)


@router.post("/opinions", summary="The caller's platform's opinion on listed hashes (positive/negative/investigation)")
def opinions(body: OpinionsIn, key: Submitters, db: DatabaseDep) -> WriteOut:
    items = [(bytes.fromhex(o.hash), o.opinion) for o in body.opinions]
    with db.write() as session:
        return _write_out(blacklist.set_opinions(session, key.actor, key.tenant, items))


def _lookup(key: ApiKey, db: Database, hashes: list[bytes]) -> Response:
    """The hot path: built as plain JSON (the documented LookupOut shape) without per-entry model objects."""
    with db.read() as session:
        consumer = get_tenant(session, key.tenant).consumer_policy
        matches = blacklist.lookup(session, hashes, consumer)
    body = {
        "matches": [
            {
                "hash": m.hash,
                "listed": m.listed,
                "act": m.act,
                "standing": standing_record(m.summary),
                "entries": [entry_record(e, key) for e in m.entries],
            }
            for m in matches
        ]
    }
    return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z), media_type="application/json")


@router.post(
    "/lookup",
    response_model=LookupOut,
    summary="Batch lookup of keyed hashes; `act` follows the caller's consumer policy",
)
def lookup(body: LookupIn, key: Anyone, db: DatabaseDep) -> Response:
    return _lookup(key, db, [bytes.fromhex(h) for h in body.hashes])


@router.post(
    "/lookup/raw",
    response_model=LookupOut,
    summary="Convenience: look up raw identifiers, hashed here and dropped at once",
)
def lookup_raw(body: RawLookupIn, key: Anyone, db: DatabaseDep, config: SettingsDep) -> Response:
    hashes = [
        blacklist.convenience_hash(i.kind.value, i.value, config.federation_key, i.platform) for i in body.identifiers
    ]
    del body
    return _lookup(key, db, hashes)


@router.get("/changes", summary="The change feed since a cursor (removals included), for platforms that mirror it")
def changes(
    key: Anyone,
    db: DatabaseDep,
    config: SettingsDep,
    cursor: CursorQuery = None,
    limit: Limit = MAX_PAGE,
) -> ChangesOut:
    since = cursor_value(cursor)
    with db.write() as session:  # what is due (delistings, expiries) is applied first, so this sync sees it
        blacklist.sweep(session, config.federation_key)
    with db.read() as session:
        rows = blacklist.changes(session, since, limit)
        summaries = blacklist.standings(session, [c.entry for c in rows])
    items = [
        ChangeOut(
            cursor=str(c.cursor),
            op="upsert" if c.entry.status == blacklist.ACTIVE else "remove",
            entry=entry_view(c.entry, key, summaries.get(c.entry.hash)),
        )
        for c in rows
    ]
    return ChangesOut(changes=items, next_cursor=str(rows[-1].cursor) if rows else str(since), more=len(rows) == limit)


@router.post("/sweep", summary="Apply due delistings (appeals overturned) and expiries now")
def sweep(_key: Admin, db: DatabaseDep, config: SettingsDep) -> SweepOut:
    with db.write() as session:
        report = blacklist.sweep(session, config.federation_key)
    return SweepOut(
        delisted=report.delisted,
        expired=report.expired,
        delist_events=report.delist_events,
        audit_event=report.event_seq,
    )
