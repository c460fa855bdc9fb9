"""When people post: a daily rhythm in the audience's local time, sampled by inverse CDF.

Organic posts are generated in time slices of equal expected volume, so the stream is time-ordered per
platform without holding it in memory: slice k of K takes the k-th K-quantile band of the cumulative
intensity. Planted campaigns use `working_time` instead (paid posters keep office hours), a weak signal that
a detector may pick up and that organic part-timers blur.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from floodwatch.sim.platforms import PlatformProfile

# Relative activity per local hour: quiet at 3-6, a lunch bump, the peak at 21-22.
HOURLY = np.array(
    [
        0.55,
        0.35,
        0.22,
        0.15,
        0.12,
        0.15,
        0.30,
        0.55,
        0.80,
        0.90,
        0.95,
        1.00,
        1.10,
        0.95,
        0.90,
        0.90,
        0.95,
        1.00,
        1.15,
        1.35,
        1.55,
        1.70,
        1.60,
        1.10,
    ],
    dtype=np.float64,
)
STEP = 600  # seconds per grid cell of the intensity table


class Timeline:
    """Inverse-CDF sampler of post times for one platform over [start, end)."""

    def __init__(self, profile: PlatformProfile, start: int, days: int, rng: np.random.Generator) -> None:
        cells = days * 86_400 // STEP
        self.start = start
        self.edges = start + STEP * np.arange(cells + 1, dtype=np.float64)
        local = (self.edges[:-1] + profile.audience_offset_hours * 3600) % 86_400 / 3600.0
        hour = np.floor(local).astype(np.int64)
        frac = local - hour
        rate = HOURLY[hour] * (1 - frac) + HOURLY[(hour + 1) % 24] * frac
        day = ((self.edges[:-1] - start) // 86_400).astype(np.int64)
        weekday = (day + int((start // 86_400 + 3) % 7)) % 7  # 0 = Monday
        day_mood = rng.lognormal(0.0, 0.12, size=days)  # some days are simply busier
        rate = rate * np.where(weekday >= 5, 1.12, 1.0) * day_mood[day]
        self.cdf = np.concatenate(([0.0], np.cumsum(rate)))
        self.cdf /= self.cdf[-1]

    def slice_times(self, k: int, slices: int, n: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
        """n sorted epoch seconds from the k-th of `slices` equal-volume bands of the timeline."""
        u = (k + np.sort(rng.random(n))) / slices
        return np.floor(np.interp(u, self.cdf, self.edges)).astype(np.int64)


def working_time(day_start: int, audience_offset_hours: int, rng: np.random.Generator) -> int:
    """An epoch second in [day_start, day_start + 1 day) that falls in the local 9:00-22:00 shift of a paid
    poster living at the given UTC offset."""
    local_now = (day_start + audience_offset_hours * 3600) % 86_400
    target = int((9.0 + 13.0 * float(rng.random())) * 3600)
    return day_start + (target - local_now) % 86_400
