"""The Weibo reader on the CED layout: original posts, repost/comment trees, dates without a year."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from floodwatch.ingest.base import LINE, RawChunk, ReaderOptions
from floodwatch.ingest.normalize import normalize_chunk
from floodwatch.ingest.weibo import WEIBO, fill_year, is_plain_repost

EVENT = "12_AbCdEf123_1234567890.json"  # <index>_<mid>_<uid>
ROOT = "AbCdEf123"
ORIGINAL = {
    "multi": None,
    "text": "#谣言# 某地今天下午发生大事，转发扩散！http://t.cn/zWq7abc",
    "user": {
        "verified": False, "description": True, "gender": "f", "messages": 5653, "followers": 227833,
        "location": "上海", "time": 1312112304, "friends": 907, "verified_type": -1,
    },
    "has_url": True, "comments": 55, "pics": 1, "source": "微博 weibo.com", "likes": 0,
    "time": 1347334462,  # 2012-09-11 11:34:22 in Beijing
    "reposts": 225,
}  # fmt: skip
REPOSTS: list[Any] = [
    {"kids": [], "uid": "1778375805", "parent": "", "text": "", "mid": "yC8Kt9U3N", "date": "2012-09-16 15:05:11"},
    {"kids": ["yBKwwlIn7"], "uid": "1651740685", "parent": "", "text": "这张照到底是什么事嘛？", "mid": "yBAYdbaaf",
     "date": "2012-09-13 01:05:40"},
    {"kids": [], "uid": "2708787925", "parent": "yBAYdbaaf", "text": "转发微博。", "mid": "yBKwwlIn7",
     "date": "2012-09-14 01:24:55"},
    {"kids": [], "uid": "1322968097", "parent": "yBAYdbaaf", "text": "说得对//@某人: 这张照到底是什么事嘛？",
     "mid": "yBDVSfr2s", "date": "2012-09-13 08:38:09"},
    {"kids": [], "uid": "2719358211", "parent": ROOT, "text": "//@某人:这张照到底是什么事嘛？", "mid": "yBB25rwpj",
     "date": "09月20日 10:00"},
    {"kids": [], "uid": "alshares", "parent": None, "text": "轉發微博", "mid": "yC0000001", "date": "03月05日 05:11"},
    "not a record",
    {"kids": [], "uid": "1", "parent": "", "text": "", "date": "2012-09-16 15:05:11"},
    {"kids": [], "uid": "", "parent": "", "text": "", "mid": "yC0000002", "date": "2012-09-16 15:05:11"},
    {"kids": [], "uid": "2708787925", "parent": "", "text": "转发微博。", "mid": "yBKwwlIn7",
     "date": "2012-09-14 01:24:55"},
    {"kids": [], "uid": "1778375805", "parent": "yBAYdbaaf", "text": "", "mid": "yC8Kt9U3N",
     "date": "2012-09-16 15:05:11"},
]  # fmt: skip
SECOND = "7_ZyXwV987_555.json"
SECOND_ORIGINAL = {"text": "非谣言", "user": "empty", "time": "Mon Mar 31 20:25:25 +0800 2014", "reposts": 2}
SECOND_REPOSTS = [
    {"kids": [], "uid": "9", "parent": "", "text": "", "mid": "Ab1", "date": "01月02日 03:04"},
    {"kids": [], "uid": "8", "parent": "", "text": "哈哈", "mid": "Ab2", "date": "04月01日 09:00"},
]
ORPHAN = "99_QqQ_777.json"  # a repost file whose original is absent


def _write(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1))
    return path


@pytest.fixture
def ced(tmp_path: Path) -> Path:
    """A small dataset in the CED layout."""
    root = tmp_path / "ced_weibo_rumor"
    _write(root / "original-microblog" / EVENT, ORIGINAL)
    _write(root / "rumor-repost" / EVENT, REPOSTS)
    _write(root / "original-microblog" / SECOND, SECOND_ORIGINAL)
    _write(root / "non-rumor-repost" / SECOND, SECOND_REPOSTS)
    _write(
        root / "rumor-repost" / ORPHAN, [{"uid": "3", "parent": "", "text": "", "mid": "Qx1", "date": "05月06日 07:08"}]
    )
    _write(root / "README.md", "# CED\n")
    return root


def _read(path: Path, **options: Any) -> list[RawChunk]:
    return list(WEIBO.read(path, ReaderOptions(**options)))


def _posts(chunks: list[RawChunk]) -> dict[str, dict[str, Any]]:
    return {r["post_id"]: r for c in chunks if c.posts is not None for r in c.posts.to_pylist()}


def test_original_file(ced: Path) -> None:
    chunks = _read(ced / "original-microblog" / EVENT)
    assert len(chunks) == 1  # the repost file is read when it is given, not pulled in (see the module doc)
    (chunk,) = chunks
    assert chunk.source == str(ced / "original-microblog" / EVENT) and not chunk.rejects
    assert chunk.naive_timezone == "Asia/Shanghai"
    assert chunk.posts is not None and chunk.accounts is not None
    (post,) = chunk.posts.to_pylist()
    assert (post["platform"], post["post_id"], post["account_id"], post["created_at"], post[LINE]) == (
        "weibo",
        ROOT,
        "1234567890",
        "1347334462",
        1,
    )
    assert post["text"] == ORIGINAL["text"] and post["repost_of"] is None and post["urls"] is None
    (account,) = chunk.accounts.to_pylist()
    assert (account["account_id"], account["followers"], account["following"], account["posts_count"]) == (
        "1234567890",
        "227833",
        "907",
        "5653",
    )
    assert account["verified"] == "false" and account["created_at"] == "1312112304"
    assert orjson.loads(account["extras"]) == {
        "description": True,
        "gender": "f",
        "location": "上海",
        "verified_type": -1,
    }


def test_repost_file_maps_reposts_comments_and_rejects(ced: Path) -> None:
    (chunk,) = _read(ced / "rumor-repost" / EVENT)
    assert chunk.source == str(ced / "rumor-repost" / EVENT)
    posts = _posts([chunk])
    assert set(posts) == {"yBAYdbaaf", "yBKwwlIn7", "yBDVSfr2s", "yBB25rwpj", "yC0000001", "yC8Kt9U3N"}
    relation = {mid: (p["repost_of"], p["reply_to"]) for mid, p in posts.items()}
    assert relation == {
        "yBAYdbaaf": (None, ROOT),  # own words: a comment on the original
        "yBKwwlIn7": ("yBAYdbaaf", None),  # Weibo's default text: a plain forward of its parent
        "yBDVSfr2s": (None, "yBAYdbaaf"),  # words before the forwarded chain: a comment
        "yBB25rwpj": (ROOT, None),  # only the forwarded chain; parent names the original
        "yC0000001": (ROOT, None),  # null parent: the original
        "yC8Kt9U3N": ("yBAYdbaaf", None),  # the copy placed in the tree wins over the one at the top
    }
    assert posts["yBDVSfr2s"]["text"] == "说得对//@某人: 这张照到底是什么事嘛？"  # text kept as found
    assert posts["yBAYdbaaf"]["account_id"] == "1651740685" and posts["yBAYdbaaf"][LINE] == 2
    assert posts["yC8Kt9U3N"][LINE] == 11
    # The original (read from ../original-microblog for context) dates the records without a year.
    assert posts["yBB25rwpj"]["created_at"] == "2012-09-20 10:00:00"
    assert posts["yC0000001"]["created_at"] == "2013-03-05 05:11:00"  # March 2012 would precede the original
    assert posts["yBAYdbaaf"]["created_at"] == "2012-09-13 01:05:40"
    reasons = {r.line: r.reason for r in chunk.rejects}
    assert reasons == {
        1: "duplicate mid yC8Kt9U3N: record 11 holds the same post and is kept",
        7: "record is not a JSON object but str",
        8: "record has no mid",
        9: "record has no uid",
        10: "duplicate mid yBKwwlIn7: record 3 holds the same post and is kept",
    }
    assert next(r.raw for r in chunk.rejects if r.line == 7) == '"not a record"'
    assert chunk.raw_lines is not None and orjson.loads(chunk.raw_lines([2])[2]) == REPOSTS[1]


def test_normalises_in_china_time(ced: Path) -> None:
    con = duckdb.connect()
    original = normalize_chunk(con, _read(ced / "original-microblog" / EVENT)[0])
    assert original.posts is not None and original.accounts is not None
    (post,) = original.posts.to_pylist()
    assert post["created_at"] == datetime(2012, 9, 11, 3, 34, 22, tzinfo=UTC)
    assert post["hashtags"] == ["谣言"] and post["urls"] == ["http://t.cn/zWq7abc"] and post["lang"] == "zh"
    (account,) = original.accounts.to_pylist()
    assert account["followers"] == 227833 and account["verified"] is False
    assert account["created_at"] == datetime(2011, 7, 31, 11, 38, 24, tzinfo=UTC)

    result = normalize_chunk(con, _read(ced / "rumor-repost" / EVENT)[0])
    assert result.posts is not None and len(result.rejects) == 5
    posts = {r["post_id"]: r for r in result.posts.to_pylist()}
    assert posts["yBAYdbaaf"]["created_at"] == datetime(2012, 9, 12, 17, 5, 40, tzinfo=UTC)  # 01:05:40 +08:00
    assert posts["yC0000001"]["created_at"] == datetime(2013, 3, 4, 21, 11, tzinfo=UTC)
    assert posts["yBKwwlIn7"]["repost_of"] == "yBAYdbaaf" and posts["yBAYdbaaf"]["reply_to"] == ROOT

    in_utc = normalize_chunk(con, _read(ced / "rumor-repost" / EVENT, naive_timezone="UTC", platform="sina")[0])
    assert in_utc.posts is not None
    row = next(r for r in in_utc.posts.to_pylist() if r["post_id"] == "yBAYdbaaf")
    assert row["created_at"] == datetime(2012, 9, 13, 1, 5, 40, tzinfo=UTC) and row["platform"] == "sina"


def test_string_time_and_empty_user(ced: Path) -> None:
    (original,) = _read(ced / "original-microblog" / SECOND)
    assert original.accounts is None  # "user": "empty"
    result = normalize_chunk(duckdb.connect(), original)
    assert result.posts is not None
    assert result.posts.column("created_at").to_pylist() == [datetime(2014, 3, 31, 12, 25, 25, tzinfo=UTC)]

    posts = _posts(_read(ced / "non-rumor-repost" / SECOND))
    assert posts["Ab1"]["created_at"] == "2015-01-02 03:04:00"  # rolled into the year after the original
    assert posts["Ab2"]["created_at"] == "2014-04-01 09:00:00"
    assert (posts["Ab1"]["repost_of"], posts["Ab2"]["reply_to"]) == ("ZyXwV987", "ZyXwV987")


def test_orphan_repost_file_keeps_undated_records_for_quarantine(ced: Path) -> None:
    (chunk,) = _read(ced / "rumor-repost" / ORPHAN)
    (post,) = chunk.posts.to_pylist() if chunk.posts is not None else []
    assert post["repost_of"] == "QqQ" and post["created_at"] == "05月06日 07:08"  # no original: no year to fill
    result = normalize_chunk(duckdb.connect(), chunk)
    assert [(r.line, r.reason) for r in result.rejects] == [(1, "unparseable created_at: 05月06日 07:08")]
    assert orjson.loads(result.rejects[0].raw)["mid"] == "Qx1"  # the record as found, from raw_lines


def test_dataset_folder_reads_everything_once(ced: Path) -> None:
    chunks = _read(ced)
    sources = [Path(c.source).relative_to(ced).as_posix() for c in chunks]
    assert sources == [
        f"original-microblog/{EVENT}",
        f"rumor-repost/{EVENT}",
        f"original-microblog/{SECOND}",
        f"non-rumor-repost/{SECOND}",
        f"rumor-repost/{ORPHAN}",
    ]
    posts = [r for c in chunks if c.posts is not None for r in c.posts.to_pylist()]
    assert len(posts) == 2 + 6 + 2 + 1 and len({p["post_id"] for p in posts}) == len(posts)
    assert sum(len(c.rejects) for c in chunks) == 5
    assert WEIBO.sniff(ced, b"")


def test_bad_files(tmp_path: Path) -> None:
    broken = _write(tmp_path / "original-microblog" / "5_Broken1_888.json", '{"text": "half')
    (chunk,) = _read(broken)
    assert [(r.line, r.reason[:12]) for r in chunk.rejects] == [(0, "invalid JSON")]
    assert chunk.posts is not None and chunk.posts.num_rows == 0

    repost_of_broken = _write(tmp_path / "rumor-repost" / "5_Broken1_888.json", [REPOSTS[1]])
    (chunk,) = _read(repost_of_broken)  # the original cannot be read; its id still comes from the file name
    assert [p["reply_to"] for p in _posts([chunk]).values()] == ["Broken1"]

    not_array = _write(tmp_path / "rumor-repost" / "6_Obj_1.json", {"mid": "x"})
    (chunk,) = _read(not_array)
    assert [(r.line, r.reason) for r in chunk.rejects] == [(0, "repost file is not a JSON array but dict")]

    not_object = _write(tmp_path / "original-microblog" / "8_Lst_2.json", [1, 2])
    (chunk,) = _read(not_object)
    assert [(r.line, r.reason) for r in chunk.rejects] == [(1, "original post is not a JSON object but list")]

    odd_name = _write(tmp_path / "original-microblog" / "story.json", {"text": "x", "time": 1347334462, "user": {}})
    (chunk,) = _read(odd_name)
    assert [r.reason for r in chunk.rejects] == [
        "no uid: the file name is not <n>_<mid>_<uid>.json and the post names no uid"
    ]
    with_ids = _write(tmp_path / "original-microblog" / "story2.json", {"mid": "M1", "uid": "U1", "time": 1})
    (chunk,) = _read(with_ids)
    assert [(p["post_id"], p["account_id"]) for p in _posts([chunk]).values()] == [("M1", "U1")]


def test_chunk_rows_split_large_arrays(ced: Path) -> None:
    chunks = _read(ced / "rumor-repost" / EVENT, chunk_rows=4)
    assert len(chunks) == 3
    lines = [
        sorted([*(c.posts.column(LINE).to_pylist() if c.posts else []), *(r.line for r in c.rejects)]) for c in chunks
    ]
    assert lines == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11]]
    # Duplicates are resolved over the whole file, not per chunk.
    assert _posts(chunks)["yC8Kt9U3N"][LINE] == 11
    size = (ced / "rumor-repost" / EVENT).stat().st_size
    assert size - 3 <= sum(c.progress_bytes for c in chunks) <= size


def test_fill_year_and_repost_rule() -> None:
    original = datetime(2013, 9, 1, 21, 51, 20)
    assert fill_year("03月05日 05:11", original) == "2014-03-05 05:11:00"
    assert fill_year("09月01日 21:51", original) == "2014-09-01 21:51:00"  # a minute before the original
    assert fill_year("09月01日 21:52:07", original) == "2013-09-01 21:52:07"
    assert fill_year("2012-09-16 15:05:11", original) == "2012-09-16 15:05:11"
    assert fill_year("02月30日 10:00", original) == "02月30日 10:00"  # no such day: left for quarantine
    assert fill_year("03月05日 05:11", None) == "03月05日 05:11"

    assert is_plain_repost("") and is_plain_repost(None) and is_plain_repost("  ")
    assert is_plain_repost("转发微博。") and is_plain_repost("轉發微博") and is_plain_repost("Repost")
    assert is_plain_repost("//@张三: 真的吗//@李四:转发微博")
    assert is_plain_repost("转发微博 //@张三: 真的吗")
    assert not is_plain_repost("[蜡烛]") and not is_plain_repost("假的//@张三: 真的吗")


def test_sniff(ced: Path) -> None:
    repost = ced / "rumor-repost" / EVENT
    original = ced / "original-microblog" / EVENT
    assert WEIBO.sniff(repost, repost.read_bytes())
    assert WEIBO.sniff(original, original.read_bytes())
    elsewhere = _write(ced.parent / "x.json", ORIGINAL)
    assert WEIBO.sniff(elsewhere, elsewhere.read_bytes()[:200])  # by its keys alone
    assert not WEIBO.sniff(elsewhere, b'[{"id_str": "1", "mid": "x", "parent": ""}]')
    assert not WEIBO.sniff(elsewhere, b'{"platform": "weibo", "post_id": "1", "user": {}, "text": "", "pics": 1}\n')
    assert not WEIBO.sniff(ced / "README.md", b"# CED\n")


def _ced(shared_data: Path) -> Path:
    root = shared_data / "ced_weibo_rumor"
    if not root.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: the CED dataset is not at {root}")
    return root


def test_ced_event(shared_data: Path) -> None:
    """A real rumour event: the original and its 205 reposts/comments all normalise."""
    root = _ced(shared_data)
    name = "0_yBmepBtUB_2279086572.json"
    con = duckdb.connect()
    (original,) = [normalize_chunk(con, c) for c in _read(root / "original-microblog" / name)]
    assert original.posts is not None and original.accounts is not None and not original.rejects
    assert original.posts.column("created_at").to_pylist() == [datetime(2012, 9, 11, 3, 34, 22, tzinfo=UTC)]
    assert original.accounts.column("followers").to_pylist() == [227833]
    (result,) = [normalize_chunk(con, c) for c in _read(root / "rumor-repost" / name)]
    assert result.posts is not None and not result.rejects
    posts = {r["post_id"]: r for r in result.posts.to_pylist()}
    assert len(posts) == 205
    assert sum(1 for p in posts.values() if p["repost_of"]) == 42
    assert sum(1 for p in posts.values() if p["reply_to"]) == 163
    assert posts["yC8Kt9U3N"]["repost_of"] == "yBmepBtUB"  # empty text, no parent: forwards the original
    assert posts["yC8Kt9U3N"]["created_at"] == datetime(2012, 9, 16, 7, 5, 11, tzinfo=UTC)
    assert posts["yBDVSfr2s"]["reply_to"] == "yBCfp6y3J"
    assert posts["yBDVSfr2s"]["account_id"] == "1322968097"


def test_ced_undated_and_string_times(shared_data: Path) -> None:
    """The README's mess: a repost dated "03月05日 05:11" and an original timed as a string, with no user."""
    root = _ced(shared_data)
    con = duckdb.connect()
    chunks = _read(root / "rumor-repost" / "1257_A7u4tpG88_3266135112.json")
    undated = next(r for c in chunks if c.posts is not None for r in c.posts.to_pylist() if r["post_id"] == "DkMCCuNKW")
    assert undated["created_at"] == "2014-03-05 05:11:00"  # original of 2013-09-01: March is the next year's
    result = normalize_chunk(con, chunks[0])
    assert [r.reason for r in result.rejects] == ["duplicate mid A7uE9r6Bc: record 488 holds the same post and is kept"]
    assert result.posts is not None and result.posts.num_rows == 546

    name = "872_ywcqrt4TG_1645596452.json"
    (original,) = _read(root / "original-microblog" / name)
    assert original.accounts is None
    normalized = normalize_chunk(con, original)
    assert normalized.posts is not None
    assert normalized.posts.column("created_at").to_pylist() == [datetime(2012, 8, 8, 5, 25, 2, tzinfo=UTC)]
    reposts = _posts(_read(root / "rumor-repost" / name))
    assert len(reposts) == 635
    assert all(p["reply_to"] or p["repost_of"] for p in reposts.values())


@pytest.mark.slow
def test_ced_whole_dataset(shared_data: Path) -> None:
    """Every record of the dataset ends in a post or a reject; only repeated mids are rejected."""
    root = _ced(shared_data)
    originals = reposts = accounts = 0
    reasons: dict[str, int] = {}
    for chunk in WEIBO.read(root, ReaderOptions()):
        count = chunk.posts.num_rows if chunk.posts is not None else 0
        if Path(chunk.source).parent.name == "original-microblog":
            originals += count
        else:
            reposts += count
        accounts += chunk.accounts.num_rows if chunk.accounts is not None else 0
        for r in chunk.rejects:
            key = r.reason.split(":")[0].split(" ")[0]
            reasons[key] = reasons.get(key, 0) + 1
    assert originals == 3387 and accounts == 3300  # 87 originals have "user": "empty"
    assert reposts + reasons.get("duplicate", 0) == 245_927 + 394_802  # the README's counts
    assert reasons == {"duplicate": 389}
