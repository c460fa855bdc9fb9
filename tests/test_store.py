"""The event store: idempotent re-ingest, conflicts, partitions, account snapshots, leftovers of killed batches."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from floodwatch.store.events import EventStore, StoreBusyError, resolve_data_dir
from tests.conftest import load, query


def posts_file(path: Path, n: int, start: int = 0, text: str = "t") -> Path:
    lines = []
    for i in range(start, start + n):
        day = 1 + i % 3
        record = {
            "platform": ["weibo", "x"][i % 2],
            "post_id": str(i),
            "account_id": f"a{i % 7}",
            "created_at": f"2026-03-0{day}T12:00:00Z",
            "text": f"{text} {i}",
        }
        lines.append(orjson.dumps(record))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def snapshot(store: EventStore) -> list[tuple[object, ...]]:
    return query(store, "SELECT platform, post_id, account_id, created_at, text, urls FROM posts ORDER BY ALL")


def test_reingest_changes_nothing(store: EventStore, tmp_path: Path) -> None:
    path = posts_file(tmp_path / "p.jsonl", 100)
    first = load(store, path)
    before = snapshot(store)
    second = load(store, path)
    assert first.posts.loaded == 100 and second.posts.loaded == 0 and second.posts.duplicate == 100
    assert snapshot(store) == before


def test_partitioned_by_platform_and_day(store: EventStore, tmp_path: Path) -> None:
    load(store, posts_file(tmp_path / "p.jsonl", 30))
    folders = sorted({p.parent.relative_to(store.posts_dir).as_posix() for p in store.posts_dir.rglob("*.parquet")})
    assert folders == [f"platform={p}/day=2026-03-0{d}" for p in ("weibo", "x") for d in (1, 2, 3)]


def test_same_id_with_other_content_is_quarantined(store: EventStore, tmp_path: Path) -> None:
    load(store, posts_file(tmp_path / "a.jsonl", 10))
    report = load(store, posts_file(tmp_path / "b.jsonl", 10, text="edited"))
    assert (report.posts.loaded, report.posts.duplicate, report.posts.quarantined) == (0, 0, 10)
    reasons = {
        r for (r,) in query(store, "SELECT DISTINCT regexp_replace(reason, 'post_id \\d+ ', '') FROM quarantine")
    }
    assert reasons == {"already stored with different content"}
    assert query(store, "SELECT DISTINCT text LIKE 't %' FROM posts") == [(True,)]


def test_chunks_commit_separately_and_dedupe_across_chunks(store: EventStore, tmp_path: Path) -> None:
    path = posts_file(tmp_path / "p.jsonl", 25)
    with path.open("ab") as fh:  # the first record again, at the end of the file
        fh.write(path.read_bytes().splitlines()[0] + b"\n")
    report = load(store, path, chunk_rows=10)
    assert len(store.manifests()) == 3
    assert (report.posts.read, report.posts.loaded, report.posts.duplicate) == (26, 25, 1)


def test_account_snapshots_latest_wins(store: EventStore, tmp_path: Path) -> None:
    def accounts(followers: int) -> Path:
        path = tmp_path / f"acc{followers}.jsonl"
        path.write_bytes(orjson.dumps({"platform": "x", "account_id": "a", "followers": followers}) + b"\n")
        return path

    load(store, accounts(10))
    load(store, accounts(20))
    again = load(store, accounts(20))
    assert again.accounts.duplicate == 1
    assert query(store, "SELECT followers FROM accounts") == [(20,)]
    assert query(store, "SELECT count(*) FROM account_snapshots") == [(2,)]


def test_leftovers_of_a_killed_batch_are_invisible_and_removed(store: EventStore, tmp_path: Path) -> None:
    load(store, posts_file(tmp_path / "p.jsonl", 10))
    orphan = store.posts_dir / "platform=x" / "day=2026-03-01" / "99999999999999999999-dead_beef.parquet"
    orphan.write_bytes(next(store.posts_dir.rglob("*.parquet")).read_bytes())
    assert query(store, "SELECT count(*) FROM posts") == [(10,)]
    load(store, posts_file(tmp_path / "q.jsonl", 5, start=100))
    assert not orphan.exists()
    assert query(store, "SELECT count(*) FROM posts") == [(15,)]


def test_one_writer_at_a_time(store: EventStore) -> None:
    with store.writer(), pytest.raises(StoreBusyError), store.writer():
        pass


def test_data_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FLOODWATCH_DATA_DIR", raising=False)
    assert resolve_data_dir(None) == Path("floodwatch-data")
    monkeypatch.setenv("FLOODWATCH_DATA_DIR", str(tmp_path))
    assert resolve_data_dir(None) == tmp_path
    assert resolve_data_dir(tmp_path / "x") == tmp_path / "x"


def test_catalogue_records_source_hash_and_counts(store: EventStore, tmp_path: Path) -> None:
    import hashlib

    path = posts_file(tmp_path / "p.jsonl", 5)
    load(store, path)
    [manifest] = store.manifests()
    [source] = manifest.sources
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert source.format == "jsonl" and source.posts.loaded == 5 and manifest.posts.loaded == 5


def test_small_files_share_a_batch_with_counts_per_file(store: EventStore, tmp_path: Path) -> None:
    a = posts_file(tmp_path / "a.jsonl", 5)
    b = posts_file(tmp_path / "b.jsonl", 5, start=3)  # 3, 4 repeat a's last two posts
    with b.open("ab") as fh:
        fh.write(b"not json\n")
    report = load(store, a, b)
    [manifest] = store.manifests()
    assert [s.path for s in manifest.sources] == [str(a), str(b)]
    counts = {f.path.name: (f.posts.read, f.posts.loaded, f.posts.duplicate, f.posts.quarantined) for f in report.files}
    assert counts == {"a.jsonl": (5, 5, 0, 0), "b.jsonl": (6, 3, 2, 1)}
    assert query(store, "SELECT source_file, count(*) FROM posts GROUP BY ALL ORDER BY ALL") == [
        (str(a), 5),
        (str(b), 3),
    ]
    assert query(store, "SELECT source, line FROM quarantine") == [(str(b), 6)]
