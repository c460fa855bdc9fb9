"""The shared blacklist: keyed-hash entries from member platforms, opinions, delisting, the change feed, lookups.

An entry is one platform's submission of one identifier, stored only as HMAC-SHA256 under the federation key
(federation/identifiers.py): `(hash, platform)` is unique, so two platforms listing the same account make two
entries that agree. Opinions (positive / negative / investigation) belong to a hash and a platform; submitting
an entry counts as the submitter's positive opinion (federation/opinions.py decides the standing).

Why entries are not governance events: the federation must hold millions of entries and the event log appends a
few hundred events a second. Entries live in their own indexed tables; each write *request* is one governance
event (on the writer's `tenant:<slug>` stream) carrying how many entries it touched and the SHA-256 of their
sorted hashes, so the audit chain still covers every change and a dispute about what a platform submitted can be
settled against the log.

Removal (an appeal overturned, the submitter's withdrawal, an expiry, a reviewer's delisting) never deletes a
row: the entry's status changes and a row is added to the change feed, which consumers read from their cursor.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from floodwatch.federation.identifiers import IdentifierKind, keyed_hash
from floodwatch.federation.opinions import ConsumerPolicy, Opinion, OpinionSummary, should_act, summarise
from floodwatch.govern.appeals import DELIST
from floodwatch.govern.cases import now_or
from floodwatch.govern.errors import GovernanceError, NotFoundError, PermissionDeniedError
from floodwatch.govern.events import Event
from floodwatch.govern.models import Base, EventRow, StreamRow, UTCDateTime
from floodwatch.govern.policy import Policy
from floodwatch.govern.tenants import record, tenant_stream

KINDS = tuple(k.value for k in IdentifierKind)
ACTIVE = "active"
STATUSES = (ACTIVE, "withdrawn", "delisted", "expired")
SYSTEM_ACTOR = "floodwatch"
SWEEP_STREAM = "blacklist:sweeps"
AUDIT_KIND = "tenant"
DELIST_CHECKPOINT = "delist_seq"
MAX_BATCH = 1000  # entries per write request, and hashes per lookup
LOCAL_CASE = re.compile(r"^C-\d+$")
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

entries_table = Table(
    "bl_entries",
    Base.metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("hash", LargeBinary(32), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("platform", String(63), nullable=False),
    Column("origin", String(63), nullable=True),  # the federation node an imported entry came from
    Column("reason_code", String(60), nullable=False),
    Column("case_ref", String(200), nullable=True),
    Column("confidence", Float(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_reason", String(200), nullable=True),
    UniqueConstraint("hash", "platform"),
)
opinions_table = Table(
    "bl_opinions",
    Base.metadata,
    Column("hash", LargeBinary(32), primary_key=True),
    Column("platform", String(63), primary_key=True),
    Column("opinion", String(20), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
changes_table = Table(
    "bl_changes",
    Base.metadata,
    Column("seq", BIG_ID, primary_key=True, autoincrement=True),
    Column("entry_id", BigInteger(), nullable=False),
    Column("time", UTCDateTime(), nullable=False),
)
checkpoints_table = Table(
    "bl_checkpoints",
    Base.metadata,
    Column("name", String(60), primary_key=True),
    Column("value", BigInteger(), nullable=False),
)


class BlacklistError(GovernanceError):
    """A blacklist request that cannot be carried out as asked."""


def parse_hash(text: str) -> bytes:
    """A keyed hash as given (64 hex digits) to the 32 bytes stored."""
    if len(text) != 64:
        raise BlacklistError(f"a keyed hash is 64 hex digits, got {len(text)} characters")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise BlacklistError("a keyed hash is 64 hex digits (0-9, a-f)") from None


def request_digest(hashes: Iterable[bytes]) -> str:
    """SHA-256 over the sorted hex hashes a request touched, one a line: what its audit event carries."""
    lines = sorted({h.hex() for h in hashes})
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Submission:
    kind: str
    hash: bytes
    reason_code: str
    confidence: float
    case_ref: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    hash: str
    platform: str
    origin: str | None
    reason_code: str
    case_ref: str | None
    confidence: float
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    status: str
    status_reason: str | None

    def live(self, now: datetime) -> bool:
        return self.status == ACTIVE and (self.expires_at is None or self.expires_at > now)


def _entry(row: Any) -> Entry:
    return Entry(
        row.id,
        row.kind,
        row.hash.hex(),
        row.platform,
        row.origin,
        row.reason_code,
        row.case_ref,
        row.confidence,
        row.created_at,
        row.updated_at,
        row.expires_at,
        row.status,
        row.status_reason,
    )


@dataclass
class WriteReport:
    """What one write request did; `event_seq` is the governance event that audits it (None: nothing changed)."""

    created: int = 0
    updated: int = 0
    removed: int = 0
    digest: str = ""
    event_seq: int | None = None
    entry_ids: list[int] = field(default_factory=list)


def _feed(session: Session, entry_ids: Iterable[int], moment: datetime) -> None:
    rows = [{"entry_id": i, "time": moment} for i in sorted(set(entry_ids))]
    if rows:
        session.execute(changes_table.insert(), rows)


def _audit(
    session: Session,
    stream: str,
    type: str,
    actor: str,
    hashes: Sequence[bytes],
    moment: datetime,
    extra: dict[str, Any],
    reason: str | None = None,
) -> int:
    payload = {"count": len(set(hashes)), "digest": request_digest(hashes), **extra}
    return record(session, stream, AUDIT_KIND, type, actor, payload, reason=reason, now=moment).seq


def submit(
    session: Session,
    actor: str,
    platform: str,
    submissions: Sequence[Submission],
    policy: Policy,
    now: datetime | None = None,
) -> WriteReport:
    """List (or refresh) identifiers as `platform`'s entries; an entry it had withdrawn or that expired is relisted."""
    if not submissions:
        raise BlacklistError("nothing to submit")
    if len(submissions) > MAX_BATCH:
        raise BlacklistError(f"at most {MAX_BATCH} entries a request, got {len(submissions)}")
    moment = now_or(now)
    for s in submissions:
        _check_submission(s, policy, moment)
    _check_case_refs(session, {s.case_ref for s in submissions if s.case_ref})
    latest = {s.hash: s for s in submissions}  # the last of duplicates wins
    existing = {
        row.hash: row.id
        for row in session.execute(
            select(entries_table.c.hash, entries_table.c.id).where(
                entries_table.c.platform == platform, entries_table.c.hash.in_(list(latest))
            )
        )
    }
    report = WriteReport()
    fresh = [
        {
            "hash": s.hash,
            "kind": s.kind,
            "platform": platform,
            "origin": None,
            "reason_code": s.reason_code,
            "case_ref": s.case_ref,
            "confidence": s.confidence,
            "created_at": moment,
            "updated_at": moment,
            "expires_at": s.expires_at,
            "status": ACTIVE,
            "status_reason": None,
        }
        for h, s in latest.items()
        if h not in existing
    ]
    if fresh:
        session.execute(entries_table.insert(), fresh)
    for h, entry_id in existing.items():
        s = latest[h]
        session.execute(
            update(entries_table)
            .where(entries_table.c.id == entry_id)
            .values(
                kind=s.kind,
                reason_code=s.reason_code,
                case_ref=s.case_ref,
                confidence=s.confidence,
                expires_at=s.expires_at,
                updated_at=moment,
                status=ACTIVE,
                status_reason=None,
            )
        )
    ids = _ids_of(session, platform, list(latest))
    _feed(session, ids, moment)
    report.created, report.updated, report.entry_ids = len(fresh), len(existing), ids
    report.digest = request_digest(latest)
    kinds = dict(sorted(Counter(s.kind for s in latest.values()).items()))
    extra = {"created": report.created, "updated": report.updated, "kinds": kinds}
    report.event_seq = _audit(
        session, tenant_stream(platform), "blacklist.submitted", actor, list(latest), moment, extra
    )
    return report


def _check_submission(s: Submission, policy: Policy, now: datetime) -> None:
    if s.kind not in KINDS:
        raise BlacklistError(f"unknown identifier kind {s.kind!r} (choose from {', '.join(KINDS)})")
    if len(s.hash) != 32:
        raise BlacklistError("a keyed hash is 32 bytes (64 hex digits)")
    if s.reason_code not in policy.violations:
        raise BlacklistError(
            f"unknown reason code {s.reason_code!r}: use one of the policy's violation types "
            f"({', '.join(policy.violations)})"
        )
    if not 0.0 <= s.confidence <= 1.0:
        raise BlacklistError(f"confidence must be within [0, 1], got {s.confidence}")
    if s.expires_at is not None and s.expires_at <= now:
        raise BlacklistError("an entry's expiry must be in the future")


def _check_case_refs(session: Session, refs: set[str]) -> None:
    """A reference shaped like this node's case ids (`C-7`) must name one of its cases: an overturned appeal
    delists by it, so a platform's own numbering must not be mistaken for it (write it as e.g. `WB-2026-7`)."""
    local = sorted(r for r in refs if LOCAL_CASE.match(r))
    if not local:
        return
    known = set(session.scalars(select(StreamRow.id).where(StreamRow.kind == "case", StreamRow.id.in_(local))))
    unknown = [r for r in local if r not in known]
    if unknown:
        raise BlacklistError(f"case reference {unknown[0]} looks like a case of this node but there is no such case")


def _ids_of(session: Session, platform: str, hashes: Sequence[bytes]) -> list[int]:
    query = select(entries_table.c.id).where(entries_table.c.platform == platform, entries_table.c.hash.in_(hashes))
    return sorted(session.scalars(query))


def get_entry(session: Session, entry_id: int) -> Entry:
    row = session.execute(select(entries_table).where(entries_table.c.id == entry_id)).first()
    if row is None:
        raise NotFoundError(f"no blacklist entry {entry_id}")
    return _entry(row)


def _remove(
    session: Session, entry_ids: Sequence[int], status: str, reason: str, moment: datetime
) -> list[tuple[int, bytes]]:
    """Set the status of those `entry_ids` still active; returns (id, hash) of the entries that changed."""
    if not entry_ids:
        return []
    live = [
        (r.id, r.hash)
        for r in session.execute(
            select(entries_table.c.id, entries_table.c.hash).where(
                entries_table.c.id.in_(list(entry_ids)), entries_table.c.status == ACTIVE
            )
        )
    ]
    if live:
        session.execute(
            update(entries_table)
            .where(entries_table.c.id.in_([i for i, _ in live]))
            .values(status=status, status_reason=reason[:200], updated_at=moment)
        )
        _feed(session, [i for i, _ in live], moment)
    return live


def withdraw(
    session: Session, actor: str, platform: str, entry_ids: Sequence[int], reason: str, now: datetime | None = None
) -> WriteReport:
    """The submitting platform takes back its own entries (another platform's entries are refused, not skipped)."""
    moment = now_or(now)
    entries = [get_entry(session, i) for i in entry_ids]
    foreign = [e.id for e in entries if e.platform != platform]
    if foreign:
        raise PermissionDeniedError(
            f"entries {foreign} were submitted by another platform: you can withdraw only yours"
        )
    return _removal(session, actor, tenant_stream(platform), entry_ids, "withdrawn", reason, moment)


def delist(
    session: Session, actor: str, stream: str, entry_ids: Sequence[int], reason: str, now: datetime | None = None
) -> WriteReport:
    """A reviewer's removal of any entries (audited on the reviewer's tenant stream)."""
    moment = now_or(now)
    for i in entry_ids:
        get_entry(session, i)
    return _removal(session, actor, stream, entry_ids, "delisted", reason, moment)


def _removal(
    session: Session,
    actor: str,
    stream: str,
    entry_ids: Sequence[int],
    status: str,
    reason: str,
    moment: datetime,
) -> WriteReport:
    if not reason.strip():
        raise BlacklistError("say why: a removal needs a reason")
    changed = _remove(session, entry_ids, status, reason, moment)
    report = WriteReport(removed=len(changed), entry_ids=[i for i, _ in changed])
    report.digest = request_digest(h for _, h in changed)
    if changed:
        extra = {"status": status, "entries": report.entry_ids}
        report.event_seq = _audit(
            session, stream, f"blacklist.{status}", actor, [h for _, h in changed], moment, extra, reason
        )
    return report


def set_opinions(
    session: Session,
    actor: str,
    platform: str,
    opinions: Sequence[tuple[bytes, Opinion]],
    now: datetime | None = None,
) -> WriteReport:
    """`platform`'s opinion on each hash (replacing its earlier one); the hash must be listed by someone."""
    if not opinions:
        raise BlacklistError("no opinions given")
    if len(opinions) > MAX_BATCH:
        raise BlacklistError(f"at most {MAX_BATCH} opinions a request, got {len(opinions)}")
    moment = now_or(now)
    latest = dict(opinions)
    listed = {
        row.hash: row.id
        for row in session.execute(
            select(entries_table.c.hash, entries_table.c.id).where(entries_table.c.hash.in_(list(latest)))
        )
    }
    missing = [h.hex() for h in latest if h not in listed]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise NotFoundError(f"no blacklist entry has the hash {missing[0]}{more}: opinions are on listed hashes")
    held = {
        r.hash
        for r in session.execute(
            select(opinions_table.c.hash).where(
                opinions_table.c.platform == platform, opinions_table.c.hash.in_(list(latest))
            )
        )
    }
    for h, opinion in latest.items():
        values = {"opinion": Opinion(opinion).value, "updated_at": moment}
        if h in held:
            session.execute(
                update(opinions_table)
                .where(opinions_table.c.hash == h, opinions_table.c.platform == platform)
                .values(**values)
            )
        else:
            session.execute(opinions_table.insert().values(hash=h, platform=platform, **values))
    affected = list(session.scalars(select(entries_table.c.id).where(entries_table.c.hash.in_(list(latest)))))
    _feed(session, affected, moment)  # the standing shown with each entry changed
    report = WriteReport(updated=len(latest), entry_ids=sorted(affected), digest=request_digest(latest))
    counts = dict(sorted(Counter(Opinion(o).value for o in latest.values()).items()))
    report.event_seq = _audit(
        session, tenant_stream(platform), "blacklist.opinions_set", actor, list(latest), moment, {"opinions": counts}
    )
    return report


def opinions_of(session: Session, hashes: Sequence[bytes]) -> dict[bytes, dict[str, Opinion]]:
    found: dict[bytes, dict[str, Opinion]] = defaultdict(dict)
    if hashes:
        query = select(opinions_table).where(opinions_table.c.hash.in_(list(hashes)))
        for row in session.execute(query):
            found[row.hash][row.platform] = Opinion(row.opinion)
    return found


def standing_of(submitters: Iterable[str], opinions: dict[str, Opinion]) -> OpinionSummary:
    """Every live submitter counts as positive unless it has since said otherwise."""
    held: dict[str, Opinion] = {s: Opinion.POSITIVE for s in submitters}
    held.update(opinions)
    first = next(iter(sorted(submitters)), "")
    if not first:  # nobody lists it any more: only explicit opinions remain
        return OpinionSummary(
            frozenset(p for p, o in held.items() if o is Opinion.POSITIVE),
            frozenset(p for p, o in held.items() if o is Opinion.NEGATIVE),
            frozenset(p for p, o in held.items() if o is Opinion.INVESTIGATION),
        )
    return summarise(first, held)


@dataclass(frozen=True)
class Match:
    """What a lookup of one hash found: the live entries listing it, its standing, and whether to act."""

    hash: str
    entries: list[Entry]
    summary: OpinionSummary | None
    act: bool

    @property
    def listed(self) -> bool:
        return bool(self.entries)


def lookup(
    session: Session, hashes: Sequence[bytes], consumer: ConsumerPolicy, now: datetime | None = None
) -> list[Match]:
    """Each hash's live entries (active, not past expiry) and whether `consumer`'s policy says to act on it."""
    if len(hashes) > MAX_BATCH:
        raise BlacklistError(f"at most {MAX_BATCH} hashes a lookup, got {len(hashes)}")
    moment = now_or(now)
    wanted = list(dict.fromkeys(hashes))
    found: dict[bytes, list[Entry]] = defaultdict(list)
    if wanted:
        query = select(entries_table).where(
            entries_table.c.hash.in_(wanted),
            entries_table.c.status == ACTIVE,
            or_(entries_table.c.expires_at.is_(None), entries_table.c.expires_at > moment),
        )
        for row in session.execute(query):
            found[row.hash].append(_entry(row))
    opinions = opinions_of(session, list(found))
    matches = []
    for h in wanted:
        entries = found.get(h, [])
        if not entries:
            matches.append(Match(h.hex(), [], None, False))
            continue
        summary = standing_of({e.platform for e in entries}, opinions.get(h, {}))
        confidence = max(e.confidence for e in entries)
        matches.append(Match(h.hex(), entries, summary, should_act(summary, consumer, confidence)))
    return matches


def standings(session: Session, entries: Sequence[Entry], now: datetime | None = None) -> dict[str, OpinionSummary]:
    """The standing of each entry's hash (hex → summary), from the live entries and opinions on it."""
    moment = now_or(now)
    hashes = list({bytes.fromhex(e.hash) for e in entries})
    if not hashes:
        return {}
    submitters: dict[bytes, set[str]] = defaultdict(set)
    query = select(entries_table.c.hash, entries_table.c.platform).where(
        entries_table.c.hash.in_(hashes),
        entries_table.c.status == ACTIVE,
        or_(entries_table.c.expires_at.is_(None), entries_table.c.expires_at > moment),
    )
    for row in session.execute(query):
        submitters[row.hash].add(row.platform)
    opinions = opinions_of(session, hashes)
    return {h.hex(): standing_of(submitters.get(h, set()), opinions.get(h, {})) for h in hashes}


def list_entries(
    session: Session,
    *,
    platform: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    case_ref: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[Entry]:
    """Entries in id order after `after_id` (keyset pagination), filtered."""
    query = select(entries_table).where(entries_table.c.id > after_id).order_by(entries_table.c.id).limit(limit)
    if platform is not None:
        query = query.where(entries_table.c.platform == platform)
    if status is not None:
        query = query.where(entries_table.c.status == status)
    if kind is not None:
        query = query.where(entries_table.c.kind == kind)
    if case_ref is not None:
        query = query.where(entries_table.c.case_ref == case_ref)
    return [_entry(r) for r in session.execute(query)]


@dataclass(frozen=True)
class Change:
    """One row of the change feed with the entry as it is now: apply in cursor order, idempotently."""

    cursor: int
    entry: Entry


def changes(session: Session, since: int, limit: int) -> list[Change]:
    query = (
        select(changes_table.c.seq, entries_table)
        .join(entries_table, entries_table.c.id == changes_table.c.entry_id)
        .where(changes_table.c.seq > since)
        .order_by(changes_table.c.seq)
        .limit(limit)
    )
    return [Change(row.seq, _entry(row)) for row in session.execute(query)]


def feed_head(session: Session) -> int:
    return int(session.scalar(select(func.max(changes_table.c.seq))) or 0)


def _checkpoint(session: Session, name: str) -> int:
    value = session.scalar(select(checkpoints_table.c.value).where(checkpoints_table.c.name == name))
    return int(value) if value is not None else 0


def _set_checkpoint(session: Session, name: str, value: int) -> None:
    if session.scalar(select(checkpoints_table.c.value).where(checkpoints_table.c.name == name)) is None:
        session.execute(checkpoints_table.insert().values(name=name, value=value))
    else:
        session.execute(update(checkpoints_table).where(checkpoints_table.c.name == name).values(value=value))


@dataclass
class SweepReport:
    delisted: int = 0
    expired: int = 0
    delist_events: int = 0
    event_seq: int | None = None


def sweep(session: Session, federation_key: bytes | None, now: datetime | None = None) -> SweepReport:
    """Apply what is due: every governance `delist` event not yet applied, and every expiry.

    A delist event (an appeal overturned) removes the entries whose case reference is the case, and — when the
    server holds the federation key — every entry of the subject's keyed hash (an account or a URL), whoever
    submitted it. Idempotent; the changes of one sweep are audited as one event on `blacklist:sweeps`.
    """
    moment = now_or(now)
    report = SweepReport()
    done = _checkpoint(session, DELIST_CHECKPOINT)
    query = select(EventRow).where(EventRow.type == DELIST, EventRow.seq > done).order_by(EventRow.seq)
    pending = [Event.from_row(row) for row in session.scalars(query)]
    touched: list[bytes] = []
    for event in pending:
        conditions = [entries_table.c.case_ref == event.payload.get("case")]
        subject_hash = _subject_hash(event.payload.get("subject") or {}, federation_key)
        if subject_hash is not None:
            conditions.append(entries_table.c.hash == subject_hash)
        ids = list(session.scalars(select(entries_table.c.id).where(or_(*conditions))))
        reason = f"{event.payload.get('reason_code', 'delisted')}: {event.stream} on {event.payload.get('case')}"
        changed = _remove(session, ids, "delisted", reason, moment)
        report.delisted += len(changed)
        touched.extend(h for _, h in changed)
    if pending:
        report.delist_events = len(pending)
        _set_checkpoint(session, DELIST_CHECKPOINT, pending[-1].seq)
    due = list(
        session.scalars(
            select(entries_table.c.id).where(
                and_(entries_table.c.status == ACTIVE, entries_table.c.expires_at <= moment)
            )
        )
    )
    expired = _remove(session, due, "expired", "expiry reached", moment)
    report.expired = len(expired)
    touched.extend(h for _, h in expired)
    if touched:
        extra = {"delisted": report.delisted, "expired": report.expired, "delist_events": report.delist_events}
        report.event_seq = _audit(session, SWEEP_STREAM, "blacklist.swept", SYSTEM_ACTOR, touched, moment, extra)
    return report


def _subject_hash(subject: dict[str, Any], key: bytes | None) -> bytes | None:
    """The keyed hash a governance subject (account or URL) has on the blacklist, when the key is at hand."""
    if key is None or not subject.get("id"):
        return None
    try:
        if subject.get("kind") == "account" and subject.get("platform"):
            return bytes.fromhex(keyed_hash("account", str(subject["id"]), key, str(subject["platform"])))
        if subject.get("kind") == "url":
            return bytes.fromhex(keyed_hash("url", str(subject["id"]), key))
    except ValueError:  # an id that has no canonical form cannot be on the list either
        return None
    return None


def export_changes(session: Session, since: int, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Entries changed after cursor `since` as bundle records (no case reference: that stays with the submitter),
    with the opinions on their hashes; returns them and the cursor they run up to."""
    query = (
        select(func.max(changes_table.c.seq).label("seq"), changes_table.c.entry_id)
        .where(changes_table.c.seq > since)
        .group_by(changes_table.c.entry_id)
        .order_by(func.max(changes_table.c.seq))
    )
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    if not rows:
        return [], since
    entries = {
        r.id: _entry(r)
        for r in session.execute(select(entries_table).where(entries_table.c.id.in_([r.entry_id for r in rows])))
    }
    opinions = opinions_of(session, [bytes.fromhex(e.hash) for e in entries.values()])
    records = []
    for row in rows:
        e = entries[row.entry_id]
        records.append(
            {
                "kind": e.kind,
                "hash": e.hash,
                "platform": e.platform,
                "reason_code": e.reason_code,
                "confidence": e.confidence,
                "created_at": e.created_at.isoformat(),
                "expires_at": e.expires_at.isoformat() if e.expires_at else None,
                "status": e.status,
                "opinions": {p: o.value for p, o in sorted(opinions.get(bytes.fromhex(e.hash), {}).items())},
            }
        )
    return records, int(rows[-1].seq)


def import_records(
    session: Session,
    actor: str,
    stream: str,
    origin: str,
    records: Sequence[dict[str, Any]],
    now: datetime | None = None,
) -> WriteReport:
    """Apply a verified bundle's records from node `origin`: new and changed entries are upserted with their
    status (a removal at the origin removes the copy here), and their opinions are merged. One audit event."""
    moment = now_or(now)
    report = WriteReport()
    touched: list[bytes] = []
    for rec in records:
        h = parse_hash(str(rec["hash"]))
        if rec["kind"] not in KINDS or rec["status"] not in STATUSES:
            raise BlacklistError(f"bundle record of unknown kind or status: {rec['kind']!r}, {rec['status']!r}")
        values = {
            "kind": rec["kind"],
            "reason_code": str(rec["reason_code"])[:60],
            "confidence": float(rec["confidence"]),
            "expires_at": datetime.fromisoformat(rec["expires_at"]) if rec.get("expires_at") else None,
            "status": rec["status"],
            "status_reason": None if rec["status"] == ACTIVE else f"{rec['status']} at {origin}",
            "updated_at": moment,
        }
        platform = str(rec["platform"])
        found = session.execute(
            select(entries_table.c.id).where(entries_table.c.hash == h, entries_table.c.platform == platform)
        ).first()
        if found is None:
            created = datetime.fromisoformat(rec["created_at"]) if rec.get("created_at") else moment
            inserted = entries_table.insert().values(
                hash=h, platform=platform, origin=origin, case_ref=None, created_at=created, **values
            )
            entry_id = int(session.execute(inserted.returning(entries_table.c.id)).scalar_one())
            report.created += 1
        else:
            entry_id = int(found.id)
            session.execute(update(entries_table).where(entries_table.c.id == entry_id).values(**values))
            report.updated += 1
        for member, opinion in dict(rec.get("opinions") or {}).items():
            session.execute(
                opinions_table.delete().where(opinions_table.c.hash == h, opinions_table.c.platform == member)
            )
            session.execute(
                opinions_table.insert().values(
                    hash=h, platform=member, opinion=Opinion(opinion).value, updated_at=moment
                )
            )
        report.entry_ids.append(entry_id)
        touched.append(h)
    _feed(session, report.entry_ids, moment)
    report.digest = request_digest(touched)
    if touched:
        extra = {"origin": origin, "created": report.created, "updated": report.updated}
        report.event_seq = _audit(session, stream, "blacklist.imported", actor, touched, moment, extra)
    return report


def convenience_hash(kind: str, value: str, key: bytes | None, platform: str | None = None) -> bytes:
    """The keyed hash of a raw value, for convenience endpoints: the caller must drop `value` right after."""
    if key is None:
        raise BlacklistError(
            "this server holds no federation key: hash identifiers on your side (floodwatch blacklist hash)"
        )
    if kind not in KINDS:
        raise BlacklistError(f"unknown identifier kind {kind!r} (choose from {', '.join(KINDS)})")
    try:
        return bytes.fromhex(keyed_hash(kind, value, key, platform))
    except ValueError as exc:  # IdentifierError: say why, never repeating the value
        message = str(exc)
        if value.strip():
            message = message.replace(repr(value), "the value").replace(value, "the value")
        raise BlacklistError(message) from None
