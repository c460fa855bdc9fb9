"""Pile-ons: many distinct accounts turning on one person within a short window, in hostile words.

Target-centric. Every reply to an account's post and every mention of the account is an *inbound* post. For each
target, the window of length W holding the most distinct inbound authors is its peak; the peak is a pile-on when
 - enough distinct accounts took part (`min_attackers`),
 - far more than the target's own normal inbound rate (`min_lift` × its mean outside the peak), and
 - a large share of the inbound posts is abusive (`min_hostile_share`, scored by the abuse model).
A friendly viral moment passes the first two tests and fails the third; a steady stream of criticism of a public
figure fails the second. Overlap with coordinated clusters is reported and raises the score, but is not required:
a spontaneous mob hurts as much as an organised one.

Behaviour, not viewpoint: the detector counts who turns on whom, how fast, and with insults; it never looks at
what the target said or which side anyone is on.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from floodwatch.detect.abuse import AbuseModel, Lexicon
from floodwatch.duck import scalar
from floodwatch.schema import Finding, Subject

DETECTOR = "floodwatch.pileon"
VERSION = "1"

# Scores texts for abuse, one probability in [0, 1] a text (floodwatch.detect.abuse.AbuseModel.score fits).
TextScorer = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class PileOnParams:
    window: timedelta = timedelta(hours=2)
    min_attackers: int = 10  # distinct accounts in the peak window
    min_lift: float = 5.0  # peak authors over the target's mean inbound posts per window elsewhere in the data
    min_hostile_share: float = 0.3  # share of the peak's inbound posts the abuse model calls abusive
    hostile_threshold: float = 0.5  # abuse probability from which a post counts as abusive
    timeline_bin: timedelta = timedelta(minutes=10)
    max_listed: int = 50  # attackers and posts listed by name in the evidence

    def parameters(self) -> dict[str, object]:
        return {k: (v.total_seconds() if isinstance(v, timedelta) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Peak:
    platform: str
    target: str
    rows: pa.Table  # the inbound posts of the peak window
    attackers: int
    lift: float
    baseline: float


INBOUND_SQL = """
CREATE OR REPLACE TEMP TABLE inbound AS
WITH replies AS (
    SELECT c.platform, p.account_id AS target, c.account_id AS actor, c.post_id, c.created_at AS t, c.text,
           p.post_id AS target_post, 'reply' AS via
    FROM posts c JOIN posts p ON c.platform = p.platform AND c.reply_to = p.post_id
    WHERE c.reply_to IS NOT NULL
), mentions AS (
    SELECT platform, unnest(mentions) AS target, account_id AS actor, post_id, created_at AS t, text,
           NULL::VARCHAR AS target_post, 'mention' AS via
    FROM posts WHERE len(mentions) > 0 AND repost_of IS NULL  -- a repost names its author: not turning on them
)
-- a reply that also mentions its target is one inbound post, counted as the reply
SELECT DISTINCT ON (platform, target, post_id) *
FROM (SELECT * FROM replies UNION ALL SELECT * FROM mentions)
WHERE actor <> target
ORDER BY platform, target, post_id, via DESC
"""


def inbound_peaks(con: duckdb.DuckDBPyConnection, params: PileOnParams) -> list[Peak]:
    """Each target's busiest window of inbound posts, kept when it is large and far above the target's norm."""
    con.execute(INBOUND_SQL).fetchall()
    span = scalar(con, "SELECT epoch(max(created_at)) - epoch(min(created_at)) FROM posts") or 0.0
    windows_in_data = max(1.0, float(span) / params.window.total_seconds())
    candidates = con.sql(
        "SELECT i.* FROM inbound i JOIN ("
        "  SELECT platform, target FROM inbound GROUP BY ALL HAVING count(DISTINCT actor) >= $n"
        ") USING (platform, target) ORDER BY platform, target, t",
        params={"n": params.min_attackers},
    ).to_arrow_table()
    peaks: list[Peak] = []
    if candidates.num_rows == 0:
        return peaks
    platforms = np.asarray(candidates["platform"].to_pylist(), dtype=object)
    targets = np.asarray(candidates["target"].to_pylist(), dtype=object)
    starts = np.flatnonzero(np.r_[True, (platforms[1:] != platforms[:-1]) | (targets[1:] != targets[:-1])])
    ends = np.r_[starts[1:], len(targets)]
    times = candidates["t"].cast(pa.int64()).to_numpy() / 1e6
    actors = candidates["actor"].to_pylist()
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        first, last, best = _busiest_window(times[lo:hi], actors[lo:hi], params.window.total_seconds())
        # the target's usual inbound posts per window, from everything outside its peak
        baseline = ((hi - lo) - (last - first)) / max(windows_in_data - 1.0, 1.0)
        lift = best / max(baseline, 1.0)
        if best >= params.min_attackers and lift >= params.min_lift:
            rows = candidates.slice(lo + first, last - first)
            peaks.append(Peak(rows["platform"][0].as_py(), rows["target"][0].as_py(), rows, best, lift, baseline))
    return peaks


def _busiest_window(times: np.ndarray, actors: list[str], width: float) -> tuple[int, int, int]:
    """[first, last) of the window of `width` seconds with the most distinct actors, and that count.

    Two pointers over time-sorted posts with a multiset of the actors inside: O(n) a target.
    """
    inside: Counter[str] = Counter()
    best = (0, 0, 0)
    lo = 0
    for hi, actor in enumerate(actors):
        inside[actor] += 1
        while times[hi] - times[lo] > width:
            inside[actors[lo]] -= 1
            if inside[actors[lo]] == 0:
                del inside[actors[lo]]
            lo += 1
        if len(inside) > best[2]:
            best = (lo, hi + 1, len(inside))
    return best


def detect_pile_ons(
    con: duckdb.DuckDBPyConnection,
    abuse: TextScorer,
    params: PileOnParams | None = None,
    coordinated: pa.Table | None = None,
) -> list[Finding]:
    """`pile_on` findings from the `posts` view of `con`.

    `coordinated`: accounts of coordinated clusters (columns platform, account_id, cluster_id), as the
    coordination detector writes them; optional.
    """
    params = params or PileOnParams()
    clusters = _cluster_index(coordinated)
    findings = []
    for peak in inbound_peaks(con, params):
        texts = [t or "" for t in peak.rows["text"].to_pylist()]
        scores = np.asarray(abuse(texts), dtype=float)
        hostile = scores >= params.hostile_threshold
        hostile_share = float(hostile.mean())
        if hostile_share < params.min_hostile_share:
            continue
        findings.append(_finding(peak, scores, hostile, clusters, params))
    return findings


def _cluster_index(coordinated: pa.Table | None) -> dict[tuple[str, str], str]:
    if coordinated is None:
        return {}
    return {
        (p, a): str(c)
        for p, a, c in zip(
            coordinated["platform"].to_pylist(),
            coordinated["account_id"].to_pylist(),
            coordinated["cluster_id"].to_pylist(),
            strict=True,
        )
    }


def _finding(
    peak: Peak,
    scores: np.ndarray,
    hostile: np.ndarray,
    clusters: dict[tuple[str, str], str],
    params: PileOnParams,
) -> Finding:
    rows = peak.rows
    actors = rows["actor"].to_pylist()
    post_ids = rows["post_id"].to_pylist()
    times = [t.astimezone(UTC) for t in rows["t"].to_pylist()]
    per_actor = Counter(actors)
    hostile_actors = {a for a, h in zip(actors, hostile.tolist(), strict=True) if h}
    in_clusters = Counter(clusters[(peak.platform, a)] for a in per_actor if (peak.platform, a) in clusters)
    coordinated_share = sum(in_clusters.values()) / len(per_actor)
    hostile_share = float(hostile.mean())
    # Volume saturates at 3x the minimum; coordination adds up to half again. Documented in docs/cyberviolence.md.
    volume = min(1.0, peak.attackers / (3.0 * params.min_attackers))
    score = min(1.0, math.sqrt(hostile_share) * (0.5 + 0.5 * volume) * (1.0 + 0.5 * coordinated_share))
    start, end = times[0], times[-1]
    bin_s = params.timeline_bin.total_seconds()
    timeline = Counter(int((t - start).total_seconds() // bin_s) for t in times)
    target_posts = sorted({p for p in rows["target_post"].to_pylist() if p})
    order = np.argsort(-scores, kind="stable")[: params.max_listed]
    explanation = (
        f"{peak.attackers} distinct accounts replied to or mentioned {peak.platform}:{peak.target} within "
        f"{_minutes(end - start)}, {peak.lift:.0f}x its usual inbound rate; {hostile_share:.0%} of their "
        f"{len(post_ids)} posts are abusive ({len(hostile_actors)} abusive accounts)"
        + (
            f"; {coordinated_share:.0%} of the attackers belong to coordinated clusters "
            f"{', '.join(sorted(in_clusters))}"
            if in_clusters
            else ""
        )
        + "."
    )
    evidence = {
        "target": {"platform": peak.platform, "account_id": peak.target, "posts": target_posts[: params.max_listed]},
        "attackers": peak.attackers,
        "abusive_accounts": len(hostile_actors),
        "inbound_posts": len(post_ids),
        "hostile_share": round(hostile_share, 4),
        "coordinated_share": round(coordinated_share, 4),
        "clusters": dict(in_clusters.most_common()),
        "lift": round(peak.lift, 2),
        "usual_inbound_per_window": round(peak.baseline, 3),
        "top_attackers": [{"account_id": a, "posts": n} for a, n in per_actor.most_common(params.max_listed)],
        "most_abusive_posts": [
            {"post_id": post_ids[i], "account_id": actors[i], "abuse": round(float(scores[i]), 3)}
            for i in order.tolist()
        ],
        "timeline": {
            "bin_seconds": bin_s,
            "counts": [timeline.get(i, 0) for i in range(max(timeline) + 1)],
        },
        "via": dict(Counter(rows["via"].to_pylist())),
    }
    subjects = (
        Subject("account", peak.platform, peak.target),
        *(Subject("account", peak.platform, a) for a in sorted(hostile_actors)),
    )
    return Finding(
        kind="pile_on",
        score=round(score, 4),
        subjects=subjects,
        start=start,
        end=end,
        explanation=explanation,
        evidence=evidence,
        detector=DETECTOR,
        detector_version=VERSION,
        parameters=params.parameters(),
    )


def _minutes(span: timedelta) -> str:
    minutes = max(1, round(span.total_seconds() / 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def hostility_scorer(model: AbuseModel, insults: Lexicon | None = None) -> TextScorer:
    """The abuse model's probability noisy-OR a person-directed insult lexicon's: COLD, the model's training
    data, is about offence against groups, while a pile-on is insults aimed at one person."""
    lexicon = insults or Lexicon.personal_insults()

    def score(texts: Sequence[str]) -> np.ndarray:
        personal = np.array([lexicon.score(t) for t in texts], np.float64)
        return 1.0 - (1.0 - model.score(list(texts))) * (1.0 - personal)

    return score


def lexicon_scorer(words: Sequence[str]) -> TextScorer:
    """A crude scorer (1.0 when any of `words` occurs): for tests and for when no abuse model is at hand."""
    lowered = [w.lower() for w in words]

    def score(texts: Sequence[str]) -> np.ndarray:
        return np.array([float(any(w in t.lower() for w in lowered)) for t in texts])

    return score
