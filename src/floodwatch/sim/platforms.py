"""How each simulated platform looks: language, clock, volume, interaction habits and id formats.

Detectors are tested against these differences on purpose: Weibo and Douyin timestamps carry +08:00 so the
normaliser must convert them, X is mostly English and retweet-heavy, the forum is reply-heavy with short ids.
An unknown platform name gets a neutral profile, so `--platforms` accepts anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HashtagStyle = Literal["weibo", "inline"]


@dataclass(frozen=True)
class PlatformProfile:
    """Traits of one platform; rates are shares of organic posts."""

    name: str
    utc_offset_hours: int  # offset written into created_at (local time of the platform's servers)
    audience_offset_hours: int  # where the users live: drives the daily rhythm
    zh_share: float  # share of accounts that write Chinese
    volume: float  # relative share of all posts
    repost_rate: float
    reply_rate: float
    quote_rate: float
    hashtag_rate: float
    hashtag_style: HashtagStyle  # weibo: #话题#, inline: #tag
    retweet_prefix: bool  # reposts read "RT @author: text" (X) rather than a short comment
    post_id_base: int

    @property
    def offset_suffix(self) -> str:
        sign = "+" if self.utc_offset_hours >= 0 else "-"
        return f"{sign}{abs(self.utc_offset_hours):02d}:00"

    def hashtag(self, tag: str) -> str:
        """The tag as written in text on this platform."""
        return f"#{tag}#" if self.hashtag_style == "weibo" else f"#{tag}"


KNOWN: dict[str, PlatformProfile] = {
    "weibo": PlatformProfile("weibo", 8, 8, 0.97, 0.40, 0.28, 0.14, 0.0, 0.22, "weibo", False, 4_950_000_000_000_000),
    "x": PlatformProfile("x", 0, -5, 0.12, 0.25, 0.30, 0.20, 0.04, 0.12, "inline", True, 1_895_000_000_000_000_000),
    "douyin": PlatformProfile(
        "douyin", 8, 8, 0.99, 0.20, 0.08, 0.35, 0.0, 0.40, "inline", False, 7_310_000_000_000_000_000
    ),
    "forum-a": PlatformProfile("forum-a", 0, 8, 0.95, 0.15, 0.02, 0.50, 0.05, 0.04, "inline", False, 1_000_000),
}


def profile(name: str, index: int) -> PlatformProfile:
    """The profile of a known platform, or a neutral bilingual one with its own id range."""
    known = KNOWN.get(name)
    if known is not None:
        return known
    return PlatformProfile(name, 0, 0, 0.5, 0.15, 0.15, 0.2, 0.02, 0.1, "inline", False, (index + 1) * 10**12)


class PostIds:
    """Post ids handed out in write order, each platform counting up from its own base, so ids are unique
    per platform and look like the platform's (16-digit Weibo mids, 19-digit X snowflakes, short forum ids)."""

    def __init__(self, profiles: dict[str, PlatformProfile]) -> None:
        self._next = {name: p.post_id_base for name, p in profiles.items()}

    def take(self, platform: str, n: int) -> list[str]:
        first = self._next[platform]
        self._next[platform] = first + n
        return [str(i) for i in range(first, first + n)]

    def one(self, platform: str) -> str:
        first = self._next[platform]
        self._next[platform] = first + 1
        return str(first)
