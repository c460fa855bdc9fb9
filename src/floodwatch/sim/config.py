"""What the caller asks of the simulator and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

MIN_POSTS = 1_000  # below this the planted campaigns would outnumber the organic background


@dataclass(frozen=True)
class SimulationConfig:
    """One simulated dataset; the same config always produces byte-identical files."""

    posts: int = 50_000  # approximate total posts; 1_000 to 10_000_000
    seed: int = 7
    platforms: tuple[str, ...] = ("weibo", "x", "douyin", "forum-a")
    start: datetime = datetime(2026, 3, 1, tzinfo=UTC)
    days: int = 14
    write_cnt_csv: bool = False  # also write posts.cnt.csv (coordination-network-toolkit's CSV)

    def validate(self) -> None:
        """Raise ValueError with the reason when the config cannot be simulated."""
        if self.posts < MIN_POSTS:
            raise ValueError(f"posts must be at least {MIN_POSTS}, got {self.posts}")
        if self.days < 1:
            raise ValueError(f"days must be at least 1, got {self.days}")
        if not self.platforms:
            raise ValueError("platforms must name at least one platform")
        if len(set(self.platforms)) != len(self.platforms):
            raise ValueError(f"platforms must be distinct, got {self.platforms}")
        if any(not p or ":" in p or "," in p for p in self.platforms):
            raise ValueError(f"platform names must be non-empty and contain no ':' or ',', got {self.platforms}")
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if not 0 <= self.seed < 2**63:
            raise ValueError(f"seed must be a non-negative 63-bit integer, got {self.seed}")

    @property
    def start_epoch(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_epoch(self) -> int:
        return self.start_epoch + self.days * 86_400


@dataclass(frozen=True)
class SimulationSummary:
    """What was written. `files` maps a short name (posts, accounts, claims, truth_accounts, truth_posts,
    truth_targets, summary, cnt) to its path."""

    out_dir: Path
    posts: int
    accounts: int
    groups: int
    files: dict[str, Path]
    planted_posts: int = 0
    claims: int = 0
    posts_by_platform: dict[str, int] = field(default_factory=dict)
    posts_by_kind: dict[str, int] = field(default_factory=dict)  # planted posts per truth kind
    groups_by_style: dict[str, int] = field(default_factory=dict)
