"""The simulation engine: plan, then stream organic slices and interleave the planted campaigns.

Organic posts are written slice by slice (each slice a short stretch of time on every platform); after each
slice, the campaigns whose start time has been reached are generated and written. The output is thus
roughly time-ordered, with every reply and repost after its target, while memory holds one slice and one
campaign at a time. Accounts are written last, when their post counts are known.
"""

from __future__ import annotations

import gc
import math
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from floodwatch.sim import compose
from floodwatch.sim.campaigns import Campaign, PlantedPost, World
from floodwatch.sim.clock import Timeline
from floodwatch.sim.config import SimulationConfig, SimulationSummary
from floodwatch.sim.groups import STYLES
from floodwatch.sim.organic import OrganicStream, Trending
from floodwatch.sim.plan import ORGANIC, SETUP, Plan, build_plan, rng_for
from floodwatch.sim.population import LANG_CODES
from floodwatch.sim.writer import Output, PostBatch

SLICE_POSTS = 16_384  # organic posts per slice, all platforms together
URL_POOL_MIN, URL_POOL_MAX = 200, 20_000


@contextmanager
def _no_gc() -> Iterator[None]:
    """The run allocates and frees millions of small containers without cycles; letting the cyclic
    collector scan them on every allocation threshold more than halves throughput."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate(
    config: SimulationConfig, out_dir: Path, progress: Callable[[int], None] | None = None
) -> SimulationSummary:
    """Write a simulated multi-platform dataset with planted campaigns and its ground truth to `out_dir`.

    `progress(n)` is called with the number of posts written since the previous call, every few thousand
    posts. The same config always produces byte-identical files.
    """
    config.validate()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda n: None)
    with _no_gc():
        plan = build_plan(config)
        world = plan.world
        streams = _streams(config, plan)
        slices = next(iter(streams.values())).slices
        with Output(out_dir, world.profiles, config.write_cnt_csv) as out:
            out.table(
                "truth_accounts",
                ("platform", "account_id", "group_id", "style", "role"),
                [row for g in plan.groups for row in g.truth_rows(world)],
            )
            out.json_lines("claims", (c.record() for c in plan.claims))
            by_platform: Counter[str] = Counter()
            by_kind: Counter[str] = Counter()
            pending = deque(plan.campaigns)
            for k in range(slices):
                horizon = config.start_epoch
                for i, (name, stream) in enumerate(streams.items()):
                    batch = stream.slice(k, rng_for(config.seed, ORGANIC, k, i), world.ids)
                    by_platform[name] += out.posts(batch)
                    report(len(batch))
                    if len(batch):
                        horizon = max(horizon, int(batch.time[-1]))
                while pending and pending[0].start <= horizon:
                    report(_flush(pending.popleft(), world, out, by_platform, by_kind))
            while pending:
                report(_flush(pending.popleft(), world, out, by_platform, by_kind))
            targets = [row for c in plan.campaigns for row in c.targets(world)]
            out.table("truth_targets", ("platform", "account_id", "campaign", "role"), targets)
            n_accounts = out.json_lines("accounts", _account_records(world))
            summary = _summary(config, plan, by_platform, by_kind, n_accounts)
            out.summary(summary)
            files = dict(out.paths)
    return SimulationSummary(
        out_dir=out_dir,
        posts=sum(by_platform.values()),
        accounts=n_accounts,
        groups=len(plan.groups),
        files=files,
        planted_posts=sum(by_kind.values()),
        claims=len(plan.claims),
        posts_by_platform=dict(by_platform),
        posts_by_kind=dict(sorted(by_kind.items())),
        groups_by_style=summary["groups_by_style"],
    )


def _streams(config: SimulationConfig, plan: Plan) -> dict[str, OrganicStream]:
    rng = rng_for(config.seed, SETUP, 1)
    pools = (compose.lang_pools(LANG_CODES[0], rng), compose.lang_pools(LANG_CODES[1], rng))
    trending = Trending(config.start_epoch, config.days, rng)
    urls = compose.url_pool(int(np.clip(config.posts // 100, URL_POOL_MIN, URL_POOL_MAX)), rng)
    slices = max(1, math.ceil(sum(plan.organic.values()) / SLICE_POSTS))
    world = plan.world
    return {
        name: OrganicStream(
            profile,
            world.pops[name],
            Timeline(profile, config.start_epoch, config.days, rng),
            pools,
            trending,
            urls,
            plan.organic[name],
            slices,
            config.days,
        )
        for name, profile in world.profiles.items()
    }


def _flush(campaign: Campaign, world: World, out: Output, by_platform: Counter[str], by_kind: Counter[str]) -> int:
    """Generate one campaign and write its posts (per platform, in time order) and their truth rows."""
    posts = campaign.generate(world)
    written = 0
    for name in world.profiles:
        mine = sorted((p for p in posts if p.platform == name), key=lambda p: (p.t, int(p.post_id)))
        if not mine:
            continue
        written += out.posts(_batch(name, mine, world))
        by_platform[name] += len(mine)
        world.pops[name].tally(np.fromiter((p.row for p in mine), dtype=np.int64, count=len(mine)))
        truth = [(name, p.post_id, p.campaign, p.kind) for p in mine if p.kind is not None]
        by_kind.update(kind for _, _, _, kind in truth)
        out.truth_posts(truth)
    return written


def _batch(platform: str, posts: list[PlantedPost], world: World) -> PostBatch:
    handles = world.pops[platform].handles
    return PostBatch(
        platform,
        [p.post_id for p in posts],
        [handles[p.row] for p in posts],
        np.fromiter((p.t for p in posts), dtype=np.int64, count=len(posts)),
        [p.text for p in posts],
        [p.urls for p in posts],
        [p.hashtags for p in posts],
        [p.mentions for p in posts],
        [p.reply_to for p in posts],
        [p.repost_of for p in posts],
        [None] * len(posts),
        [p.lang for p in posts],
    )


def _account_records(world: World) -> Iterator[dict[str, Any]]:
    for pop in world.pops.values():
        yield from pop.records()


def _summary(
    config: SimulationConfig, plan: Plan, by_platform: Counter[str], by_kind: Counter[str], n_accounts: int
) -> dict[str, Any]:
    world = plan.world
    styles = Counter(g.style for g in plan.groups)
    others = [c for c in plan.campaigns if c.kind != "coordination"]
    return {
        "config": {
            "posts": config.posts,
            "seed": config.seed,
            "platforms": list(config.platforms),
            "start": config.start.isoformat(),
            "days": config.days,
        },
        "posts": sum(by_platform.values()),
        "posts_by_platform": dict(by_platform),
        "planted_posts": sum(by_kind.values()),
        "planted_posts_by_kind": dict(sorted(by_kind.items())),
        "accounts": n_accounts,
        "accounts_by_platform": {name: pop.size for name, pop in world.pops.items()},
        "groups_by_style": {style: styles[style] for style in STYLES if styles[style]},
        "groups": [g.info(world) for g in plan.groups],
        "claims": len(plan.claims),
        "rumors": [c.info(world) for c in others if c.kind == "rumor"],
        "pileons": [c.info(world) for c in others if c.kind == "abuse"],
        "decoys": [c.info(world) for c in others if c.kind in ("viral_decoy", "friendly_decoy")],
    }
