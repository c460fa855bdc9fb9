"""The console's counts over time: findings by kind and by platform per period, and a finding's evidence timeline.

Charts are drawn by the transparency report's functions (`floodwatch.report.charts`: accessible inline SVG, no
script), so the console and the published report look and read the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

TIME_KEYS = frozenset({"created_at", "first", "last", "time", "at"})
DAILY_SPAN = timedelta(days=62)  # longer periods are counted by month
HOURLY_SPAN = timedelta(days=2)  # shorter evidence is counted by hour
LEGEND_CHARS = 14  # the chart legend puts every series in one row: longer names would run into each other


@dataclass(frozen=True)
class Series:
    labels: list[str]
    series: dict[str, list[int]]

    @property
    def empty(self) -> bool:
        return not self.labels


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def finding_platforms(record: Mapping[str, Any]) -> set[str]:
    return {str(s["platform"]) for s in record.get("subjects", []) if s.get("platform")}


def _bucket(moment: datetime, span: timedelta) -> str:
    if span <= HOURLY_SPAN:
        return moment.strftime("%Y-%m-%d %H:00")
    return moment.strftime("%Y-%m-%d") if span <= DAILY_SPAN else moment.strftime("%Y-%m")


def counted(points: Sequence[tuple[datetime, str]], coarse: bool = True) -> Series:
    """Counts of (time, group) points per period and group; periods are days (months over long spans), or hours
    for less than two days when `coarse` is False."""
    if not points:
        return Series([], {})
    span = max(t for t, _ in points) - min(t for t, _ in points)
    if coarse:
        span = max(span, HOURLY_SPAN + timedelta(seconds=1))
    counts = Counter((_bucket(t, span), g) for t, g in points)
    labels = sorted({period for period, _ in counts})
    groups = sorted({g for _, g in counts})
    return Series(labels, {g: [counts[(label, g)] for label in labels] for g in groups})


def legend_name(kind: str) -> str:
    """`coordination_cluster` → `coordination c…`: readable, and short enough for one legend row."""
    text = kind.replace("_", " ")
    return text if len(text) <= LEGEND_CHARS else text[: LEGEND_CHARS - 1].rstrip() + "…"


def findings_over_time(records: Iterable[Mapping[str, Any]]) -> tuple[Series, Series]:
    """Findings per period by kind, and by platform (a finding on two platforms counts for each), by `start`."""
    by_kind: list[tuple[datetime, str]] = []
    by_platform: list[tuple[datetime, str]] = []
    for record in records:
        start = parse_time(record.get("start"))
        if start is None:
            continue
        by_kind.append((start, legend_name(str(record["kind"]))))
        by_platform.extend((start, p) for p in sorted(finding_platforms(record)))
    return counted(by_kind), counted(by_platform)


def evidence_times(evidence: Any) -> list[datetime]:
    """Every timestamp the evidence holds under a time-like key (posts' `created_at`, pushes' `first`/`last`...)."""
    found: list[datetime] = []
    stack = [evidence]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                moment = parse_time(value) if key in TIME_KEYS else None
                if moment is not None:
                    found.append(moment)
                elif isinstance(value, Mapping | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(found)


def evidence_timeline(evidence: Any) -> Series:
    return counted([(t, "evidence items") for t in evidence_times(evidence)], coarse=False)
