"""Canonical Parquet with native Arrow types, and an unreadable file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from floodwatch.ingest.formats import reader_for
from floodwatch.store.events import EventStore
from tests.conftest import load, query


def test_native_types_are_accepted(store: EventStore, tmp_path: Path) -> None:
    table = pa.table(
        {
            "platform": ["x", "x", "x"],
            "post_id": ["1", "2", "3"],
            "account_id": ["a", "b", None],
            "created_at": pa.array(
                [datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)],
                type=pa.timestamp("ms", tz="UTC"),
            ),
            "text": ["hi #tag", "yo", "lost"],
            "urls": [["http://a.example/"], [], None],
        }
    )
    path = tmp_path / "posts.parquet"
    pq.write_table(table, path)
    assert reader_for(path, "auto").name == "parquet"
    report = load(store, path)
    assert (report.posts.loaded, report.posts.quarantined) == (2, 1)
    assert query(store, "SELECT post_id, created_at::DATE::VARCHAR, hashtags, urls FROM posts ORDER BY post_id") == [
        ("1", "2026-03-01", ["tag"], ["http://a.example/"]),
        ("2", "2026-03-02", [], []),
    ]
    assert query(store, "SELECT line, reason FROM quarantine") == [(3, "missing required field: account_id")]


def test_epoch_integers_and_naive_timestamps(store: EventStore, tmp_path: Path) -> None:
    table = pa.table(
        {
            "platform": ["x", "x"],
            "post_id": ["1", "2"],
            "account_id": ["a", "a"],
            "created_at": pa.array([datetime(2026, 3, 1, 8), datetime(2026, 3, 1, 9)], type=pa.timestamp("s")),
        }
    )
    path = tmp_path / "naive.parquet"
    pq.write_table(table, path)
    load(store, path, naive_timezone="Asia/Shanghai")
    assert query(store, "SELECT hour(created_at) FROM posts ORDER BY post_id") == [(0,), (1,)]


def test_corrupt_parquet_is_one_quarantined_record(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1" + b"\x00garbage" * 10)
    report = load(store, path)
    assert (report.posts.read, report.posts.quarantined) == (1, 1)
    [(reason,)] = query(store, "SELECT reason FROM quarantine")
    assert str(reason).startswith("not a readable Parquet file")
