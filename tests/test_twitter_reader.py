"""The Twitter reader: API v1.1 (JSON Lines and JSON arrays) and v2 (twarc2 pages and flattened lines)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floodwatch.ingest import twitter
from floodwatch.ingest.base import LINE, RawChunk, ReaderOptions
from floodwatch.ingest.normalize import normalize_chunk
from floodwatch.ingest.twitter import TWITTER

# --- v1.1 samples, shaped like real API output (trimmed to the fields that matter) -----------------------

ALICE = {
    "id": 1201, "id_str": "1201", "name": "Alice A.", "screen_name": "alice_a", "location": "Leeds",
    "description": "news junkie", "url": None, "protected": False, "verified": False,
    "followers_count": 310, "friends_count": 280, "listed_count": 3, "favourites_count": 51,
    "statuses_count": 4021, "created_at": "Mon Mar 02 10:11:12 +0000 2015", "lang": None,
    "default_profile": True, "default_profile_image": False,
}  # fmt: skip
BOB = {
    "id": 2202, "id_str": "2202", "name": "Bob", "screen_name": "bob", "verified": True,
    "followers_count": 120000, "friends_count": 12, "statuses_count": 9000,
    "created_at": "Tue Jun 16 13:36:07 +0000 2009",
}  # fmt: skip

V1_TWEET = {
    "created_at": "Wed Oct 10 20:19:24 +0000 2018",
    "id": 1050118621198921728,
    "id_str": "1050118621198921728",
    "text": "Big news about #elections from @bob, read it here \u2026 https://t.co/self",
    "truncated": True,
    "entities": {
        "hashtags": [{"text": "elections", "indices": [15, 25]}],
        "user_mentions": [{"screen_name": "bob", "id_str": "2202"}],
        "urls": [{"url": "https://t.co/self", "expanded_url": "https://twitter.com/i/web/status/1050118621198921728"}],
    },
    "extended_tweet": {
        "full_text": "Big news about #elections from @bob, read it here https://t.co/abc #vote",
        "entities": {
            "hashtags": [{"text": "elections"}, {"text": "vote"}],
            "user_mentions": [{"screen_name": "bob", "id_str": "2202"}],
            "urls": [{"url": "https://t.co/abc", "expanded_url": "https://example.org/story?utm_source=tw"}],
        },
    },
    "in_reply_to_status_id": None,
    "in_reply_to_status_id_str": None,
    "user": ALICE,
    "is_quote_status": False,
    "lang": "en",
}
V1_QUOTE = {
    "created_at": "Wed Oct 10 21:00:00 +0000 2018",
    "id_str": "1050000000000000002",
    "full_text": "This is wrong https://t.co/q",
    "entities": {"hashtags": [], "user_mentions": [], "urls": [{"url": "https://t.co/q", "expanded_url": None}]},
    "is_quote_status": True,
    "quoted_status_id_str": "1050000000000000001",
    "quoted_status": {"id_str": "1050000000000000001", "text": "original claim", "user": BOB},
    "user": ALICE,
    "lang": "en",
}
V1_RETWEET = {
    "created_at": "Wed Oct 10 22:00:00 +0000 2018",
    "id_str": "1050000000000000003",
    "text": "RT @alice_a: This is wrong https://t.co/q",
    "entities": {
        "hashtags": [],
        "user_mentions": [{"screen_name": "alice_a"}],
        "urls": [{"url": "https://t.co/q", "expanded_url": "https://twitter.com/bob/status/1050000000000000001"}],
    },
    "retweeted_status": V1_QUOTE,
    # v1.1 repeats the quoted tweet's id on a retweet of a quote: it is not the retweeter's quote.
    "quoted_status_id_str": "1050000000000000001",
    "user": BOB,
    "lang": "en",
}
V1_REPLY = {
    "created_at": "Thu Oct 11 08:00:00 +0000 2018",
    "id": 1050000000000000004,
    "text": "@alice_a source?",
    "in_reply_to_status_id": 1050000000000000002,
    "in_reply_to_status_id_str": "1050000000000000002",
    "user": {**BOB, "followers_count": 120001},  # a later snapshot of the same account
    "lang": "und",
}

# --- v2 samples (twarc2) ---------------------------------------------------------------------------------

CAROL_V2 = {
    "id": "3303", "username": "carol", "name": "Carol C", "created_at": "2020-01-02T03:04:05.000Z",
    "verified": False, "description": "", "location": "Lyon", "protected": False,
    "public_metrics": {"followers_count": 15, "following_count": 999, "tweet_count": 70000, "listed_count": 0},
}  # fmt: skip
DAVE_V2 = {
    "id": "4404", "username": "dave", "name": "Dave", "created_at": "2011-05-06T07:08:09.000Z", "verified": True,
    "public_metrics": {"followers_count": 5000, "following_count": 10, "tweet_count": 1234, "listed_count": 44},
}  # fmt: skip
V2_RETWEET = {
    "id": "1600000000000000010",
    "author_id": "3303",
    "created_at": "2022-12-01T10:00:00.000Z",
    "text": "RT @dave: Polls close at 8 https://t.co/x",
    "lang": "en",
    "edit_history_tweet_ids": ["1600000000000000010"],
    "referenced_tweets": [{"type": "retweeted", "id": "1600000000000000001"}],
    "entities": {
        "mentions": [{"start": 3, "end": 8, "username": "dave", "id": "4404"}],
        "urls": [
            {
                "url": "https://t.co/x",
                "expanded_url": "https://vote.example/info",
                "unwound_url": "https://vote.example/info?final=1",
            }
        ],
    },
}
V2_REPLY = {
    "id": "1600000000000000011",
    "author_id": "4404",
    "created_at": "2022-12-01T10:05:00.000Z",
    "text": "@carol thanks #GOTV",
    "lang": "en",
    "referenced_tweets": [{"type": "replied_to", "id": "1600000000000000010"}],
    "entities": {"hashtags": [{"tag": "GOTV"}], "mentions": [{"username": "carol", "id": "3303"}]},
}
V2_LONG_QUOTE = {
    "id": "1600000000000000012",
    "author_id": "3303",
    "created_at": "2022-12-01T11:00:00.000Z",
    "text": "A long post that the API cuts at 280 characters\u2026",
    "note_tweet": {
        "text": "A long post that the API cuts at 280 characters, and here is the rest with a link https://t.co/long",
        "entities": {"urls": [{"url": "https://t.co/long", "unwound_url": "https://long.example/a"}]},
    },
    "referenced_tweets": [{"type": "quoted", "id": "1600000000000000001"}],
}
V2_PAGE = {
    "data": [V2_RETWEET, V2_REPLY, V2_LONG_QUOTE, {"text": "no id here", "author_id": "3303"}],
    "includes": {
        "users": [CAROL_V2, DAVE_V2],
        "tweets": [{"id": "1600000000000000001", "author_id": "4404", "text": "Polls close at 8 https://t.co/x"}],
    },
    "meta": {"result_count": 4, "newest_id": "1600000000000000012"},
    "__twarc": {"url": "https://api.twitter.com/2/tweets/search/recent?query=vote", "version": "2.12.0"},
}
V2_FLAT = {
    **V2_REPLY,
    "id": "1600000000000000020",
    "author": DAVE_V2,
    "in_reply_to_user": CAROL_V2,
    "referenced_tweets": [{**V2_RETWEET, "type": "replied_to", "author": CAROL_V2}],
    "__twarc": {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.12.0"},
}


def _lines(path: Path, records: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records))
    return path


def _read(path: Path, **options: Any) -> list[RawChunk]:
    return list(TWITTER.read(path, ReaderOptions(**options)))


def _posts(chunks: list[RawChunk]) -> dict[str, dict[str, Any]]:
    return {row["post_id"]: row for c in chunks if c.posts is not None for row in c.posts.to_pylist()}


def _accounts(chunks: list[RawChunk]) -> dict[str, dict[str, Any]]:
    return {row["account_id"]: row for c in chunks if c.accounts is not None for row in c.accounts.to_pylist()}


def test_v1_lines_map_every_field(tmp_path: Path) -> None:
    chunks = _read(_lines(tmp_path / "tweets.jsonl", [V1_TWEET, V1_QUOTE, V1_RETWEET, V1_REPLY]))
    posts = _posts(chunks)
    assert len(posts) == 4 and not chunks[0].rejects

    tweet = posts["1050118621198921728"]
    # The extended text and its entities win over the truncated compatibility text and its self-link.
    assert tweet["text"] == "Big news about #elections from @bob, read it here https://t.co/abc #vote"
    assert tweet["urls"] == ["https://example.org/story?utm_source=tw"]
    assert tweet["hashtags"] == ["elections", "vote"]
    assert tweet["mentions"] == ["bob"]
    assert (tweet["platform"], tweet["account_id"], tweet["lang"], tweet[LINE]) == ("twitter", "1201", "en", 1)
    assert tweet["created_at"] == "Wed Oct 10 20:19:24 +0000 2018"
    assert tweet["reply_to"] is None and tweet["repost_of"] is None and tweet["quote_of"] is None

    quote = posts["1050000000000000002"]
    assert quote["quote_of"] == "1050000000000000001" and quote["repost_of"] is None
    assert quote["urls"] == ["https://t.co/q"]  # no expanded_url: the t.co link as found

    retweet = posts["1050000000000000003"]
    assert retweet["repost_of"] == "1050000000000000002"
    assert retweet["quote_of"] is None  # the quote belongs to the retweeted tweet
    assert retweet["text"] == "RT @alice_a: This is wrong https://t.co/q"  # as shown
    assert retweet["mentions"] == ["alice_a"] and retweet["account_id"] == "2202"

    reply = posts["1050000000000000004"]
    assert reply["post_id"] == "1050000000000000004"  # from the numeric id when id_str is absent
    assert reply["reply_to"] == "1050000000000000002"
    assert reply["urls"] is None and reply["hashtags"] is None  # no entities: normalize.py extracts
    assert reply["lang"] == "und" and reply[LINE] == 4


def test_v1_accounts_from_embedded_users_deduplicated(tmp_path: Path) -> None:
    chunks = _read(_lines(tmp_path / "tweets.jsonl", [V1_TWEET, V1_QUOTE, V1_RETWEET, V1_REPLY]))
    assert len(chunks) == 1 and chunks[0].accounts is not None
    assert chunks[0].accounts.num_rows == 2  # Alice and Bob, each once although both appear several times
    accounts = _accounts(chunks)
    alice, bob = accounts["1201"], accounts["2202"]
    assert (alice["display_name"], alice["followers"], alice["following"], alice["posts_count"]) == (
        "alice_a",
        "310",
        "280",
        "4021",
    )
    assert alice["verified"] == "false" and alice["created_at"] == "Mon Mar 02 10:11:12 +0000 2015"
    extras = orjson.loads(alice["extras"])
    assert extras["name"] == "Alice A." and extras["location"] == "Leeds" and extras["listed_count"] == 3
    assert "url" not in extras  # empty fields are left out
    assert bob["verified"] == "true"
    assert bob["followers"] == "120001" and bob[LINE] == 4  # the last snapshot in the file wins


def test_v1_bad_lines_are_rejected_with_reasons(tmp_path: Path) -> None:
    path = _lines(
        tmp_path / "stream.jsonl",
        [
            {"delete": {"status": {"id": 1, "id_str": "1", "user_id": 2}}},
            V1_TWEET,
            "{not json",
            "[1, 2]",
            {"text": "lost its id", "user": ALICE, "created_at": "Wed Oct 10 20:19:24 +0000 2018"},
            {**V1_QUOTE, "entities": {"urls": "https://not-a-list.example"}},
        ],
    )
    (chunk,) = _read(path)
    by_line = {r.line: r for r in chunk.rejects}
    assert set(by_line) == {1, 3, 4, 5}
    assert by_line[1].reason == "not a tweet: stream notice 'delete'"
    assert by_line[3].reason.startswith("invalid JSON") and by_line[3].raw == "{not json"
    assert by_line[4].reason == "not a JSON object but list"
    assert by_line[5].reason == "tweet has no id_str or id"
    assert orjson.loads(by_line[5].raw)["text"] == "lost its id"
    posts = _posts([chunk])
    assert set(posts) == {"1050118621198921728", "1050000000000000002"}
    assert posts["1050000000000000002"]["urls"] == []  # a malformed entity list yields no URL, not a crash
    assert chunk.raw_lines is not None and chunk.raw_lines([2]) == {2: json.dumps(V1_TWEET, ensure_ascii=False)}


def test_json_array_and_pretty_printed_documents(tmp_path: Path) -> None:
    array = tmp_path / "event.json"
    array.write_text(json.dumps([V1_TWEET, "oops", V1_REPLY], indent=1))
    (chunk,) = _read(array)
    assert chunk.posts is not None
    assert chunk.posts.column(LINE).to_pylist() == [1, 3]  # record index within the array
    assert [(r.line, r.reason) for r in chunk.rejects] == [(2, "not a JSON object but str")]
    assert chunk.raw_lines is not None and orjson.loads(chunk.raw_lines([3])[3])["text"] == "@alice_a source?"

    single = tmp_path / "one.json"
    single.write_text(json.dumps(V2_PAGE, indent=2))
    posts = _posts(_read(single))
    assert set(posts) == {"1600000000000000010", "1600000000000000011", "1600000000000000012"}

    broken = tmp_path / "broken.json"
    broken.write_text('[{"id_str": "1", ')
    (bad,) = _read(broken)
    assert [(r.line, r.reason[:12]) for r in bad.rejects] == [(0, "invalid JSON")]
    assert bad.posts is not None and bad.posts.num_rows == 0

    lines_after_array = tmp_path / "lines.jsonl"
    lines_after_array.write_text("[1]\n" + json.dumps(V1_REPLY) + "\n")
    (chunk,) = _read(lines_after_array)  # a bad first line does not turn JSON Lines into one document
    assert [(r.line, r.reason) for r in chunk.rejects] == [(1, "not a JSON object but list")]
    assert list(_posts([chunk])) == ["1050000000000000004"]

    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert sum(c.posts.num_rows for c in _read(empty) if c.posts is not None) == 0


def test_v2_page(tmp_path: Path) -> None:
    (chunk,) = _read(_lines(tmp_path / "search.jsonl", [V2_PAGE]), platform="x")
    posts = _posts([chunk])
    assert set(posts) == {"1600000000000000010", "1600000000000000011", "1600000000000000012"}
    assert all(p[LINE] == 1 and p["platform"] == "x" for p in posts.values())

    rt = posts["1600000000000000010"]
    assert (rt["repost_of"], rt["reply_to"], rt["quote_of"]) == ("1600000000000000001", None, None)
    assert rt["urls"] == ["https://vote.example/info"]  # expanded_url, as in v1.1
    assert rt["mentions"] == ["dave"] and rt["hashtags"] == []  # entities known: no hashtags
    assert rt["account_id"] == "3303" and rt["created_at"] == "2022-12-01T10:00:00.000Z"

    reply = posts["1600000000000000011"]
    assert reply["reply_to"] == "1600000000000000010" and reply["hashtags"] == ["GOTV"]
    assert reply["mentions"] == ["carol"] and reply["urls"] == []

    long = posts["1600000000000000012"]
    assert long["text"].endswith("the rest with a link https://t.co/long")  # note_tweet wins
    assert long["urls"] == ["https://long.example/a"]  # unwound_url when there is no expanded_url
    assert long["quote_of"] == "1600000000000000001"
    assert long["hashtags"] == []  # the note's entities are known and hold no hashtags

    assert [(r.line, r.reason) for r in chunk.rejects] == [(1, "API v2 page tweet 4 has no id")]
    assert orjson.loads(chunk.rejects[0].raw) == {"text": "no id here", "author_id": "3303"}

    accounts = _accounts([chunk])
    carol = accounts["3303"]
    assert (carol["display_name"], carol["followers"], carol["following"], carol["posts_count"]) == (
        "carol",
        "15",
        "999",
        "70000",
    )
    assert carol["created_at"] == "2020-01-02T03:04:05.000Z" and carol["verified"] == "false"
    assert orjson.loads(carol["extras"]) == {
        "name": "Carol C",
        "location": "Lyon",
        "protected": False,
        "listed_count": 0,
    }
    assert accounts["4404"]["verified"] == "true"


def test_v2_page_without_tweets_is_rejected(tmp_path: Path) -> None:
    page = {"errors": [{"title": "Not Found Error", "resource_id": "99"}], "meta": {"result_count": 0}}
    (chunk,) = _read(_lines(tmp_path / "p.jsonl", [{"data": [], **page}, {"data": {"id": "5", "text": "x"}}]))
    assert [r.line for r in chunk.rejects] == [1]
    assert chunk.rejects[0].reason.startswith("API v2 page holds no tweets (1 errors, first: ")
    assert list(_posts([chunk])) == ["5"]  # a single-tweet lookup response has `data` as an object


def test_v2_flattened_line(tmp_path: Path) -> None:
    (chunk,) = _read(_lines(tmp_path / "flat.jsonl", [V2_FLAT]))
    (post,) = _posts([chunk]).values()
    assert post["post_id"] == "1600000000000000020" and post["account_id"] == "4404"
    assert post["reply_to"] == "1600000000000000010" and post["repost_of"] is None
    assert post["hashtags"] == ["GOTV"] and post["mentions"] == ["carol"]
    # The author, the replied-to user and the referenced tweet's author, once each.
    assert sorted(_accounts([chunk])) == ["3303", "4404"]


def test_output_normalises(tmp_path: Path) -> None:
    """The raw rows pass normalize.py: both date styles parse, relations and entities survive."""
    path = _lines(tmp_path / "mixed.jsonl", [V1_TWEET, V1_RETWEET, V1_REPLY, V2_PAGE, V2_FLAT])
    (chunk,) = _read(path)
    result = normalize_chunk(duckdb.connect(), chunk)
    assert result.posts is not None and result.accounts is not None
    posts = {r["post_id"]: r for r in result.posts.to_pylist()}
    assert len(posts) == 7
    assert [r.reason for r in result.rejects] == ["API v2 page tweet 4 has no id"]
    assert posts["1050118621198921728"]["created_at"] == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert posts["1600000000000000010"]["created_at"] == datetime(2022, 12, 1, 10, 0, tzinfo=UTC)
    assert posts["1050000000000000003"]["repost_of"] == "1050000000000000002"
    assert posts["1600000000000000010"]["repost_of"] == "1600000000000000001"
    assert posts["1050118621198921728"]["urls"] == ["https://example.org/story"]  # tracking parameter gone
    assert posts["1050000000000000004"]["mentions"] == ["alice_a"]  # extracted from the text by normalize.py
    accounts = {r["account_id"]: r for r in result.accounts.to_pylist()}
    assert accounts["1201"]["followers"] == 310 and accounts["1201"]["verified"] is False
    assert accounts["3303"]["created_at"] == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_chunks_follow_chunk_rows(tmp_path: Path) -> None:
    tweets = [{**V1_REPLY, "id": 1000 + i, "id_str": str(1000 + i)} for i in range(5)]
    path = _lines(tmp_path / "many.jsonl", [*tweets[:2], "", *tweets[2:]])
    chunks = _read(path, chunk_rows=2)
    assert [c.posts.num_rows for c in chunks if c.posts is not None] == [2, 2, 1]
    assert [c.posts.column(LINE).to_pylist() for c in chunks if c.posts is not None] == [[1, 2], [4, 5], [6]]
    assert sum(c.progress_bytes for c in chunks) == path.stat().st_size
    last = chunks[-1]
    assert last.raw_lines is not None and orjson.loads(last.raw_lines([6])[6])["id"] == 1004


def test_sniff(tmp_path: Path) -> None:
    def sniff(content: bytes) -> bool:
        return TWITTER.sniff(tmp_path / "f", content)

    assert sniff(json.dumps(V1_TWEET).encode() + b"\n")
    assert sniff(b'{"delete": {"status": {"id": 1}}}\n' + json.dumps(V1_REPLY).encode() + b"\n")
    assert sniff(json.dumps(V2_PAGE).encode() + b"\n")
    assert sniff(json.dumps(V2_FLAT).encode() + b"\n")
    assert sniff(json.dumps([V1_TWEET, V1_REPLY], indent=2).encode())
    assert sniff(json.dumps(V1_TWEET).encode()[:300])  # a line cut by the sniffing window
    assert not sniff(b'{"platform": "x", "post_id": "1", "account_id": "2", "created_at": "2020-01-01", "text": "a"}\n')
    assert not sniff(b'[{"kids": [], "uid": "1", "parent": "", "text": "", "mid": "yC8Kt9U3N", "date": "2012"}]')
    assert not sniff(b'{\n"multi":null,\n"text":"weibo",\n"user":{"verified":false}}')
    assert not sniff(b"message_id,user_id,username\n1,2,3\n")


FUZZ_CON = duckdb.connect()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers(min_value=-(2**63), max_value=2**63 - 1)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=5),
            lambda inner: st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["id", "id_str", "user", "author", "data", "includes", "users", "entities", "urls", "text",
                     "extended_tweet", "retweeted_status", "referenced_tweets", "type", "public_metrics", "note_tweet"]
                ),
                inner,
                max_size=5,
            ),
            max_leaves=12,
        ),
        min_size=1,
        max_size=6,
    )
)  # fmt: skip
def test_never_crashes_and_accounts_for_every_line(tmp_path: Path, records: list[Any]) -> None:
    records = [V1_TWEET, *records]  # the first line makes the file JSON Lines, not one array document
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    chunks = _read(path)
    lines_seen = {r.line for c in chunks for r in c.rejects}
    for c in chunks:
        if c.posts is not None:
            assert c.posts.schema.names[-1] == LINE
            lines_seen.update(c.posts.column(LINE).to_pylist())
            normalize_chunk(FUZZ_CON, c)  # the raw layout is always acceptable to the normaliser
    assert lines_seen == set(range(1, len(records) + 1))


def test_pheme_source_tweets(shared_data: Path) -> None:
    folder = shared_data / "pheme_source_tweets"
    files = sorted(folder.glob("*.json"))
    assert len(files) == 17
    con = duckdb.connect()
    posts: list[pa.Table] = []
    accounts = rejects = 0
    for path in files:
        assert TWITTER.sniff(path, path.read_bytes()[:65536]) or path.stat().st_size < 10
        for chunk in TWITTER.read(path, ReaderOptions()):
            result = normalize_chunk(con, chunk)
            rejects += len(result.rejects)
            if result.posts is not None:
                posts.append(result.posts)
            accounts += result.accounts.num_rows if result.accounts is not None else 0
    table = pa.concat_tables(posts)
    # README: 2,402 rumours + 2,402 non-rumours present (charliehebdo non-rumours missing).
    assert table.num_rows == 4804 and rejects == 0
    assert accounts > 2000
    by_id = {r["post_id"]: r for r in table.select(["post_id", "account_id", "created_at", "urls", "lang"]).to_pylist()}
    haaretz = by_id["553529101659566080"]
    assert haaretz["account_id"] == "24506246"
    assert haaretz["created_at"] == datetime(2015, 1, 9, 12, 29, 56, tzinfo=UTC)
    assert haaretz["urls"] == ["http://htz.li/1lI"] and haaretz["lang"] == "en"
    years = {r.year for r in table.column("created_at").to_pylist()}
    assert years <= {2014, 2015}


@pytest.mark.parametrize("name", ["ebola-essien-all-rnr-threads.non-rumours.json"])
def test_pheme_empty_array(shared_data: Path, name: str) -> None:
    chunks = _read(shared_data / "pheme_source_tweets" / name)
    assert sum(c.posts.num_rows for c in chunks if c.posts is not None) == 0
    assert not [r for c in chunks for r in c.rejects]


def test_an_unmappable_user_is_an_account_reject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while mapping an embedded user costs that account only, never the tweets beside it."""

    def broken(user: Any, platform: str, line: int) -> dict[str, Any] | None:
        raise ValueError("unexpected user shape")

    monkeypatch.setattr(twitter, "_v2_account", broken)
    (chunk,) = _read(_lines(tmp_path / "page.jsonl", [V2_PAGE]))
    assert chunk.posts is not None and chunk.posts.num_rows == 3 and chunk.accounts is None
    kinds = sorted((r.kind, r.reason) for r in chunk.rejects)
    assert kinds == [
        ("account", "cannot map user: ValueError: unexpected user shape"),
        ("account", "cannot map user: ValueError: unexpected user shape"),
        ("post", "API v2 page tweet 4 has no id"),
    ]
