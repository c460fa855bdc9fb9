"""Doxxing findings: exposure aimed at a person scores, one's own advertised contact does not, no raw values leak."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from floodwatch.detect.doxxing import DoxxingParams, authors_in, detect_doxxing
from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.pipeline import ingest
from floodwatch.schema import POST_SCHEMA, Finding
from floodwatch.sim import SimulationConfig, simulate
from floodwatch.store.events import EventStore

KEY = b"test key"
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def table(rows: list[dict[str, object]]) -> pa.Table:
    """Posts with the canonical columns; unspecified fields empty."""
    full = []
    for i, row in enumerate(rows):
        full.append(
            {
                "platform": "weibo",
                "post_id": f"p{i}",
                "created_at": T0 + timedelta(minutes=i),
                "urls": [],
                "hashtags": [],
                "mentions": [],
                "reply_to": None,
                "repost_of": None,
                "quote_of": None,
                "lang": "zh",
                **row,
            }
        )
    return pa.Table.from_pylist(full, schema=POST_SCHEMA)


def posts_of(findings: list[Finding]) -> set[str]:
    return {s.id for f in findings for s in f.subjects if s.kind == "post"}


def test_exposure_aimed_at_someone_is_a_finding_without_raw_values() -> None:
    posts = table(
        [
            {"post_id": "root", "account_id": "victim", "text": "今天心情不好"},
            {"account_id": "a1", "reply_to": "root", "text": f"人肉到了：身份证{ID_NUMBER}，手机{PHONE}"},
            {
                "account_id": "a2",
                "text": f"@victim 她的电话 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}",
                "mentions": ["victim"],
            },
        ]
    )
    findings = detect_doxxing(posts, hash_key=KEY)
    assert [f.evidence["account"] for f in findings] == ["a1", "a2"]  # two kinds score above one
    first = findings[0]
    assert first.kind == "doxxing" and first.evidence["target"] == "victim" and first.evidence["aimed"] == "reply"
    assert dict(first.evidence["kinds"]) == {"id_cn": 1, "mobile_cn": 1}
    assert ("account", "weibo", "victim") in {(s.kind, s.platform, s.id) for s in first.subjects}
    assert first.evidence["posts"][0]["snippet"] == "人肉到了：身份证[ID_CN]，手机[MOBILE_CN]"
    # the phone posted by both accounts links through its keyed hash, and counts as spread
    shared = set(first.evidence["value_hashes"]) & set(findings[1].evidence["value_hashes"])
    assert len(shared) == 1 and first.evidence["spread_accounts"] == 2
    dumped = orjson.dumps([f.to_dict() for f in findings]).decode()
    for raw in (ID_NUMBER, ID_NUMBER[:17], PHONE, PHONE[3:7] + PHONE[7:], "1949"):
        assert raw not in dumped
    assert "victim" in first.explanation and "mobile number" in first.explanation


def test_a_stream_of_small_batches_finds_what_the_table_finds() -> None:
    rows = [{"account_id": f"o{i}", "text": f"普通的帖子 {i}"} for i in range(7)]
    rows.insert(2, {"post_id": "root", "account_id": "victim", "text": "今天心情不好"})
    rows.append({"account_id": "a1", "reply_to": "root", "text": f"人肉到了：身份证{ID_NUMBER}"})
    posts = table(rows)
    whole = detect_doxxing(posts, hash_key=KEY)
    streamed = detect_doxxing(
        pa.RecordBatchReader.from_batches(posts.schema, posts.to_batches(max_chunksize=3)),
        hash_key=KEY,
        authors_of=authors_in(posts),
    )
    assert [f.to_dict() for f in streamed] == [f.to_dict() for f in whole]
    assert whole[0].evidence["target"] == "victim"  # the reply was aimed through the lookup, in another batch
    with pytest.raises(ValueError, match="authors_of"):
        detect_doxxing(pa.RecordBatchReader.from_batches(posts.schema, posts.to_batches()), hash_key=KEY)


def test_scores_rise_with_kinds_aim_and_spread() -> None:
    def score(rows: list[dict[str, object]]) -> float:
        found = detect_doxxing(table(rows), DoxxingParams(min_score=0.0), hash_key=KEY)
        return max(f.score for f in found)

    lone = score([{"account_id": "a", "text": f"身份证{ID_NUMBER}"}])
    aimed = score([{"account_id": "a", "text": f"@v 身份证{ID_NUMBER}", "mentions": ["v"]}])
    two_kinds = score([{"account_id": "a", "text": f"@v 身份证{ID_NUMBER} 手机{PHONE}", "mentions": ["v"]}])
    spread = score(
        [
            {"account_id": "a", "text": f"@v 身份证{ID_NUMBER} 手机{PHONE}", "mentions": ["v"]},
            {"account_id": "b", "text": f"身份证{ID_NUMBER}"},
        ]
    )
    assert lone < 0.5 <= aimed < two_kinds < spread <= 1.0
    # below the default threshold: an unaimed ID number alone, a landline in a reply
    assert detect_doxxing(table([{"account_id": "a", "text": f"身份证{ID_NUMBER}"}]), hash_key=KEY) == []
    reply_landline = [
        {"post_id": "r", "account_id": "v", "text": "哪里修手机"},
        {"account_id": "a", "reply_to": "r", "text": "客服电话010-65521234"},
    ]
    assert detect_doxxing(table(reply_landline), hash_key=KEY) == []


def test_a_shop_advertising_its_own_phone_is_not_doxxing() -> None:
    ads = [{"account_id": "shop", "text": f"低价出手机，电话{PHONE}，欢迎来问"} for _ in range(3)]
    # answering several customers with the shop's number is still advertising
    ads += [{"account_id": "shop", "text": f"@c{i} 亲，打{PHONE}", "mentions": [f"c{i}"]} for i in range(2)]
    posts = table([*ads, {"account_id": "troll", "text": f"@shop 老板手机{PHONE}", "mentions": ["someone"]}])
    findings = detect_doxxing(posts, hash_key=KEY)
    assert [f.evidence["account"] for f in findings] == ["troll"]  # not the shop's own contact for the troll
    # below own_repeats the same phone in replies aimed at people would count
    few = detect_doxxing(table(ads[-2:]), hash_key=KEY)
    assert {f.evidence["account"] for f in few} == {"shop"}


def test_one_account_repeating_a_persons_phone_at_them_stays_doxxing() -> None:
    rows = [{"account_id": "a", "text": f"@v 打给她 {PHONE}", "mentions": ["v"]} for _ in range(5)]
    [finding] = detect_doxxing(table(rows), hash_key=KEY)
    assert finding.evidence["post_count"] == 5 and finding.evidence["target"] == "v"
    assert finding.start < finding.end


def test_identity_numbers_are_never_ones_own_contact() -> None:
    # sent to four people: the phone is this account's own contact, the ID number still exposes someone
    rows = [{"account_id": "a", "text": f"@c{i} 资料 {ID_NUMBER} 手机{PHONE}", "mentions": [f"c{i}"]} for i in range(4)]
    findings = detect_doxxing(table(rows), hash_key=KEY)
    assert len(findings) == 4 and all(dict(f.evidence["kinds"]) == {"id_cn": 1} for f in findings)
    assert all(f.evidence["own_contacts_skipped"] == 1 for f in findings)


def test_replying_to_oneself_is_not_aimed() -> None:
    rows = [
        {"post_id": "mine", "account_id": "a", "text": "出闲置"},
        {"account_id": "a", "reply_to": "mine", "text": f"联系{PHONE}"},
    ]
    assert detect_doxxing(table(rows), hash_key=KEY) == []


def test_hash_key_from_the_environment_and_parameters_name_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"account_id": "a", "text": f"@v 手机{PHONE}", "mentions": ["v"]}]
    monkeypatch.setenv("FLOODWATCH_PII_KEY", "env key")
    from_env = detect_doxxing(table(rows))
    assert from_env == detect_doxxing(table(rows))  # deterministic under one key
    assert "FLOODWATCH_PII_KEY" in from_env[0].parameters["value_hash"]
    given = detect_doxxing(table(rows), hash_key=KEY)
    assert given[0].evidence["value_hashes"] != from_env[0].evidence["value_hashes"]
    monkeypatch.delenv("FLOODWATCH_PII_KEY")
    assert "random" in detect_doxxing(table(rows))[0].parameters["value_hash"]


def test_missing_columns_and_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="lacks columns"):
        detect_doxxing(pa.table({"text": ["x"]}))
    with pytest.raises(ValueError, match="unknown PII kinds"):
        detect_doxxing(table([{"account_id": "a", "text": "x"}]), DoxxingParams(kinds=("phone",)))


@pytest.fixture(scope="module")
def simulated_posts(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, set[tuple[str, str]]]:
    """`floodwatch simulate --posts 20000 --seed 3`, ingested; the posts view and the planted doxxing posts."""
    out = tmp_path_factory.mktemp("sim")
    simulate(SimulationConfig(posts=20_000, seed=3), out)
    store = EventStore(out / "store")
    ingest(store, [out / "posts.jsonl"], "auto", ReaderOptions(), None)
    con = store.connect()
    posts = con.sql("SELECT * FROM posts").to_arrow_table()
    con.close()
    with (out / "truth" / "posts.csv").open(encoding="utf-8") as fh:
        doxxing = {(r["platform"], r["post_id"]) for r in csv.DictReader(fh) if r["kind"] == "doxxing"}
    return posts, doxxing


def test_simulated_doxxing_is_found_and_look_alikes_are_not(
    simulated_posts: tuple[pa.Table, set[tuple[str, str]]],
) -> None:
    posts, planted = simulated_posts
    findings = detect_doxxing(posts, hash_key=KEY)
    flagged = {(s.platform, s.id) for f in findings for s in f.subjects if s.kind == "post"}
    assert planted and flagged == planted
    # the organic posts with order numbers and shop landlines carry look-alike digits, and none is flagged
    texts = dict(zip(posts.column("post_id").to_pylist(), posts.column("text").to_pylist(), strict=True))
    look_alikes = [pid for pid, text in texts.items() if text and ("订单号" in text or "客服电话" in text)]
    assert look_alikes and not set(look_alikes) & {pid for _, pid in flagged}
    for f in findings:
        assert f.score >= 0.8 and {"id_cn", "mobile_cn"} <= set(f.evidence["kinds"])
        assert f.evidence["target"] is not None


def test_findings_are_identical_for_the_same_key(simulated_posts: tuple[pa.Table, set[tuple[str, str]]]) -> None:
    posts, _ = simulated_posts
    first = [f.id for f in detect_doxxing(posts, hash_key=KEY)]
    assert first == [f.id for f in detect_doxxing(posts, hash_key=KEY)]


def test_store_view_columns_are_enough(tmp_path: Path) -> None:
    """The detector reads only the canonical columns: extra provenance columns do not matter."""
    posts = table([{"account_id": "a", "text": f"@v {PHONE}", "mentions": ["v"]}])
    extra = posts.append_column("source_file", pa.array(["f"], pa.string()))
    assert [f.id for f in detect_doxxing(extra, hash_key=KEY)] == [f.id for f in detect_doxxing(posts, hash_key=KEY)]
