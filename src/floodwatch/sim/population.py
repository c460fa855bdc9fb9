"""The accounts of one platform: organic users with heavy-tailed activity and reach, then the planted ones.

Columns live in numpy arrays (one row per account) so a million accounts cost a few tens of megabytes and
sampling an author is a `searchsorted` on the cumulative activity. The account id is a handle such as
`xiaoyu_38172046`: the same string appears in mentions, so a pile-on can be traced through mentions without
a join. The number in a handle is a scrambling bijection of an account number: each platform numbers its
organic accounts in its own range and planted people share a range above them all, so handles are unique
within a platform, organic handles never repeat across platforms by accident, and a cross-platform group's
member keeps one handle everywhere, as real operators do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from floodwatch.sim import texts
from floodwatch.sim.platforms import PlatformProfile

ZH, EN = 0, 1  # values of the `lang` column
LANG_CODES = (texts.ZH, texts.EN)
HANDLE_MOD = 100_000_000
HANDLE_MULT = 61_803_399  # coprime with HANDLE_MOD, so number -> handle number is a bijection
PLANTED_HANDLE_BASE = 50_000_000  # planted people number from here; organic accounts stay below
DAY = 86_400


def handle_number(index: int, salt: int) -> int:
    return (index * HANDLE_MULT + salt) % HANDLE_MOD


class Population:
    """All accounts of one platform. Organic rows come first, planted rows are appended by the planner."""

    def __init__(
        self, profile: PlatformProfile, n_organic: int, start: int, rng: np.random.Generator, numbers: range, salt: int
    ) -> None:
        """`numbers`: this platform's range of organic account numbers; `salt`: shared by all platforms."""
        if n_organic > len(numbers):
            raise ValueError(f"too many accounts for one platform: {n_organic} > {len(numbers)}")
        self.profile = profile
        self.platform = profile.name
        self.n_organic = n_organic
        self.start = start
        self.salt = salt
        n = n_organic
        self.lang: npt.NDArray[np.int8] = (rng.random(n) >= profile.zh_share).astype(np.int8)
        z = rng.standard_normal(n)
        self.activity: npt.NDArray[np.float64] = np.exp(1.4 * z)
        reach = 0.4 * z + 0.92 * rng.standard_normal(n)
        followers = np.minimum(np.exp(4.0 + 1.7 * reach), 3e6)
        verified = np.zeros(n, dtype=np.bool_)
        # "Big V" accounts: verified, millions of followers, they post more than most.
        big = rng.choice(n, size=max(6, n // 800), replace=False)
        followers[big] = np.clip(rng.lognormal(np.log(2e6), 1.0, size=big.size), 2e5, 8e7)
        verified[big] = True
        self.activity[big] *= 3.0
        # Blue-V organisations and minor celebrities.
        blue = rng.choice(n, size=max(6, n // 400), replace=False)
        followers[blue] = np.maximum(followers[blue], rng.lognormal(np.log(5e4), 1.0, size=blue.size))
        verified[blue] = True
        self.followers: npt.NDArray[np.int64] = followers.astype(np.int64)
        self.verified: npt.NDArray[np.bool_] = verified
        self.following: npt.NDArray[np.int64] = np.clip(rng.lognormal(5.0, 1.0, size=n), 0, 5000).astype(np.int64)
        age_days = np.clip(rng.lognormal(np.log(1000), 0.8, size=n), 30, 5500)
        young = rng.random(n) < 0.02  # organic newcomers: a "new account" signal must not convict alone
        age_days[young] = rng.uniform(1, 60, size=int(young.sum()))
        self.created: npt.NDArray[np.int64] = (start - age_days * DAY).astype(np.int64)
        self.name_seed: npt.NDArray[np.int64] = rng.integers(0, 2**40, size=n)
        self.default_name: npt.NDArray[np.bool_] = rng.random(n) < 0.12
        words = rng.integers(0, len(texts.HANDLE_WORDS), size=n).tolist()
        seps = rng.random(n) < 0.5
        self.handles: list[str] = [
            f"{texts.HANDLE_WORDS[w]}{'_' if s else ''}{handle_number(i, salt)}"
            for i, w, s in zip(numbers, words, seps.tolist(), strict=False)
        ]
        self.posts: npt.NDArray[np.int64] = np.zeros(n, dtype=np.int64)
        self._activity_cdf: npt.NDArray[np.float64] | None = None
        self._handle_array: npt.NDArray[np.object_] | None = None

    @property
    def size(self) -> int:
        return len(self.handles)

    def planted_handle(self, person: int, rng: np.random.Generator) -> str:
        """The handle of the `person`-th planted account of the whole simulation (same on every platform)."""
        word = texts.HANDLE_WORDS[int(rng.integers(len(texts.HANDLE_WORDS)))]
        sep = "_" if rng.random() < 0.5 else ""
        return f"{word}{sep}{handle_number(PLANTED_HANDLE_BASE + person, self.salt)}"

    def add_planted(self, handles: list[str], lang: int, rng: np.random.Generator, nurtured: float) -> list[int]:
        """Append freshly registered accounts: days to weeks old at the campaign, few followers, following
        many (follow-for-follow). They are registered before the simulated period starts, so every post of
        theirs, organic or planted, comes after their registration. A share `nurtured` of them also post a
        little organically, the way operators "raise" accounts to look alive; the rest only ever post for
        the campaign."""
        n = len(handles)
        first = self.size
        age = rng.uniform(1, 30, size=n) * DAY
        self.created = np.concatenate((self.created, (self.start - age).astype(np.int64)))
        self.lang = np.concatenate((self.lang, np.full(n, lang, dtype=np.int8)))
        alive = rng.random(n) < nurtured
        self.activity = np.concatenate((self.activity, np.where(alive, 0.08, 0.0)))
        self.followers = np.concatenate((self.followers, rng.lognormal(1.5, 1.0, size=n).astype(np.int64)))
        self.following = np.concatenate(
            (self.following, np.clip(rng.lognormal(5.8, 0.7, size=n), 20, 3000).astype(np.int64))
        )
        self.verified = np.concatenate((self.verified, np.zeros(n, dtype=np.bool_)))
        self.name_seed = np.concatenate((self.name_seed, rng.integers(0, 2**40, size=n)))
        self.default_name = np.concatenate((self.default_name, rng.random(n) < 0.55))
        self.posts = np.concatenate((self.posts, np.zeros(n, dtype=np.int64)))
        self.handles.extend(handles)
        self._activity_cdf = None
        self._handle_array = None
        return list(range(first, first + n))

    def handle_array(self) -> npt.NDArray[np.object_]:
        """The handles as an object array, for fancy indexing by row."""
        if self._handle_array is None:
            self._handle_array = np.array(self.handles, dtype=object)
        return self._handle_array

    def activity_cdf(self) -> npt.NDArray[np.float64]:
        if self._activity_cdf is None:
            cdf = np.cumsum(self.activity)
            self._activity_cdf = cdf / cdf[-1]
        return self._activity_cdf

    def sample_active(self, n: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        """n authors, each drawn with probability proportional to organic activity (repeats allowed)."""
        return np.searchsorted(self.activity_cdf(), rng.random(n), side="right").astype(np.int64)

    def sample_distinct(self, n: int, rng: np.random.Generator, exclude: set[int]) -> list[int]:
        """Up to n distinct organic authors by activity: the crowd of a viral burst or a pile-on."""
        out: list[int] = []
        seen = set(exclude)
        for _ in range(4):
            for i in self.sample_active(2 * n + 8, rng).tolist():
                if i not in seen and i < self.n_organic:
                    seen.add(i)
                    out.append(i)
                    if len(out) == n:
                        return out
        return out

    def pick(self, rng: np.random.Generator, mask: npt.NDArray[np.bool_]) -> int:
        """A random organic row satisfying the mask (over organic rows), or any organic row if none does."""
        rows = np.flatnonzero(mask[: self.n_organic])
        if rows.size == 0:
            return int(rng.integers(self.n_organic))
        return int(rows[int(rng.integers(rows.size))])

    def tally(self, rows: npt.NDArray[np.int64]) -> None:
        """Count posts per account (O(len(rows)), not O(accounts): it runs once per slice)."""
        np.add.at(self.posts, rows, 1)

    def display_name(self, row: int) -> str:
        seed = int(self.name_seed[row])
        if self.default_name[row]:
            prefix = texts.DEFAULT_NAME_ZH if self.lang[row] == ZH else texts.DEFAULT_NAME_EN
            return f"{prefix}{seed % 10_000_000_000:010d}"
        if self.lang[row] == ZH:
            p, c, s = texts.NICK_PREFIX_ZH, texts.NICK_CORE_ZH, texts.NICK_SUFFIX_ZH
            return p[seed % len(p)] + c[(seed >> 8) % len(c)] + s[(seed >> 16) % len(s)]
        first, last = texts.FIRST_EN, texts.LAST_EN
        return f"{first[seed % len(first)]} {last[(seed >> 8) % len(last)]}"

    def records(self) -> Iterator[dict[str, Any]]:
        """accounts.jsonl rows. posts_count is the lifetime count: what the dump holds plus earlier posts."""
        suffix = self.profile.offset_suffix
        shift = self.profile.utc_offset_hours * 3600
        stamps = np.datetime_as_string((self.created + shift).astype("datetime64[s]")).tolist()
        earlier = (self.activity * (self.start - self.created) / DAY * 0.4).astype(np.int64)
        lifetime = (self.posts + earlier).tolist()
        locations = (texts.LOCATIONS_ZH, texts.LOCATIONS_EN)
        for row in range(self.size):
            seed = int(self.name_seed[row])
            lang = int(self.lang[row])
            loc = locations[lang]
            yield {
                "platform": self.platform,
                "account_id": self.handles[row],
                "created_at": stamps[row] + suffix,
                "display_name": self.display_name(row),
                "followers": int(self.followers[row]),
                "following": int(self.following[row]),
                "posts_count": lifetime[row],
                "verified": bool(self.verified[row]),
                "location": loc[(seed >> 24) % len(loc)],
            }
