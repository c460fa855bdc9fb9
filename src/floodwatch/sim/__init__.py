"""A simulator of several social platforms with planted manipulation and its ground truth.

`simulate(SimulationConfig(...), out_dir)` writes posts.jsonl, accounts.jsonl, claims.jsonl, truth/*.csv and
summary.json (and posts.cnt.csv on request): an organic background with hard negatives (viral bursts,
friendly floods, popular links, trending tags), water-army groups of seven styles, rumor cascades of
debunked claims, and pile-ons with doxxing. Demo data for the CLI and a ground truth for the detectors' tests.
"""

from floodwatch.sim.config import SimulationConfig, SimulationSummary
from floodwatch.sim.generator import simulate

__all__ = ["SimulationConfig", "SimulationSummary", "simulate"]
