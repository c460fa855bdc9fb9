"""The append-only governance event log, hash-chained with SHA-256.

Every event has a global `seq` (1, 2, 3, ...), belongs to one stream (a case `C-7`, an action `A-3`, ...) at a
1-based `version`, and stores `prev_hash` (the previous event's hash; 64 zeros for the first) and `hash`, the
SHA-256 of the canonical JSON of (seq, stream, version, prev_hash, time, actor, subject, type, payload, reason,
policy_ref). Changing any stored byte of an event breaks its hash; removing or moving one breaks the links.

Appends are serialised by locking the chain head (`SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on
SQLite), and each append names the stream version its writer read (`expected_version`): a writer who read a
stale version gets a ConflictError and writes nothing, so no event is ever lost to a race.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from floodwatch.govern.errors import ConflictError, NotFoundError
from floodwatch.govern.models import ChainHead, EventRow, StreamRow

HEAD_LOCK = "floodwatch.govern.head_lock"  # session.info key: (transaction, head row) while the lock is held


def jsonable(value: Any) -> Any:
    """Payload values as plain JSON: datetimes as ISO 8601, tuples as lists; anything else is refused."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in an event payload")


def canonical_json(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 kept as is, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    seq: int,
    stream: str,
    version: int,
    prev_hash: str,
    time: datetime,
    actor: str,
    subject: str | None,
    type: str,
    payload: str,
    reason: str | None,
    policy_ref: str | None,
) -> str:
    body = {
        "seq": seq,
        "stream": stream,
        "version": version,
        "prev_hash": prev_hash,
        "time": iso(time),
        "actor": actor,
        "subject": subject,
        "type": type,
        "payload": payload,  # the stored text itself, so the hash covers exactly the bytes kept
        "reason": reason,
        "policy_ref": policy_ref,
    }
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Event:
    """One governance step as read back."""

    seq: int
    stream: str
    version: int
    time: datetime
    actor: str
    subject: str | None
    type: str
    payload: dict[str, Any]
    reason: str | None
    policy_ref: str | None
    hash: str

    @staticmethod
    def from_row(row: EventRow) -> Event:
        return Event(
            row.seq,
            row.stream,
            row.version,
            row.time,
            row.actor,
            row.subject,
            row.type,
            json.loads(row.payload),
            row.reason,
            row.policy_ref,
            row.hash,
        )


class EventLog:
    """Reads and appends governance events within one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _lock_head(self) -> ChainHead:
        """Lock the chain head for the rest of the transaction; once locked, the row in hand is the truth."""
        # keyed on the innermost transaction: a lock taken inside a savepoint goes when the savepoint rolls back
        transaction = self.session.get_nested_transaction() or self.session.get_transaction()
        held = self.session.info.get(HEAD_LOCK)
        if held is not None and held[0] is transaction:
            return held[1]  # type: ignore[no-any-return]
        head = self.session.execute(
            select(ChainHead).where(ChainHead.id == 1).with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        self.session.info[HEAD_LOCK] = (transaction, head)
        return head

    def new_stream_id(self, kind: str, prefix: str) -> str:
        """The next id of a kind (`C-1`, `C-2`, ...), allocated under the append lock so two writers never clash."""
        self._lock_head()
        count = self.session.scalar(select(func.count()).select_from(StreamRow).where(StreamRow.kind == kind))
        return f"{prefix}-{(count or 0) + 1}"

    def stream(self, stream_id: str) -> StreamRow | None:
        return self.session.get(StreamRow, stream_id)

    def require(self, stream_id: str, kind: str, label: str) -> StreamRow:
        row = self.stream(stream_id)
        if row is None or row.kind != kind:
            raise NotFoundError(f"no {label} {stream_id!r}")
        return row

    def streams(self, kind: str, states: Sequence[str] | None = None) -> list[StreamRow]:
        query = select(StreamRow).where(StreamRow.kind == kind)
        if states:
            query = query.where(StreamRow.state.in_(states))
        rows = self.session.scalars(query).all()
        return sorted(rows, key=lambda r: (r.opened_at, _id_order(r.id)))

    def append(
        self,
        stream: str,
        kind: str,
        type: str,
        actor: str,
        payload: Mapping[str, Any],
        *,
        expected_version: int,
        state: str,
        subject: str | None = None,
        reason: str | None = None,
        policy_ref: str | None = None,
        now: datetime | None = None,
    ) -> Event:
        """Append one event to `stream`, which must be at `expected_version` (0: a new stream).

        `state` is the stream's state after this event, as its fold computes it; it is cached in gov_streams.
        """
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        head = self._lock_head()
        row = self.session.execute(
            select(StreamRow).where(StreamRow.id == stream).with_for_update()
        ).scalar_one_or_none()
        current = row.version if row is not None else 0
        if row is not None and row.kind != kind:
            raise ConflictError(f"{stream} is a {row.kind}, not a {kind}")
        if current != expected_version:
            if row is None:
                raise NotFoundError(f"no {kind} {stream!r}")
            raise ConflictError(
                f"{stream} changed while you were working on it (you read version {expected_version}, "
                f"it is now at version {current}): reload it and try again; nothing was written"
            )
        text = canonical_json(jsonable(payload))
        fields: dict[str, Any] = {
            "seq": head.seq + 1,
            "stream": stream,
            "version": current + 1,
            "prev_hash": head.hash,
            "time": moment,
            "actor": actor,
            "subject": subject,
            "type": type,
            "payload": text,
            "reason": reason,
            "policy_ref": policy_ref,
        }
        digest = event_hash(**fields)
        event_row = EventRow(**fields, hash=digest)
        self.session.add(event_row)
        head.seq, head.hash = event_row.seq, digest
        if row is None:
            self.session.add(
                StreamRow(id=stream, kind=kind, version=1, state=state, opened_at=moment, updated_at=moment)
            )
        else:
            row.version, row.state, row.updated_at = current + 1, state, moment
        self.session.flush()
        return Event.from_row(event_row)

    def read(self, stream: str) -> list[Event]:
        rows = self.session.scalars(select(EventRow).where(EventRow.stream == stream).order_by(EventRow.seq))
        return [Event.from_row(r) for r in rows]

    def read_many(self, streams: Sequence[str]) -> dict[str, list[Event]]:
        """Several streams' events in one query, keyed by stream id (every id present)."""
        found: dict[str, list[Event]] = {stream: [] for stream in streams}
        if not streams:
            return found
        query = select(EventRow).where(EventRow.stream.in_(list(streams))).order_by(EventRow.seq)
        for row in self.session.scalars(query):
            found[row.stream].append(Event.from_row(row))
        return found

    def find(
        self,
        *,
        types: Iterable[str] | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Event]:
        """Events by type, subject and time span [since, until), in log order."""
        query = select(EventRow).order_by(EventRow.seq)
        if types is not None:
            query = query.where(EventRow.type.in_(list(types)))
        if subject is not None:
            query = query.where(EventRow.subject == subject)
        if since is not None:
            query = query.where(EventRow.time >= since)
        if until is not None:
            query = query.where(EventRow.time < until)
        return [Event.from_row(r) for r in self.session.scalars(query)]

    def tail(self, limit: int) -> list[Event]:
        rows = self.session.scalars(select(EventRow).order_by(EventRow.seq.desc()).limit(limit)).all()
        return [Event.from_row(r) for r in reversed(rows)]

    def head(self) -> tuple[int, str]:
        head = self.session.get(ChainHead, 1)
        if head is None:
            raise NotFoundError("the chain head row is missing: the database was not created by floodwatch")
        return head.seq, head.hash


def _id_order(stream_id: str) -> tuple[str, int]:
    prefix, _, number = stream_id.rpartition("-")
    return (prefix, int(number)) if number.isdigit() else (stream_id, 0)
