"""Generic CSV with a mapping by column name; the fast (DuckDB) and reference (csv module) paths agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.csv_table import GENERIC_CSV, CsvReader
from floodwatch.store.events import EventStore
from tests.conftest import load, query

HEADER = "id,user,when,body,site,links\n"


def test_mapping_by_name_not_position(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("body,when,user,id\nhello http://a.example/x,2026-03-01T00:00:00Z,u1,p1\n", encoding="utf-8")
    mapping = {"post_id": "id", "account_id": "user", "created_at": "when", "text": "body"}
    report = load(store, path, fmt="csv", column_map=mapping, platform="forum-a")
    assert report.posts.loaded == 1
    assert query(store, "SELECT platform, post_id, account_id, text, urls FROM posts") == [
        ("forum-a", "p1", "u1", "hello http://a.example/x", ["http://a.example/x"])
    ]


def test_unknown_mapped_column_is_reported_not_raised(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    report = load(store, path, fmt="csv", column_map={"post_id": "missing"})
    assert report.posts.quarantined == 1
    [(reason,)] = query(store, "SELECT reason FROM quarantine")
    assert "columns ['missing'] are mapped but not in the header" in str(reason)


def test_list_columns_are_space_separated(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(HEADER + "1,u,2026-03-01T00:00:00Z,hi,x,http://a.example/ http://b.example/\n", encoding="utf-8")
    mapping = {
        "post_id": "id",
        "account_id": "user",
        "created_at": "when",
        "text": "body",
        "platform": "site",
        "urls": "links",
    }
    load(store, path, fmt="csv", column_map=mapping)
    assert query(store, "SELECT urls FROM posts") == [(["http://a.example/", "http://b.example/"],)]


MESSY = (
    b"post_id,account_id,created_at,text,platform\n"
    b"1,a,2026-03-01T00:00:00Z,plain,x\n"
    b"2,a\n"
    b"3,b,2026-03-01T00:00:01Z,too,many,columns\n"
    b"4,c,2026-03-01T00:00:02Z,\xff\xfe,x\n"
    b'5,d,2026-03-01T00:00:03Z,"quoted, comma",x\n'
    b"6,,2026-03-01T00:00:04Z,no account,x\n"
)


def read_all(reader: CsvReader, path: Path, fast: bool) -> tuple[list[dict[str, object]], list[tuple[int, str]]]:
    header = ["post_id", "account_id", "created_at", "text", "platform"]
    mapping = {n: n for n in header}
    options = ReaderOptions()
    chunks = (
        reader._fast(path, header, mapping, options)
        if fast
        else list(reader._reference(path, header, mapping, options))
    )
    assert chunks is not None
    chunks = list(chunks)
    rows = [r for c in chunks if c.posts is not None for r in c.posts.to_pylist()]
    rejects = sorted((r.line, r.reason) for c in chunks for r in c.rejects)
    return rows, rejects


def test_fast_and_reference_paths_agree(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_bytes(MESSY)
    fast_rows, fast_rejects = read_all(GENERIC_CSV, path, fast=True)
    ref_rows, ref_rejects = read_all(GENERIC_CSV, path, fast=False)
    assert fast_rows == ref_rows
    assert fast_rejects == ref_rejects
    assert [r["_line"] for r in fast_rows] == [2, 6, 7]
    assert [line for line, _ in fast_rejects] == [3, 4, 5]


def test_quoted_line_breaks_keep_exact_line_numbers(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_bytes(
        b"post_id,account_id,created_at,text,platform\n"
        b'1,a,2026-03-01T00:00:00Z,"two\nlines",x\n'
        b"2,b\n"
        b"3,b,2026-03-01T00:00:00Z,after,x\n"
    )
    report = load(store, path, fmt="csv")
    assert (report.posts.loaded, report.posts.quarantined) == (2, 1)
    assert query(store, "SELECT post_id, source_line FROM posts ORDER BY post_id") == [("1", 2), ("3", 5)]
    assert query(store, "SELECT line FROM quarantine") == [(4,)]


@pytest.mark.parametrize("content", [b"", b"\n", b"\xff\xfe\xfd", b"just one line without commas"])
def test_degenerate_files_never_raise(store: EventStore, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    report = load(store, path, fmt="csv")
    assert report.posts.loaded == 0
    assert report.posts.read == report.posts.quarantined
