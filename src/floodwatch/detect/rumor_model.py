"""Rumor classifier for unverified source posts: text, author and propagation, usable early (1 h, 6 h, 24 h).

Three parts, stacked:
1. a source-text model: TF-IDF over character 1-3-grams plus jieba words (Chinese and English alike), logistic
   regression;
2. a response-text model: the same over the own words of the responses (reposts with comments, replies) visible
   at the horizon, at most `MAX_RESPONSES` of them, earliest first; what the crowd says ("谣言", "真的吗",
   "fake") is the strongest signal once a post spreads;
3. a nearest-neighbour model of the source's wording: cosine similarity (TF-IDF over jieba words) to the
   closest training rumors against the closest training non-rumors, best match and mean of the best
   `NEIGHBOURS_K`; a claim already seen as a rumor in other words is likely one again;
4. per-horizon meta models on the two text logits, the two neighbour margins, the author and propagation features
   of detect/propagation.py and the author's profile kind (`PROFILE_FEATURES`, below), one per horizon (1 h,
   6 h, 24 h, all): the mean of a logistic regression's logit and a small gradient-boosted tree ensemble's
   (scikit-learn HistGradientBoosting, kept as plain node arrays), so thresholds and interactions (few followers
   *and* no responses yet) count as well as straight trends. The text models are shared; only the meta models
   differ, because the same count means something else after one hour than after a week. A horizon between two
   trained ones uses the nearest on a log scale. The meta models are trained on out-of-fold text logits and
   neighbour margins, so they learn how far to trust them on posts those have not seen.

Shipped as `.npz` (vocabularies, idf, weights; read with allow_pickle=False, so a model file cannot run code)
plus `.json` (settings, training data and their terms, measured figures). Prediction is rebuilt from these
arrays with scikit-learn's fixed-vocabulary CountVectorizer and NumPy (trees included), so it survives
scikit-learn upgrades.
"""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
import zhconv
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

from floodwatch.detect.propagation import (
    ACCOUNT_FEATURES,
    FEATURE_NAMES,
    Cascades,
    FloatArray,
    IntArray,
    build_cascades,
    own_words,
    source_features,
    source_rows_of,
)

MODEL_VERSION = "1.2"  # 1.2: neighbour margins and tree ensembles in the meta models
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "rumor"
HORIZONS_H: tuple[float | None, ...] = (1.0, 6.0, 24.0, None)  # None: everything in the table
MAX_RESPONSES = 100  # earliest responses read per source: bounds the work on viral posts
CHAR_NGRAMS = (1, 3)
MAX_FEATURES = 60_000  # per text model; keeps the shipped file well under 5 MB
TEXT_C = 20.0  # weak regularisation: the vocabulary is pruned already (min_df 2, max_features)
META_C = 1.0
NEIGHBOURS_K = 5  # the neighbour margin's second column: mean similarity of the best K of each class
NEIGHBOUR_MAX_FEATURES = 30_000  # jieba words kept for the neighbour vectors
NEIGHBOUR_CHUNK = 1_024  # sources compared with the training set at a time (bounds memory)
# The meta models' tree ensemble: shallow trees, slow learning, fixed size (no early stopping: deterministic).
GBM_PARAMS: dict[str, Any] = {
    "max_iter": 300,
    "learning_rate": 0.03,
    "max_leaf_nodes": 7,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
}
GBM_WEIGHT = 0.5  # the meta logit: (1 - GBM_WEIGHT) * logistic + GBM_WEIGHT * trees
INNER_FOLDS = 5
THRESHOLD = 0.5
# The author's kind of profile, from the platform's own account fields (accounts.extras). Weibo's verified_type
# tells a personal "V" (0) from an organisation (1-7; 3 is media) and from a "达人" grassroots badge (200, 220):
# on CED, media accounts post rumors 10% of the time, unbadged ones 58%, grassroots 71%, while the plain
# `verified` flag lumps them together. An empty profile description is the other cue. Other platforms: zeros.
PROFILE_FEATURES = ("verified_personal", "verified_org", "verified_media", "verified_grassroots", "has_description")
_ORG_TYPES = frozenset(range(1, 8))
_MEDIA_TYPE = 3
_GRASSROOTS_TYPES = frozenset({200, 220})
# Per source, what extract_inputs gives: propagation and account features, then the profile kind.
INPUT_FEATURES = (*FEATURE_NAMES, *PROFILE_FEATURES)
# What the meta models read: the text logits, neighbour margins and the features, less the "author known" flag,
# which only marks rows whose author features are imputed (see MetaModel). RAW_COLUMNS is what meta_columns() assembles.
TEXT_COLUMNS = ("source_text_logit", "response_text_logit", "neighbour_margin_best", "neighbour_margin_top")
RAW_COLUMNS = (*TEXT_COLUMNS, *INPUT_FEATURES)
META_COLUMNS = tuple(c for c in RAW_COLUMNS if c != "account_known")
_KNOWN = RAW_COLUMNS.index("account_known")
_KEPT = np.array([i for i, c in enumerate(RAW_COLUMNS) if c != "account_known"], dtype=np.int64)
_AUTHOR = np.array(
    [META_COLUMNS.index(c) for c in (*ACCOUNT_FEATURES, *PROFILE_FEATURES) if c != "account_known"], dtype=np.int64
)

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@[\w\-\u4e00-\u9fff]{1,30}")
_SPACES = re.compile(r"\s+")
jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading at INFO on first use


class ModelFileError(ValueError):
    """A model file is missing, unreadable or of another kind."""


def normalize_text(text: str | None) -> str:
    """NFKC, simplified Chinese, lower case; links and @names become placeholders (who is named is not style)."""
    t = unicodedata.normalize("NFKC", text or "")
    t = zhconv.convert(t, "zh-cn").lower()
    t = _MENTION.sub(" @ ", _URL.sub(" url ", t))
    return _SPACES.sub(" ", t).strip()


def text_tokens(text: str | None) -> list[str]:
    """Character n-grams (language-agnostic, robust to the lack of spaces in Chinese) plus jieba words."""
    t = normalize_text(text)
    lo, hi = CHAR_NGRAMS
    out = [t[i : i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]
    out.extend("w:" + w for w in jieba.lcut(t) if w.strip())
    return out


def _identity(tokens: list[str]) -> list[str]:
    return tokens


@dataclass(frozen=True)
class TextModel:
    """TF-IDF (sublinear tf, l2) + logistic regression, as plain arrays."""

    vocabulary: npt.NDArray[np.str_]
    idf: FloatArray
    coef: FloatArray
    intercept: float

    @staticmethod
    def fit(docs: Sequence[list[str]], y: npt.NDArray[np.int_], seed: int) -> TextModel:
        vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=2, max_features=MAX_FEATURES, dtype=np.float64
        )
        try:
            matrix = vectorizer.fit_transform(docs)
        except ValueError:  # fewer than two documents share any term: a tiny training set
            vectorizer.set_params(min_df=1)
            matrix = vectorizer.fit_transform(docs)
        clf = LogisticRegression(C=TEXT_C, max_iter=3000, random_state=seed).fit(matrix, y)
        vocab = vectorizer.get_feature_names_out().astype(np.str_)
        return TextModel(
            vocab, np.asarray(vectorizer.idf_, dtype=np.float64), clf.coef_[0].copy(), float(clf.intercept_[0])
        )

    def _counter(self) -> CountVectorizer:
        return CountVectorizer(analyzer=_identity, vocabulary=list(self.vocabulary.tolist()))

    def logit(self, docs: Sequence[list[str]]) -> FloatArray:
        """TfidfVectorizer's transform, rebuilt: (1 + log tf) * idf, l2-normalised, then the linear score."""
        if not docs or len(self.vocabulary) == 0:
            return np.full(len(docs), self.intercept)
        counts = sp.csr_matrix(self._counter().transform(docs), dtype=np.float64)
        counts.data = 1.0 + np.log(counts.data)
        weighted = normalize(counts @ sp.diags(self.idf))
        return np.asarray(weighted @ self.coef, dtype=np.float64) + self.intercept


def _words(doc: list[str]) -> list[str]:
    """The jieba words among a source's tokens (see text_tokens)."""
    return [t for t in doc if t.startswith("w:")]


def _tfidf_rows(counter: CountVectorizer, idf: FloatArray, docs: Sequence[list[str]]) -> sp.csr_matrix:
    counts = sp.csr_matrix(counter.transform(docs), dtype=np.float64)
    counts.data = 1.0 + np.log(counts.data)
    return sp.csr_matrix(normalize(counts @ sp.diags(idf)))


@dataclass(frozen=True)
class NeighbourModel:
    """The training sources' word vectors (TF-IDF over jieba words, sublinear tf, l2) and labels.

    `margins` gives, per source, the best cosine to a training rumor minus the best to a training non-rumor, and
    the same for the mean of the best NEIGHBOURS_K of each: positive when the wording is closest to known rumors.
    """

    vocabulary: npt.NDArray[np.str_]
    idf: FloatArray
    rows: sp.csr_matrix
    labels: npt.NDArray[np.int8]

    @staticmethod
    def fit(docs: Sequence[list[str]], y: npt.NDArray[np.int_]) -> NeighbourModel:
        words = [_words(d) for d in docs]
        vectorizer = TfidfVectorizer(
            analyzer=_identity, sublinear_tf=True, min_df=2, max_features=NEIGHBOUR_MAX_FEATURES, dtype=np.float64
        )
        try:
            vectorizer.fit(words)
        except ValueError:  # a tiny training set: no word in two sources, or no words at all
            vectorizer.set_params(min_df=1)
            try:
                vectorizer.fit(words)
            except ValueError:
                return NeighbourModel(
                    np.array([], dtype=np.str_), np.zeros(0), sp.csr_matrix((0, 0)), y.astype(np.int8)
                )
        vocab = vectorizer.get_feature_names_out().astype(np.str_)
        idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        model = NeighbourModel(vocab, idf, sp.csr_matrix((0, len(vocab))), y.astype(np.int8))
        rows = _tfidf_rows(model._counter(), idf, words)
        rows.data = rows.data.astype(np.float16).astype(np.float64)  # as stored (float16): train as we predict
        return NeighbourModel(vocab, idf, rows, y.astype(np.int8))

    def _counter(self) -> CountVectorizer:
        return CountVectorizer(analyzer=_identity, vocabulary=list(self.vocabulary.tolist()))

    def margins(self, docs: Sequence[list[str]]) -> FloatArray:
        """(n, 2): best-match and top-K margins, rumor minus non-rumor; zeros when there is nothing to compare."""
        out = np.zeros((len(docs), 2))
        if not docs or len(self.vocabulary) == 0 or self.rows.shape[0] == 0:
            return out
        queries = _tfidf_rows(self._counter(), self.idf, [_words(d) for d in docs])
        classes = [np.nonzero(self.labels == c)[0] for c in (1, 0)]
        for start in range(0, len(docs), NEIGHBOUR_CHUNK):
            sims = (queries[start : start + NEIGHBOUR_CHUNK] @ self.rows.T).toarray()
            stats = []
            for members in classes:
                if not len(members):
                    stats.append(np.zeros((sims.shape[0], 2)))
                    continue
                k = min(NEIGHBOURS_K, len(members))
                top = -np.partition(-sims[:, members], k - 1, axis=1)[:, :k]
                stats.append(np.column_stack([top.max(axis=1), top.mean(axis=1)]))
            out[start : start + NEIGHBOUR_CHUNK] = stats[0] - stats[1]
        return out


@dataclass(frozen=True)
class Trees:
    """A fitted HistGradientBoosting ensemble as flat node arrays (all trees end to end), evaluated in NumPy."""

    roots: IntArray  # first node of each tree
    feature: IntArray
    threshold: FloatArray  # go left when x <= threshold
    left: IntArray  # global node indices
    right: IntArray
    leaf: npt.NDArray[np.bool_]
    missing_left: npt.NDArray[np.bool_]
    value: FloatArray
    baseline: float

    @staticmethod
    def from_sklearn(clf: HistGradientBoostingClassifier) -> Trees:
        parts: list[Any] = []
        roots, offset = [], 0
        for (predictor,) in clf._predictors:  # binary: one tree per iteration
            nodes = predictor.nodes
            roots.append(offset)
            parts.append((nodes, offset))
            offset += len(nodes)
        if not parts:
            z = np.zeros(0)
            return Trees(
                np.zeros(0, np.int64),
                z.astype(np.int64),
                z,
                z.astype(np.int64),
                z.astype(np.int64),
                z.astype(bool),
                z.astype(bool),
                z,
                float(np.ravel(clf._baseline_prediction)[0]),
            )

        def cat(key: str) -> npt.NDArray[Any]:
            return np.concatenate([n[key] for n, _ in parts])

        shift = np.concatenate([np.full(len(n), o, dtype=np.int64) for n, o in parts])
        leaf = cat("is_leaf").astype(bool)
        return Trees(
            np.asarray(roots, dtype=np.int64),
            cat("feature_idx").astype(np.int64),
            cat("num_threshold").astype(np.float64),
            np.where(leaf, 0, cat("left").astype(np.int64) + shift),
            np.where(leaf, 0, cat("right").astype(np.int64) + shift),
            leaf,
            cat("missing_go_to_left").astype(bool),
            cat("value").astype(np.float64),
            float(np.ravel(clf._baseline_prediction)[0]),
        )

    def decision(self, x: FloatArray) -> FloatArray:
        """The ensemble's raw score (log-odds) per row of `x`."""
        n = x.shape[0]
        if not len(self.roots) or n == 0:
            return np.full(n, self.baseline)
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        row = np.arange(n)[:, None]
        for _ in range(len(self.feature)):  # bounded by the node count; real trees are a few levels deep
            open_ = ~self.leaf[node]
            if not open_.any():
                break
            value = x[row, self.feature[node]]
            go_left = np.where(np.isnan(value), self.missing_left[node], value <= self.threshold[node])
            node = np.where(open_, np.where(go_left, self.left[node], self.right[node]), node)
        return np.asarray(self.value[node].sum(axis=1) + self.baseline, dtype=np.float64)

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        return {
            f"{prefix}_roots": self.roots.astype(np.int32),
            f"{prefix}_feature": self.feature.astype(np.int16),
            f"{prefix}_threshold": self.threshold,
            f"{prefix}_left": self.left.astype(np.int32),
            f"{prefix}_right": self.right.astype(np.int32),
            f"{prefix}_leaf": self.leaf,
            f"{prefix}_missing_left": self.missing_left,
            f"{prefix}_value": self.value,
            f"{prefix}_baseline": np.array([self.baseline]),
        }

    @staticmethod
    def from_arrays(arrays: Mapping[str, npt.NDArray[Any]], prefix: str) -> Trees:
        def get(name: str) -> npt.NDArray[Any]:
            return arrays[f"{prefix}_{name}"]

        return Trees(
            get("roots").astype(np.int64),
            get("feature").astype(np.int64),
            get("threshold").astype(np.float64),
            get("left").astype(np.int64),
            get("right").astype(np.int64),
            get("leaf").astype(bool),
            get("missing_left").astype(bool),
            get("value").astype(np.float64),
            float(get("baseline")[0]),
        )


@dataclass(frozen=True)
class MetaModel:
    """Standardised logistic regression plus a tree ensemble on META_COLUMNS for one horizon (mean of the two
    logits, weighted by GBM_WEIGHT).

    A source whose author is unknown gets the training mean of each author feature (0 once standardised), so a
    missing accounts file neither raises nor lowers a score. Zeros would read as "a tiny new account", and in
    CED every one of the 66 posts without a user record is a rumor: an artefact the model must not learn.
    """

    horizon_h: float | None
    mean: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: float
    trees: Trees

    @staticmethod
    def fit(raw: FloatArray, y: npt.NDArray[np.int_], horizon_h: float | None, seed: int) -> MetaModel:
        columns, known = raw[:, _KEPT], raw[:, _KNOWN] > 0
        mean = columns.mean(axis=0)
        if known.any():
            mean[_AUTHOR] = columns[known][:, _AUTHOR].mean(axis=0)
        columns = _impute(columns, known, mean)
        scale = columns.std(axis=0)
        scale[scale == 0] = 1.0
        standard = (columns - mean) / scale
        clf = LogisticRegression(C=META_C, max_iter=3000, random_state=seed).fit(standard, y)
        gbm = HistGradientBoostingClassifier(**GBM_PARAMS, random_state=seed).fit(standard, y)
        trees = Trees.from_sklearn(gbm)
        if not np.allclose(trees.decision(standard), gbm.decision_function(standard), atol=1e-6):
            raise RuntimeError("this scikit-learn's tree layout is not the one Trees reads; update Trees")
        return MetaModel(horizon_h, mean, scale, clf.coef_[0].copy(), float(clf.intercept_[0]), trees)

    def logit(self, raw: FloatArray) -> FloatArray:
        columns = _impute(raw[:, _KEPT], raw[:, _KNOWN] > 0, self.mean)
        standard = (columns - self.mean) / self.scale
        linear = standard @ self.coef + self.intercept
        return np.asarray((1.0 - GBM_WEIGHT) * linear + GBM_WEIGHT * self.trees.decision(standard), dtype=np.float64)


def _impute(columns: FloatArray, known: npt.NDArray[np.bool_], mean: FloatArray) -> FloatArray:
    out = columns.copy()
    unknown = np.nonzero(~known)[0]
    out[np.ix_(unknown, _AUTHOR)] = mean[_AUTHOR]
    return out


@dataclass
class SourceInputs:
    """What the model reads about each source post at one horizon."""

    platforms: list[str]
    post_ids: list[str]
    source_docs: list[list[str]]
    response_docs: list[list[str]]
    features: FloatArray

    def take(self, index: IntArray) -> SourceInputs:
        i = [int(k) for k in index]
        return SourceInputs(
            [self.platforms[k] for k in i],
            [self.post_ids[k] for k in i],
            [self.source_docs[k] for k in i],
            [self.response_docs[k] for k in i],
            self.features[index],
        )


def _horizon_seconds(horizon_h: float | None) -> float | None:
    return None if horizon_h is None else horizon_h * 3600.0


def extract_inputs(
    posts: pa.Table,
    accounts: pa.Table | None = None,
    horizons_h: Iterable[float | None] = HORIZONS_H,
    sources: tuple[Sequence[str], Sequence[str]] | None = None,
    cascades: Cascades | None = None,
) -> dict[float | None, SourceInputs]:
    """Inputs for each horizon. `sources` = (platforms, post_ids) to score; default: every post that starts a
    cascade. Source posts not in the table raise KeyError. Tokenising is shared across horizons."""
    cascades = cascades or build_cascades(posts)
    if sources is None:
        rows = source_rows_of(posts, cascades)
    else:
        rows = cascades.index_of(pa.array(list(sources[0]), pa.string()), pa.array(list(sources[1]), pa.string()))
        if (rows < 0).any():
            missing = [sources[1][int(i)] for i in np.nonzero(rows < 0)[0][:5]]
            raise KeyError(f"{int((rows < 0).sum())} source posts are not in the posts table, e.g. {missing}")
    take = pa.array(rows)
    platforms = pc.cast(posts["platform"], pa.string()).take(take).to_pylist()
    post_ids = pc.cast(posts["post_id"], pa.string()).take(take).to_pylist()
    source_docs = [text_tokens(t) for t in posts["text"].take(take).to_pylist()]
    responses = _responses(posts, cascades, rows)
    profile = profile_features(posts, rows, accounts)
    out: dict[float | None, SourceInputs] = {}
    for h in horizons_h:
        limit = _horizon_seconds(h)
        docs = [
            [tok for delay, toks in per_source if limit is None or delay <= limit for tok in toks]
            for per_source in responses
        ]
        feats = np.hstack([source_features(posts, rows, limit, accounts, cascades), profile])
        out[h] = SourceInputs(platforms, post_ids, source_docs, docs, feats)
    return out


def profile_features(posts: pa.Table, rows: IntArray, accounts: pa.Table | None) -> FloatArray:
    """PROFILE_FEATURES of each source row's author, from `accounts.extras` (JSON); zeros where unknown (the
    meta models impute unknown authors, see MetaModel)."""
    out = np.zeros((len(rows), len(PROFILE_FEATURES)))
    if accounts is None or accounts.num_rows == 0 or "extras" not in accounts.column_names or not len(rows):
        return out
    take = pa.array(np.maximum(rows, 0))
    authors = pc.binary_join_element_wise(
        pc.cast(posts["platform"].take(take), pa.string()), pc.cast(posts["account_id"].take(take), pa.string()), "\x1f"
    )
    keys = pc.binary_join_element_wise(
        pc.cast(accounts["platform"], pa.string()), pc.cast(accounts["account_id"], pa.string()), "\x1f"
    )
    at = np.asarray(pc.fill_null(pc.index_in(authors, value_set=keys), -1), dtype=np.int64)
    extras = pc.cast(accounts["extras"], pa.string()).to_pylist()
    for i, a in enumerate(at.tolist()):
        if a < 0 or rows[i] < 0 or not extras[a]:
            continue
        try:
            fields = json.loads(extras[a])
        except ValueError:  # a malformed extras string says nothing about the author
            continue
        if not isinstance(fields, dict):
            continue
        kind = fields.get("verified_type")
        kind = int(kind) if isinstance(kind, int | float) and not isinstance(kind, bool) else None
        out[i, 0] = kind == 0
        out[i, 1] = kind in _ORG_TYPES
        out[i, 2] = kind == _MEDIA_TYPE
        out[i, 3] = kind in _GRASSROOTS_TYPES
        out[i, 4] = bool(fields.get("description"))
    return out


def _responses(posts: pa.Table, cascades: Cascades, rows: IntArray) -> list[list[tuple[float, list[str]]]]:
    """Per source: (delay s, tokens) of its earliest MAX_RESPONSES responses that have words of their own."""
    slot = np.full(len(cascades.root), -1, dtype=np.int64)
    slot[rows] = np.arange(len(rows))
    member = (cascades.depth > 0) & (cascades.root >= 0)
    member &= slot[np.maximum(cascades.root, 0)] >= 0
    idx = np.nonzero(member)[0]
    words = np.asarray(pc.utf8_length(own_words(posts["text"].take(pa.array(idx)))).to_numpy(zero_copy_only=False))
    idx = idx[np.nan_to_num(words.astype(np.float64)) > 0]
    idx = idx[np.lexsort((cascades.delay_s[idx], slot[cascades.root[idx]]))]
    s = slot[cascades.root[idx]]
    first = np.searchsorted(s, s, side="left")
    keep = idx[(np.arange(len(idx)) - first) < MAX_RESPONSES]
    texts = own_words(posts["text"].take(pa.array(keep))).to_pylist()
    out: list[list[tuple[float, list[str]]]] = [[] for _ in rows]
    for r, text in zip(keep.tolist(), texts, strict=True):
        out[int(slot[cascades.root[r]])].append((float(cascades.delay_s[r]), text_tokens(text)))
    return out


@dataclass
class RumorModel:
    """The trained classifier; `score` gives a rumor probability for each source post."""

    source_text: TextModel
    response_text: TextModel
    neighbours: NeighbourModel
    meta: list[MetaModel]
    threshold: float = THRESHOLD
    metadata: dict[str, Any] = field(default_factory=dict)

    # ---- prediction -------------------------------------------------------------------------------------
    def meta_for(self, horizon_h: float | None) -> MetaModel:
        """The meta model trained at the horizon nearest to `horizon_h` on a log scale (None: all)."""
        if horizon_h is None:
            open_ended = [m for m in self.meta if m.horizon_h is None]
            return open_ended[0] if open_ended else max(self.meta, key=lambda m: m.horizon_h or 0.0)
        timed = [m for m in self.meta if m.horizon_h is not None]
        if not timed:
            return self.meta[0]
        return min(timed, key=lambda m: abs(math.log(max(horizon_h, 1e-3)) - math.log(m.horizon_h or 1.0)))

    def meta_columns(self, inputs: SourceInputs) -> FloatArray:
        source = self.source_text.logit(inputs.source_docs)
        response = np.zeros(len(inputs.response_docs))
        has = np.array([bool(d) for d in inputs.response_docs], dtype=bool)
        if has.any():
            response[has] = self.response_text.logit([d for d in inputs.response_docs if d])
        return np.column_stack([source, response, self.neighbours.margins(inputs.source_docs), inputs.features])

    def predict(self, inputs: SourceInputs, horizon_h: float | None) -> FloatArray:
        """Rumor probability per source in `inputs` (extracted at `horizon_h`)."""
        if not inputs.post_ids:
            return np.zeros(0)
        logit = self.meta_for(horizon_h).logit(self.meta_columns(inputs))
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)

    def score(
        self,
        posts: pa.Table,
        accounts: pa.Table | None = None,
        horizon: timedelta | float | None = None,
        sources: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> pa.Table:
        """platform, post_id, score, label for each source post, from what was visible `horizon` after it
        (a timedelta, or hours; None: every post in the table)."""
        horizon_h = horizon.total_seconds() / 3600.0 if isinstance(horizon, timedelta) else horizon
        inputs = extract_inputs(posts, accounts, [horizon_h], sources)[horizon_h]
        scores = self.predict(inputs, horizon_h)
        labels = np.where(scores >= self.threshold, "rumor", "non-rumor")
        return pa.table(
            {
                "platform": pa.array(inputs.platforms, pa.string()),
                "post_id": pa.array(inputs.post_ids, pa.string()),
                "score": pa.array(scores, pa.float64()),
                "label": pa.array(labels.tolist(), pa.string()),
            }
        )

    # ---- files ------------------------------------------------------------------------------------------
    def save(self, path: Path) -> tuple[Path, Path]:
        """`path`.npz (arrays) and `path`.json (settings and metadata)."""
        stem = _stem(path)
        stem.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[Any]] = {}
        for name, model in (("source", self.source_text), ("response", self.response_text)):
            arrays[f"{name}_vocabulary"] = model.vocabulary
            arrays[f"{name}_idf"] = model.idf.astype(np.float32)
            arrays[f"{name}_coef"] = model.coef.astype(np.float32)
            arrays[f"{name}_intercept"] = np.array([model.intercept])
        nb = self.neighbours
        arrays["neighbour_vocabulary"] = nb.vocabulary
        arrays["neighbour_idf"] = nb.idf.astype(np.float32)
        arrays["neighbour_indptr"] = nb.rows.indptr.astype(np.int32)
        arrays["neighbour_indices"] = nb.rows.indices.astype(np.int32)
        arrays["neighbour_data"] = nb.rows.data.astype(np.float16)
        arrays["neighbour_labels"] = nb.labels.astype(np.int8)
        for i, m in enumerate(self.meta):
            arrays.update(m.trees.arrays(f"meta{i}_trees"))
        arrays["meta_mean"] = np.stack([m.mean for m in self.meta])
        arrays["meta_scale"] = np.stack([m.scale for m in self.meta])
        arrays["meta_coef"] = np.stack([m.coef for m in self.meta])
        arrays["meta_intercept"] = np.array([m.intercept for m in self.meta])
        npz, meta_json = stem.with_suffix(".npz"), stem.with_suffix(".json")
        np.savez_compressed(npz, **arrays)  # type: ignore[arg-type]
        settings = {
            "kind": "floodwatch.rumor_model",
            "version": MODEL_VERSION,
            "threshold": self.threshold,
            "horizons_h": [m.horizon_h for m in self.meta],
            "meta_columns": list(META_COLUMNS),
            "tokens": {"char_ngrams": list(CHAR_NGRAMS), "words": "jieba", "max_responses": MAX_RESPONSES},
            "neighbours": {"tokens": "jieba words", "k": NEIGHBOURS_K, "sources": int(self.neighbours.rows.shape[0])},
            "gbm_weight": GBM_WEIGHT,
            **self.metadata,
        }
        meta_json.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return npz, meta_json

    @staticmethod
    def load(path: Path | str | None = None) -> RumorModel:
        """The model at `path` (the .npz, the .json or their common stem); the shipped default when None."""
        stem = _stem(Path(path)) if path is not None else DEFAULT_MODEL
        npz, meta_json = stem.with_suffix(".npz"), stem.with_suffix(".json")
        try:
            settings = json.loads(meta_json.read_text(encoding="utf-8"))
            arrays = dict(np.load(npz, allow_pickle=False))
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"cannot read rumor model {stem}(.npz/.json): {exc}") from exc
        if settings.get("kind") != "floodwatch.rumor_model":
            raise ModelFileError(f"{meta_json} is not a floodwatch rumor model")
        if settings.get("meta_columns") != list(META_COLUMNS) or settings.get("version") != MODEL_VERSION:
            raise ModelFileError(
                f"{meta_json} is a version {settings.get('version')} model trained on other features; "
                f"retrain it with this version ({MODEL_VERSION})"
            )

        def text(name: str) -> TextModel:
            return TextModel(
                arrays[f"{name}_vocabulary"].astype(np.str_),
                arrays[f"{name}_idf"].astype(np.float64),
                arrays[f"{name}_coef"].astype(np.float64),
                float(arrays[f"{name}_intercept"][0]),
            )

        try:
            vocabulary = arrays["neighbour_vocabulary"].astype(np.str_)
            rows = sp.csr_matrix(
                (
                    arrays["neighbour_data"].astype(np.float64),
                    arrays["neighbour_indices"].astype(np.int64),
                    arrays["neighbour_indptr"].astype(np.int64),
                ),
                shape=(len(arrays["neighbour_labels"]), len(vocabulary)),
            )
            neighbours = NeighbourModel(
                vocabulary, arrays["neighbour_idf"].astype(np.float64), rows, arrays["neighbour_labels"].astype(np.int8)
            )
            meta = [
                MetaModel(
                    h,
                    arrays["meta_mean"][i].astype(np.float64),
                    arrays["meta_scale"][i].astype(np.float64),
                    arrays["meta_coef"][i].astype(np.float64),
                    float(arrays["meta_intercept"][i]),
                    Trees.from_arrays(arrays, f"meta{i}_trees"),
                )
                for i, h in enumerate(settings["horizons_h"])
            ]
            source, response = text("source"), text("response")
        except (KeyError, ValueError) as exc:
            raise ModelFileError(
                f"{npz} lacks or garbles the arrays of a version {MODEL_VERSION} model: {exc}"
            ) from exc
        fixed = {"kind", "version", "threshold", "horizons_h", "meta_columns", "tokens", "neighbours", "gbm_weight"}
        metadata = {k: v for k, v in settings.items() if k not in fixed}
        return RumorModel(source, response, neighbours, meta, float(settings["threshold"]), metadata)


def _stem(path: Path) -> Path:
    return path.with_suffix("") if path.suffix in (".npz", ".json") else path


def _oof_logits(
    inputs: Mapping[float | None, SourceInputs], y: npt.NDArray[np.int_], seed: int, folds: int
) -> dict[float | None, FloatArray]:
    """Out-of-fold RAW_COLUMNS per horizon: text and neighbour models fitted without the rows they score."""
    any_inputs = next(iter(inputs.values()))
    n = len(y)
    out = {h: np.zeros((n, len(RAW_COLUMNS))) for h in inputs}
    for h, inp in inputs.items():
        out[h][:, len(TEXT_COLUMNS) :] = inp.features
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, held in splitter.split(np.zeros(n), y):
        source, response = _fit_text_models(inputs, y, train, seed)
        held_docs = [any_inputs.source_docs[i] for i in held]
        out_source = source.logit(held_docs)
        out_margins = NeighbourModel.fit([any_inputs.source_docs[i] for i in train], y[train]).margins(held_docs)
        for h, inp in inputs.items():
            out[h][held, 0] = out_source
            out[h][held, 2:4] = out_margins
            docs = [inp.response_docs[i] for i in held]
            has = np.array([bool(d) for d in docs], dtype=bool)
            if has.any():
                col = np.zeros(len(held))
                col[has] = response.logit([d for d in docs if d])
                out[h][held, 1] = col
    return out


def _fit_text_models(
    inputs: Mapping[float | None, SourceInputs], y: npt.NDArray[np.int_], rows: IntArray, seed: int
) -> tuple[TextModel, TextModel]:
    """Source-text model on `rows`; response-text model on those of `rows` with responses in the widest horizon
    (most words), falling back to the source texts when too few have any."""
    widest = inputs[None] if None in inputs else inputs[max(h for h in inputs if h is not None)]
    source = TextModel.fit([widest.source_docs[i] for i in rows], y[rows], seed)
    with_words = [int(i) for i in rows if widest.response_docs[i]]
    if len(with_words) >= 4 and len(set(y[with_words].tolist())) == 2:
        response = TextModel.fit([widest.response_docs[i] for i in with_words], y[with_words], seed)
    else:
        response = TextModel(np.array([], dtype=np.str_), np.zeros(0), np.zeros(0), 0.0)
    return source, response


def fit_rumor_model(
    inputs: Mapping[float | None, SourceInputs],
    labels: Sequence[int] | npt.NDArray[np.int_],
    seed: int = 13,
    metadata: Mapping[str, Any] | None = None,
) -> RumorModel:
    """Train on inputs already extracted per horizon (see `extract_inputs`); labels 1 = rumor, 0 = not."""
    y = np.asarray(labels, dtype=np.int64)
    if len(set(y.tolist())) != 2:
        raise ValueError("training needs both rumors and non-rumors")
    folds = max(2, min(INNER_FOLDS, int(np.bincount(y).min())))
    columns = _oof_logits(inputs, y, seed, folds)
    meta = [MetaModel.fit(columns[h], y, h, seed) for h in inputs]
    source, response = _fit_text_models(inputs, y, np.arange(len(y)), seed)
    neighbours = NeighbourModel.fit(next(iter(inputs.values())).source_docs, y)
    return RumorModel(source, response, neighbours, meta, THRESHOLD, dict(metadata or {}))


def train_rumor_model(
    posts: pa.Table,
    labels: pa.Table,
    accounts: pa.Table | None = None,
    horizons_h: Iterable[float | None] = HORIZONS_H,
    seed: int = 13,
    metadata: Mapping[str, Any] | None = None,
) -> RumorModel:
    """Train from canonical posts (and accounts) and a labels table (platform, post_id, label: 1 = rumor)."""
    label_values = np.asarray(pc.cast(labels["label"], pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    sources = (labels["platform"].to_pylist(), labels["post_id"].to_pylist())
    inputs = extract_inputs(posts, accounts, list(horizons_h), sources)
    return fit_rumor_model(inputs, label_values, seed, metadata)


@lru_cache(maxsize=1)
def default_model() -> RumorModel:
    """The shipped model, loaded once."""
    return RumorModel.load()
