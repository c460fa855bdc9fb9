"""The shared normalisation rules: timestamps, Unicode, extraction, URL normalisation, required fields."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from floodwatch.ingest.base import RAW_POST_SCHEMA, RawChunk, coerce_post, rows_to_table
from floodwatch.ingest.normalize import NormalizedBatch, normalize_chunk
from floodwatch.ingest.urls import normalize_url, url_domain


def normalise(*records: dict[str, object], tz: str = "UTC") -> NormalizedBatch:
    base = {"platform": "x", "account_id": "a", "created_at": "2026-03-01T00:00:00Z"}
    rows = [coerce_post({"post_id": str(i), **base, **r}, i + 1) for i, r in enumerate(records)]
    chunk = RawChunk("mem", posts=rows_to_table(rows, RAW_POST_SCHEMA), naive_timezone=tz)
    return normalize_chunk(duckdb.connect(), chunk)


def one(**record: object) -> dict[str, object]:
    result = normalise(record)
    assert not result.rejects, result.rejects
    assert result.posts is not None
    return result.posts.to_pylist()[0]


@pytest.mark.parametrize(
    ("raw", "tz", "expected"),
    [
        ("2026-03-01T08:00:00+08:00", "UTC", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("2026-03-01T00:00:00Z", "UTC", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("2026-03-01 08:00:00", "Asia/Shanghai", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("2026-03-01 08:00:00", "UTC", datetime(2026, 3, 1, 8, 0, tzinfo=UTC)),
        ("1772323200", "UTC", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("1772323200500", "UTC", datetime(2026, 3, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        (1772323200, "UTC", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("Sun Mar 01 08:00:00 +0800 2026", "UTC", datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
        ("2026-03-01T00:00:00.123456+00:00", "UTC", datetime(2026, 3, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_timestamps_become_utc_microseconds(raw: object, tz: str, expected: datetime) -> None:
    result = normalise({"created_at": raw}, tz=tz)
    assert result.posts is not None and not result.rejects
    assert result.posts.column("created_at").to_pylist() == [expected]
    assert str(result.posts.schema.field("created_at").type) == "timestamp[us, tz=UTC]"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"platform": ""}, "missing required field: platform"),
        ({"platform": "bad/name"}, "invalid platform name"),
        ({"post_id": "  "}, "missing required field: post_id"),
        ({"account_id": None}, "missing required field: account_id"),
        ({"created_at": None}, "missing required field: created_at"),
        ({"created_at": "yesterday"}, "unparseable created_at: yesterday"),
        ({"created_at": "1985-01-01T00:00:00Z"}, "created_at out of range"),
        ({"created_at": "99999999999999999"}, "created_at out of range"),
    ],
)
def test_bad_records_are_rejected_with_a_reason(record: dict[str, object], reason: str) -> None:
    result = normalise({"text": "fine"}, record)
    assert result.posts is not None and result.posts.num_rows == 1
    assert len(result.rejects) == 1
    rejected = result.rejects[0]
    assert rejected.line == 2 and rejected.reason.startswith(reason)
    assert '"post_id"' in rejected.raw  # the record itself is kept


def test_nfkc_folds_full_width_text() -> None:
    post = one(text="ＡＢＣ１２３，测试")
    assert post["text"] == "ABC123,测试"


def test_extraction_from_text_when_absent() -> None:
    post = one(text="看 #热点话题# 和 #Tag_1 @用户A: 链接 https://Example.COM/a?utm_source=x&b=2#frag). mail a@b.com")
    assert post["hashtags"] == ["热点话题", "Tag_1"]
    assert post["mentions"] == ["用户A"]
    assert post["urls"] == ["https://example.com/a?b=2"]
    assert post["urls_original"] == ["https://Example.COM/a?utm_source=x&b=2#frag"]
    assert post["lang"] == "zh"


def test_given_lists_win_and_empty_entries_are_dropped() -> None:
    post = one(
        text="http://in-text.example", urls=["", "  ", "http://given.example/"], hashtags=["#tag"], mentions=["@bob"]
    )
    assert post["urls"] == ["http://given.example/"]
    assert post["hashtags"] == ["tag"] and post["mentions"] == ["bob"]


def test_no_url_means_an_empty_list_not_an_empty_url() -> None:
    post = one(text="nothing to see", urls=[""])
    assert post["urls"] == []


def test_language_hint() -> None:
    assert one(text="the water is cold and it is late")["lang"] == "en"
    assert one(text="これは日本語です")["lang"] == "ja"
    assert one(text="1234 !!!")["lang"] is None
    assert one(text="whatever", lang="FR")["lang"] == "fr"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.com:80/a?b=1&utm_medium=x&fbclid=1", "http://example.com/a?b=1"),
        ("https://example.com", "https://example.com/"),
        ("example.com/x#y", "http://example.com/x"),
        ("https://shop.example/item?z=2&a=1&spm=abc", "https://shop.example/item?a=1&z=2"),
        ("https://example.com:8443/p", "https://example.com:8443/p"),
        ("http://[::1", "http://[::1"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_url_domain_drops_www() -> None:
    assert url_domain("https://www.Example.com/a") == "example.com"
