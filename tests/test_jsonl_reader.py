"""Canonical JSON Lines: good records load, each bad line is quarantined on its own with its line number."""

from __future__ import annotations

from pathlib import Path

import orjson

from floodwatch.store.events import EventStore
from tests.conftest import load, query


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    path.write_bytes(b"".join((ln.encode() if isinstance(ln, str) else ln) + b"\n" for ln in lines))
    return path


def post(i: int, **extra: object) -> str:
    record = {
        "platform": "weibo",
        "post_id": str(i),
        "account_id": f"u{i % 3}",
        "created_at": "2026-03-01T10:00:00+08:00",
    }
    record.update(extra)
    return orjson.dumps(record).decode()


def test_clean_file_loads_every_record_in_fast_path(store: EventStore, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "p.jsonl", [post(i, text=f"第{i}条 #话题#") for i in range(50)])
    report = load(store, path)
    assert (report.posts.read, report.posts.loaded, report.posts.quarantined) == (50, 50, 0)
    assert query(store, "SELECT count(*), min(source_line), max(source_line) FROM posts") == [(50, 1, 50)]
    assert query(store, "SELECT DISTINCT hashtags FROM posts") == [(["话题"],)]


def test_bad_lines_are_quarantined_with_line_and_reason(store: EventStore, tmp_path: Path) -> None:
    lines: list[str | bytes] = [
        post(1),
        "{not json",
        "[1, 2]",
        post(4, urls={"not": "a list"}),
        b'{"platform": "x", "post_id": "5", "text": "\xff\xfe"}',
        "",
        post(7, created_at=1772330400),  # epoch seconds in a file of strings: the slow path takes it
        '{"platform": "x", "post_id": "8", "account_id": "a", "created_at": "2026-03-01T00:00:00Z"',  # truncated
    ]
    path = write_lines(tmp_path / "bad.jsonl", lines)
    report = load(store, path)
    assert report.posts.read == 7  # the blank line is not a record
    assert report.posts.loaded == 2
    rows = dict(query(store, "SELECT line, reason FROM quarantine"))
    assert set(rows) == {2, 3, 4, 5, 8}
    assert rows[2].startswith("invalid JSON")
    assert rows[3] == "not a JSON object but list"
    assert rows[4].startswith("wrong field type")
    assert rows[5].startswith("invalid JSON")  # invalid UTF-8
    assert rows[8].startswith("invalid JSON")
    raws = dict(query(store, "SELECT line, raw FROM quarantine"))
    assert raws[3] == "[1, 2]"


def test_accounts_file_is_recognised(store: EventStore, tmp_path: Path) -> None:
    account = {
        "platform": "x",
        "account_id": "a1",
        "created_at": "2020-01-01T00:00:00Z",
        "followers": 10,
        "verified": True,
        "bio": "free text goes to extras",
    }
    path = write_lines(tmp_path / "accounts.jsonl", [orjson.dumps(account).decode()])
    report = load(store, path)
    assert report.accounts.loaded == 1 and report.posts.read == 0
    [(followers, verified, extras)] = query(store, "SELECT followers, verified, extras FROM accounts")
    assert followers == 10 and verified is True
    assert orjson.loads(str(extras)) == {"bio": "free text goes to extras"}


def test_platform_option_fills_missing_platform(store: EventStore, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "p.jsonl", ['{"post_id": "1", "account_id": "a", "created_at": "2026-03-01T00:00:00Z"}']
    )
    load(store, path, platform="forum-a")
    assert query(store, "SELECT platform FROM posts") == [("forum-a",)]


def test_byte_order_mark_is_ignored(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + post(1).encode() + b"\n")
    assert load(store, path).posts.loaded == 1
