"""Hashed character and word n-gram features for Chinese and English text classifiers (abuse, rumors).

Features are hashed (scikit-learn's HashingVectorizer), so a trained model stores no vocabulary: only per-bucket
weights, which keeps shipped models small and free of pickle. Two blocks side by side: character n-grams of the
normalised text (language-agnostic, robust to missing word boundaries and to spelling games) and word n-grams of
the jieba segmentation (Chinese words; English splits on spaces as usual).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np
import scipy.sparse as sp
import zhconv
from sklearn.feature_extraction.text import HashingVectorizer

URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# Latin handles only: a Chinese handle has no clear end (`@张三你真是...`), and blanking it could eat the post.
MENTION = re.compile(r"@[A-Za-z0-9_\-]{1,30}")
SPACES = re.compile(r"\s+")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def normalise(text: str) -> str:
    """Compare like with like: NFKC (full-width letters and digits), lower case, traditional -> simplified Chinese,
    links and @mentions blanked (who is addressed or linked says nothing about the wording), spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = URL.sub(" ", text)
    text = MENTION.sub(" @ ", text)
    if CJK.search(text):
        text = zhconv.convert(text, "zh-cn")
    return SPACES.sub(" ", text).strip()


def has_cjk(text: str) -> bool:
    return CJK.search(text) is not None


@cache
def _jieba() -> Any:
    # jieba loads its dictionary (about a second) on first use: only models with word n-grams pay for it.
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """jieba's words of a normalised text, without the spaces between them (dictionary only, no HMM: faster, and
    unknown words are still covered by the character n-grams)."""
    return [w for w in _jieba().lcut(text, HMM=False) if not w.isspace()]


@dataclass(frozen=True)
class FeatureSettings:
    """What a model was trained on; saved beside its weights so the same features are rebuilt at load time."""

    char_ngrams: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] | None = (1, 2)
    buckets: int = 2**19  # hash buckets per block (char, word)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSettings:
        word = data.get("word_ngrams")
        return cls(
            char_ngrams=(int(data["char_ngrams"][0]), int(data["char_ngrams"][1])),
            word_ngrams=None if word is None else (int(word[0]), int(word[1])),
            buckets=int(data["buckets"]),
        )

    @property
    def width(self) -> int:
        return self.buckets * (2 if self.word_ngrams else 1)


class TextFeaturizer:
    """Raw n-gram counts (sparse, one row a text) under `FeatureSettings`; stateless, so nothing to fit or save."""

    def __init__(self, settings: FeatureSettings = FeatureSettings()) -> None:
        self.settings = settings
        common: dict[str, Any] = {
            "n_features": settings.buckets,
            "alternate_sign": False,
            "norm": None,
            "lowercase": False,
            "dtype": np.float32,
        }
        self._chars = HashingVectorizer(analyzer="char", ngram_range=settings.char_ngrams, **common)
        self._words = (
            HashingVectorizer(analyzer=_identity, ngram_range=(1, 1), **common) if settings.word_ngrams else None
        )

    def counts(self, texts: Iterable[str]) -> sp.csr_matrix:
        norm = [normalise(t) for t in texts]
        chars = self._chars.transform(norm)
        if self._words is None or self.settings.word_ngrams is None:
            return sp.csr_matrix(chars)
        lo, hi = self.settings.word_ngrams
        grams = self._words.transform(word_ngrams(words(t), lo, hi) for t in norm)
        return sp.csr_matrix(sp.hstack([chars, grams], format="csr"))


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def word_ngrams(tokens: Sequence[str], lo: int, hi: int) -> list[str]:
    """Word n-grams joined by a separator that jieba never emits inside a word."""
    grams: list[str] = []
    for n in range(lo, hi + 1):
        grams.extend("\x1f".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency per bucket, as scikit-learn's TfidfTransformer: ln((1+n)/(1+df)) + 1."""
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf: np.ndarray = (np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF (1 + ln tf) times IDF, each row scaled to unit length (long posts do not score higher)."""
    x = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    lengths = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    lengths[lengths == 0] = 1.0
    x.data /= np.repeat(lengths, np.diff(x.indptr)).astype(np.float32)
    return x


def log_count_ratio(features: sp.csr_matrix, labels: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """NB-SVM's log-count ratio per bucket (Wang & Manning 2012): how much likelier a feature is in positive than
    in negative texts, from binarised occurrences with add-`alpha` smoothing."""
    present = features.copy()
    present.data = np.ones_like(present.data)
    pos = alpha + np.asarray(present[labels == 1].sum(axis=0)).ravel()
    neg = alpha + np.asarray(present[labels == 0].sum(axis=0)).ravel()
    ratio: np.ndarray = np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)
    return ratio
