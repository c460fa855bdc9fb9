"""The findings log: append-only, crash-safe, each content-addressed finding once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from floodwatch import duck
from floodwatch.schema import Finding, Subject
from floodwatch.store.findings import FindingStore

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def finding(kind: str, account: str, score: float = 0.8) -> Finding:
    return Finding(
        kind=kind,
        score=score,
        subjects=(Subject("account", "weibo", account),),
        start=T0,
        end=T0 + timedelta(minutes=5),
        explanation=f"{account} did something",
        evidence={"posts": ["p1", "p2"]},
        detector="test",
        detector_version="1",
    )


def test_append_then_read_back_each_finding_once(tmp_path: Path) -> None:
    store = FindingStore(tmp_path)
    a, b = finding("pile_on", "alice"), finding("doxxing", "bob")
    first = store.append([a, b], "cyber/violence")
    assert first is not None and first.name.endswith("-cyber_violence.jsonl")
    assert store.append([a], "cyber") is None  # nothing new: no empty run file
    store.append([a, finding("pile_on", "carol")], "cyber")
    records = list(store.records())
    assert [r["subjects"][0]["id"] for r in records] == ["alice", "bob", "carol"]
    assert [r["id"] for r in store.records(kinds=["doxxing"])] == [b.id]


def test_view_has_one_typed_row_per_finding(tmp_path: Path) -> None:
    store = FindingStore(tmp_path)
    con = duck.connect()
    store.define_view(con)
    assert con.sql("SELECT count(*) FROM findings").fetchall() == [(0,)]
    store.append([finding("pile_on", "alice", 0.9), finding("pile_on", "bob", 0.4)], "x")
    store.define_view(con)
    rows = con.sql("SELECT subjects->0->>'id', score, \"end\" - start FROM findings WHERE score > 0.5").fetchall()
    assert rows == [("alice", 0.9, timedelta(minutes=5))]


def test_leftover_temporary_file_of_a_killed_run_is_not_read(tmp_path: Path) -> None:
    store = FindingStore(tmp_path)
    store.append([finding("pile_on", "alice")], "x")
    (store.dir / ".20990101-x.jsonl.tmp").write_text('{"id": "half')
    assert len(list(store.records())) == 1
