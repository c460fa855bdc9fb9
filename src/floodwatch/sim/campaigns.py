"""Planted events and what they share: the world they act in, the posts they make, the base class.

A campaign is planned up front (who takes part, when it starts) but its posts are made only when the organic
stream reaches its start time, and written at once: memory holds one campaign at a time. Each campaign owns
a random generator derived from the seed and its index, so its posts do not depend on how the organic stream
was sliced. Campaigns make their own targets (the critic's post a swarm replies to, the victim's post a
pile-on descends on), so they never need an organic post that may not exist yet.

This module holds the campaigns that are not water-army groups: rumor cascades, pile-ons with doxxing, and
the two hard negatives (a viral burst of unrelated reposters, friendly replies to a celebration).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from floodwatch.sim import pii, texts
from floodwatch.sim.compose import choice
from floodwatch.sim.platforms import PlatformProfile, PostIds
from floodwatch.sim.population import LANG_CODES, ZH, Population

HOUR = 3600
MINUTE = 60


class PlantedPost(NamedTuple):
    platform: str
    post_id: str
    row: int  # author's row in the platform's Population
    t: int
    text: str
    lang: str
    campaign: str
    kind: str | None  # truth kind; None for posts that are only context (a critic's post, a victim's post)
    urls: list[str]
    hashtags: list[str]
    mentions: list[str]
    reply_to: str | None
    repost_of: str | None


@dataclass
class World:
    """What campaigns may read and change: accounts, post ids, the period, roles already handed out."""

    start: int
    end: int
    profiles: dict[str, PlatformProfile]
    pops: dict[str, Population]
    ids: PostIds
    taken: dict[str, set[int]] = field(default_factory=dict)  # organic rows with a planted role already

    def handle(self, platform: str, row: int) -> str:
        return self.pops[platform].handles[row]

    def lang(self, platform: str, row: int) -> str:
        return LANG_CODES[int(self.pops[platform].lang[row])]

    def post(
        self,
        platform: str,
        row: int,
        t: int,
        text: str,
        campaign: str,
        kind: str | None,
        *,
        urls: list[str] | None = None,
        hashtags: list[str] | None = None,
        mentions: list[str] | None = None,
        reply_to: PlantedPost | None = None,
        repost_of: PlantedPost | None = None,
        lang: str | None = None,
    ) -> PlantedPost:
        """A new post; a reply or repost is moved to at least one second after its target."""
        parent = reply_to or repost_of
        if parent is not None:
            t = max(t, parent.t + 1)
        return PlantedPost(
            platform,
            self.ids.one(platform),
            row,
            t,
            text,
            lang or self.lang(platform, row),
            campaign,
            kind,
            urls or [],
            hashtags or [],
            mentions or [],
            reply_to.post_id if reply_to else None,
            repost_of.post_id if repost_of else None,
        )

    def repost(
        self, parent: PlantedPost, row: int, t: int, comment: str, campaign: str, kind: str | None
    ) -> PlantedPost:
        """A repost as the platform shows it; repost_of is the immediate parent, so cascades keep their shape.
        X: "RT @author: text", quoting the original with its links and tags (a retweet of a retweet reads
        like the first one). Weibo: the comment, then the chain of earlier reposters' comments
        ("好//@b:扩散//@a:"). Elsewhere just the comment."""
        profile = self.profiles[parent.platform]
        who = self.handle(parent.platform, parent.row)
        if profile.retweet_prefix:
            retweeted = parent.text.startswith("RT @")
            return self.post(
                parent.platform,
                row,
                t,
                parent.text if retweeted else f"RT @{who}: {parent.text}",
                campaign,
                kind,
                urls=parent.urls,
                hashtags=parent.hashtags,
                mentions=parent.mentions if retweeted else list(dict.fromkeys([who, *parent.mentions])),
                repost_of=parent,
                lang=parent.lang,
            )
        if profile.hashtag_style == "weibo" and parent.repost_of is not None:
            return self.post(
                parent.platform,
                row,
                t,
                f"{comment}//@{who}:{parent.text}",
                campaign,
                kind,
                mentions=list(dict.fromkeys([who, *parent.mentions])),
                repost_of=parent,
                lang=parent.lang,
            )
        return self.post(parent.platform, row, t, comment, campaign, kind, repost_of=parent, lang=parent.lang)

    def reply(self, parent: PlantedPost, row: int, t: int, text: str, campaign: str, kind: str | None) -> PlantedPost:
        """A reply; on X it starts with the @handle of the replied-to author, as X clients write it."""
        if self.profiles[parent.platform].retweet_prefix:
            who = self.handle(parent.platform, parent.row)
            return self.post(parent.platform, row, t, f"@{who} {text}", campaign, kind, mentions=[who], reply_to=parent)
        return self.post(parent.platform, row, t, text, campaign, kind, reply_to=parent)

    def clip(self, t: float) -> int:
        return int(min(max(t, self.start), self.end - 1))

    def crowd(self, platform: str, n: int, rng: np.random.Generator, exclude: set[int]) -> list[int]:
        """n distinct ordinary organic accounts, drawn by activity: the public that joins a burst."""
        return self.pops[platform].sample_distinct(n, rng, exclude)

    def figure(self, platform: str, rng: np.random.Generator, famous: bool) -> int:
        """A fresh organic account for a role: a famous verified one, or an ordinary private person."""
        pop = self.pops[platform]
        taken = self.taken.setdefault(platform, set())
        if famous:
            mask = pop.verified & (pop.followers >= np.quantile(pop.followers[pop.verified], 0.5))
        else:
            mask = ~pop.verified & (pop.followers < 1000) & (pop.activity > 0.2)
        for _ in range(20):
            row = pop.pick(rng, mask)
            if row not in taken:
                break
        taken.add(row)
        return row


def start_within(world: World, rng: np.random.Generator, span: int) -> int:
    """A start time that leaves `span` seconds (or half the period, if shorter) before the end."""
    room = max(1, world.end - world.start - min(span, (world.end - world.start) // 2))
    return world.start + int(rng.integers(0, room))


def platform_for(world: World, rng: np.random.Generator, lang: str | None = None) -> str:
    """A platform by volume, preferring those whose users mostly write `lang`."""
    names = list(world.profiles)
    weights = np.array([world.profiles[p].volume for p in names])
    if lang is not None:
        match = np.array([(world.profiles[p].zh_share >= 0.5) == (lang == texts.ZH) for p in names])
        if match.any():
            weights = weights * match
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def majority_lang(profile: PlatformProfile) -> str:
    return texts.ZH if profile.zh_share >= 0.5 else texts.EN


class Campaign(ABC):
    """A planned event. Its `rng` is drawn from at planning time and continued when the posts are made."""

    kind: str = ""

    def __init__(self, campaign_id: str, rng: np.random.Generator) -> None:
        self.campaign_id = campaign_id
        self.rng = rng
        self.start = 0
        self.estimate = 0  # posts expected, so the organic stream can make room
        self.made = 0

    @abstractmethod
    def generate(self, world: World) -> list[PlantedPost]:
        """The campaign's posts (any order; replies and reposts later in time than their targets)."""

    @abstractmethod
    def info(self, world: World) -> dict[str, Any]:
        """A summary.json entry."""

    def targets(self, world: World) -> list[tuple[str, str, str, str]]:
        """truth/targets.csv rows (platform, account_id, campaign, role) for accounts the campaign aims at."""
        return []


class _Decoy(Campaign):
    """What the two decoys share: one author's post that a crowd answers; `role` names the author in the truth."""

    role = ""
    platform: str
    author: int

    def info(self, world: World) -> dict[str, Any]:
        return {
            "campaign": self.campaign_id,
            "kind": self.kind,
            "platform": self.platform,
            "author": world.handle(self.platform, self.author),
            "posts": self.made,
        }

    def targets(self, world: World) -> list[tuple[str, str, str, str]]:
        return [(self.platform, world.handle(self.platform, self.author), self.campaign_id, self.role)]


class ViralBurst(_Decoy):
    """Hard negative: a famous account's post reposted by hundreds to thousands of unrelated accounts within
    hours. Co-reposting it is no evidence of coordination, however synchronous it looks."""

    kind = "viral_decoy"
    role = "viral_author"

    def __init__(self, campaign_id: str, rng: np.random.Generator, world: World, size: int) -> None:
        super().__init__(campaign_id, rng)
        self.platform = platform_for(world, rng)
        self.author = world.figure(self.platform, rng, famous=True)
        self.start = start_within(world, rng, 12 * HOUR)
        self.size = size
        self.estimate = size + 1

    def generate(self, world: World) -> list[PlantedPost]:
        rng, cid = self.rng, self.campaign_id
        lang = world.lang(self.platform, self.author)
        text = choice(rng, texts.VIRAL_POSTS_ZH if lang == texts.ZH else texts.VIRAL_POSTS_EN)
        root = world.post(self.platform, self.author, self.start, text, cid, self.kind)
        out = [root]
        crowd = world.crowd(self.platform, self.size, rng, {self.author})
        delays = np.minimum(rng.lognormal(np.log(20 * MINUTE), 1.0, size=len(crowd)), 12 * HOUR)
        for row, delay in zip(crowd, delays.tolist(), strict=True):
            t = world.clip(self.start + 5 + delay)
            pool = texts.REPOST_COMMENTS_ZH if world.lang(self.platform, row) == texts.ZH else texts.QUOTE_COMMENTS_EN
            if rng.random() < 0.12:
                replies = texts.REPLIES_ZH if world.lang(self.platform, row) == texts.ZH else texts.REPLIES_EN
                out.append(world.reply(root, row, t, choice(rng, replies), cid, self.kind))
            else:
                out.append(world.repost(root, row, t, choice(rng, pool), cid, self.kind))
        self.made = len(out)
        return out


class FriendlyBurst(_Decoy):
    """Hard negative: a celebration that draws many near-identical well-wishes ("生日快乐！") from unrelated
    accounts within two hours: same text, same target, same window, and still not a water army."""

    kind = "friendly_decoy"
    role = "friendly_target"

    def __init__(self, campaign_id: str, rng: np.random.Generator, world: World, size: int) -> None:
        super().__init__(campaign_id, rng)
        self.platform = platform_for(world, rng)
        self.author = world.figure(self.platform, rng, famous=True)
        self.start = start_within(world, rng, 3 * HOUR)
        self.size = size
        self.estimate = size + 1

    def generate(self, world: World) -> list[PlantedPost]:
        rng, cid = self.rng, self.campaign_id
        lang = world.lang(self.platform, self.author)
        options = texts.FRIENDLY_ZH if lang == texts.ZH else texts.FRIENDLY_EN
        text, replies = options[int(rng.integers(len(options)))]
        root = world.post(self.platform, self.author, self.start, text, cid, self.kind)
        out = [root]
        crowd = world.crowd(self.platform, self.size, rng, {self.author})
        delays = np.minimum(rng.exponential(25 * MINUTE, size=len(crowd)), 2 * HOUR)
        for row, delay in zip(crowd, delays.tolist(), strict=True):
            reply = choice(rng, replies)
            if rng.random() < 0.3:
                reply += choice(rng, texts.FRIENDLY_EMOJI)
            out.append(world.reply(root, row, world.clip(self.start + 10 + delay), reply, cid, self.kind))
        self.made = len(out)
        return out


@dataclass(frozen=True)
class Claim:
    """A debunked claim as written to claims.jsonl, with the material its rumor posts restate."""

    claim_id: str
    material: texts.ClaimText
    source: str
    date: str
    url: str

    def record(self) -> dict[str, str]:
        return {
            "claim_id": self.claim_id,
            "text": self.material.text,
            "lang": self.material.lang,
            "verdict": "false",
            "source": self.source,
            "date": self.date,
            "url": self.url,
        }


class RumorCascade(Campaign):
    """A debunked claim resurfacing: a few accounts restate it in their own words, influential verified
    accounts repost it, and a crowd reposts them (and each other) in a decaying cascade. Repost_of points at
    the immediate parent, so the cascade tree and the influential nodes can be recovered. A verified account
    later posts the debunk (kind `debunk`: about the claim, but not spreading it)."""

    kind = "rumor"

    def __init__(self, campaign_id: str, rng: np.random.Generator, world: World, claim: Claim, size: int) -> None:
        super().__init__(campaign_id, rng)
        self.claim = claim
        self.platform = platform_for(world, rng, claim.material.lang)
        self.start = start_within(world, rng, 2 * 86_400)
        self.n_sources = int(rng.integers(1, min(5, 2 + size // 40) + 1))
        self.amplifiers = list(dict.fromkeys(world.figure(self.platform, rng, famous=True) for _ in range(3)))
        del self.amplifiers[int(rng.integers(1, 4)) :]
        self.size = size
        self.estimate = self.n_sources + len(self.amplifiers) + size + 1

    def generate(self, world: World) -> list[PlantedPost]:
        rng, cid, platform = self.rng, self.campaign_id, self.platform
        material = self.claim.material
        zh = material.lang == texts.ZH
        taken = set(self.amplifiers)
        sources = world.crowd(platform, self.n_sources, rng, taken)
        taken.update(sources)
        wordings = rng.permutation(len(material.restatements)).tolist()
        times = sorted((self.start + rng.uniform(0, 12 * HOUR, size=len(sources))).astype(np.int64).tolist())
        times[0] = self.start
        origins: list[PlantedPost] = []
        for j, (row, t) in enumerate(zip(sources, times, strict=True)):
            text = material.restatements[wordings[j % len(wordings)]]
            if rng.random() < 0.4:
                text += choice(rng, texts.RUMOR_SUFFIXES_ZH if zh else texts.RUMOR_SUFFIXES_EN)
            origins.append(world.post(platform, row, world.clip(t), text, cid, self.kind, lang=material.lang))
        comments = texts.RUMOR_REPOST_COMMENTS_ZH if zh else texts.RUMOR_REPOST_COMMENTS_EN
        amplified = [
            world.repost(
                origins[int(rng.integers(len(origins)))],
                row,
                origins[0].t + int(rng.uniform(10 * MINUTE, 3 * HOUR)),
                choice(rng, comments),
                cid,
                self.kind,
            )
            for row in self.amplifiers
        ]
        # Each reposter picks a parent: an amplifier's repost is 8 times as likely as a source post, an
        # earlier reposter's 0.3 times (drawn in O(1) from the three class totals).
        spread: list[PlantedPost] = []
        for row in world.crowd(platform, self.size, rng, taken):
            w_amp = 8.0 * len(amplified)
            u = float(rng.random()) * (len(origins) + w_amp + 0.3 * len(spread))
            if u < len(origins):
                parent = origins[int(u)]
            elif u < len(origins) + w_amp:
                parent = amplified[int((u - len(origins)) / 8.0)]
            else:
                parent = spread[min(int((u - len(origins) - w_amp) / 0.3), len(spread) - 1)]
            t = world.clip(parent.t + 30 + rng.lognormal(np.log(40 * MINUTE), 0.9))
            spread.append(world.repost(parent, row, t, choice(rng, comments), cid, self.kind))
        checker = world.figure(platform, rng, famous=True)
        debunk_t = world.clip(self.start + int(rng.uniform(12 * HOUR, 36 * HOUR)))
        debunk = world.post(
            platform,
            checker,
            debunk_t,
            f"{material.debunk} {self.claim.url}",
            cid,
            "debunk",
            urls=[self.claim.url],
            lang=material.lang,
        )
        out = origins + amplified + spread + [debunk]
        self.made = len(out)
        return out

    def info(self, world: World) -> dict[str, Any]:
        return {
            "campaign": self.campaign_id,
            "claim_id": self.claim.claim_id,
            "platform": self.platform,
            "posts": self.made,
            "amplifiers": [world.handle(self.platform, r) for r in self.amplifiers],
        }

    def targets(self, world: World) -> list[tuple[str, str, str, str]]:
        return [(self.platform, world.handle(self.platform, r), self.campaign_id, "amplifier") for r in self.amplifiers]


class PileOn(Campaign):
    """Cyber-violence against a private person: within the hour after an ordinary post, many accounts reply
    to it or mention its author with insults, and a few post the victim's (fake) resident ID number and
    mobile number. The victim's own post is context, not truth."""

    kind = "abuse"

    def __init__(self, campaign_id: str, rng: np.random.Generator, world: World, size: int) -> None:
        super().__init__(campaign_id, rng)
        self.platform = platform_for(world, rng)
        self.victim = world.figure(self.platform, rng, famous=False)
        self.start = start_within(world, rng, 3 * HOUR)
        self.size = size
        self.n_doxx = int(rng.integers(1, 4))
        self.estimate = size + self.n_doxx + 1
        self.attackers = 0

    def generate(self, world: World) -> list[PlantedPost]:
        rng, cid, platform = self.rng, self.campaign_id, self.platform
        zh = world.pops[platform].lang[self.victim] == ZH
        victim = world.handle(platform, self.victim)
        trigger = choice(rng, texts.VICTIM_POSTS_ZH if zh else texts.VICTIM_POSTS_EN)
        root = world.post(platform, self.victim, self.start, trigger, cid, None)
        out = [root]
        attackers = world.crowd(platform, self.size + self.n_doxx, rng, {self.victim})
        insults = texts.ABUSE_ZH if zh else texts.ABUSE_EN
        abusers, doxxers = attackers[: self.size], attackers[self.size :]
        delays = np.minimum(3 * MINUTE + rng.exponential(12 * MINUTE, size=len(abusers)), HOUR)
        for row, delay in zip(abusers, delays.tolist(), strict=True):
            picked = rng.choice(len(insults), size=1 + int(rng.random() < 0.35), replace=False).tolist()
            text = ("，" if zh else ", ").join(insults[i] for i in picked)
            t = self.start + int(delay)
            if rng.random() < 0.7:
                out.append(world.reply(root, row, t, text, cid, self.kind))
            else:
                out.append(world.post(platform, row, t, f"@{victim} {text}", cid, self.kind, mentions=[victim]))
        name = (
            choice(rng, texts.SURNAMES_ZH) + choice(rng, texts.GIVEN_ZH)
            if zh
            else (f"{choice(rng, texts.FIRST_EN)} {choice(rng, texts.LAST_EN)}")
        )
        idn, phone = pii.resident_id(rng), pii.mobile_number(rng)
        city = choice(rng, texts.SLOTS_ZH["city"] if zh else texts.SLOTS_EN["city"])
        for row in doxxers:
            text = choice(rng, texts.DOXXING_ZH if zh else texts.DOXXING_EN).format(
                name=name, idn=idn, phone=phone, city=city
            )
            t = self.start + int(rng.uniform(15 * MINUTE, 90 * MINUTE))
            if rng.random() < 0.5:
                out.append(world.reply(root, row, t, text, cid, "doxxing"))
            else:
                out.append(world.post(platform, row, t, f"@{victim} {text}", cid, "doxxing", mentions=[victim]))
        self.attackers = len(attackers)
        self.made = len(out)
        return out

    def info(self, world: World) -> dict[str, Any]:
        return {
            "campaign": self.campaign_id,
            "platform": self.platform,
            "victim": world.handle(self.platform, self.victim),
            "attackers": self.attackers,
            "posts": self.made,
        }

    def targets(self, world: World) -> list[tuple[str, str, str, str]]:
        return [(self.platform, world.handle(self.platform, self.victim), self.campaign_id, "victim")]
