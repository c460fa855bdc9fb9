"""Planning a run: how many accounts, groups, claims, pile-ons and decoys, scaled with the requested size.

Counts grow with the square root of the size (`s = posts / 50_000`): a 10M-post run gets about a hundred
groups and thousand-strong viral bursts, a 1k-post run still gets one group of every style, a few claims,
a pile-on and the decoys. The organic stream then fills what the planted campaigns leave of the requested
total, so the total stays close to what was asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from floodwatch.sim import texts
from floodwatch.sim.campaigns import Campaign, Claim, FriendlyBurst, PileOn, RumorCascade, ViralBurst, World
from floodwatch.sim.config import SimulationConfig
from floodwatch.sim.groups import STYLES, Group, plan_group, plan_waves
from floodwatch.sim.platforms import PlatformProfile, PostIds, profile
from floodwatch.sim.population import HANDLE_MOD, PLANTED_HANDLE_BASE, Population

POSTS_PER_ACCOUNT = 12  # organic posts per account over the period, on average
MIN_ACCOUNTS = 300
# Stream ids of numpy SeedSequence([seed, stream, ...]): independent generators for independent parts.
SETUP, ORGANIC, CAMPAIGN = 0, 1, 2


def rng_for(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


@dataclass
class Plan:
    world: World
    groups: list[Group]
    claims: list[Claim]
    campaigns: list[Campaign]  # in start order
    organic: dict[str, int]  # organic posts per platform


def _clamp(x: float, lo: int, hi: int) -> int:
    return int(min(max(x, lo), hi))


def shares(profiles: dict[str, PlatformProfile]) -> dict[str, float]:
    total = sum(p.volume for p in profiles.values())
    return {name: p.volume / total for name, p in profiles.items()}


def split(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Integer parts of `total` proportional to weights, summing to total."""
    names = list(weights)
    parts = {n: int(total * weights[n]) for n in names}
    for n in names[: total - sum(parts.values())]:
        parts[n] += 1
    return parts


def build_plan(config: SimulationConfig) -> Plan:
    """Accounts of every platform, the groups (their core accounts registered), the claims and every
    campaign with its start time, and how many organic posts each platform still needs."""
    seed = config.seed
    rng = rng_for(seed, SETUP)
    profiles = {name: profile(name, i) for i, name in enumerate(config.platforms)}
    share = shares(profiles)
    start, end = config.start_epoch, config.end_epoch
    salt = int(rng.integers(0, HANDLE_MOD))
    per_platform = PLANTED_HANDLE_BASE // len(profiles)
    pops = {
        name: Population(
            p,
            max(MIN_ACCOUNTS, int(config.posts * share[name] / POSTS_PER_ACCOUNT)),
            start,
            rng,
            range(i * per_platform, (i + 1) * per_platform),
            salt,
        )
        for i, (name, p) in enumerate(profiles.items())
    }
    world = World(start, end, profiles, pops, PostIds(profiles))
    s = math.sqrt(config.posts / 50_000)
    campaign_index = 0

    def next_rng() -> np.random.Generator:
        nonlocal campaign_index
        campaign_index += 1
        return rng_for(seed, CAMPAIGN, campaign_index)

    styles = [st for st in STYLES if st != "cross_platform" or len(profiles) > 1]
    n_groups = max(len(styles), round(7 + 6 * s))
    chosen = styles + [styles[i] for i in rng.integers(0, len(styles), size=n_groups - len(styles))]
    groups: list[Group] = []
    persons = 0
    size_hi = min(60, max(6, int(4 + 20 * s)))
    for i, style in enumerate(chosen):
        size = int(rng.integers(5, size_hi + 1))
        group = plan_group(f"g{i + 1:03d}", style, world, next_rng(), size, persons)
        persons += size
        n_waves = int(rng.integers(2, 4 + min(4, int(s))))
        plan_waves(group, world, n_waves, [next_rng() for _ in range(n_waves)])
        groups.append(group)

    claims = plan_claims(config, profiles, rng, min(len(texts.CLAIMS), max(5, round(5 + 2 * s))))
    campaigns: list[Campaign] = [w for g in groups for w in g.waves]
    for claim in claims:
        size = _clamp(60 * s * rng.lognormal(0, 0.5), 6, 2000)
        campaigns.append(RumorCascade(f"claim-{claim.claim_id}", next_rng(), world, claim, size))
    for i in range(min(10, max(1, round(1 + s)))):
        campaigns.append(PileOn(f"pileon-{i + 1}", next_rng(), world, _clamp(40 * s * rng.lognormal(0, 0.3), 15, 400)))
    for i in range(min(30, max(2, round(2 + 1.5 * s)))):
        campaigns.append(
            ViralBurst(f"viral-{i + 1}", next_rng(), world, _clamp(250 * s * rng.lognormal(0, 0.4), 25, 5000))
        )
    for i in range(min(10, max(1, round(1 + 0.5 * s)))):
        size = _clamp(120 * s * rng.lognormal(0, 0.4), 15, 2000)
        campaigns.append(FriendlyBurst(f"friendly-{i + 1}", next_rng(), world, size))
    campaigns.sort(key=lambda c: (c.start, c.campaign_id))

    planted = sum(c.estimate for c in campaigns)
    organic = split(max(config.posts // 2, config.posts - planted), share)
    return Plan(world, groups, claims, campaigns, organic)


def plan_claims(
    config: SimulationConfig, profiles: dict[str, PlatformProfile], rng: np.random.Generator, n: int
) -> list[Claim]:
    """Pick n claims, Chinese and English in proportion to the platforms' audiences (at least one of each
    when n allows), and date their debunks before the period: the rumors are old lies resurfacing."""
    share = shares(profiles)
    en_share = sum(share[name] * (1 - p.zh_share) for name, p in profiles.items())
    n_en = _clamp(round(n * en_share), 1, n - 1)
    pools = {
        texts.ZH: [c for c in texts.CLAIMS if c.lang == texts.ZH],
        texts.EN: [c for c in texts.CLAIMS if c.lang == texts.EN],
    }
    n_en = min(n_en, len(pools[texts.EN]))
    picked = [pools[texts.EN][i] for i in rng.permutation(len(pools[texts.EN]))[:n_en]]
    picked += [pools[texts.ZH][i] for i in rng.permutation(len(pools[texts.ZH]))[: n - n_en]]
    start = datetime.fromtimestamp(config.start_epoch, UTC)
    claims = []
    for i, material in enumerate(picked):
        claim_id = f"c{i + 1:02d}"
        day = (start - timedelta(days=int(rng.integers(2, 120)))).date().isoformat()
        checkers = texts.FACT_CHECKERS[1::2] if material.lang == texts.ZH else texts.FACT_CHECKERS[0::2]
        source = checkers[int(rng.integers(len(checkers)))]
        url = f"https://factcheck.example.org/{material.lang}/{day}/{claim_id}"
        claims.append(Claim(claim_id, material, source, day, url))
    return claims
