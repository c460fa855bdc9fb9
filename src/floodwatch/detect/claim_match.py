"""Claim matching: which posts restate a debunked claim, Chinese or English, in the claim's words or their own.

Every post and claim is normalised (NFKC, lower case, URLs, @mentions and Weibo emoticons removed, traditional
Chinese -> simplified with zhconv, punctuation and emoji -> space) and represented twice, as hashed TF-IDF vectors:

- `char`: character n-grams of 2-4 within words (scikit-learn's `char_wb`): robust to spelling, simplified /
  traditional, punctuation and emoji noise, truncation and added chatter, in any script;
- `word`: words, jieba for Chinese (dictionary mode, no HMM: fast and deterministic), letters/digits runs for
  English with stop words and a plural `s` dropped: robust to reordering and to restatements with other fillers.

Hashing (2**20 features) needs no vocabulary, so a post's words that no claim uses still count in its norm: a long
post about something else that happens to name the claim's brand scores low. IDF comes from the claims plus an
optional background sample of posts (the stream's own common words weigh little).

Scores are cosines, computed as sparse dot products chunk by chunk of posts. With many claims, features that occur
in more than `max_claim_df` of them (common n-grams such as "th" or "的") would make every post touch every claim;
they are left out of the candidate search, the best `candidates` claims per post are then rescored with the full
vectors, so the score is the exact cosine. Memory is bounded by the chunk size, whatever the number of posts.
A feature common among claims but rare in the background sample of posts (at most `max_stream_df` of them) still
proposes candidates, up to `wide_claim_df` of the claims: what a search costs is how many claims each post's
features reach, and a word the stream seldom uses ("转账", "膨大剂") is seldom in a post, however many claims
share it. Without it a restatement whose only shared words are such claim-common ones ("转账收费新规下月实施" for
"下月起所有手机转账都要收取5%手续费" among claims full of "下月起" and "转账") never reaches its claim.

Each method has two thresholds, as in Meedan Check: `suggest` (send to a reviewer) and `confirm` (auto-confirm).
Posts shorter than a minimum (normalised characters, not counting spaces: `min_chars_cjk` for mostly-CJK text,
`min_chars_latin` otherwise) are not matched: "太可怕了" or "Is this true??" match anything and nothing.

Stance: a post that carries a debunk cue ("辟谣", "不实", "False:", "fact check", ...) or links to the claim's own
fact-check URL mentions the claim without spreading it. Its match keeps its score, is labelled `stance=debunk`
and is never auto-confirmed; findings list such posts apart and do not count them as spread.

Sentence embeddings would plug in as another `Representation` (L2-normalised rows; a dense matrix wrapped as
CSR). None is shipped: see docs/rumors.md for the package that was measured and why it was not taken.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, Self

import duckdb
import jieba
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
import zhconv
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer

from floodwatch.schema import UTC_MICROS, Finding, Subject

__all__ = [
    "MATCH_SCHEMA",
    "METHODS",
    "ClaimMatcher",
    "MatchParams",
    "Thresholds",
    "normalise",
    "rumor_match_findings",
]

jieba.setLogLevel(logging.WARNING)  # its dictionary-loading notes would land in every command's output

DETECTOR = "claim_match"
VERSION = "1"
METHODS = ("char", "word")
N_FEATURES = 2**20

MATCH_SCHEMA = pa.schema(
    [
        pa.field("platform", pa.string()),
        pa.field("post_id", pa.string()),
        pa.field("account_id", pa.string()),
        pa.field("created_at", UTC_MICROS),
        pa.field("claim_id", pa.string()),
        pa.field("method", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("level", pa.string()),  # suggest | confirm
        pa.field("stance", pa.string()),  # spread | debunk
    ]
)

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_MENTION = re.compile(r"@[\w\-]+")
_EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")  # Weibo's [哈哈], [doge]
# Emoji (with their joiners and variation selectors) go without a trace: dropped inside a word they would split it
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0E\uFE0F\u200D]")
_NON_WORD = re.compile(r"[\W_]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_ZH_STOP = frozenset("的了是在和也都就吗吧啊呢呀哦我你他她它们这那个着被把给让说")  # one-character function words
_EN_STOP = frozenset(ENGLISH_STOP_WORDS)
_DEBUNK_ZH = re.compile(r"辟谣|不实|谣言|系编造|纯属捏造|虚假信息|假消息|已证伪")
_DEBUNK_EN = re.compile(
    r"^\W*(?:false|fake|misleading|fact[ -]?check\w*|debunk\w*)\b"
    r"|\b(?:debunk\w*|hoax|fact[ -]?check\w*|no evidence|is not true|isn't true|(?:is|are|was|were) (?:false|fake))\b"
)


# --- text ------------------------------------------------------------------------------------------------------


def normalise(text: str | None) -> str:
    """The form both sides are compared in; see the module docstring."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text).lower()
    t = _MENTION.sub(" ", _URL.sub(" ", t))
    t = _EMOJI.sub("", _EMOTICON.sub(" ", t))
    if _HAN.search(t):
        t = zhconv.convert(t, "zh-cn")
    return _NON_WORD.sub(" ", t).strip()


def long_enough(normalised: str, min_cjk: int, min_latin: int) -> bool:
    """At least `min_cjk` characters when CJK makes up half of them or more, else at least `min_latin`."""
    chars = len(normalised) - normalised.count(" ")
    if not chars:
        return False
    cjk = len(_CJK.findall(normalised))
    return chars >= (min_cjk if cjk * 2 >= chars else min_latin)


def has_debunk_cue(text: str | None) -> bool:
    if not text:
        return False
    t = unicodedata.normalize("NFKC", text).lower()
    return bool(_DEBUNK_ZH.search(zhconv.convert(t, "zh-cn") if _HAN.search(t) else t) or _DEBUNK_EN.search(t))


def words(normalised: str) -> list[str]:
    """Word tokens: jieba for text with Han characters, letter/digit runs otherwise; stop words dropped."""
    if _HAN.search(normalised):
        tokens = [w for w in jieba.lcut(normalised, HMM=False) if w.strip()]
    else:
        tokens = _LATIN_TOKEN.findall(normalised)
    out = []
    for w in tokens:
        if w in _ZH_STOP or w in _EN_STOP:
            continue
        # a plural s off, by hand: no stemmer is installed, and this alone joins tower/towers, fiber/fibers
        if len(w) > 3 and w.isascii() and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


# --- representations ---------------------------------------------------------------------------------------------


class Representation(Protocol):
    """Raw term counts of normalised texts, one row a text, `N_FEATURES` columns (hashed)."""

    @property
    def name(self) -> str: ...

    def counts(self, normalised: Sequence[str]) -> sp.csr_matrix: ...


@dataclass(frozen=True)
class CharNgrams:
    name: str = "char"

    def counts(self, normalised: Sequence[str]) -> sp.csr_matrix:
        vec = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 4),
            n_features=N_FEATURES,
            alternate_sign=False,
            norm=None,
            lowercase=False,
            dtype=np.float32,
        )
        return vec.transform(normalised).tocsr()


@dataclass(frozen=True)
class Words:
    name: str = "word"

    def counts(self, normalised: Sequence[str]) -> sp.csr_matrix:
        vec = HashingVectorizer(
            analyzer=words,
            n_features=N_FEATURES,
            alternate_sign=False,
            norm=None,
            lowercase=False,
            dtype=np.float32,
        )
        return vec.transform(normalised).tocsr()


REPRESENTATIONS: dict[str, Callable[[], Representation]] = {"char": CharNgrams, "word": Words}


# --- parameters ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    suggest: float
    confirm: float

    def __post_init__(self) -> None:
        if not 0.0 < self.suggest <= self.confirm <= 1.0:
            raise ValueError(f"need 0 < suggest <= confirm <= 1, got {self.suggest}, {self.confirm}")


# Calibrated by bench/claim_matching.py (its "calibrated_thresholds", rule in docs/rumors.md): the simulator's claims
# among 100k distractors, organic simulated posts and same-topic decoys.
DEFAULT_THRESHOLDS: Mapping[str, Thresholds] = {
    "char": Thresholds(suggest=0.45, confirm=0.60),
    "word": Thresholds(suggest=0.45, confirm=0.55),
}


@dataclass(frozen=True)
class MatchParams:
    methods: tuple[str, ...] = METHODS
    thresholds: Mapping[str, Thresholds] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    top_k: int = 3  # best claims kept per post and method
    min_chars_cjk: int = 6
    min_chars_latin: int = 16
    chunk_posts: int = 4_096
    candidates: int = 16  # per post and method, rescored exactly when common features were left out
    max_claim_df: float = 0.002  # share of claims a feature may occur in and still propose candidates
    wide_claim_df: float = 0.02  # ... or this share, when the feature is rare in the background posts:
    max_stream_df: float = 0.001  # in at most this share of them (needs a background sample)
    min_claim_df: int = 64  # ... but never fewer claims than this
    candidate_floor: float = 0.05  # partial scores below this propose nothing

    def __post_init__(self) -> None:
        unknown = sorted(set(self.methods) - set(REPRESENTATIONS))
        if unknown or not self.methods:
            raise ValueError(f"unknown methods {unknown}; choose from {', '.join(REPRESENTATIONS)}")
        missing = [m for m in self.methods if m not in self.thresholds]
        if missing:
            raise ValueError(f"no thresholds for methods {missing}")

    def parameters(self) -> dict[str, Any]:
        return {
            "methods": list(self.methods),
            "thresholds": {m: {"suggest": t.suggest, "confirm": t.confirm} for m, t in self.thresholds.items()},
            "top_k": self.top_k,
            "min_chars_cjk": self.min_chars_cjk,
            "min_chars_latin": self.min_chars_latin,
        }


# --- the index -------------------------------------------------------------------------------------------------


def _tfidf(counts: sp.csr_matrix, idf: F32) -> sp.csr_matrix:
    """Sublinear TF times IDF, rows L2-normalised (in place on `counts`)."""
    counts.data = 1.0 + np.log(counts.data, dtype=np.float32)
    counts.data *= idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1), dtype=np.float32).ravel())
    norms[norms == 0] = 1.0
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts


def _document_frequency(counts: sp.csr_matrix) -> F32:
    return np.bincount(counts.indices, minlength=N_FEATURES).astype(np.float32)


@dataclass
class _MethodIndex:
    representation: Representation
    idf: F32
    claims: sp.csr_matrix  # claims x features, TF-IDF, L2 rows
    search: sp.csr_matrix  # features x claims, the selective features only
    exact: bool  # no feature was left out: the candidate scores are the cosines


@dataclass
class MethodMatches:
    """Pairs above the suggest threshold for one method: row of the post in the input, claim row, cosine."""

    method: str
    post: I64
    claim: I64
    score: F32


class ClaimMatcher:
    """Built once from the claims; matches any number of posts chunk by chunk."""

    def __init__(
        self,
        claim_ids: Sequence[str],
        claim_texts: Sequence[str],
        claim_urls: Sequence[str | None] | None = None,
        background: Iterable[str] = (),
        params: MatchParams | None = None,
    ) -> None:
        self.params = params or MatchParams()
        self.claim_ids = list(claim_ids)
        self.claim_urls = [_url_key(u) for u in (claim_urls or [None] * len(self.claim_ids))]
        normalised = [normalise(t) for t in claim_texts]
        background_norm = [normalise(t) for t in background]
        p = self.params
        cap = max(p.min_claim_df, int(p.max_claim_df * len(normalised)))
        wide_cap = max(cap, int(p.wide_claim_df * len(normalised)))
        self.indexes: dict[str, _MethodIndex] = {}
        for method in p.methods:
            rep = REPRESENTATIONS[method]()
            counts = rep.counts(normalised)
            df_claims = _document_frequency(counts)
            df_stream = _document_frequency(rep.counts(background_norm)) if background_norm else None
            df = df_claims + (df_stream if df_stream is not None else 0.0)
            n = len(normalised) + len(background_norm)
            idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
            claims = _tfidf(counts, idf)
            common = df_claims > cap
            if df_stream is not None:  # claim-common but rare in posts: cheap to search, so searched
                common &= (df_claims > wide_cap) | (df_stream > p.max_stream_df * len(background_norm))
            search = claims.copy()
            if common.any():
                search.data[common[search.indices]] = 0.0
                search.eliminate_zeros()
            self.indexes[method] = _MethodIndex(rep, idf, claims, search.T.tocsr(), not common.any())
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_table(cls, claims: pa.Table, background: Iterable[str] = (), params: MatchParams | None = None) -> Self:
        return cls(
            claims.column("claim_id").to_pylist(),
            claims.column("text").to_pylist(),
            claims.column("url").to_pylist() if "url" in claims.column_names else None,
            background,
            params,
        )

    @contextmanager
    def parallel(self, workers: int) -> Iterator[None]:
        """Within this block, chunks are matched by `workers` forked processes (the index is shared copy-on-write
        with them, not pickled). Matching is Python-bound (jieba, n-grams), so threads would not help."""
        global _FORKED
        if workers <= 1 or "fork" not in mp.get_all_start_methods():
            yield
            return
        jieba.initialize()  # load the dictionary once, before the fork
        _FORKED = self
        try:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                self._pool = pool
                yield
        finally:
            self._pool = None
            _FORKED = None

    def match_texts(self, texts: Sequence[str | None]) -> list[MethodMatches]:
        """Top-k claims per text and method with score >= that method's suggest threshold."""
        p = self.params
        found: dict[str, list[tuple[I64, I64, F32]]] = {m: [] for m in p.methods}
        starts = range(0, len(texts), p.chunk_posts)
        chunks = [list(texts[s : s + p.chunk_posts]) for s in starts]
        if self._pool is not None and len(chunks) > 1:
            results: Iterable[dict[str, tuple[I64, I64, F32]]] = self._pool.map(_match_in_worker, chunks)
        else:
            results = map(self._match_chunk_texts, chunks)
        for start, result in zip(starts, results, strict=True):
            for method, (post, claim, score) in result.items():
                found[method].append((post + start, claim, score))
        out = []
        for method, parts in found.items():
            if parts:
                post = np.concatenate([x[0] for x in parts])
                claim = np.concatenate([x[1] for x in parts])
                score = np.concatenate([x[2] for x in parts])
            else:
                post, claim, score = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
            out.append(MethodMatches(method, post, claim, score))
        return out

    def _match_chunk_texts(self, texts: list[str | None]) -> dict[str, tuple[I64, I64, F32]]:
        """Matches of one chunk, rows in chunk order, best first. Each distinct normalised text is scored once
        (copies and reposts repeat a text many times), then its matches are given to all its rows."""
        p = self.params
        distinct: dict[str, int] = {}
        inverse = np.fromiter(
            (distinct.setdefault(normalise(t), len(distinct)) for t in texts), np.int64, count=len(texts)
        )
        uniq = list(distinct)
        kept = np.array([i for i, t in enumerate(uniq) if long_enough(t, p.min_chars_cjk, p.min_chars_latin)], np.int64)
        if not len(kept) or not self.claim_ids:
            return {}
        order = np.argsort(inverse, kind="stable")
        sorted_inverse = inverse[order]
        out = {}
        for method, index in self.indexes.items():
            post, claim, score = self._match_chunk(
                index, [uniq[i] for i in kept.tolist()], p.thresholds[method].suggest
            )
            which = kept[post]
            lo = np.searchsorted(sorted_inverse, which, "left")
            n = np.searchsorted(sorted_inverse, which, "right") - lo
            offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
            rows = order[np.repeat(lo, n) + offsets]
            claim, score = np.repeat(claim, n), np.repeat(score, n)
            by_row = np.lexsort((-score, rows))
            out[method] = (rows[by_row], claim[by_row], score[by_row])
        return out

    def _match_chunk(self, index: _MethodIndex, normalised: list[str], threshold: float) -> tuple[I64, I64, F32]:
        p = self.params
        vectors = _tfidf(index.representation.counts(normalised), index.idf)
        partial = (vectors @ index.search).tocsr()
        partial.data[partial.data < min(p.candidate_floor, threshold)] = 0.0
        partial.eliminate_zeros()
        post, claim, score = _top_per_row(partial, p.candidates if not index.exact else p.top_k)
        if not index.exact and len(post):
            # exact cosine of the candidates: the common features were left out of the search only
            score = np.asarray(vectors[post].multiply(index.claims[claim]).sum(axis=1), np.float32).ravel()
            keep = score >= threshold
            post, claim, score = post[keep], claim[keep], score[keep]
            order = np.lexsort((-score, post))
            post, claim, score = post[order], claim[order], score[order]
            post, claim, score = _first_per_group(post, claim, score, p.top_k)
        keep = score >= threshold
        return post[keep], claim[keep], score[keep]

    def match_table(self, posts: pa.Table) -> pa.Table:
        """Matches of a table of posts (platform, post_id, account_id, created_at, text; urls optional)."""
        matches = self.match_texts(posts.column("text").to_pylist())
        return self._rows(posts, matches)

    def _rows(self, posts: pa.Table, matches: list[MethodMatches]) -> pa.Table:
        parts = []
        for m in matches:
            if not len(m.post):
                continue
            picked = posts.take(pa.array(m.post))
            t = self.params.thresholds[m.method]
            debunk = self._debunk(picked, m.claim)
            level = np.where(m.score >= t.confirm, "confirm", "suggest")
            level[debunk] = "suggest"  # a debunk is never auto-confirmed as spreading the claim
            parts.append(
                pa.table(
                    {
                        "platform": picked.column("platform"),
                        "post_id": picked.column("post_id"),
                        "account_id": picked.column("account_id"),
                        "created_at": picked.column("created_at").cast(UTC_MICROS),
                        "claim_id": pa.array([self.claim_ids[c] for c in m.claim.tolist()], pa.string()),
                        "method": pa.array([m.method] * len(m.post), pa.string()),
                        "score": pa.array(np.round(m.score.astype(np.float64), 4)),
                        "level": pa.array(level.tolist(), pa.string()),
                        "stance": pa.array(np.where(debunk, "debunk", "spread").tolist(), pa.string()),
                    },
                    schema=MATCH_SCHEMA,
                )
            )
        return pa.concat_tables(parts) if parts else MATCH_SCHEMA.empty_table()

    def _debunk(self, picked: pa.Table, claims: I64) -> npt.NDArray[np.bool_]:
        texts = picked.column("text").to_pylist()
        urls = picked.column("urls").to_pylist() if "urls" in picked.column_names else [None] * len(texts)
        out = np.zeros(len(texts), bool)
        for i, (text, links, c) in enumerate(zip(texts, urls, claims.tolist(), strict=True)):
            own = self.claim_urls[c]
            linked = own is not None and (own in {_url_key(u) for u in links or []} or own in (text or ""))
            out[i] = linked or has_debunk_cue(text)
        return out


_FORKED: ClaimMatcher | None = None  # the matcher a forked worker inherited


def _match_in_worker(texts: list[str | None]) -> dict[str, tuple[I64, I64, F32]]:
    assert _FORKED is not None, "worker started outside ClaimMatcher.parallel()"
    return _FORKED._match_chunk_texts(texts)


def _url_key(url: str | None) -> str | None:
    if not url:
        return None
    return re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/") or None


def _top_per_row(m: sp.csr_matrix, k: int) -> tuple[I64, I64, F32]:
    """The k largest entries of each row of a CSR matrix, as (row, column, value), rows ascending."""
    rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    cols = m.indices.astype(np.int64)
    vals = m.data.astype(np.float32)
    order = np.lexsort((-vals, rows))
    return _first_per_group(rows[order], cols[order], vals[order], k)


def _first_per_group(rows: I64, cols: I64, vals: F32, k: int) -> tuple[I64, I64, F32]:
    """Of (row, col, val) sorted by row then value descending, the first k of each row."""
    if not len(rows):
        return rows, cols, vals
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    keep = (np.arange(len(rows)) - first) < k
    return rows[keep], cols[keep], vals[keep]


# --- findings --------------------------------------------------------------------------------------------------

MAX_SUBJECT_POSTS = 500
TOP_POSTS = 10


def rumor_match_findings(matches: pa.Table, claims: pa.Table, params: MatchParams | None = None) -> list[Finding]:
    """One `rumor_match` finding per claim that posts spread: its subjects are the claim, the accounts and the
    posts (the best `MAX_SUBJECT_POSTS`); its score the best match; debunk posts are listed apart."""
    params = params or MatchParams()
    if not matches.num_rows:
        return []
    info = {r["claim_id"]: r for r in claims.select(["claim_id", "text", "verdict", "source", "url"]).to_pylist()}
    # one row per post and claim: its best score, the methods that matched, the highest level
    by_post = pa.TableGroupBy(
        matches.append_column("is_confirm", pc.equal(matches.column("level"), "confirm")),
        ["claim_id", "platform", "post_id"],
        use_threads=False,
    ).aggregate(
        [
            ("account_id", "min"),
            ("created_at", "min"),
            ("score", "max"),
            ("method", "distinct"),
            ("is_confirm", "any"),
            ("stance", "min"),  # "debunk" < "spread": any debunk cue wins
        ]
    )
    findings = []
    for claim_id in sorted(set(by_post.column("claim_id").to_pylist())):
        rows = by_post.filter(pc.equal(by_post.column("claim_id"), claim_id)).to_pylist()
        spread = sorted((r for r in rows if r["stance_min"] == "spread"), key=lambda r: (-r["score_max"], r["post_id"]))
        debunks = sorted((r for r in rows if r["stance_min"] == "debunk"), key=lambda r: r["created_at_min"])
        if not spread:
            continue
        findings.append(_finding(claim_id, info.get(claim_id, {}), spread, debunks, params))
    return findings


def _post_ref(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "platform": r["platform"],
        "post_id": r["post_id"],
        "account_id": r["account_id_min"],
        "created_at": r["created_at_min"].isoformat(),
        "score": r["score_max"],
        "methods": sorted(r["method_distinct"]),
        "level": "confirm" if r["is_confirm_any"] else "suggest",
    }


def _finding(
    claim_id: str,
    claim: Mapping[str, Any],
    spread: list[dict[str, Any]],
    debunks: list[dict[str, Any]],
    params: MatchParams,
) -> Finding:
    times = [r["created_at_min"] for r in spread]
    start, end = min(times), max(times)
    accounts = sorted({(r["platform"], r["account_id_min"]) for r in spread})
    confirmed = sum(bool(r["is_confirm_any"]) for r in spread)
    methods: dict[str, int] = {}
    platforms: dict[str, int] = {}
    for r in spread:
        for m in r["method_distinct"]:
            methods[m] = methods.get(m, 0) + 1
        platforms[r["platform"]] = platforms.get(r["platform"], 0) + 1
    best = spread[0]["score_max"]
    subjects = [Subject("claim", None, claim_id)]
    subjects += [Subject("account", p, a) for p, a in accounts]
    subjects += [Subject("post", r["platform"], r["post_id"]) for r in spread[:MAX_SUBJECT_POSTS]]
    text = str(claim.get("text") or claim_id)
    verdict = claim.get("verdict")
    hours = (end - start).total_seconds() / 3600
    explanation = (
        f"{len(spread):,} posts by {len(accounts):,} accounts restate a claim fact-checkers rated "
        f"{verdict or 'false'}: “{text[:120]}”. {confirmed:,} match closely enough to confirm, "
        f"{len(spread) - confirmed:,} await review; best similarity {best:.2f}, over {hours:.1f} hours"
        + (f"; {len(debunks):,} {'post debunks' if len(debunks) == 1 else 'posts debunk'} it" if debunks else "")
        + "."
    )
    evidence = {
        "claim": {k: claim.get(k) for k in ("text", "verdict", "source", "url")} | {"claim_id": claim_id},
        "posts": len(spread),
        "accounts": len(accounts),
        "confirmed_posts": confirmed,
        "suggested_posts": len(spread) - confirmed,
        "posts_by_method": dict(sorted(methods.items())),
        "posts_by_platform": dict(sorted(platforms.items())),
        "first_post": start.isoformat(),
        "last_post": end.isoformat(),
        "top_posts": [_post_ref(r) for r in spread[:TOP_POSTS]],
        "subject_posts_truncated": max(0, len(spread) - MAX_SUBJECT_POSTS),
        "debunk_posts": len(debunks),
        "debunk_examples": [_post_ref(r) for r in debunks[:TOP_POSTS]],
    }
    return Finding(
        kind="rumor_match",
        score=float(min(1.0, max(0.0, best))),
        subjects=tuple(subjects),
        start=_aware(start),
        end=_aware(end),
        explanation=explanation,
        evidence=evidence,
        detector=DETECTOR,
        detector_version=VERSION,
        parameters=params.parameters(),
    )


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def match_store(
    con: duckdb.DuckDBPyConnection,
    claims: pa.Table,
    params: MatchParams | None = None,
    background: int = 20_000,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    batch_rows: int = 50_000,
) -> pa.Table:
    """Matches (MATCH_SCHEMA) of every post with text in the `posts` view of `con` against `claims`.

    The IDF weights come from the claims plus a repeatable sample of `background` posts; posts stream in
    batches of `batch_rows`, each reported to `progress` when done. Sorted by claim, best score first."""
    params = params or MatchParams()
    sampled = f"USING SAMPLE reservoir({int(background)} ROWS) REPEATABLE (7)"
    sample = [r[0] for r in con.execute(f"SELECT text FROM posts WHERE text IS NOT NULL {sampled}").fetchall()]
    matcher = ClaimMatcher.from_table(claims, sample, params)
    reader: pa.RecordBatchReader = con.sql(
        "SELECT platform, post_id, account_id, created_at, text, urls FROM posts WHERE text IS NOT NULL"
    ).to_arrow_reader(batch_rows)
    parts: list[pa.Table] = []
    with matcher.parallel(workers):
        for batch in reader:
            parts.append(matcher.match_table(pa.Table.from_batches([batch])))
            if progress is not None:
                progress(batch.num_rows)
    matches = pa.concat_tables(parts) if parts else MATCH_SCHEMA.empty_table()
    return matches.sort_by([("claim_id", "ascending"), ("score", "descending"), ("post_id", "ascending")])
