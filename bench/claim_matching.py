"""Claim matching: recall@1 of paraphrased claims among ~100k distractor claims, false matches on organic posts,
throughput on 2 cores; floodwatch's matcher side by side with a naive baseline.

    .venv/bin/python bench/claim_matching.py                        # the published figures
    .venv/bin/python bench/claim_matching.py --distractors 20000 --organic 20000   # a quick run

Data (all synthetic, seeded):

- claims: the simulator's 19 debunked claims (floodwatch.sim.texts.CLAIMS) among `--distractors` claim-like
  sentences, half Chinese, half English, from templates of the same kinds (contaminated food, disasters and
  death tolls, miracle cures, new rules and fees, dangerous technology) with invented places and brands;
- queries (each with its true claim): the simulator's restatements (other words), plus generated variants of the
  claim and of each restatement: traditional characters (zhconv zh-tw), punctuation/emoji noise, word or
  clause order, truncation to 60-80%, and a rumor-style opener/closer;
- topic decoys: for each claim, posts that name its subject (the first content words) in ordinary sentences
  ("SunnyFarm chicken prices went up again"): about the same thing, not restating the claim;
- organic posts: `--organic` posts the simulator wrote that belong to no campaign (`floodwatch simulate`,
  bench/common.py's cached folder).

floodwatch: `ClaimMatcher` built on all claims (IDF with a background sample of 20k organic posts, as
`floodwatch claims match` does), matching in chunks on `--workers` processes; wall time of the matching only
(index build reported apart). Scores are collected with very low thresholds once, so that recall@1 (the true
claim ranks first, any score), recall at the suggest / confirm thresholds and false-match rates at any
threshold all come from one run; the calibration table lists, per method, recall and false-match rates along a
grid of thresholds, which is how DEFAULT_THRESHOLDS were chosen (see docs/rumors.md).

Baseline: Jaccard similarity of character bigrams of the lower-cased texts, every query against every claim
with Python sets (what one writes without an index), on a sample (`--baseline-sample` queries and as many
organic posts); its threshold is the one with the best recall at an organic false-match rate <= 0.1%.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pa_json
import zhconv

from common import busy_cpu_seconds, log, print_table, simulated_data, wait_until_quiet, write_results
from floodwatch.detect import claim_match
from floodwatch.detect.claim_match import DEFAULT_THRESHOLDS, ClaimMatcher, MatchParams, Thresholds, words
from floodwatch.detect.claims import normalised_text
from floodwatch.sim import texts as sim_texts

NAME = "claim_matching"
GOAL_POSTS_PER_S = 5_000
GOAL_RECALL_AT_1 = 0.9
GRID = [round(x, 2) for x in np.arange(0.10, 0.81, 0.05)]
EMOJI = (*sim_texts.EMOJI, *sim_texts.WEIBO_EMOTICONS)

# --- distractor claims -----------------------------------------------------------------------------------------

ZH_TOWNS = ("东山市", "白河镇", "南屏县", "西岭市", "北川镇", "长岗市", "安溪县", "清河市", "石门镇", "凤阳市")
ZH_BRANDS = ("金禾牌", "乐康牌", "顺丰源", "鲜乐牌", "绿田牌", "宏达牌", "美佳牌", "福满多", "好味来", "康泰牌")
ZH_PRODUCTS = ("酸奶", "牛奶", "大米", "食用油", "月饼", "火腿肠", "奶粉", "面包", "饮料", "冰淇淋", "辣条", "矿泉水")
ZH_SUBSTANCES = ("荧光剂", "甲醛", "重金属", "激素", "地沟油", "苏丹红", "三聚氰胺", "工业明胶", "瘦肉精", "塑化剂")
ZH_EFFECTS = ("长期食用会致癌", "孩子喝了会性早熟", "会导致肾衰竭", "吃多了会不孕", "已有多人中毒住院", "会损伤肝脏")
ZH_PLACES = ("大桥", "水库", "化工厂", "地铁站", "人民医院", "实验小学", "商场", "高速路口", "隧道", "体育馆")
ZH_INCIDENTS = ("发生爆炸", "突然坍塌", "发生大火", "发生毒气泄漏", "发生踩踏", "被洪水冲毁")
ZH_TOLLS = ("造成{n}人死亡", "已有{n}人遇难", "{n}人失踪", "伤亡超过{n}人", "官方隐瞒了{n}人死亡的真相")
ZH_DRINKS = ("醋", "绿豆汤", "生姜水", "蜂蜜水", "白酒", "板蓝根", "大蒜水", "柠檬水", "苏打水")
ZH_DISEASES = ("癌症", "糖尿病", "高血压", "新冠", "流感", "痛风", "近视", "脂肪肝")
ZH_CURES = ("可以治愈", "能够预防", "三天就能根治", "比吃药还管用，能治好", "专家说能杀死")
ZH_RULES = (
    "个人存款超过{n}万要交税",
    "电动车一律禁止上路",
    "养老金将停发{n}个月",
    "高速公路全部改为收费{n}元",
    "微信转账超过{n}元要冻结",
    "所有房产要重新登记缴费",
)
ZH_TECH = ("5G基站", "智能电表", "微波炉", "WiFi路由器", "电动牙刷", "空气净化器", "充电宝", "蓝牙耳机")
ZH_HARMS = ("辐射导致居民脱发失眠", "会引发白血病", "会在夜里爆炸", "偷偷监听用户", "导致儿童智力下降")

EN_TOWNS = ("Oakdale", "Briar Bay", "Westfield", "Pine Hollow", "Cedar Falls", "Marlow", "Ashford", "Kingsbury")
EN_BRANDS = ("GoldenHarvest", "PureDairy", "FreshNest", "HappyCow", "GreenLeaf", "MegaMart", "CrispCo", "NutriMax")
EN_PRODUCTS = ("milk", "rice", "baby formula", "yogurt", "ground beef", "bottled water", "cereal", "eggs", "bread")
EN_SUBSTANCES = ("bleach", "microplastics", "rat poison", "industrial glue", "lead", "formaldehyde", "tapeworm eggs")
EN_EFFECTS = ("causes cancer", "is making kids sick", "caused dozens of hospitalizations", "leads to infertility")
EN_PLACES = ("bridge", "reservoir", "chemical plant", "subway station", "hospital", "high school", "mall", "tunnel")
EN_INCIDENTS = ("exploded", "collapsed", "caught fire", "is leaking toxic gas", "was flooded", "was evacuated")
EN_TOLLS = ("killing {n} people", "and {n} are missing", "and officials hid {n} deaths", "injuring over {n}")
EN_DRINKS = ("apple cider vinegar", "garlic water", "baking soda", "ginger tea", "bleach", "colloidal silver")
EN_DISEASES = ("cancer", "diabetes", "covid", "the flu", "high blood pressure", "arthritis", "measles")
EN_CURES = ("cures", "prevents", "wipes out", "reverses", "kills the virus behind")
EN_RULES = (
    "savings over ${n},000 will be taxed",
    "electric cars will be banned",
    "pensions will be frozen for {n} months",
    "every phone call will be recorded",
    "tap water will cost ${n} a gallon",
    "dogs over {n} pounds will be illegal",
)
EN_TECH = ("5G towers", "smart meters", "microwaves", "wind turbines", "LED streetlights", "WiFi routers")
EN_HARMS = ("cause headaches and nosebleeds", "are giving residents cancer", "spy on households", "kill birds")


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def distractor(rng: np.random.Generator, zh: bool) -> str:
    n = str(int(rng.choice([3, 5, 10, 20, 50, 100, 200, 300, 500, 1000])))
    kind = int(rng.integers(5))
    if zh:
        town = _pick(rng, (*ZH_TOWNS, *sim_texts.SLOTS_ZH["city"]))
        if kind == 0:
            product = _pick(rng, ZH_BRANDS) + _pick(rng, ZH_PRODUCTS)
            s = f"{product}含有{_pick(rng, ZH_SUBSTANCES)}，{_pick(rng, ZH_EFFECTS)}"
        elif kind == 1:
            s = f"{town}{_pick(rng, ZH_PLACES)}{_pick(rng, ZH_INCIDENTS)}，{_pick(rng, ZH_TOLLS)}"
        elif kind == 2:
            s = f"喝{_pick(rng, ZH_DRINKS)}{_pick(rng, ZH_CURES)}{_pick(rng, ZH_DISEASES)}"
        elif kind == 3:
            s = f"{_pick(rng, ('下月起', '明年起', '从下周开始', '即日起'))}{town}{_pick(rng, ZH_RULES)}"
        else:
            s = f"{town}的{_pick(rng, ZH_TECH)}{_pick(rng, ZH_HARMS)}"
        return s.format(n=n)
    town = _pick(rng, (*EN_TOWNS, *sim_texts.SLOTS_EN["city"]))
    if kind == 0:
        product = f"{_pick(rng, EN_BRANDS)} {_pick(rng, EN_PRODUCTS)}"
        s = f"{product} contains {_pick(rng, EN_SUBSTANCES)} and {_pick(rng, EN_EFFECTS)}"
    elif kind == 1:
        s = f"The {town} {_pick(rng, EN_PLACES)} {_pick(rng, EN_INCIDENTS)} {_pick(rng, EN_TOLLS)}"
    elif kind == 2:
        s = f"Drinking {_pick(rng, EN_DRINKS)} {_pick(rng, EN_CURES)} {_pick(rng, EN_DISEASES)}"
    elif kind == 3:
        s = f"Starting {_pick(rng, ('next month', 'next year', 'Monday', 'in May'))}, in {town} {_pick(rng, EN_RULES)}"
    else:
        s = f"{_pick(rng, EN_TECH)} in {town} {_pick(rng, EN_HARMS)}"
    return s.format(n=n)


def distractors(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    taken = {normalised_text(c.text) for c in sim_texts.CLAIMS}
    out: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < n and attempts < 50 * n:
        attempts += 1
        text = distractor(rng, len(out) % 2 == 0)
        key = normalised_text(text)
        if key not in seen and key not in taken:
            seen.add(key)
            out.append(text)
    return out


# --- paraphrase queries and topic decoys ---------------------------------------------------------------------


def _noise(rng: np.random.Generator, text: str, zh: bool) -> str:
    marks = "，。！？～…" if zh else ".,!?…"
    chars = list(text)
    for _ in range(int(rng.integers(2, 5))):
        at = int(rng.integers(len(chars) + 1))
        chars.insert(at, _pick(rng, EMOJI) if rng.random() < 0.5 else marks[int(rng.integers(len(marks)))])
    return "".join(chars)


def _reorder(rng: np.random.Generator, text: str, zh: bool) -> str:
    if zh:
        parts = [p for p in text.replace("！", "，").replace("。", "，").split("，") if p]
        if len(parts) > 1:
            return "，".join(parts[::-1])
        half = len(text) // 2
        return text[half:] + "，" + text[:half]
    tokens = text.split()
    i = int(rng.integers(max(1, len(tokens) - 1)))
    tokens[i : i + 2] = tokens[i : i + 2][::-1]  # two neighbouring words swapped
    return " ".join(tokens[len(tokens) // 2 :] + tokens[: len(tokens) // 2]) if rng.random() < 0.5 else " ".join(tokens)


def _truncate(rng: np.random.Generator, text: str) -> str:
    return text[: max(1, round(len(text) * float(rng.uniform(0.6, 0.8))))]


def _wrap(rng: np.random.Generator, text: str, zh: bool) -> str:
    if zh:
        return _pick(rng, ("紧急扩散！", "家人们，", "刚看到的：", "")) + text + _pick(rng, sim_texts.RUMOR_SUFFIXES_ZH)
    return _pick(rng, ("URGENT: ", "PSA: ", "Wow. ", "")) + text + _pick(rng, sim_texts.RUMOR_SUFFIXES_EN)


def queries(seed: int) -> list[tuple[str, int, str]]:
    """(text, index of the true claim in CLAIMS, variant kind)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[str, int, str]] = []
    for i, claim in enumerate(sim_texts.CLAIMS):
        zh = claim.lang == sim_texts.ZH
        for base_kind, base in [("claim", claim.text)] + [("restatement", r) for r in claim.restatements]:
            if base_kind == "restatement":
                out.append((base, i, "restatement"))
            if zh:
                out.append((zhconv.convert(base, "zh-tw"), i, f"{base_kind}+traditional"))
            out.append((_noise(rng, base, zh), i, f"{base_kind}+noise"))
            out.append((_reorder(rng, base, zh), i, f"{base_kind}+order"))
            out.append((_truncate(rng, base), i, f"{base_kind}+truncated"))
            out.append((_wrap(rng, base, zh), i, f"{base_kind}+wrapped"))
    return out


DECOYS_ZH = (
    "{s}今天超市打折，顺手买了一些",
    "有人知道{s}现在多少钱吗",
    "{s}的广告又上电视了",
    "周末路过{s}，人挺多的",
    "听说{s}要涨价了，大家怎么看",
)
DECOYS_EN = (
    "{s} prices went up again this week",
    "Anyone tried {s} lately? Thinking of buying some",
    "Saw an ad for {s} on the train today",
    "Drove past {s} this weekend, busy as always",
    "Is {s} open on Sundays?",
)


def decoys() -> list[tuple[str, int]]:
    """Posts naming a claim's subject (its first two content words) in ordinary sentences."""
    out = []
    for i, claim in enumerate(sim_texts.CLAIMS):
        zh = claim.lang == sim_texts.ZH
        subject = ("" if zh else " ").join(words(claim_match.normalise(claim.text))[:2])
        if not zh:
            subject = " ".join(w.capitalize() for w in subject.split())
        for template in DECOYS_ZH if zh else DECOYS_EN:
            out.append((template.format(s=subject), i))
    return out


def organic_posts(n: int, seed: int) -> list[str]:
    folder = simulated_data(max(200_000, n * 2), seed, cnt_csv=False)
    posts = pa_json.read_json(folder / "posts.jsonl")
    truth = pacsv.read_csv(
        folder / "truth" / "posts.csv", convert_options=pacsv.ConvertOptions(column_types={"post_id": pa.string()})
    )
    planted = set(zip(truth.column("platform").to_pylist(), truth.column("post_id").to_pylist(), strict=True))
    keys = zip(posts.column("platform").to_pylist(), posts.column("post_id").to_pylist(), strict=True)
    texts = posts.column("text").to_pylist()
    organic = [t or "" for k, t in zip(keys, texts, strict=True) if k not in planted]
    rng = np.random.default_rng(seed)
    return [organic[i] for i in sorted(rng.choice(len(organic), size=min(n, len(organic)), replace=False).tolist())]


# --- floodwatch ----------------------------------------------------------------------------------------------


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def best_scores(matcher: ClaimMatcher, texts: list[str], workers: int) -> tuple[dict[str, np.ndarray], float]:
    """Per method, an [n_texts, top_k] view as a dict of arrays: best claim and score per text (-1 / 0 when none);
    and the wall time."""
    started = time.perf_counter()
    with matcher.parallel(workers):
        results = matcher.match_texts(texts)
    seconds = time.perf_counter() - started
    out: dict[str, np.ndarray] = {}
    for m in results:
        claim = np.full(len(texts), -1, np.int64)
        score = np.zeros(len(texts), np.float32)
        first = np.r_[True, m.post[1:] != m.post[:-1]] if len(m.post) else np.zeros(0, bool)
        claim[m.post[first]] = m.claim[first]  # rows come sorted by post, best first
        score[m.post[first]] = m.score[first]
        out[m.method] = claim
        out[m.method + "_score"] = score
        # the true claim's score wherever it is in the top k
        out[m.method + "_pairs"] = np.stack([m.post, m.claim, m.score.astype(np.float64)], axis=1)
    return out, seconds


def true_claim_score(pairs: np.ndarray, n: int, truth: np.ndarray) -> np.ndarray:
    score = np.zeros(n)
    for post, claim, s in pairs:
        if int(claim) == truth[int(post)]:
            score[int(post)] = max(score[int(post)], s)
    return score


def evaluate(
    matcher_of: dict[str, Any],
    n_true: int,
    q_truth: np.ndarray,
    q_kind: list[str],
    n_org: int,
    d_truth: np.ndarray,
    methods: Sequence[str],
) -> dict[str, Any]:
    """Figures from the scores of [queries | decoys | organic] (in that order) at the default thresholds."""
    r, nq, nd = matcher_of, len(q_truth), len(d_truth)
    n = nq + nd + n_org
    best_claim = np.full(n, -1)
    best_score = np.zeros(n)
    for m in methods:  # the best claim over methods
        better = r[m + "_score"] > best_score
        best_claim[better] = r[m][better]
        best_score[better] = r[m + "_score"][better]
    truth_all = np.r_[q_truth, d_truth, np.full(n_org, -2)]
    true_scores = {m: true_claim_score(r[m + "_pairs"], n, truth_all) for m in methods}
    any_score = {m: r[m + "_score"] for m in methods}

    def suggested(level: str, rows: slice, true_only: bool) -> np.ndarray:
        hit = np.zeros(rows.stop - rows.start, bool)
        for m in methods:
            t = getattr(DEFAULT_THRESHOLDS[m], level)
            s = (true_scores[m] if true_only else any_score[m])[rows]
            hit |= s >= t
        return hit

    q, d, o = slice(0, nq), slice(nq, nq + nd), slice(nq + nd, n)
    at1 = best_claim[q] == q_truth
    # fused ranking: a claim's scores summed over the methods (0 where a method did not keep it)
    pairs = np.concatenate([r[m + "_pairs"] for m in methods])
    pairs = pairs[pairs[:, 0] < nq]
    keys, inverse = np.unique(pairs[:, 0].astype(np.int64) * 10**7 + pairs[:, 1].astype(np.int64), return_inverse=True)
    summed = np.zeros(len(keys))
    np.add.at(summed, inverse, pairs[:, 2])
    fused = np.full(nq, -1)
    fused_score = np.zeros(nq)
    for key, s in zip(keys.tolist(), summed.tolist(), strict=True):
        post, claim = divmod(key, 10**7)
        if s > fused_score[post]:
            fused[post], fused_score[post] = claim, s
    fused_at1 = fused == q_truth
    by_kind = {}
    for kind in sorted(set(q_kind)):
        sel = np.array([k == kind for k in q_kind])
        by_kind[kind] = {
            "queries": int(sel.sum()),
            "recall_at_1": round(float(at1[sel].mean()), 4),
            "recall_at_1_fused": round(float(fused_at1[sel].mean()), 4),
            "recall_at_suggest": round(float(suggested("suggest", q, True)[sel].mean()), 4),
        }
    calibration = {}
    for m in methods:
        rows = []
        for t in GRID:
            rows.append(
                {
                    "threshold": t,
                    "recall": round(float((true_scores[m][q] >= t).mean()), 4),
                    "restatement_recall": round(
                        float((true_scores[m][q] >= t)[np.array([k == "restatement" for k in q_kind])].mean()), 4
                    ),
                    "decoy_match_rate": round(float((any_score[m][d] >= t).mean()), 4),
                    "organic_match_rate": round(float((any_score[m][o] >= t).mean()), 6),
                }
            )
        calibration[m] = rows
    return {
        "calibrated_thresholds": {m: calibrate(rows) for m, rows in calibration.items()},
        "queries": nq,
        "true_claims": n_true,
        "recall_at_1": round(float(at1.mean()), 4),
        "recall_at_1_fused": round(float(fused_at1.mean()), 4),
        "recall_at_suggest": round(float(suggested("suggest", q, True).mean()), 4),
        "recall_at_confirm": round(float(suggested("confirm", q, True).mean()), 4),
        "organic_posts": n_org,
        "organic_false_match_rate_suggest": round(float(suggested("suggest", o, False).mean()), 6),
        "organic_false_match_rate_confirm": round(float(suggested("confirm", o, False).mean()), 6),
        "decoys": nd,
        "decoy_match_rate_suggest": round(float(suggested("suggest", d, False).mean()), 4),
        "decoy_match_rate_confirm": round(float(suggested("confirm", d, False).mean()), 4),
        "by_variant": by_kind,
        "calibration": calibration,
    }


SUGGEST_MAX_DECOY_RATE = 0.10
SUGGEST_MAX_ORGANIC_RATE = 1e-4
CONFIRM_MARGIN = 0.05


def calibrate(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """The rule DEFAULT_THRESHOLDS follow: `suggest` is the lowest threshold at which at most 0.01% of organic posts
    and 10% of topic decoys match; `confirm` is 0.05 above the lowest at which none of either does."""
    suggest = next(
        (
            r["threshold"]
            for r in rows
            if r["organic_match_rate"] <= SUGGEST_MAX_ORGANIC_RATE and r["decoy_match_rate"] <= SUGGEST_MAX_DECOY_RATE
        ),
        None,
    )
    clean = next((r["threshold"] for r in rows if r["organic_match_rate"] == 0 and r["decoy_match_rate"] == 0), None)
    return {"suggest": suggest, "confirm": None if clean is None else round(clean + CONFIRM_MARGIN, 2)}


# --- baseline ------------------------------------------------------------------------------------------------


def bigrams(text: str) -> frozenset[str]:
    t = text.lower()
    return frozenset(t[i : i + 2] for i in range(len(t) - 1))


def baseline(
    claims: list[str], q_texts: list[str], q_truth: np.ndarray, organic: list[str], sample: int, seed: int
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    qi = np.sort(rng.choice(len(q_texts), size=min(sample, len(q_texts)), replace=False))
    oi = np.sort(rng.choice(len(organic), size=min(sample, len(organic)), replace=False))
    sets = [bigrams(c) for c in claims]
    texts = [q_texts[i] for i in qi.tolist()] + [organic[i] for i in oi.tolist()]
    started = time.perf_counter()
    best = np.full(len(texts), -1)
    best_s = np.zeros(len(texts))
    for k, text in enumerate(texts):
        x = bigrams(text)
        if not x:
            continue
        for j, y in enumerate(sets):
            inter = len(x & y)
            if inter:
                s = inter / (len(x) + len(y) - inter)
                if s > best_s[k]:
                    best_s[k], best[k] = s, j
    seconds = time.perf_counter() - started
    nq = len(qi)
    q_ok = best[:nq] == q_truth[qi]
    org_s = best_s[nq:]
    # the threshold with the best recall at an organic false-match rate <= 0.1%
    chosen, recall = 1.0, 0.0
    for t in GRID:
        if (org_s >= t).mean() <= 0.001:
            chosen, recall = t, float((q_ok & (best_s[:nq] >= t)).mean())
            break
    return {
        "method": "Jaccard of character bigrams, every text against every claim (Python sets)",
        "queries": nq,
        "organic_posts": len(oi),
        "seconds": round(seconds, 2),
        "posts_per_s": round(len(texts) / seconds, 1),
        "recall_at_1": round(float(q_ok.mean()), 4),
        "threshold": chosen,
        "recall_at_threshold": round(recall, 4),
        "organic_false_match_rate": round(float((org_s >= chosen).mean()), 6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--distractors", type=int, default=100_000, help="distractor claims (default 100,000)")
    parser.add_argument("--organic", type=int, default=100_000, help="organic posts (default 100,000)")
    parser.add_argument("--workers", type=int, default=2, help="matching processes (default 2)")
    parser.add_argument("--seed", type=int, default=3, help="generator seed (default 3)")
    parser.add_argument("--sim-seed", type=int, default=11, help="simulation seed (default 11)")
    parser.add_argument("--quiet-timeout", type=float, default=300.0, help="seconds to wait for a quiet machine")
    parser.add_argument("--baseline-sample", type=int, default=150, help="queries (and organic posts) for the baseline")
    args = parser.parse_args()

    log(f"generating {args.distractors:,} distractor claims")
    claim_texts = [c.text for c in sim_texts.CLAIMS] + distractors(args.distractors, args.seed)
    q = queries(args.seed)
    q_texts, q_truth, q_kind = [t for t, _, _ in q], np.array([i for _, i, _ in q]), [k for _, _, k in q]
    d = decoys()
    d_texts, d_truth = [t for t, _ in d], np.array([i for _, i in d])
    organic = organic_posts(args.organic, args.sim_seed)
    background, test_organic = organic[: len(organic) // 5], organic
    log(f"{len(claim_texts):,} claims, {len(q):,} paraphrase queries, {len(d)} decoys, {len(organic):,} organic posts")

    wait_until_quiet(timeout=args.quiet_timeout)
    started = time.perf_counter()
    # scores collected at a low threshold: recall and false matches at any threshold come from this one run
    low = {m: Thresholds(0.1, 0.99) for m in claim_match.METHODS}
    matcher = ClaimMatcher(
        [str(i) for i in range(len(claim_texts))], claim_texts, None, background[:20_000], MatchParams(thresholds=low)
    )
    build_s = time.perf_counter() - started
    log(f"index built in {build_s:.1f} s")
    all_texts = q_texts + d_texts + test_organic
    busy_cores = wait_until_quiet(timeout=args.quiet_timeout)
    cpu0 = time.process_time() + _children_cpu()
    busy0 = busy_cpu_seconds()
    scores, seconds = best_scores(matcher, all_texts, args.workers)
    cpu_s = time.process_time() + _children_cpu() - cpu0  # the workers' CPU counts once they have exited
    busy1 = busy_cpu_seconds()
    others = None if busy0 is None or busy1 is None else max(0.0, busy1 - busy0 - cpu_s)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    log(f"matched {len(all_texts):,} posts in {seconds:.1f} s, {cpu_s:.1f} CPU s (other processes: {others} CPU s)")
    figures = evaluate(scores, len(sim_texts.CLAIMS), q_truth, q_kind, len(test_organic), d_truth, claim_match.METHODS)

    log(f"baseline on {args.baseline_sample} queries + {args.baseline_sample} organic posts")
    base = baseline(claim_texts, q_texts, q_truth, test_organic, args.baseline_sample, args.seed)

    fw = {
        "claims": len(claim_texts),
        "posts_matched": len(all_texts),
        "workers": args.workers,
        "index_seconds": round(build_s, 1),
        "seconds": round(seconds, 2),
        "posts_per_s": round(len(all_texts) / seconds),
        "cpu_seconds": round(cpu_s, 1),
        "posts_per_cpu_s": round(len(all_texts) / cpu_s),
        "other_processes_cores_before": busy_cores,
        "other_processes_cpu_s_during": None if others is None else round(others, 1),
        "peak_rss_mb": round(rss_mb, 1),
        "worker_peak_rss_mb": round(children_mb, 1),
        "thresholds": {m: {"suggest": t.suggest, "confirm": t.confirm} for m, t in DEFAULT_THRESHOLDS.items()},
        **figures,
    }
    payload = {
        "seed": args.seed,
        "sim_seed": args.sim_seed,
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
            "scikit-learn": __import__("sklearn").__version__,
            "jieba": __import__("jieba").__version__,
            "floodwatch": __import__("floodwatch").__version__,
        },
        "cores": os.cpu_count(),
        "goals": {"posts_per_s": GOAL_POSTS_PER_S, "recall_at_1": GOAL_RECALL_AT_1},
        "floodwatch": fw,
        "baseline": base,
    }
    path = write_results(NAME, payload)
    print_table(
        ["matcher", "posts/s", "recall@1", "fused", "recall@suggest", "organic FMR", "decoy match"],
        [
            [
                "floodwatch",
                fw["posts_per_s"],
                fw["recall_at_1"],
                fw["recall_at_1_fused"],
                fw["recall_at_suggest"],
                fw["organic_false_match_rate_suggest"],
                fw["decoy_match_rate_suggest"],
            ],
            ["bigram Jaccard", base["posts_per_s"], base["recall_at_1"], "", base["recall_at_threshold"], "", ""],
        ],
    )
    print()
    print_table(
        ["variant", "queries", "recall@1", "fused", "recall@suggest"],
        [
            [k, v["queries"], v["recall_at_1"], v["recall_at_1_fused"], v["recall_at_suggest"]]
            for k, v in fw["by_variant"].items()
        ],
    )
    for m, t in fw["calibrated_thresholds"].items():
        log(f"calibrated {m}: suggest {t['suggest']}, confirm {t['confirm']} (defaults: {fw['thresholds'][m]})")
    log(f"wrote {path}")
    print(
        f"claim_matching: {fw['posts_matched']:,} posts against {fw['claims']:,} claims "
        f"at {fw['posts_per_s']:,} posts/s on {args.workers} workers "
        f"({fw['posts_per_cpu_s']:,} per CPU second); recall@1 {fw['recall_at_1']:.3f} "
        f"(fused {fw['recall_at_1_fused']:.3f}), "
        f"at suggest {fw['recall_at_suggest']:.3f}, "
        f"organic false matches {fw['organic_false_match_rate_suggest']:.4%}, "
        f"decoys {fw['decoy_match_rate_suggest']:.1%}; "
        f"baseline bigram Jaccard {base['posts_per_s']:,.0f} posts/s, recall@1 {base['recall_at_1']:.3f}"
    )


if __name__ == "__main__":
    main()
