"""The event log and its audit: a hash chain that names the first event that was altered, deleted, moved or added."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from floodwatch.govern.audit import Anchor, check_index, verify
from floodwatch.govern.db import transaction
from floodwatch.govern.errors import ConflictError
from floodwatch.govern.events import EventLog, event_hash
from floodwatch.govern.models import ChainHead, EventRow, StreamRow
from tests.govern.conftest import T0

EVENTS = 24
TEXT_COLUMNS = ("stream", "actor", "subject", "type", "payload", "reason", "policy_ref", "prev_hash", "hash")


def write_log(engine: Engine, count: int = EVENTS) -> None:
    """`count` events over three streams, with Chinese text, empty and missing fields."""
    with transaction(engine) as s:
        log = EventLog(s)
        for i in range(count):
            stream = f"C-{i % 3 + 1}"
            version = log.stream(stream).version if log.stream(stream) else 0  # type: ignore[union-attr]
            log.append(
                stream,
                "case",
                "case.noted",
                f"reviewer-{i % 2}",
                {"text": f"第{i}条 note", "n": i, "score": i / 7, "tags": ["a", "b"][: i % 3]},
                expected_version=version,
                state="open",
                subject=None if i % 4 == 0 else f"account:weibo:u{i}",
                reason=None if i % 5 == 0 else f"reason {i}",
                policy_ref=None if i % 2 else "default@2026.1#actions.warning",
                now=T0 + timedelta(minutes=i),
            )


def verify_on(conn: Connection, anchor: Anchor | None = None) -> Any:
    with Session(bind=conn) as s:
        return verify(s, anchor)


def test_an_untouched_log_verifies_and_its_head_names_the_last_event(engine: Engine) -> None:
    write_log(engine)
    with transaction(engine) as s:
        report = verify(s)
        last = s.scalars(select(EventRow).order_by(EventRow.seq.desc())).first()
    assert report.ok, report.problem
    assert report.checked == EVENTS
    assert last is not None
    assert (report.head_seq, report.head_hash) == (last.seq, last.hash)
    assert last.hash == event_hash(
        **{c: getattr(last, c) for c in ("seq", "stream", "version", "prev_hash", "time", "actor", "subject")},
        type=last.type,
        payload=last.payload,
        reason=last.reason,
        policy_ref=last.policy_ref,
    )


def test_an_empty_log_verifies(engine: Engine) -> None:
    with transaction(engine) as s:
        assert verify(s).ok


def test_a_stale_writer_gets_a_conflict_and_writes_nothing(engine: Engine) -> None:
    write_log(engine, 3)
    with pytest.raises(ConflictError, match="reload it and try again"), transaction(engine) as s:
        EventLog(s).append("C-1", "case", "case.noted", "late", {}, expected_version=0, state="open", now=T0)
    with transaction(engine) as s:
        assert len(EventLog(s).read("C-1")) == 1
        assert verify(s).ok


def _mutate(conn: Connection, seq: int, column: str, pick: int, byte: int) -> bool:
    """Change one byte (or the smallest unit of a number or time) of one stored field; False if impossible."""
    row = conn.execute(select(EventRow.__table__).where(EventRow.seq == seq)).one()
    value = getattr(row, column)
    if column in ("seq", "version"):
        new: Any = value + (pick % 5) + 1
    elif column == "time":
        new = value + timedelta(microseconds=(pick % 1000) + 1)
    elif value is None:
        new = chr(byte)
    else:
        raw = bytearray(value.encode("utf-8"))
        ascii_positions = [i for i, b in enumerate(raw) if b < 0x80]
        if not ascii_positions:
            return False
        position = ascii_positions[pick % len(ascii_positions)]
        if raw[position] == byte:
            return False
        raw[position] = byte
        new = raw.decode("utf-8")
    nested = conn.begin_nested()
    try:
        conn.execute(update(EventRow.__table__).where(EventRow.seq == seq).values({column: new}))
        nested.commit()
    except IntegrityError:  # the change collides with a unique key: the database itself refuses it
        nested.rollback()
        return False
    return True


mutations = st.one_of(
    st.tuples(
        st.just("byte"),
        st.integers(1, EVENTS),
        st.sampled_from((*TEXT_COLUMNS, "seq", "version", "time")),
        st.integers(0, 10_000),
        st.integers(0x20, 0x7E),
    ),
    st.tuples(st.just("delete"), st.integers(1, EVENTS)),
    st.tuples(st.just("swap"), st.integers(1, EVENTS), st.integers(1, EVENTS)),
)


def test_any_single_byte_change_deletion_or_reordering_is_detected(engine: Engine) -> None:
    write_log(engine)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(mutation=mutations)
    def check(mutation: tuple[Any, ...]) -> None:
        with engine.connect() as conn:
            outer = conn.begin()
            try:
                if mutation[0] == "byte":
                    _, seq, column, pick, byte = mutation
                    assume(_mutate(conn, seq, column, pick, byte))
                    first_bad = seq
                elif mutation[0] == "delete":
                    seq = mutation[1]
                    conn.execute(EventRow.__table__.delete().where(EventRow.seq == seq))
                    first_bad = seq
                else:
                    a, b = sorted(mutation[1:])
                    assume(a != b)
                    table = EventRow.__table__
                    for old, new in ((a, -1), (b, a), (-1, b)):
                        conn.execute(update(table).where(table.c.seq == old).values(seq=new))
                    first_bad = a
                report = verify_on(conn)
                assert not report.ok, f"{mutation} went unnoticed"
                assert report.problem.seq == first_bad, (mutation, report.problem)
            finally:
                outer.rollback()

    check()


def test_problems_are_classified(engine: Engine) -> None:
    write_log(engine, 10)
    table = EventRow.__table__
    with engine.connect() as conn, conn.begin() as outer:
        conn.execute(update(table).where(table.c.seq == 4).values(payload='{"text":"nothing happened"}'))
        problem = verify_on(conn).problem
        assert (problem.seq, problem.kind) == (4, "altered")
        outer.rollback()
    with engine.connect() as conn, conn.begin() as outer:
        conn.execute(table.delete().where(table.c.seq == 6))
        problem = verify_on(conn).problem
        assert (problem.seq, problem.kind) == (6, "deleted")
        outer.rollback()
    with engine.connect() as conn, conn.begin() as outer:
        for old, new in ((3, -1), (7, 3), (-1, 7)):
            conn.execute(update(table).where(table.c.seq == old).values(seq=new))
        problem = verify_on(conn).problem
        assert (problem.seq, problem.kind) == (3, "reordered")
        outer.rollback()


def test_a_forged_event_past_the_head_is_inserted(engine: Engine) -> None:
    write_log(engine, 5)
    with engine.connect() as conn, conn.begin() as outer:
        last = conn.execute(select(EventRow.__table__).where(EventRow.seq == 5)).one()
        fields = dict(last._mapping) | {"seq": 6, "version": 99, "prev_hash": last.hash, "actor": "intruder"}
        fields.pop("hash")
        conn.execute(EventRow.__table__.insert().values(**fields, hash=event_hash(**fields)))
        problem = verify_on(conn).problem
        assert (problem.seq, problem.kind) == (6, "inserted")
        outer.rollback()


def test_a_cut_tail_is_caught_by_the_head_and_a_rewritten_head_by_the_anchor(engine: Engine) -> None:
    write_log(engine, 8)
    with transaction(engine) as s:
        anchor = Anchor(*EventLog(s).head())
    assert Anchor.parse(str(anchor)) == anchor
    with engine.connect() as conn, conn.begin() as outer:
        conn.execute(EventRow.__table__.delete().where(EventRow.seq >= 7))
        problem = verify_on(conn).problem
        assert (problem.seq, problem.kind) == (7, "deleted")
        prev = conn.execute(select(EventRow.hash).where(EventRow.seq == 6)).scalar_one()
        conn.execute(update(ChainHead.__table__).values(seq=6, hash=prev))  # the intruder also rewrites the head
        assert verify_on(conn).ok  # the limit: a consistent cut is invisible from inside the database
        problem = verify_on(conn, anchor).problem
        assert (problem.seq, problem.kind) == (7, "deleted")
        outer.rollback()


def test_raw_sql_edit_of_the_time_is_detected(engine: Engine) -> None:
    write_log(engine, 4)
    with engine.connect() as conn, conn.begin() as outer:
        if conn.dialect.name == "sqlite":
            conn.execute(text("UPDATE gov_events SET time = replace(time, '09:02', '09:03') WHERE seq = 3"))
        else:
            conn.execute(text("UPDATE gov_events SET time = time + interval '1 minute' WHERE seq = 3"))
        problem = verify_on(conn).problem
        assert (problem.seq, problem.kind) == (3, "altered")
        outer.rollback()


def test_the_stream_index_is_checked_against_the_events(engine: Engine) -> None:
    write_log(engine, 6)
    table = StreamRow.__table__
    with transaction(engine) as s:
        assert check_index(s) == []
    with engine.connect() as conn, conn.begin() as outer:
        conn.execute(update(table).where(table.c.id == "C-1").values(state="closed"))
        conn.execute(update(table).where(table.c.id == "C-2").values(version=1))
        conn.execute(table.delete().where(table.c.id == "C-3"))
        with Session(bind=conn) as s:
            problems = check_index(s)
        assert problems == [
            "C-3: has events but no index entry",
            "C-1: index says closed, its events say open",
            "C-2: index says version 1, the log holds 2 events",
        ]
        outer.rollback()
