"""Planted water-army groups: who is in them and how each style acts in a wave.

A group works for one client (a brand, an app, a singer's fan club) over several waves on different days,
so the same accounts co-act on several distinct keys, which is what separates a group from a crowd that
happens to share one viral post. Core members are freshly registered accounts made for the job; part-time
members are ordinary organic accounts that take paid jobs now and then and otherwise post like anyone.

Styles, each a different trace for the detectors:
- copy_paste: one message with small edits (a synonym, punctuation, an emoji), within minutes;
- paraphrase: one message reworded from templates, within half an hour;
- link_push: varied bait around the same contact handle or shop link, over hours, every wave;
- repost_ring: members repost the client's post and each other's within seconds;
- reply_swarm: members reply to a critic's post within minutes;
- staggered: the same message spread over hours with jitter, defeating tight time windows;
- cross_platform: the same accounts (same handles) on two or three platforms pushing the same content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from floodwatch.sim import texts
from floodwatch.sim.campaigns import HOUR, MINUTE, Campaign, PlantedPost, World, majority_lang, platform_for
from floodwatch.sim.clock import working_time
from floodwatch.sim.compose import choice, code, copy_edit
from floodwatch.sim.population import EN, ZH

STYLES = ("copy_paste", "paraphrase", "link_push", "repost_ring", "reply_swarm", "staggered", "cross_platform")
# How long one wave lasts: the wave must start this long before the period ends.
SPAN = {
    "copy_paste": 15 * MINUTE,
    "paraphrase": 40 * MINUTE,
    "link_push": 3 * HOUR,
    "repost_ring": 5 * MINUTE,
    "reply_swarm": 25 * MINUTE,
    "staggered": 7 * HOUR,
    "cross_platform": 90 * MINUTE,
}
CORE, PART_TIME = "core", "part_time"


@dataclass
class Group:
    group_id: str
    style: str
    lang: str
    client: texts.Client
    platforms: tuple[str, ...]
    family: int  # which message / paraphrase family the group uses
    members: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # platform -> (row, role)
    contact: str = ""  # link_push: the contact id or shop link the group diverts traffic to
    link: str = ""  # cross_platform: the link pushed everywhere
    sponsor: int = -1  # repost_ring: the client's own account on the home platform
    waves: list[GroupWave] = field(default_factory=list)

    @property
    def home(self) -> str:
        return self.platforms[0]

    def truth_rows(self, world: World) -> list[tuple[str, ...]]:
        return [
            (p, world.handle(p, row), self.group_id, self.style, role)
            for p, members in self.members.items()
            for row, role in members
        ]

    def info(self, world: World) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "style": self.style,
            "platforms": list(self.platforms),
            "lang": self.lang,
            "client": self.client.brand,
            "hashtag": self.client.tag,
            "contact": self.contact or self.link,
            "core": sum(role == CORE for m in self.members.values() for _, role in m),
            "part_time": sum(role == PART_TIME for m in self.members.values() for _, role in m),
            "posts": sum(w.made for w in self.waves),
            "waves": [w.info(world) for w in self.waves],
        }


def plan_group(group_id: str, style: str, world: World, rng: np.random.Generator, size: int, persons: int) -> Group:
    """Recruit a group of `size` members (core accounts are registered on the platform(s) here).
    `persons` numbers the planted people so far, which keeps handles unique across groups."""
    platforms = _cross_platforms(world, rng) if style == "cross_platform" else (platform_for(world, rng),)
    lang = majority_lang(world.profiles[platforms[0]])
    clients = texts.CLIENTS_ZH if lang == texts.ZH else texts.CLIENTS_EN
    group = Group(
        group_id, style, lang, clients[int(rng.integers(len(clients)))], platforms, int(rng.integers(1 << 16))
    )
    n_part = max(1, round(size * float(rng.uniform(0.1, 0.3))))
    n_core = size - n_part
    home_pop = world.pops[group.home]
    handles = [home_pop.planted_handle(persons + i, rng) for i in range(n_core)]
    code_ = ZH if lang == texts.ZH else EN
    for p in platforms:
        rows = world.pops[p].add_planted(handles, code_, rng, nurtured=0.4)
        group.members[p] = [(r, CORE) for r in rows]
    taken = world.taken.setdefault(group.home, set())
    part = [
        r
        for r in world.crowd(group.home, 4 * n_part, rng, taken)
        if home_pop.lang[r] == code_ and not home_pop.verified[r]
    ][:n_part]
    taken.update(part)
    group.members[group.home] += [(r, PART_TIME) for r in part]
    if style == "link_push":
        group.contact = _contact(lang, rng)
    elif style == "cross_platform":
        group.link = choice(rng, texts.SHOP_LINK_PATTERNS).format(code=code(rng, 6))
    elif style == "repost_ring":
        group.sponsor = world.figure(group.home, rng, famous=True)
    return group


def _cross_platforms(world: World, rng: np.random.Generator) -> tuple[str, ...]:
    """Two or three platforms for a cross-platform group, sharing a language when possible, so the same
    text can travel: a home platform by volume, then one or two others."""
    langs = {p: majority_lang(profile) for p, profile in world.profiles.items()}
    shared = [lang for lang in (texts.ZH, texts.EN) if sum(v == lang for v in langs.values()) >= 2]
    home = platform_for(world, rng, shared[0] if shared else None)
    others = [p for p in world.profiles if p != home and (not shared or langs[p] == langs[home])]
    extra = rng.choice(len(others), size=min(len(others), int(rng.integers(1, 3))), replace=False)
    return (home, *[others[i] for i in sorted(extra.tolist())])


def _contact(lang: str, rng: np.random.Generator) -> str:
    """The traffic-diversion target: a WeChat id, a QQ group, a Telegram handle or a shop short link."""
    kinds = ("wechat", "qq", "shop") if lang == texts.ZH else ("telegram", "shop")
    kind = choice(rng, kinds)
    if kind == "shop":
        return choice(rng, texts.SHOP_LINK_PATTERNS).format(code=code(rng, 6))
    if kind == "qq":
        return "qq:" + str(int(rng.integers(100_000_000, 999_999_999)))
    word = choice(rng, texts.HANDLE_WORDS)
    return f"{kind}:{word}{int(rng.integers(100, 99_999))}"


def plan_waves(group: Group, world: World, n_waves: int, seeds: list[np.random.Generator]) -> None:
    """Schedule the group's waves on different days, in working hours, each with its own participants."""
    days = (world.end - world.start) // 86_400
    span = SPAN[group.style]
    rng = seeds[0]
    chosen = rng.choice(days, size=min(n_waves, days), replace=False).tolist()
    chosen += rng.integers(0, days, size=n_waves - len(chosen)).tolist()
    offset = world.profiles[group.home].audience_offset_hours
    for w, (day, wave_rng) in enumerate(zip(sorted(chosen), seeds, strict=True)):
        t = working_time(world.start + day * 86_400, offset, wave_rng)
        group.waves.append(GroupWave(group, w, wave_rng, min(t, world.end - span - 1)))


class GroupWave(Campaign):
    """One wave of one group: the participants and the posts they make together."""

    kind = "coordination"

    def __init__(self, group: Group, wave: int, rng: np.random.Generator, start: int) -> None:
        super().__init__(group.group_id, rng)
        self.group = group
        self.wave = wave
        self.start = start
        self.critic = -1  # reply_swarm: the account whose post the wave descends on
        self.participants: dict[str, list[int]] = {}
        for p, members in group.members.items():
            keep = [row for row, role in members if rng.random() < (0.9 if role == CORE else 0.5)]
            self.participants[p] = keep if len(keep) >= 3 else [row for row, _ in members[:3]]
        n = len(self.participants[group.home])
        extra = {"repost_ring": 1 + 2 + int(0.75 * 2 * n), "reply_swarm": 1}.get(group.style, 0)
        self.estimate = sum(len(v) for v in self.participants.values()) + extra

    def generate(self, world: World) -> list[PlantedPost]:
        style = self.group.style
        if style == "repost_ring":
            out = self._ring(world)
        elif style == "reply_swarm":
            out = self._swarm(world)
        elif style == "cross_platform":
            out = self._cross(world)
        else:
            out = self._broadcast(world)
        self.made = len(out)
        return out

    def info(self, world: World) -> dict[str, Any]:
        return {"wave": self.wave, "start": datetime.fromtimestamp(self.start, UTC).isoformat(), "posts": self.made}

    def _fill(self, template: str, world: World, platform: str, contact: str = "") -> tuple[str, list[str]]:
        """A template with the client's names; returns the text and its hashtags."""
        c = self.group.client
        text = template.format(
            brand=c.brand, product=c.product, hashtag=world.profiles[platform].hashtag(c.tag), contact=contact
        )
        return text, [c.tag] if "{hashtag}" in template else []

    def _push_message(self) -> str:
        msgs = texts.PUSH_MESSAGES_ZH if self.group.lang == texts.ZH else texts.PUSH_MESSAGES_EN
        return msgs[(self.group.family + self.wave) % len(msgs)]

    def _broadcast(self, world: World) -> list[PlantedPost]:
        """copy_paste, paraphrase, link_push and staggered: every participant posts once on the home platform."""
        g, rng, p = self.group, self.rng, self.group.home
        rows = self.participants[p]
        n = len(rows)
        if g.style == "copy_paste":
            times = self.start + np.minimum(rng.exponential(2 * MINUTE, size=n), 15 * MINUTE)
        elif g.style == "paraphrase":
            times = self.start + rng.uniform(0, 40 * MINUTE, size=n)
        elif g.style == "link_push":
            times = self.start + rng.uniform(0, 3 * HOUR, size=n)
        else:  # staggered: hours apart, with jitter so no two gaps repeat
            times = self.start + np.sort(rng.uniform(0, 6 * HOUR, size=n)) + rng.normal(0, 5 * MINUTE, size=n)
        zh = g.lang == texts.ZH
        families = texts.PARAPHRASE_FAMILIES_ZH if zh else texts.PARAPHRASE_FAMILIES_EN
        family = families[g.family % len(families)]
        message, tags = self._fill(self._push_message(), world, p)
        out: list[PlantedPost] = []
        for row, t in zip(rows, times.tolist(), strict=True):
            urls: list[str] = []
            if g.style == "copy_paste":
                text = copy_edit(message, g.lang, rng)
            elif g.style == "staggered":
                text = message if rng.random() < 0.7 else copy_edit(message, g.lang, rng)
            elif g.style == "paraphrase":
                text, tags = self._fill(choice(rng, family), world, p)
                if rng.random() < 0.3:
                    text += choice(rng, texts.EMOJI)
            else:
                text, tags, urls = self._bait(world, p)
            out.append(world.post(p, row, world.clip(t), text, g.group_id, self.kind, urls=urls, hashtags=tags))
        return out

    def _bait(self, world: World, platform: str) -> tuple[str, list[str], list[str]]:
        """link_push: different bait each time, the same contact under varying spellings."""
        g, rng = self.group, self.rng
        kind, _, value = g.contact.partition(":")
        urls: list[str] = []
        if g.contact.startswith("https"):
            # The same shop link, sometimes with a campaign tag that URL normalisation should strip.
            spelled = g.contact + (f"?utm_source=sm{int(rng.integers(100))}" if rng.random() < 0.3 else "")
            urls = [spelled]
        elif kind == "qq":
            spelled = choice(rng, texts.CONTACT_FORMATS_QQ).format(qq=value)
        elif kind == "telegram":
            spelled = choice(rng, texts.CONTACT_FORMATS_TG).format(id=value)
        else:
            spelled = choice(rng, texts.CONTACT_FORMATS_ZH).format(id=value)
        bait = texts.LINK_BAIT_ZH if g.lang == texts.ZH else texts.LINK_BAIT_EN
        text, tags = self._fill(choice(rng, bait), world, platform, spelled)
        return text, tags, urls

    def _ring(self, world: World) -> list[PlantedPost]:
        """The client posts; within seconds every participant reposts it, and members repost each other."""
        g, rng, p = self.group, self.rng, self.group.home
        rows = self.participants[p]
        zh = g.lang == texts.ZH
        c_text, c_tags = self._fill(choice(rng, texts.CLIENT_POSTS_ZH if zh else texts.CLIENT_POSTS_EN), world, p)
        sponsor = world.post(p, g.sponsor, self.start, c_text, g.group_id, None, hashtags=c_tags)
        comments = ("", "转发微博", "支持！", "冲冲冲", "[赞]") if zh else ("", "🔥", "Let's go", "This!")
        out = [sponsor]
        seeds: list[PlantedPost] = []
        for row in rows[:2]:
            s_text, s_tags = self._fill(choice(rng, texts.RING_SEEDS_ZH if zh else texts.RING_SEEDS_EN), world, p)
            t = self.start + int(rng.integers(0, 120))
            seeds.append(world.post(p, row, t, s_text, g.group_id, self.kind, hashtags=s_tags))
        out += seeds
        for row in rows:
            out.append(
                world.repost(
                    sponsor, row, self.start + int(rng.integers(3, 90)), choice(rng, comments), g.group_id, self.kind
                )
            )
            for seed in seeds:
                if seed.row != row and rng.random() < 0.75:
                    t = seed.t + int(rng.integers(2, 60))
                    out.append(world.repost(seed, row, t, choice(rng, comments), g.group_id, self.kind))
        return out

    def _swarm(self, world: World) -> list[PlantedPost]:
        """A critic posts about the client; participants descend on the post within minutes."""
        g, rng, p = self.group, self.rng, self.group.home
        self.critic = world.figure(p, rng, famous=False)
        root = world.post(p, self.critic, self.start, g.client.critic_post, g.group_id, None)
        replies = texts.SWARM_REPLIES_ZH if g.lang == texts.ZH else texts.SWARM_REPLIES_EN
        out = [root]
        for row in self.participants[p]:
            text, _ = self._fill(choice(rng, replies), world, p)
            if rng.random() < 0.3:
                text = copy_edit(text, g.lang, rng)
            delay = 60 + min(rng.exponential(4 * MINUTE), 20 * MINUTE)
            out.append(world.reply(root, row, world.clip(self.start + delay), text, g.group_id, self.kind))
        return out

    def _cross(self, world: World) -> list[PlantedPost]:
        """The same message and link on every platform of the group, by the same people, within the hour."""
        g, rng = self.group, self.rng
        template = self._push_message()
        out: list[PlantedPost] = []
        for p in g.platforms:
            lag = rng.uniform(0, 20 * MINUTE)
            message, tags = self._fill(template, world, p)
            for row in self.participants[p]:
                text = copy_edit(message, g.lang, rng) if rng.random() < 0.4 else message
                text = f"{text} {g.link}"
                t = world.clip(self.start + lag + rng.uniform(0, 40 * MINUTE))
                out.append(
                    world.post(p, row, t, text, g.group_id, self.kind, urls=[g.link], hashtags=tags, lang=g.lang)
                )
        return out

    def targets(self, world: World) -> list[tuple[str, str, str, str]]:
        g = self.group
        if g.style == "repost_ring" and self.wave == 0:
            return [(g.home, world.handle(g.home, g.sponsor), g.group_id, "beneficiary")]
        if g.style == "reply_swarm" and self.made:
            return [(g.home, world.handle(g.home, self.critic), g.group_id, "swarm_target")]
        return []
