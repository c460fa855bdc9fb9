"""Claim matching: restatements match and same-topic posts do not, traditional Chinese, minimum length, levels,
debunk stance, exact rescoring, chunking and workers, findings, and the `claims match` command."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import zhconv
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch.commands.claims import claims_app
from floodwatch.detect.claim_match import (
    DEFAULT_THRESHOLDS,
    METHODS,
    ClaimMatcher,
    MatchParams,
    Thresholds,
    long_enough,
    normalise,
    rumor_match_findings,
)
from floodwatch.detect.claims import Claim, ClaimStore
from floodwatch.sim import texts as sim_texts
from floodwatch.store.events import EventStore
from tests.conftest import load

SUNNYFARM = "SunnyFarm frozen chicken contains plastic fibers"
SUNNYFARM_URL = "https://factcheck.example.org/en/sunnyfarm"
KANGFU = "康福牌方便面的面饼含有塑料成分，长期食用会致癌"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


_MATCHERS: dict[str, ClaimMatcher] = {}


def matcher(params: MatchParams | None = None) -> ClaimMatcher:
    """Every claim of the simulator, SunnyFarm's with its fact-check URL (built once per parameters)."""
    key = repr(params)
    if key not in _MATCHERS:
        claims = sim_texts.CLAIMS
        urls = [SUNNYFARM_URL if c.text == SUNNYFARM else None for c in claims]
        _MATCHERS[key] = ClaimMatcher(
            [f"c{i}" for i in range(len(claims))], [c.text for c in claims], urls, params=params
        )
    return _MATCHERS[key]


def claim_id(text: str) -> str:
    return f"c{[c.text for c in sim_texts.CLAIMS].index(text)}"


def posts(texts: list[str], urls: list[list[str]] | None = None) -> pa.Table:
    n = len(texts)
    return pa.table(
        {
            "platform": ["x"] * n,
            "post_id": [f"p{i}" for i in range(n)],
            "account_id": [f"a{i % 3}" for i in range(n)],
            "created_at": pa.array([T0 + timedelta(hours=i) for i in range(n)], pa.timestamp("us", tz="UTC")),
            "text": texts,
            "urls": urls or [[] for _ in range(n)],
        }
    )


def matched(table: pa.Table) -> dict[str, set[str]]:
    """post_id -> claims it matched (any method)."""
    out: dict[str, set[str]] = {}
    for r in table.to_pylist():
        out.setdefault(r["post_id"], set()).add(r["claim_id"])
    return out


def test_restatement_matches_and_same_topic_post_does_not() -> None:
    table = matcher().match_table(
        posts(
            [
                "Found plastic fibers in SunnyFarm chicken. Throw it out!",  # the claim in other words and order
                "SunnyFarm chicken prices went up again this week, $8 a pound now",  # same brand, another matter
                "实测康福面饼能点燃，里面有塑料成分，会致癌！",
                "康福方便面今天超市打折，五块钱一袋，囤了一箱",
            ]
        )
    )
    assert matched(table) == {"p0": {claim_id(SUNNYFARM)}, "p2": {claim_id(KANGFU)}}


def test_simulator_restatements_rank_their_own_claim_first() -> None:
    m = matcher(MatchParams(thresholds={k: Thresholds(0.01, 0.99) for k in METHODS}, top_k=1))
    restatements = [(r, c.text) for c in sim_texts.CLAIMS for r in c.restatements]
    table = m.match_table(posts([r for r, _ in restatements]))
    best: dict[str, tuple[float, str]] = {}
    for r in table.to_pylist():
        best[r["post_id"]] = max(best.get(r["post_id"], (0.0, "")), (r["score"], r["claim_id"]))
    right = sum(best.get(f"p{i}", (0, ""))[1] == claim_id(text) for i, (_, text) in enumerate(restatements))
    assert right / len(restatements) >= 0.9


def test_traditional_chinese_matches_the_simplified_claim() -> None:
    traditional = zhconv.convert(KANGFU, "zh-tw") + "！！"
    assert traditional != KANGFU and normalise(traditional) == normalise(KANGFU)
    rows = matcher().match_table(posts([traditional])).to_pylist()
    assert {(r["claim_id"], r["level"]) for r in rows} == {(claim_id(KANGFU), "confirm")}


def test_short_posts_do_not_match() -> None:
    claim = "香蕉和酸奶一起吃会中毒"
    short = claim[:5]  # five characters of the claim itself
    assert not long_enough(normalise(short), 6, 16) and long_enough(normalise(claim[:6]), 6, 16)
    assert not long_enough(normalise("Is this true??"), 6, 16)
    assert matcher().match_table(posts([short, "Is this true??", "太可怕了"])).num_rows == 0
    lenient = ClaimMatcher(["b"], [claim], params=MatchParams(min_chars_cjk=4))
    assert matched(lenient.match_table(posts([short]))) == {"p0": {"b"}}


@cache
def scored() -> pa.Table:
    low = MatchParams(thresholds={k: Thresholds(0.05, 0.99) for k in METHODS})
    texts = [r for c in sim_texts.CLAIMS for r in c.restatements] + [c.text for c in sim_texts.CLAIMS]
    return matcher(low).match_table(posts(texts))


@settings(max_examples=15, deadline=None)
@given(st.floats(0.1, 0.7), st.floats(0.0, 0.3))
def test_levels_follow_the_thresholds(suggest: float, gap: float) -> None:
    thresholds = Thresholds(suggest, min(1.0, suggest + gap))
    params = MatchParams(thresholds={k: thresholds for k in METHODS})
    texts = [r for c in sim_texts.CLAIMS for r in c.restatements] + [c.text for c in sim_texts.CLAIMS]
    rows = matcher(params).match_table(posts(texts)).to_pylist()
    expected = {
        (r["post_id"], r["claim_id"], r["method"]) for r in scored().to_pylist() if r["score"] >= round(suggest, 4)
    }
    got = {(r["post_id"], r["claim_id"], r["method"]) for r in rows}
    assert got <= expected and len(expected - got) <= 2  # rounding at the boundary only
    for r in rows:
        assert r["score"] >= round(suggest, 4) - 1e-4
        assert r["level"] == ("confirm" if r["score"] >= thresholds.confirm - 1e-4 else "suggest") or (
            abs(r["score"] - thresholds.confirm) < 1e-4
        )


def test_debunks_are_labelled_and_never_confirmed() -> None:
    debunk = sim_texts.CLAIMS[0].debunk
    table = matcher().match_table(
        posts(
            [
                f"False: {SUNNYFARM}.",  # the claim word for word, under a verdict
                f"{SUNNYFARM} {SUNNYFARM_URL}/",  # linking the claim's own fact-check
                f"{SUNNYFARM}!",  # spreading it
                debunk,
            ],
            urls=[[], [SUNNYFARM_URL + "/"], [], []],
        )
    )
    rows = {(r["post_id"], r["method"]): r for r in table.to_pylist()}
    for post in ("p0", "p1"):
        assert {rows[(post, m)]["stance"] for m in METHODS} == {"debunk"}
        assert {rows[(post, m)]["level"] for m in METHODS} == {"suggest"}
    assert {rows[("p2", m)]["level"] for m in METHODS} == {"confirm"}
    assert {rows[("p2", m)]["stance"] for m in METHODS} == {"spread"}
    assert all(r["stance"] == "debunk" for r in table.to_pylist() if r["post_id"] == "p3")


def test_exact_rescoring_when_common_features_are_left_out() -> None:
    """With many claims, common n-grams only score, they do not propose: the scores stay exact cosines."""
    rng = random.Random(3)
    templates = [*sim_texts.TEMPLATES_ZH, *sim_texts.TEMPLATES_EN]
    claims = [c.text for c in sim_texts.CLAIMS]
    for i in range(400):  # template sentences: their shared n-grams are common, the slots are not
        slots = sim_texts.SLOTS_ZH if i % 2 == 0 else sim_texts.SLOTS_EN
        template = rng.choice(templates[:50] if i % 2 == 0 else templates[50:])
        claims.append(template.format(**{k: rng.choice(v) for k, v in slots.items()}))
    ids = [f"k{i}" for i in range(len(claims))]
    texts = [r for c in sim_texts.CLAIMS for r in c.restatements]
    pruned = ClaimMatcher(ids, claims, params=MatchParams(min_claim_df=3, max_claim_df=0.0))
    full = ClaimMatcher(ids, claims, params=MatchParams(min_claim_df=10**9))
    assert not all(i.exact for i in pruned.indexes.values()) and all(i.exact for i in full.indexes.values())
    a, b = pruned.match_table(posts(texts)), full.match_table(posts(texts))
    key = ["post_id", "method", "claim_id"]
    best_a = {tuple(r[k] for k in key): r["score"] for r in a.to_pylist()}
    best_b = {tuple(r[k] for k in key): r["score"] for r in b.to_pylist()}
    shared = best_a.keys() & best_b.keys()
    assert len(shared) >= 0.9 * len(best_b)
    assert all(abs(best_a[k] - best_b[k]) < 1e-3 for k in shared)


def test_claim_common_words_rare_in_the_stream_still_propose() -> None:
    """A restatement whose only shared words are common among the claims ("下月", "转账", "5" in dozens of
    made-up rules) reaches its claim once a background sample shows those words are rare in posts;
    without a background they are pruned from the search and it does not."""
    claim = "下月起所有手机转账都要收取5%手续费"
    rules = ("冻结", "收税", "上报", "审核", "限额", "罚款")
    cities = sim_texts.SLOTS_ZH["city"][:4]
    # 12 rules share "下月" and "转账" with the claim: fewer than `candidates`, so the claim is among them
    transfers = [f"下月起{t}微信转账超过50元要{r}" for t in cities[:2] for r in rules]
    fares = [f"{t}公交车票价涨到5元，{r}" for t in cities for r in rules]  # "5" common among claims too
    rng = random.Random(11)

    def ordinary(n: int) -> list[str]:
        templates = sim_texts.TEMPLATES_ZH
        return [
            rng.choice(templates).format(**{k: rng.choice(v) for k, v in sim_texts.SLOTS_ZH.items()}) for _ in range(n)
        ]

    others = transfers + fares + ordinary(400)  # each shared word in 12-24 of 437 claims
    ids = ["c0"] + [f"k{i}" for i in range(len(others))]
    background = ordinary(200)
    low = {m: Thresholds(0.1, 0.99) for m in METHODS}
    params = MatchParams(methods=("word",), thresholds=low, min_claim_df=3, max_claim_df=0.0, wide_claim_df=0.2)
    query = posts(["转账收费新规下月实施，每笔扣5%"])

    def best(background_posts: list[str]) -> str | None:
        found = ClaimMatcher(ids, [claim, *others], background=background_posts, params=params).match_table(query)
        rows = sorted(found.to_pylist(), key=lambda r: -r["score"])
        return rows[0]["claim_id"] if rows else None

    assert all("转账" not in t and "下月" not in t for t in background)
    assert best(background) == "c0"
    assert best([]) != "c0"


def test_chunks_and_workers_do_not_change_the_result() -> None:
    texts = [r for c in sim_texts.CLAIMS for r in c.restatements] + ["unrelated post about lunch today"] * 5
    one = matcher().match_table(posts(texts))
    small = matcher(MatchParams(chunk_posts=7))
    with small.parallel(2):
        many = small.match_table(posts(texts))
    assert one.num_rows > 0
    assert one.sort_by([("post_id", "ascending"), ("method", "ascending"), ("claim_id", "ascending")]).equals(
        many.sort_by([("post_id", "ascending"), ("method", "ascending"), ("claim_id", "ascending")])
    )


def test_findings_group_posts_per_claim() -> None:
    sunny = sim_texts.CLAIMS[[c.text for c in sim_texts.CLAIMS].index(SUNNYFARM)]
    texts = [*sunny.restatements, SUNNYFARM, f"False: {SUNNYFARM}", "lovely weather for a walk in the park today"]
    table = matcher().match_table(posts(texts))
    claims = pa.Table.from_pylist(
        [{"claim_id": claim_id(SUNNYFARM), "text": SUNNYFARM, "verdict": "False", "source": "Desk", "url": None}]
    )
    findings = rumor_match_findings(table, claims)
    assert len(findings) == 1
    f = findings[0]
    spread = {r["post_id"] for r in table.to_pylist() if r["stance"] == "spread"}
    assert f.kind == "rumor_match" and f.evidence["posts"] == len(spread) == len(texts) - 2
    assert f.evidence["debunk_posts"] == 1 and f.evidence["debunk_examples"][0]["post_id"] == "p4"
    subjects = {(s.kind, s.id) for s in f.subjects}
    assert ("claim", claim_id(SUNNYFARM)) in subjects
    assert {("post", p) for p in spread} <= subjects and ("post", "p4") not in subjects
    accounts = {r["account_id"] for r in table.to_pylist() if r["stance"] == "spread"}
    assert {("account", a) for a in accounts} <= subjects and f.evidence["accounts"] == len(accounts)
    top = [p["score"] for p in f.evidence["top_posts"]]
    assert top == sorted(top, reverse=True) and f.score == pytest.approx(top[0])
    times = [T0 + timedelta(hours=int(p[1:])) for p in spread]
    assert (f.start, f.end) == (min(times), max(times))
    assert sum(f.evidence["posts_by_method"].values()) >= len(spread)
    assert set(f.evidence["posts_by_method"]) <= set(METHODS)
    assert f.evidence["confirmed_posts"] + f.evidence["suggested_posts"] == len(spread)
    assert f.parameters["thresholds"]["char"]["suggest"] == DEFAULT_THRESHOLDS["char"].suggest


def test_cli_match_on_the_event_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lines = [
        {"platform": "x", "post_id": str(i), "account_id": f"u{i}", "created_at": f"2026-03-01T0{i}:00:00Z", "text": t}
        for i, t in enumerate(
            [
                "Found plastic fibers in SunnyFarm chicken. Throw it out!",
                "SunnyFarm chicken prices went up again this week, $8 a pound now",
                "實測康福麵餅能點燃，裡面有塑料成分，會致癌！",
                "今天去公园逛了一圈，人好多",
            ]
        )
    ]
    source = tmp_path / "posts.jsonl"
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    load(EventStore(data), source)
    ClaimStore(data).import_claims([Claim("sf", SUNNYFARM, "en"), Claim("kf", KANGFU, "zh")])
    out = tmp_path / "out" / "matches.csv"
    result = CliRunner().invoke(claims_app, ["match", "--data-dir", str(data), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows = pacsv.read_csv(out).to_pylist()
    assert {(r["post_id"], r["claim_id"]) for r in rows} == {(0, "sf"), (2, "kf")}
    findings = [json.loads(x) for x in out.with_name("matches.findings.jsonl").read_text().splitlines()]
    assert sorted(f["subjects"][0]["id"] for f in findings) == ["kf", "sf"]


@pytest.mark.slow
def test_simulated_rumors_are_found_and_organic_posts_are_not(simulated: tuple[Path, EventStore]) -> None:
    folder, store = simulated
    truth = pacsv.read_csv(
        folder / "truth" / "posts.csv", convert_options=pacsv.ConvertOptions(column_types={"post_id": pa.string()})
    )
    kinds = {(r["platform"], r["post_id"]): r for r in truth.to_pylist()}
    claims = [json.loads(x) for x in (folder / "claims.jsonl").read_text().splitlines()]
    m = ClaimMatcher([c["claim_id"] for c in claims], [c["text"] for c in claims], [c["url"] for c in claims])
    con = store.connect()
    table = con.sql("SELECT platform, post_id, account_id, created_at, text, urls FROM posts").to_arrow_table()
    con.close()
    with m.parallel(2):
        found = m.match_table(table)
    keys = zip(table["platform"].to_pylist(), table["post_id"].to_pylist(), strict=True)
    organic = sum(k not in kinds for k in keys)
    false = {(r["platform"], r["post_id"]) for r in found.to_pylist() if (r["platform"], r["post_id"]) not in kinds}
    assert len(false) <= 0.0005 * organic
    wrong = [r for r in found.to_pylist() if (r["platform"], r["post_id"]) in kinds and r["stance"] == "spread"]
    assert all(kinds[(r["platform"], r["post_id"])]["campaign"] == f"claim-{r['claim_id']}" for r in wrong)
    debunks = {k for k, r in kinds.items() if r["kind"] == "debunk"}
    labelled = {(r["platform"], r["post_id"]) for r in found.to_pylist() if r["stance"] == "debunk"}
    assert debunks & {(r["platform"], r["post_id"]) for r in found.to_pylist()} <= labelled
