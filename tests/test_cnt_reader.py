"""coordination-network-toolkit CSV: its columns, epoch timestamps, space-separated URLs, usernames."""

from __future__ import annotations

from pathlib import Path

from floodwatch.ingest.formats import reader_for
from floodwatch.store.events import EventStore
from tests.conftest import load, query

CNT = (
    "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
    "1,10,alice,,,buy now http://shop.example/a?utm_source=tw,1772323200,http://shop.example/a?utm_source=tw\n"
    "2,11,bob,1,,,1772323201,\n"
    "3,12,carol,,1,@alice agreed,1772323260,http://a.example/ http://b.example/\n"
    "4,10,alice,,,,1772323300000,\n"
    "5,13\n"
)


def test_cnt_columns_map_to_canonical(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "cnt.csv"
    path.write_text(CNT, encoding="utf-8")
    assert reader_for(path, "auto").name == "cnt"
    report = load(store, path)
    assert (report.posts.read, report.posts.loaded, report.posts.quarantined) == (5, 4, 1)
    rows = query(store, "SELECT post_id, account_id, repost_of, reply_to, urls, platform FROM posts ORDER BY post_id")
    assert rows == [
        ("1", "10", None, None, ["http://shop.example/a"], "twitter"),
        ("2", "11", "1", None, [], "twitter"),
        ("3", "12", None, "1", ["http://a.example/", "http://b.example/"], "twitter"),
        ("4", "10", None, None, [], "twitter"),
    ]
    # Epoch seconds and milliseconds both read.
    times = query(store, "SELECT post_id, epoch(created_at)::BIGINT FROM posts ORDER BY post_id")
    assert times == [("1", 1772323200), ("2", 1772323201), ("3", 1772323260), ("4", 1772323300)]
    assert query(store, "SELECT line, reason FROM quarantine") == [(6, "bad CSV row: expected 8 columns, found 2")]


def test_usernames_become_account_records(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "cnt.csv"
    path.write_text(CNT, encoding="utf-8")
    report = load(store, path)
    assert report.accounts.loaded == 3
    assert query(store, "SELECT account_id, display_name FROM accounts ORDER BY account_id") == [
        ("10", "alice"),
        ("11", "bob"),
        ("12", "carol"),
    ]


def test_platform_option_overrides_default(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "cnt.csv"
    path.write_text(CNT, encoding="utf-8")
    load(store, path, fmt="cnt", platform="weibo")
    assert query(store, "SELECT DISTINCT platform FROM posts") == [("weibo",)]


def test_missing_username_column_is_reported(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "cnt.csv"
    path.write_text("message_id,user_id,repost_id,reply_id,message,timestamp,urls\n1,2,,,hi,1772323200,\n")
    report = load(store, path, fmt="cnt")
    assert report.posts.quarantined == 1 and report.posts.loaded == 0
    [(reason,)] = query(store, "SELECT reason FROM quarantine")
    assert "'username' is missing" in str(reason)


def test_stray_carriage_return_falls_back_to_exact_lines(store: EventStore, tmp_path: Path) -> None:
    # found by the fuzz test: DuckDB and the line count disagreed on where a record was
    path = tmp_path / "cr.csv"
    path.write_bytes(b"\x00,message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n\r0")
    report = load(store, path, fmt="cnt")
    assert report.posts.loaded == 0 and report.posts.read == report.posts.quarantined >= 1
