"""Audit: prove the governance event log is the one that was written, or name the first event that is not.

The chain is walked in `seq` order. Each event's hash is recomputed from its stored fields, each `prev_hash` must
be the previous event's hash, `seq` must run 1, 2, 3 ... without gaps, and the last event must be the one the chain
head names. The first failure is named and classified:

- altered: the event's stored fields no longer give its hash;
- deleted: events are missing (a gap in seq, a link that skips back, or a log shorter than its head);
- reordered: the event links to an event that now comes after it;
- inserted: a self-consistent event that links to no event of the log, or events past the head.

Limits: someone who can rewrite the database can also rewrite the chain head after cutting the tail. Anchor the
head elsewhere (`floodwatch audit head`, printed into a ticket, a signed mail, another system) and verify against
it (`--anchor SEQ:HASH`) to catch that too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from floodwatch.govern import appeals, cases, enforcement, oversight
from floodwatch.govern.events import Event, EventLog, event_hash
from floodwatch.govern.models import GENESIS_HASH, ChainHead, EventRow, StreamRow

ProblemKind = Literal["altered", "deleted", "reordered", "inserted"]
EVENTS = EventRow.__table__
HASHED = (
    "seq",
    "stream",
    "version",
    "prev_hash",
    "time",
    "actor",
    "subject",
    "type",
    "payload",
    "reason",
    "policy_ref",
)


@dataclass(frozen=True)
class Problem:
    seq: int  # the first event that is not as written
    kind: ProblemKind
    detail: str


@dataclass(frozen=True)
class AuditReport:
    checked: int
    head_seq: int
    head_hash: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Anchor:
    """A (seq, hash) pair kept outside the database."""

    seq: int
    hash: str

    @staticmethod
    def parse(text: str) -> Anchor:
        seq, sep, digest = text.strip().partition(":")
        if not sep or not seq.isdigit() or len(digest) != 64:
            raise ValueError(f"an anchor is SEQ:HASH as `floodwatch audit head` prints it, got {text!r}")
        return Anchor(int(seq), digest.lower())

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def _rows(session: Session, batch: int = 2000) -> Iterator[Any]:
    query = select(*(EVENTS.c[name] for name in HASHED), EVENTS.c.hash).order_by(EVENTS.c.seq)
    yield from session.execute(query.execution_options(yield_per=batch))


def _recomputed(row: Any) -> str:
    return event_hash(**{name: getattr(row, name) for name in HASHED})


def _classify_link(session: Session, row: Any) -> Problem:
    """Why `row` does not link to its predecessor: where does its prev_hash point, if anywhere?"""
    target = session.scalar(select(EventRow.seq).where(EventRow.hash == row.prev_hash))
    if target is not None and target >= row.seq:
        return Problem(row.seq, "reordered", f"event {row.seq} follows event {target}, which now comes after it")
    if target is not None:
        return Problem(row.seq, "deleted", f"event {row.seq} follows event {target}: the events between are gone")
    if _recomputed(row) == row.hash and row.prev_hash != GENESIS_HASH:
        return Problem(row.seq, "inserted", f"event {row.seq} links to no event of this log")
    return Problem(row.seq, "altered", f"event {row.seq}'s link to the previous event was changed")


def verify(session: Session, anchor: Anchor | None = None) -> AuditReport:
    head = session.get(ChainHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    seen_anchor = anchor is None
    for row in _rows(session):
        problem: Problem | None = None
        if row.seq != expected_seq:
            problem = Problem(
                expected_seq, "deleted", f"events {expected_seq}..{row.seq - 1} are missing (next kept: {row.seq})"
            )
        elif row.prev_hash != prev_hash:
            problem = _classify_link(session, row)
        elif _recomputed(row) != row.hash:
            problem = Problem(row.seq, "altered", f"event {row.seq} ({row.type} on {row.stream}) was changed")
        elif row.seq > head_seq:
            problem = Problem(row.seq, "inserted", f"event {row.seq} comes after the chain head ({head_seq})")
        elif anchor is not None and row.seq == anchor.seq:
            seen_anchor = True
            if row.hash != anchor.hash:
                problem = Problem(row.seq, "altered", f"event {row.seq} does not have the anchored hash")
        if problem is not None:
            return AuditReport(checked, head_seq, head_hash, problem)
        checked += 1
        expected_seq, prev_hash = row.seq + 1, row.hash
    last_seq = expected_seq - 1
    if last_seq < head_seq:
        problem = Problem(expected_seq, "deleted", f"the log ends at event {last_seq}, the chain head at {head_seq}")
    elif prev_hash != head_hash:
        problem = Problem(last_seq, "altered", f"event {last_seq} does not have the hash the chain head records")
    elif not seen_anchor:
        assert anchor is not None
        problem = Problem(
            last_seq + 1, "deleted", f"the anchored event {anchor.seq} is gone: the log ends at event {last_seq}"
        )
    else:
        problem = None
    return AuditReport(checked, head_seq, head_hash, problem)


STATE_OF: dict[str, Callable[[str, list[Event]], str]] = {
    cases.KIND: lambda i, events: cases.fold_case(i, events).state,
    enforcement.KIND: lambda i, events: enforcement.fold_action(i, events).state,
    appeals.KIND: lambda i, events: appeals.fold_appeal(i, events).state,
    oversight.NOTICE_KIND: lambda i, events: oversight.fold_notice(i, events).state,
}


def check_index(session: Session) -> list[str]:
    """Compare the stream index (gov_streams: versions and states used for listing) with what the events say.

    The index is a cache written beside each event; a difference means it was edited or a write was lost.
    Returns one line per stream that disagrees (empty: all agree).
    """
    log = EventLog(session)
    rows = {row.id: row for row in session.scalars(select(StreamRow))}
    events = log.read_many(sorted(rows))
    orphans = session.scalars(select(EventRow.stream).where(EventRow.stream.not_in(list(rows))).distinct()).all()
    problems = [f"{stream}: has events but no index entry" for stream in orphans]
    for stream_id, row in rows.items():
        stream_events = events[stream_id]
        if row.version != len(stream_events):
            problems.append(f"{stream_id}: index says version {row.version}, the log holds {len(stream_events)} events")
            continue
        fold = STATE_OF.get(row.kind)
        if fold is not None and stream_events and (state := fold(stream_id, stream_events)) != row.state:
            problems.append(f"{stream_id}: index says {row.state}, its events say {state}")
    return problems
