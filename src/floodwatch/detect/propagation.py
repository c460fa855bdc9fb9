"""Propagation and author features of source posts, from the canonical posts and accounts tables.

A *cascade* is a source post and every post that reaches it by following `repost_of` / `reply_to` upwards
(Weibo forwards-with-comment are `reply_to`, plain forwards `repost_of`; see ingest/weibo.py). Features are
computed from what was visible `horizon` seconds after the source was posted, so the same code serves early
detection (1 h, 6 h, 24 h) and the full record (horizon None).

Only canonical fields are read: post ids and parents, times, account ids and response texts; account
followers, following, posts_count, verified and created_at. Dataset-specific counters (CED's final `reposts`
and `comments` totals, Twitter's `retweet_count`) are not canonical and would leak the future into an early
score, so they are never used.

Cascades are resolved by pointer jumping in NumPy (log2(depth) whole-array passes), not a per-post walk, so the
640k CED reposts take well under a second. Posts in a parent cycle (broken data) belong to no cascade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Words in responses that question or deny a claim; a cascade full of them is a warning sign, whatever the topic.
DENIAL_CUES = "|".join(
    [
        "谣言|辟谣|造谣|假的|假消息|不实|假新闻|传谣",
        r"fake|not true|untrue|hoax|false|debunk|misinformation|rumou?r",
    ]
)
QUESTION_CUES = "|".join(
    [
        "真的吗|真的假的|是真的|求证|求真相|确定吗|可信吗|有图有真相吗",
        r"is (this|that|it) (real|true)|really\?|source\?|confirm",
    ]
)
FORWARD_CHAIN = "//@"  # Weibo appends the forwarded chain after the reposter's own words
MAX_JUMPS = 64  # 2**64 levels: any real cascade converges far sooner; what does not is a cycle
NO_RESPONSE_MINUTES = 60.0 * 24 * 30  # stands for "no response seen" in delay features when the horizon is open

PROPAGATION_FEATURES = (
    "responses_log",
    "reposts_log",
    "replies_log",
    "reply_share",
    "has_responses",
    "first_delay_log_min",
    "mean_delay_log_min",
    "rate_log_per_hour",
    "max_depth",
    "mean_depth",
    "direct_share",
    "max_breadth_log",
    "distinct_accounts_share",
    "denial_share",
    "question_share",
)
ACCOUNT_FEATURES = (
    "followers_log",
    "following_log",
    "posts_count_log",
    "follow_ratio_log",
    "verified",
    "account_age_log_days",
    "account_known",
)
FEATURE_NAMES = PROPAGATION_FEATURES + ACCOUNT_FEATURES


@dataclass(frozen=True)
class Cascades:
    """Every post of a table placed in its cascade: root row, depth and delay after the root (seconds)."""

    keys: pa.Array  # "platform\x1fpost_id" per row
    root: IntArray  # row of the cascade's source; -1 for posts in a parent cycle
    depth: IntArray  # 0 for a source
    delay_s: FloatArray  # seconds after the source, clipped at 0
    times_s: FloatArray  # epoch seconds

    def index_of(self, platforms: pa.Array, post_ids: pa.Array) -> IntArray:
        """Rows of the given posts; -1 for those not in the table."""
        wanted = _keys(platforms, post_ids)
        return np.asarray(pc.fill_null(pc.index_in(wanted, value_set=self.keys), -1), dtype=np.int64)


def _keys(platforms: pa.Array | pa.ChunkedArray, ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    joined = pc.binary_join_element_wise(pc.cast(platforms, pa.string()), pc.cast(ids, pa.string()), "\x1f")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def build_cascades(posts: pa.Table) -> Cascades:
    """Resolve each post's cascade root and depth through `repost_of`, else `reply_to`, on the same platform."""
    keys = _keys(posts["platform"], posts["post_id"])
    parent_id = pc.coalesce(posts["repost_of"], posts["reply_to"])
    parent = np.asarray(pc.fill_null(pc.index_in(_keys(posts["platform"], parent_id), value_set=keys), -1))
    n = len(keys)
    rows = np.arange(n, dtype=np.int64)
    has_parent = (parent >= 0) & (parent != rows)
    anc = np.where(has_parent, parent, rows).astype(np.int64)
    depth = has_parent.astype(np.int64)
    for _ in range(MAX_JUMPS):
        nxt = anc[anc]
        if np.array_equal(nxt, anc):
            break
        depth = depth + depth[anc]
        anc = nxt
    in_cycle = has_parent[anc]  # a true root has no parent; a parent cycle collapses onto a member of it
    anc[in_cycle] = -1
    times = pc.cast(posts["created_at"], pa.timestamp("us", tz="UTC")).combine_chunks()
    times_s = np.asarray(pc.cast(times, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.float64) / 1e6
    delay = np.where(anc >= 0, times_s - times_s[np.maximum(anc, 0)], 0.0)
    return Cascades(keys, anc, depth, np.clip(delay, 0.0, None), times_s)


def _cue_hits(texts: pa.Array, pattern: str) -> npt.NDArray[np.bool_]:
    lowered = pc.utf8_lower(pc.fill_null(texts, ""))
    return np.asarray(pc.match_substring_regex(lowered, pattern).to_numpy(zero_copy_only=False), dtype=bool)


def own_words(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A response's own words: the text before Weibo's forwarded `//@` chain (the whole text elsewhere)."""
    filled = pc.fill_null(texts, "")
    parts = pc.split_pattern(filled, FORWARD_CHAIN, max_splits=1)
    own = pc.list_element(parts, 0)
    return own.combine_chunks() if isinstance(own, pa.ChunkedArray) else own


def propagation_features(
    posts: pa.Table, cascades: Cascades, source_rows: IntArray, horizon_s: float | None
) -> FloatArray:
    """One row of PROPAGATION_FEATURES per source row, from the responses visible within `horizon_s`."""
    n_src = len(source_rows)
    slot = np.full(len(cascades.root), -1, dtype=np.int64)
    valid_src = source_rows[source_rows >= 0]
    slot[valid_src] = np.nonzero(source_rows >= 0)[0]
    is_resp = (cascades.root >= 0) & (cascades.depth > 0)
    resp_slot = np.where(is_resp, slot[np.maximum(cascades.root, 0)], -1)
    visible = resp_slot >= 0
    if horizon_s is not None:
        visible &= cascades.delay_s <= horizon_s
    rows = np.nonzero(visible)[0]
    s = resp_slot[rows]
    depth = cascades.depth[rows].astype(np.float64)
    minutes = cascades.delay_s[rows] / 60.0
    is_repost = np.asarray(pc.is_valid(posts["repost_of"]).to_numpy(zero_copy_only=False), dtype=bool)[rows]

    count = np.bincount(s, minlength=n_src).astype(np.float64)
    reposts = np.bincount(s, weights=is_repost.astype(np.float64), minlength=n_src)
    safe = np.maximum(count, 1.0)
    window_min = NO_RESPONSE_MINUTES if horizon_s is None else horizon_s / 60.0
    first = np.full(n_src, window_min)
    np.minimum.at(first, s, minutes)
    mean_log_delay = np.where(
        count > 0, np.bincount(s, weights=np.log1p(minutes), minlength=n_src) / safe, math.log1p(window_min)
    )
    if horizon_s is None:
        span_min = np.zeros(n_src)
        np.maximum.at(span_min, s, minutes)
        hours = np.maximum(span_min / 60.0, 1.0)
    else:
        hours = np.full(n_src, max(horizon_s / 3600.0, 1.0 / 60.0))
    max_depth = np.zeros(n_src)
    np.maximum.at(max_depth, s, depth)
    direct = np.bincount(s, weights=(depth == 1).astype(np.float64), minlength=n_src)
    level_key = s * (MAX_JUMPS + 1) + np.minimum(depth, MAX_JUMPS).astype(np.int64)
    levels, per_level = np.unique(level_key, return_counts=True)
    breadth = np.zeros(n_src)
    np.maximum.at(breadth, levels // (MAX_JUMPS + 1), per_level.astype(np.float64))
    account_codes = pc.dictionary_encode(
        pc.cast(posts["account_id"], pa.string()).combine_chunks().take(pa.array(rows))
    )
    codes = np.asarray(account_codes.indices, dtype=np.int64)
    pairs = np.unique(s * max(1, len(account_codes.dictionary)) + codes)
    distinct_slots = pairs // max(1, len(account_codes.dictionary))
    distinct = np.bincount(distinct_slots, minlength=n_src).astype(np.float64)
    own = own_words(posts["text"].take(pa.array(rows)))
    denial = np.bincount(s, weights=_cue_hits(own, DENIAL_CUES).astype(np.float64), minlength=n_src)
    question = np.bincount(s, weights=_cue_hits(own, QUESTION_CUES).astype(np.float64), minlength=n_src)

    return np.column_stack(
        [
            np.log1p(count),
            np.log1p(reposts),
            np.log1p(count - reposts),
            (count - reposts) / safe,
            (count > 0).astype(np.float64),
            np.log1p(first),
            mean_log_delay,
            np.log1p(count / hours),
            max_depth,
            np.bincount(s, weights=depth, minlength=n_src) / safe,
            direct / safe,
            np.log1p(breadth),
            distinct / safe,
            denial / safe,
            question / safe,
        ]
    )


def account_features(
    posts: pa.Table, source_rows: IntArray, cascades: Cascades, accounts: pa.Table | None
) -> FloatArray:
    """One row of ACCOUNT_FEATURES per source row: its author's audience, activity, verification and age."""
    n_src = len(source_rows)
    out = np.zeros((n_src, len(ACCOUNT_FEATURES)))
    if accounts is None or accounts.num_rows == 0 or n_src == 0:
        return out
    safe_rows = pa.array(np.maximum(source_rows, 0))
    author_keys = _keys(posts["platform"].take(safe_rows), posts["account_id"].take(safe_rows))
    acc_keys = _keys(accounts["platform"], accounts["account_id"])
    at = np.asarray(pc.fill_null(pc.index_in(author_keys, value_set=acc_keys), -1), dtype=np.int64)
    known = (at >= 0) & (source_rows >= 0)
    take = pa.array(np.maximum(at, 0))

    def column(name: str) -> FloatArray:
        values = pc.cast(accounts[name], pa.float64()).combine_chunks().take(take)
        filled = np.asarray(pc.fill_null(values, 0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
        return np.where(known, np.clip(filled, 0.0, None), 0.0)

    followers, following, posts_count = column("followers"), column("following"), column("posts_count")
    verified = np.where(known, column("verified"), 0.0) if "verified" in accounts.column_names else np.zeros(n_src)
    created = pc.cast(pc.cast(accounts["created_at"], pa.timestamp("us", tz="UTC")), pa.int64())
    created_s = (
        np.asarray(
            pc.fill_null(created.combine_chunks().take(take), 0).to_numpy(zero_copy_only=False), dtype=np.float64
        )
        / 1e6
    )
    has_created = known & np.asarray(pc.is_valid(created.combine_chunks().take(take)), dtype=bool)
    post_s = cascades.times_s[np.maximum(source_rows, 0)]
    age_days = np.where(has_created, np.clip(post_s - created_s, 0.0, None) / 86400.0, 0.0)
    out[:, 0] = np.log1p(followers)
    out[:, 1] = np.log1p(following)
    out[:, 2] = np.log1p(posts_count)
    out[:, 3] = np.log1p(followers) - np.log1p(following)
    out[:, 4] = verified
    out[:, 5] = np.log1p(age_days)
    out[:, 6] = known.astype(np.float64)
    return out


def source_features(
    posts: pa.Table,
    source_rows: IntArray,
    horizon_s: float | None,
    accounts: pa.Table | None = None,
    cascades: Cascades | None = None,
) -> FloatArray:
    """FEATURE_NAMES for each source row (rows of `posts`; -1 rows get zeros), at `horizon_s` (None: all)."""
    cascades = cascades or build_cascades(posts)
    return np.hstack(
        [
            propagation_features(posts, cascades, source_rows, horizon_s),
            account_features(posts, source_rows, cascades, accounts),
        ]
    )


def source_rows_of(posts: pa.Table, cascades: Cascades) -> IntArray:
    """Rows of the posts that start a cascade: neither a repost nor a reply of a post in the table."""
    return np.nonzero((cascades.depth == 0) & (cascades.root >= 0))[0].astype(np.int64)
