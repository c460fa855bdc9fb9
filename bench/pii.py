"""PII detection: precision and recall per kind on a generated labelled set, throughput, and a naive baseline.

    .venv/bin/python bench/pii.py                        # 20,000 snippets, seed 7, + real Weibo text + 1M posts
    .venv/bin/python bench/pii.py --snippets 2000 --real-texts 0 --doxxing-posts 0   # quick

1. Labelled set (`--snippets`, Chinese and English): each snippet is a template sentence holding 0-2 planted
   values of the ten kinds in varied writing (one run, groups with spaces/hyphens/dots, +86/0086/+1 prefixes,
   parentheses, full-width digits and letters, lower-case x, plate separators) and 0-2 hard negatives: order
   numbers (date-prefixed like the simulator's, and random 12-19 digits), Luhn-invalid cards with a real issuer
   prefix, ID numbers with an impossible date or a wrong check character, epoch timestamps, ISO dates and times,
   prices, version numbers, tracking codes (SF..., 1Z...), QQ groups, SSNs in never-issued ranges, toll-free and
   fiction-range US numbers, bare 10-digit numbers, landline look-alikes, plate and address look-alikes, status
   ids inside URLs. A detection counts as a true positive when its kind is the planted kind and its span overlaps
   the planted span; every other detection is a false positive.
   Caveat: the generator was written together with the detector, so hard negatives probe the rules it knows of;
   the real-text section below is the check against text nobody wrote for it.
2. The baseline is what a plain-regex scrubber does: `\\d{17}[\\dXx]`, `1\\d{10}`, `\\d{16,19}`, and similar
   patterns for the other kinds, without checksums, date checks or digit-run boundaries. Both run on the same
   snippets, single-threaded, timed as texts/s.
3. Real text (`--real-texts`, 0 to skip): the first N texts of the CED Weibo rumour dataset (originals, then
   reposts/comments) in ../shared/data. No labels: it reports how many texts each method flags per kind.
4. Doxxing at scale (`--doxxing-posts`, 0 to skip): `floodwatch simulate` posts (bench/common.py's cached
   folder), ingested once into bench/.work/pii-store, then `detect_doxxing` on the store's posts view: seconds,
   posts/s, and recall/precision on the planted doxxing posts.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import phonenumbers
import pyarrow as pa

# Run as a script: its folder is on sys.path, so the shared helpers import as `common`.
from common import (
    ROOT,
    WORK,
    announce,
    git_revision,
    log,
    print_table,
    simulated_data,
    wait_until_quiet,
    write_results,
)
from floodwatch.detect.pii import KINDS, detect_pii, redact_texts
from floodwatch.sim import pii as sim_pii

NAME = "pii"
GOAL = 0.99
CED = ROOT.parent / "shared" / "data" / "ced_weibo_rumor"
STORE = WORK / "pii-store"

Span = tuple[str, int, int]  # kind, start, end

# --- the naive baseline -------------------------------------------------------------------------------------------

BASELINE: dict[str, re.Pattern[str]] = {
    "id_cn": re.compile(r"\d{17}[\dXx]"),
    "mobile_cn": re.compile(r"1\d{10}"),
    "landline_cn": re.compile(r"\(?0\d{2,3}\)?[- ]?\d{7,8}"),
    "bank_card": re.compile(r"\d{16,19}"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "plate_cn": re.compile(r"[京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新][A-Z][A-Z0-9]{5,6}"),
    "address_cn": re.compile(r"\S{2,12}?(?:路|街|巷)\d+号"),
    "ssn_us": re.compile(r"\d{3}-\d{2}-\d{4}"),
    "phone_us": re.compile(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}"),
    "phone_intl": re.compile(r"\+\d[\d ]{7,16}\d"),
}


def baseline(text: str) -> list[Span]:
    return [(kind, m.start(), m.end()) for kind, pattern in BASELINE.items() for m in pattern.finditer(text)]


def floodwatch(text: str) -> list[Span]:
    return [(m.kind, m.start, m.end) for m in detect_pii(text)]


# --- values of each kind, written in varied ways ------------------------------------------------------------------


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def luhn_complete(body: str) -> str:
    for d in "0123456789":
        digits = [int(c) for c in body + d][::-1]
        if sum(x if i % 2 == 0 else (x * 2 if x < 5 else x * 2 - 9) for i, x in enumerate(digits)) % 10 == 0:
            return body + d
    raise AssertionError("unreachable")


def digits(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


def grouped(value: str, sizes: list[int], sep: str) -> str:
    out, pos = [], 0
    for s in sizes:
        out.append(value[pos : pos + s])
        pos += s
    if pos < len(value):
        out.append(value[pos:])
    return sep.join(out)


class Values:
    """Generators of positives, one per kind, each picking a writing style at random."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.np = np.random.default_rng(seed)

    def id_cn(self) -> str:
        v = sim_pii.resident_id(self.np)
        style = self.r.random()
        if style < 0.15 and v.endswith("X"):
            return v.lower()
        if style < 0.3:
            return grouped(v, [6, 8], self.r.choice([" ", "-"]))
        if style < 0.45:
            return full_width(v)
        return v

    def mobile_cn(self) -> str:
        v = self.r.choice("3456789") + digits(self.r, 9)
        v = "1" + v
        style = self.r.random()
        if style < 0.2:
            v = grouped(v, [3, 4], self.r.choice([" ", "-"]))
        elif style < 0.3:
            v = "+86 " + grouped(v, [3, 4], " ")
        elif style < 0.38:
            v = "+86" + v
        elif style < 0.44:
            v = "0086 " + v
        elif style < 0.5:
            v = "(+86)" + v
        return full_width(v) if self.r.random() < 0.15 else v

    def landline_cn(self) -> str:
        area = self.r.choice(["010", "021", "020", "022", "023", "024", "025", "027", "028", "029", "0571", "0755"])
        local = self.r.choice("23456789") + digits(self.r, 7 if len(area) == 3 else self.r.choice([6, 7]))
        style = self.r.random()
        if style < 0.4:
            v = f"{area}-{local}"
        elif style < 0.6:
            v = f"({area}){local}"
        elif style < 0.8:
            v = f"{area} {grouped(local, [len(local) - 4], ' ')}"
        else:
            v = f"({area}) {local}"
        return full_width(v) if self.r.random() < 0.1 else v

    def bank_card(self) -> str:
        scheme = self.r.random()
        if scheme < 0.5:
            v = luhn_complete("62" + digits(self.r, self.r.choice([13, 14, 15, 16])))
        elif scheme < 0.7:
            v = luhn_complete("4" + digits(self.r, 14))
        elif scheme < 0.8:
            v = luhn_complete(str(self.r.randint(51, 55)) + digits(self.r, 13))
        elif scheme < 0.9:
            v = luhn_complete(str(self.r.randint(2221, 2720)) + digits(self.r, 11))
        else:
            v = luhn_complete(self.r.choice(["34", "37"]) + digits(self.r, 12))
        style = self.r.random()
        if style < 0.4:
            v = grouped(v, [4] * ((len(v) - 1) // 4), self.r.choice([" ", "-"]))
        return full_width(v) if self.r.random() < 0.1 else v

    def email(self) -> str:
        user = self.r.choice(["zhang.san", "lily_88", "wang123", "john.doe", "m.chen+shop", "xiaoming2000"])
        if self.r.random() < 0.3:
            user = "1" + self.r.choice("3589") + digits(self.r, 9)
        domain = self.r.choice(
            ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com.cn", "example.org"]
        )
        v = f"{user}@{domain}"
        style = self.r.random()
        if style < 0.1:
            v = v.upper()
        elif style < 0.2:
            v = full_width(v)
        return v

    def plate_cn(self) -> str:
        province = self.r.choice("京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新")
        letter = self.r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
        kind = self.r.random()
        if kind < 0.6:
            serial = list(digits(self.r, 5))
            for i in self.r.sample(range(5), self.r.choice([0, 0, 1, 2])):
                serial[i] = self.r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
            tail = "".join(serial)
        elif kind < 0.8:
            tail = self.r.choice("DF") + self.r.choice("ABCDEFGHJK0123456789") + digits(self.r, 4)
        else:
            tail = digits(self.r, 5) + self.r.choice("DF")
        sep = self.r.choice(["", "", "·", " "])
        v = f"{province}{letter}{sep}{tail}"
        return v.lower() if self.r.random() < 0.05 else v

    def address_cn(self) -> str:
        city = self.r.choice(
            ["北京市朝阳区", "上海市浦东新区", "广东省深圳市南山区", "浙江省杭州市西湖区", "四川省成都市武侯区"]
        )
        road = self.r.choice(["建国路", "科技园南路", "文三路", "人民南路", "长安街", "南京西路"])
        number = f"{self.r.randint(1, 999)}号"
        rest = self.r.choice(
            ["", f"{self.r.randint(1, 30)}栋", f"{self.r.randint(1, 30)}号楼{self.r.randint(1, 6)}单元"]
        )
        room = self.r.choice(["", f"{self.r.randint(101, 2808)}室"])
        if not rest and not room:  # a home address names the building, unit or room
            room = f"{self.r.randint(101, 2808)}室"
        if self.r.random() < 0.3:
            city = ""
        v = f"{city}{road}{number}{rest}{room}"
        return full_width(v) if self.r.random() < 0.1 else v

    def ssn_us(self) -> str:
        area = self.r.choice([a for a in range(1, 900) if a != 666])
        v = f"{area:03d}-{self.r.randint(1, 99):02d}-{self.r.randint(1, 9999):04d}"
        return v.replace("-", " ") if self.r.random() < 0.15 else v

    def phone_us(self) -> str:
        while True:
            area = f"{self.r.randint(2, 9)}{self.r.randint(0, 9)}{self.r.randint(0, 9)}"
            exch = f"{self.r.randint(2, 9)}{self.r.randint(0, 9)}{self.r.randint(0, 9)}"
            if area[1:] != "11" and exch[1:] != "11" and not area.endswith("00") and area[0] != "8":
                break
        line = digits(self.r, 4)
        return self.r.choice(
            [
                f"({area}) {exch}-{line}",
                f"{area}-{exch}-{line}",
                f"{area}.{exch}.{line}",
                f"+1 {area} {exch} {line}",
                f"1-{area}-{exch}-{line}",
                f"+1-{area}-{exch}-{line}",
            ]
        )

    def phone_intl(self) -> str:
        region = self.r.choice(["GB", "FR", "DE", "JP", "AU", "IN", "SG", "KR", "BR", "ES"])
        kind = self.r.choice([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE])
        example = phonenumbers.example_number_for_type(region, kind)
        assert example is not None
        national = str(example.national_number)
        for _ in range(50):  # vary the last digits while the number stays valid in its plan
            candidate = national[:-4] + digits(self.r, 4)
            parsed = phonenumbers.parse(f"+{example.country_code}{candidate}")
            if phonenumbers.is_valid_number(parsed):
                break
        else:
            parsed = example
        fmt = self.r.choice([phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164])
        return phonenumbers.format_number(parsed, fmt)


class Negatives:
    """Numbers and strings that are not personal data but look like it to a plain regex."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.np = np.random.default_rng(seed + 1)

    def make(self) -> str:
        r = self.r
        makers: list[Callable[[], str]] = [
            lambda: f"订单号{sim_pii.order_number(self.np)}",
            lambda: f"订单号{r.choice('123')}{digits(r, r.randint(11, 18))}",
            lambda: f"Order #{digits(r, r.randint(12, 19))}",
            lambda: f"卡号{self._bad_card()}",
            lambda: f"身份证{self._bad_id()}",
            lambda: f"ts {r.randint(1_600_000_000_000, 1_800_000_000_000)}",
            lambda: f"at {r.randint(1_600_000_000, 1_800_000_000)}",
            lambda: f"2026-0{r.randint(1, 9)}-{r.randint(10, 28)} {r.randint(10, 23)}:{r.randint(10, 59)}:00",
            lambda: f"价格¥{r.randint(1, 99999)}.{r.randint(10, 99)}",
            lambda: f"${r.randint(1, 999)},{r.randint(100, 999)}.{r.randint(10, 99)}",
            lambda: f"v{r.randint(1, 20)}.{r.randint(0, 9)}.{r.randint(0, 99999999)}",
            lambda: f"10.0.{r.randint(10000, 22631)}.{r.randint(1000, 9999)}",
            lambda: f"快递单号SF{digits(r, 12)}",
            lambda: f"tracking 1Z{digits(r, 3)}AA{digits(r, 11)}",
            lambda: f"QQ群{r.randint(100_000_000, 999_999_999)}",
            lambda: f"SSN {r.choice(['000', '666', '9' + digits(r, 2)])}-{digits(r, 2)}-{digits(r, 4)}",
            lambda: f"call {r.choice(['800', '888', '877'])}-{r.randint(200, 999)}-{digits(r, 4)}",
            lambda: f"in the movie 555-01{digits(r, 2)}",
            lambda: f"ref {r.randint(2, 9)}{digits(r, 9)}",
            lambda: f"客服{r.choice(['0155', '0016'])}-{digits(r, 8)}",
            lambda: f"车牌{r.choice('京沪粤')}A{digits(r, 6)}",
            lambda: f"{r.choice(['中山路', '人民路', '解放路'])}{r.randint(1, 99)}号店",
            lambda: f"医院地址：{r.choice(['上海市长宁区淮海西路', '北京市西城区西什库大街'])}{r.randint(1, 999)}号",
            lambda: f"地铁{r.randint(1, 20)}号线",
            lambda: f"https://weibo.com/{digits(r, 10)}/4{digits(r, 15)}",
            lambda: f"步数{r.randint(1000, 30000)}",
            lambda: f"@user_{digits(r, 8)}",
            lambda: f"编号1{r.choice('3589')}{digits(r, 9)}{digits(r, r.randint(1, 6))}",
        ]
        return r.choice(makers)()

    def _bad_card(self) -> str:
        v = luhn_complete("62" + digits(self.r, 14))
        return v[:-1] + str((int(v[-1]) + self.r.randint(1, 9)) % 10)

    def _bad_id(self) -> str:
        first17 = self.r.choice(sim_pii.AREA_CODES) + self.r.choice(["19900230", "19851301", "20990101", "18991231"])
        first17 += digits(self.r, 3)
        if self.r.random() < 0.5:  # a good date but the wrong check character
            first17 = first17[:6] + "19900115" + first17[14:]
            good = sim_pii.id_check_char(first17)
            return first17 + next(c for c in "0123456789X" if c != good)
        return first17 + sim_pii.id_check_char(first17)


TEMPLATES_ZH = (
    "有人把{v}发出来了，大家别乱传",
    "联系方式{v}，谢谢",
    "这个人的信息：{v}！",
    "{v}",
    "扒到了{v}冲",
    "请核对：{v}。",
)
TEMPLATES_EN = ("Here it is: {v}.", "contact {v} asap", "{v}", "posted {v}, unbelievable", "info ({v}) leaked")
FILLERS = ("今天天气不错", "转发微博", "Great game last night", "排队排了12分钟", "3 days to go", "")
ENGLISH = frozenset(("ssn_us", "phone_us", "phone_intl"))


def labelled_set(n: int, seed: int) -> tuple[list[str], list[list[Span]]]:
    r = random.Random(seed)
    values, negatives = Values(seed), Negatives(seed)
    texts: list[str] = []
    truth: list[list[Span]] = []
    for _ in range(n):
        pieces: list[tuple[str | None, str]] = []
        for _ in range(r.choice([0, 1, 1, 2])):
            kind = r.choice(KINDS)
            pieces.append((kind, getattr(values, kind)()))
        for _ in range(r.choice([0, 1, 1, 2])):
            pieces.append((None, negatives.make()))
        r.shuffle(pieces)
        text, spans = r.choice(FILLERS), []
        for kind, value in pieces:
            english = kind in ENGLISH or (kind is None and r.random() < 0.4)
            template = r.choice(TEMPLATES_EN if english else TEMPLATES_ZH)
            # a value glued to a word or a number is part of it (a code, a longer number): keep them apart
            glued = bool(text) and text[-1].isascii() and (text[-1].isalnum() or text[-1] in ".-")
            sep = " " if english or glued else r.choice(["", "，", " "])
            head, _, tail = template.partition("{v}")
            start = len(text) + len(sep) + len(head)
            text += sep + head + value + tail
            if kind is not None:
                spans.append((kind, start, start + len(value)))
        texts.append(text)
        truth.append(spans)
    return texts, truth


def score(predicted: list[list[Span]], truth: list[list[Span]]) -> dict[str, Any]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for pred, true in zip(predicted, truth, strict=True):
        unmatched = list(true)
        for kind, s, e in pred:
            hit = next((t for t in unmatched if t[0] == kind and s < t[2] and e > t[1]), None)
            if hit is None:
                fp[kind] += 1
            else:
                tp[kind] += 1
                unmatched.remove(hit)
        for kind, _, _ in unmatched:
            fn[kind] += 1

    def pr(t: int, p: int, n: int) -> dict[str, Any]:
        return {
            "tp": t,
            "fp": p,
            "fn": n,
            "precision": round(t / (t + p), 4) if t + p else None,
            "recall": round(t / (t + n), 4) if t + n else None,
        }

    per_kind = {k: pr(tp[k], fp[k], fn[k]) for k in KINDS}
    return {"overall": pr(sum(tp.values()), sum(fp.values()), sum(fn.values())), "per_kind": per_kind}


QUIET_TIMEOUT = 30.0
BUSY: list[float | None] = []  # cores other processes used just before each timed section


def quiet() -> None:
    """Wait (briefly) for other processes to go quiet on a shared machine, and note how busy it still was."""
    BUSY.append(wait_until_quiet(timeout=QUIET_TIMEOUT))


def timed(fn: Callable[[str], list[Span]], texts: list[str]) -> tuple[list[list[Span]], float]:
    """Single-threaded wall time over `texts`."""
    fn(texts[0])  # warm up (phonenumbers metadata, regex caches)
    quiet()
    started = time.perf_counter()
    out = [fn(t) for t in texts]
    return out, time.perf_counter() - started


# --- real text ----------------------------------------------------------------------------------------------------


def ced_texts(limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((CED / "original-microblog").glob("*.json")):
        texts.append(json.loads(path.read_text(encoding="utf-8")).get("text") or "")
    for folder in ("rumor-repost", "non-rumor-repost"):
        for path in sorted((CED / folder).glob("*.json")):
            if len(texts) >= limit:
                return texts[:limit]
            texts.extend(t for item in json.loads(path.read_text(encoding="utf-8")) if (t := item.get("text")))
    return texts[:limit]


def real_text(limit: int) -> dict[str, Any] | None:
    if limit <= 0 or not CED.is_dir():
        return None
    texts = ced_texts(limit)
    log(f"real text: {len(texts):,} CED Weibo texts")
    result: dict[str, Any] = {"dataset": "CED Weibo rumour dataset (originals, then reposts/comments)"}
    result["texts"] = len(texts)
    for name, fn in (("floodwatch", floodwatch), ("baseline", baseline)):
        predicted, seconds = timed(fn, texts)
        flagged: Counter[str] = Counter()
        for spans in predicted:
            flagged.update({k for k, _, _ in spans})
        result[name] = {
            "seconds": round(seconds, 2),
            "texts_per_s": round(len(texts) / seconds),
            "texts_flagged": sum(1 for spans in predicted if spans),
            "texts_flagged_by_kind": dict(sorted(flagged.items())),
        }
    tally: Counter[str] = Counter()
    quiet()
    started = time.perf_counter()
    redact_texts(pa.array(texts, pa.string()), tally=tally)
    seconds = time.perf_counter() - started
    result["floodwatch_redact_texts"] = {"seconds": round(seconds, 2), "texts_per_s": round(len(texts) / seconds)}
    return result


# --- doxxing at scale -----------------------------------------------------------------------------------------


def doxxing_at_scale(posts: int, seed: int) -> dict[str, Any] | None:
    if posts <= 0:
        return None
    import csv

    from floodwatch.detect.doxxing import detect_doxxing
    from floodwatch.ingest.base import ReaderOptions
    from floodwatch.ingest.pipeline import ingest
    from floodwatch.store.events import EventStore

    folder = simulated_data(posts, seed, cnt_csv=True)  # the folder the other benchmarks share
    stamp = STORE / ".bench-stamp.json"
    wanted = {"posts": posts, "seed": seed}
    if not (stamp.exists() and json.loads(stamp.read_text()) == wanted):
        shutil.rmtree(STORE, ignore_errors=True)
        log(f"ingesting {folder / 'posts.jsonl'} into {STORE}")
        ingest(EventStore(STORE), [folder / "posts.jsonl"], "jsonl", ReaderOptions(), None)
        stamp.write_text(json.dumps(wanted) + "\n")
    con = EventStore(STORE).connect()
    table = con.sql("SELECT * FROM posts").to_arrow_table()
    con.close()
    log(f"doxxing: {table.num_rows:,} posts")
    quiet()
    started = time.perf_counter()
    findings = detect_doxxing(table, hash_key=b"bench")
    seconds = time.perf_counter() - started
    with (folder / "truth" / "posts.csv").open(encoding="utf-8") as fh:
        planted = {(r["platform"], r["post_id"]) for r in csv.DictReader(fh) if r["kind"] == "doxxing"}
    flagged = {(s.platform, s.id) for f in findings for s in f.subjects if s.kind == "post"}
    return {
        "posts": table.num_rows,
        "sim_seed": seed,
        "seconds": round(seconds, 2),
        "posts_per_s": round(table.num_rows / seconds),
        "findings": len(findings),
        "planted_doxxing_posts": len(planted),
        "flagged_posts": len(flagged),
        "recall": round(len(planted & flagged) / len(planted), 4) if planted else None,
        "precision": round(len(planted & flagged) / len(flagged), 4) if flagged else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--snippets", type=int, default=20_000, help="labelled snippets (default 20,000)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--real-texts", type=int, default=300_000, help="CED Weibo texts to scan (0: skip)")
    parser.add_argument("--doxxing-posts", type=int, default=1_000_000, help="simulated posts (0: skip)")
    parser.add_argument("--sim-seed", type=int, default=11, help="simulation seed (default 11, as the ingest bench)")
    args = parser.parse_args()

    texts, truth = labelled_set(args.snippets, args.seed)
    planted = Counter(k for spans in truth for k, _, _ in spans)
    log(f"labelled set: {len(texts):,} snippets, {sum(planted.values()):,} planted values")
    runs = {}
    for name, fn in (("floodwatch", floodwatch), ("baseline", baseline)):
        predicted, seconds = timed(fn, texts)
        runs[name] = {
            "seconds": round(seconds, 3),
            "texts_per_s": round(len(texts) / seconds),
            **score(predicted, truth),
        }
        log(f"{name}: {runs[name]['texts_per_s']:,} texts/s")
    real = real_text(args.real_texts)
    dox = doxxing_at_scale(args.doxxing_posts, args.sim_seed)
    payload = {
        "seed": args.seed,
        "snippets": len(texts),
        "planted_by_kind": {k: planted[k] for k in KINDS},
        "goal_precision_recall": GOAL,
        "floodwatch_git": git_revision(),
        "versions": {
            "python": sys.version.split()[0],
            "phonenumbers": phonenumbers.__version__,
            "pyarrow": pa.__version__,
            "floodwatch": __import__("floodwatch").__version__,
        },
        "match_rule": "same kind and overlapping span; every other detection is a false positive",
        "other_processes_cores_before_each_timing": BUSY,
        "runs": runs,
        "real_text": real,
        "doxxing": dox,
    }
    path = write_results(NAME, payload)

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.4f}"

    rows = []
    for kind in (*KINDS, "overall"):
        f, b = (
            run["overall"] if kind == "overall" else run["per_kind"][kind]
            for run in (runs["floodwatch"], runs["baseline"])
        )
        count = sum(planted.values()) if kind == "overall" else planted[kind]
        rows.append([kind, count, cell(f["precision"]), cell(f["recall"]), cell(b["precision"]), cell(b["recall"])])
    print_table(["kind", "planted", "fw precision", "fw recall", "naive precision", "naive recall"], rows)
    fw_rate, naive_rate = runs["floodwatch"]["texts_per_s"], runs["baseline"]["texts_per_s"]
    print(f"throughput: floodwatch {fw_rate:,} texts/s, naive regexes {naive_rate:,} texts/s")
    if real:
        fw, nb = real["floodwatch"], real["baseline"]
        print(
            f"real text ({real['texts']:,} CED Weibo texts): floodwatch flags {fw['texts_flagged']:,} "
            f"{fw['texts_flagged_by_kind']}, naive flags {nb['texts_flagged']:,} {nb['texts_flagged_by_kind']}; "
            f"redact_texts {real['floodwatch_redact_texts']['texts_per_s']:,} texts/s"
        )
    if dox:
        print(
            f"doxxing: {dox['posts']:,} simulated posts in {dox['seconds']:.1f} s ({dox['posts_per_s']:,} posts/s), "
            f"recall {dox['recall']}, precision {dox['precision']} on {dox['planted_doxxing_posts']} planted posts"
        )
    fo, bo = runs["floodwatch"]["overall"], runs["baseline"]["overall"]
    announce(
        path,
        f"pii: {len(texts):,} snippets, floodwatch precision {fo['precision']:.4f} recall {fo['recall']:.4f} "
        f"({runs['floodwatch']['texts_per_s']:,} texts/s) vs naive regex precision {bo['precision']:.4f} "
        f"recall {bo['recall']:.4f} ({runs['baseline']['texts_per_s']:,} texts/s); goal >= {GOAL}",
    )


if __name__ == "__main__":
    main()
