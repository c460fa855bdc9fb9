"""The organic background of one platform, generated slice by slice in time order.

Everything is drawn as numpy arrays for a whole slice (times, authors, post kinds, repost targets,
hashtags, links, mentions), and even the texts are assembled with vectorised `+` on object arrays of
template pieces, so no Python loop runs per post here. Reposts, replies and
quotes point at a bounded reservoir of recent "popular" originals (popular by the author's reach and luck),
so memory stays flat however many posts are generated, and every target is strictly earlier in time.

What makes this background hard for a coordination detector, on purpose: popular links shared by thousands
of unrelated accounts, trending hashtags, the same short replies everywhere, and retweets (on X) whose text
repeats the original word for word.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from floodwatch.sim import pii, texts
from floodwatch.sim.clock import Timeline
from floodwatch.sim.compose import LangPools
from floodwatch.sim.platforms import PlatformProfile, PostIds
from floodwatch.sim.population import LANG_CODES, ZH, Population
from floodwatch.sim.writer import PostBatch

ORIGINAL, REPOST, REPLY, QUOTE = 0, 1, 2, 3
WINDOW = 86_400  # reposts and replies reach back at most a day
RESERVOIR_CAP = 20_000
Strings = npt.NDArray[np.object_]


def _no_strings() -> Strings:
    return np.empty(0, dtype=object)


@dataclass
class Reservoir:
    """Recent repostable originals of one platform, in time order."""

    times: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weights: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    ids: Strings = field(default_factory=_no_strings)
    authors: Strings = field(default_factory=_no_strings)
    texts: Strings = field(default_factory=_no_strings)
    urls: Strings = field(default_factory=_no_strings)  # the original's link, or None
    tags: Strings = field(default_factory=_no_strings)  # the original's hashtag, or None
    mentions: Strings = field(default_factory=_no_strings)  # the original's mention, or None

    def keep_recent(self, now: int) -> None:
        first = int(np.searchsorted(self.times, now - WINDOW, side="left"))
        first = max(first, len(self.ids) - RESERVOIR_CAP)
        if first > 0:
            self.times, self.weights = self.times[first:], self.weights[first:]
            self.ids, self.authors, self.texts = self.ids[first:], self.authors[first:], self.texts[first:]
            self.urls, self.tags, self.mentions = self.urls[first:], self.tags[first:], self.mentions[first:]


class Trending:
    """Organic trending hashtags per language: each tag rises and fades around its own peak hour."""

    def __init__(self, start: int, days: int, rng: np.random.Generator) -> None:
        self.start = start
        hours = np.arange(days * 24, dtype=np.float64)
        self.tags = (texts.TRENDING_ZH, texts.TRENDING_EN)
        self.cum: list[npt.NDArray[np.float64]] = []
        for tags in self.tags:
            peak = rng.uniform(-24, days * 24 + 24, size=len(tags))
            width = rng.lognormal(np.log(18), 0.7, size=len(tags))
            amp = rng.lognormal(0, 1.0, size=len(tags))
            w = amp * (np.exp(-0.5 * ((hours[:, None] - peak) / width) ** 2) + 0.03)
            self.cum.append(np.cumsum(w, axis=1))

    def sample(self, lang: npt.NDArray[np.int8], times: npt.NDArray[np.int64], rng: np.random.Generator) -> Strings:
        """A tag per post, trending in the post's language at the post's hour."""
        hour = np.clip((times - self.start) // 3600, 0, self.cum[0].shape[0] - 1)
        out: Strings = np.empty(len(times), dtype=object)
        for code in (0, 1):
            rows = np.flatnonzero(lang == code)
            if rows.size == 0:
                continue
            cum = self.cum[code][hour[rows]]
            u = rng.random(rows.size) * cum[:, -1]
            idx = (cum < u[:, None]).sum(axis=1)
            out[rows] = np.asarray(self.tags[code], dtype=object)[idx]
        return out


def _where(mask: npt.NDArray[np.bool_], values: Strings) -> list[str | None]:
    """values where mask holds, None elsewhere."""
    out: Strings = np.full(len(values), None, dtype=object)
    out[mask] = values[mask]
    return list(out.tolist())


class Vocabulary:
    """One kind of text piece (openers, bodies, ...) of both languages in one object array, so a whole slice
    picks its pieces with a single fancy index and joins them with vectorised `+` on object arrays."""

    def __init__(self, zh: tuple[str, ...], en: tuple[str, ...]) -> None:
        self.items: Strings = np.array([*zh, *en], dtype=object)
        self.n_zh, self.n_en = len(zh), len(en)

    def pick(self, lang: npt.NDArray[np.int8], r: npt.NDArray[np.int64]) -> Strings:
        return self.items[np.where(lang == ZH, r % self.n_zh, self.n_zh + r % self.n_en)]


class OrganicStream:
    """Organic posts of one platform, `slices` time slices of roughly equal volume."""

    def __init__(
        self,
        profile: PlatformProfile,
        population: Population,
        timeline: Timeline,
        pools: tuple[LangPools, LangPools],
        trending: Trending,
        urls: tuple[str, ...],
        total: int,
        slices: int,
        days: int,
    ) -> None:
        self.profile = profile
        self.pop = population
        self.timeline = timeline
        zh, en = pools
        self.openers = Vocabulary(zh.openers, en.openers)
        self.bodies = Vocabulary(zh.bodies, en.bodies)
        self.connectors = Vocabulary(zh.connectors, en.connectors)
        self.closers = Vocabulary(zh.closers, en.closers)
        self.emoji = Vocabulary(zh.emoji, en.emoji)
        self.replies = Vocabulary(zh.replies, en.replies)
        self.comments = Vocabulary(zh.repost_comments, en.repost_comments)
        self.trending = trending
        self.urls: Strings = np.array(urls, dtype=object)
        ranks = np.arange(1, len(urls) + 1, dtype=np.float64)
        self.url_cdf = np.cumsum(ranks**-1.1)
        self.url_cdf /= self.url_cdf[-1]
        self.tracking: Strings = np.array(("", *texts.TRACKING_SUFFIXES), dtype=object)
        self.slices = slices
        base, extra = divmod(total, slices)
        self.counts = [base + (1 if k < extra else 0) for k in range(slices)]
        self.reservoir = Reservoir()
        # Famous accounts get mentioned: weight by sqrt(followers).
        fame = np.sqrt(population.followers[: population.n_organic].astype(np.float64) + 1.0)
        self.fame_cdf = np.cumsum(fame)
        self.fame_cdf /= self.fame_cdf[-1]
        # Enough popular originals that reposts find a target even when the platform is quiet.
        originals_per_day = max(1.0, total * (1 - profile.repost_rate - profile.reply_rate) / days)
        self.candidate_rate = float(np.clip(20.0 / originals_per_day, 0.03, 0.6))

    def _kinds(self, n: int, rng: np.random.Generator) -> npt.NDArray[np.int8]:
        p = self.profile
        r = rng.random(n)
        kinds = np.full(n, ORIGINAL, dtype=np.int8)
        kinds[r < p.repost_rate] = REPOST
        edge = p.repost_rate + p.reply_rate
        kinds[(r >= p.repost_rate) & (r < edge)] = REPLY
        kinds[(r >= edge) & (r < edge + p.quote_rate)] = QUOTE
        return kinds

    def slice(self, k: int, rng: np.random.Generator, ids: PostIds) -> PostBatch:
        n = self.counts[k]
        pop, profile, res = self.pop, self.profile, self.reservoir
        times = self.timeline.slice_times(k, self.slices, n, rng)
        authors = pop.sample_active(n, rng)
        lang = pop.lang[authors]
        post_ids = ids.take(profile.name, n)
        handles = pop.handle_array()
        author_handles = handles[authors]
        kinds = self._kinds(n, rng)

        # This slice's popular originals join the reservoir first; targets are then drawn among candidates
        # strictly earlier than the post, within a random reach back in time, weighted by popularity.
        followers = pop.followers[authors].astype(np.float64)
        popular = (kinds == ORIGINAL) & (rng.random(n) < self.candidate_rate * np.sqrt(1 + followers / 2000))
        cand = np.flatnonzero(popular)
        c_times = np.concatenate((res.times, times[cand]))
        c_weights = np.concatenate((res.weights, np.sqrt(followers[cand] + 50) * rng.lognormal(0, 1.2, cand.size)))
        cum = np.concatenate(([0.0], np.cumsum(c_weights)))
        needs = np.flatnonzero(kinds != ORIGINAL)
        t_need = times[needs]
        hi = np.searchsorted(c_times, t_need, side="left")
        reach = np.minimum(rng.exponential(4 * 3600, size=needs.size), WINDOW)
        lo = np.searchsorted(c_times, t_need - reach, side="left")
        lo = np.where(hi > lo, lo, np.searchsorted(c_times, t_need - WINDOW, side="left"))
        ok = hi > lo
        u = cum[lo] + rng.random(needs.size) * (cum[hi] - cum[lo])
        chosen = np.clip(np.searchsorted(cum, u, side="right") - 1, lo, np.maximum(hi - 1, lo))
        kinds[needs[~ok]] = ORIGINAL
        target = np.zeros(n, dtype=np.int64)
        target[needs[ok]] = chosen[ok]
        c_ids: Strings = np.concatenate((res.ids, np.array([post_ids[i] for i in cand.tolist()], dtype=object)))
        c_authors: Strings = np.concatenate((res.authors, author_handles[cand]))

        r = rng.integers(0, 1 << 30, size=(5, n))
        text: Strings = np.empty(n, dtype=object)
        orig = np.flatnonzero((kinds == ORIGINAL) | (kinds == QUOTE))
        lo_ = lang[orig]
        two = rng.random(orig.size) < 0.55
        emoji = r[2, orig] % 5 == 0
        text[orig] = (
            self.openers.pick(lo_, r[0, orig])
            + self.bodies.pick(lo_, r[1, orig])
            + np.where(two, self.connectors.pick(lo_, r[2, orig]) + self.bodies.pick(lo_, r[3, orig]), "")
            + self.closers.pick(lo_, r[4, orig])
            + np.where(emoji, self.emoji.pick(lo_, r[3, orig]), "")
        )
        for i in np.flatnonzero(rng.random(n) < 0.004).tolist():
            if kinds[i] == ORIGINAL:
                text[i] = self._harmless_number(int(lang[i]), rng)

        reply = np.flatnonzero(kinds == REPLY)
        lr = lang[reply]
        more = r[1, reply] % 3 == 0
        text[reply] = self.replies.pick(lr, r[0, reply]) + np.where(
            more, self.connectors.pick(lr, r[2, reply]) + self.bodies.pick(lr, r[3, reply]), ""
        )
        mentions: Strings = np.full(n, None, dtype=object)
        if profile.retweet_prefix:  # X replies open with the @handle of the author replied to
            who = c_authors[target[reply]]
            text[reply] = "@" + who + " " + text[reply]
            mentions[reply] = who

        # Hashtags of trending topics, famous accounts mentioned, popular links: originals only.
        tagged = np.flatnonzero((kinds == ORIGINAL) & (rng.random(n) < profile.hashtag_rate))
        tags = self.trending.sample(lang[tagged], times[tagged], rng)
        hashtags: Strings = np.full(n, None, dtype=object)
        if tagged.size:
            written: Strings = np.array([profile.hashtag(t) for t in tags.tolist()], dtype=object)
            front = (r[4, tagged] % 2 == 1) & (profile.hashtag_style == "weibo")
            text[tagged] = np.where(front, written + text[tagged], text[tagged] + " " + written)
            hashtags[tagged] = tags
        famous = np.flatnonzero((kinds == ORIGINAL) & (rng.random(n) < 0.05))
        if famous.size:
            who = handles[np.searchsorted(self.fame_cdf, rng.random(famous.size), side="right")]
            text[famous] = text[famous] + " @" + who
            mentions[famous] = who
        linked = np.flatnonzero((kinds != REPOST) & (rng.random(n) < 0.07))
        urls: Strings = np.full(n, None, dtype=object)
        if linked.size:
            track = np.where(rng.random(linked.size) < 0.25, rng.integers(1, len(self.tracking), linked.size), 0)
            link = (
                self.urls[np.searchsorted(self.url_cdf, rng.random(linked.size), side="right")] + self.tracking[track]
            )
            text[linked] = text[linked] + " " + link
            urls[linked] = link

        # Reposts last: an X retweet quotes the original ("RT @author: text", with its link, tag and
        # mention), and the original may be from this very slice. Elsewhere a repost is a short comment.
        repost = np.flatnonzero(kinds == REPOST)
        c_texts: Strings = np.concatenate((res.texts, text[cand]))
        c_urls: Strings = np.concatenate((res.urls, urls[cand]))
        c_tags: Strings = np.concatenate((res.tags, hashtags[cand]))
        c_mentions: Strings = np.concatenate((res.mentions, mentions[cand]))
        quoted: Strings = np.full(n, None, dtype=object)  # a second mention: the one inside a retweeted text
        if profile.retweet_prefix:
            of = target[repost]
            text[repost] = "RT @" + c_authors[of] + ": " + c_texts[of]
            mentions[repost] = c_authors[of]
            quoted[repost] = c_mentions[of]
            urls[repost] = c_urls[of]
            hashtags[repost] = c_tags[of]
        else:
            text[repost] = self.comments.pick(lang[repost], r[0, repost])

        ref: Strings = np.full(n, None, dtype=object)
        ref[needs[ok]] = c_ids[target[needs[ok]]]
        res.times, res.weights = c_times, c_weights
        res.ids, res.authors, res.texts = c_ids, c_authors, c_texts
        res.urls, res.tags, res.mentions = c_urls, c_tags, c_mentions
        res.keep_recent(int(times[-1]) if n else 0)
        pop.tally(authors)
        none: list[str] = []  # one shared empty list: serialised, never mutated
        return PostBatch(
            profile.name,
            post_ids,
            author_handles.tolist(),
            times,
            text.tolist(),
            [[u] if u is not None else none for u in urls.tolist()],
            [[t] if t is not None else none for t in hashtags.tolist()],
            [
                none if m is None else [m] if q is None or q == m else [m, q]
                for m, q in zip(mentions.tolist(), quoted.tolist(), strict=True)
            ],
            _where(kinds == REPLY, ref),
            _where(kinds == REPOST, ref),
            _where(kinds == QUOTE, ref),
            [LANG_CODES[c] for c in lang.tolist()],
        )

    def _harmless_number(self, code: int, rng: np.random.Generator) -> str:
        """An ordinary post with an order number, a landline or a count: digits that are not PII."""
        templates = texts.HARMLESS_NUMBER_ZH if code == ZH else texts.HARMLESS_NUMBER_EN
        template = templates[int(rng.integers(len(templates)))]
        digits = rng.integers(0, 10, size=12).tolist()
        return template.format(
            order=pii.order_number(rng),
            landline=pii.landline_number(rng),
            digits12="".join(map(str, digits)),
            digits8="".join(map(str, digits[:8])),
            digits5=str(1000 + int(rng.integers(0, 30_000))),
        )
