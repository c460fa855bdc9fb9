"""What the API server needs to know: where the database is, the federation key, limits. From flags or the env."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from floodwatch.federation.identifiers import KEY_ENV, load_key

MAX_BODY_ENV = "FLOODWATCH_API_MAX_BODY"
RATE_ENV = "FLOODWATCH_API_RATE"


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None  # None: $FLOODWATCH_DATABASE_URL, else <data dir>/governance.sqlite
    data_dir: Path | None = None  # None: $FLOODWATCH_DATA_DIR, else ./floodwatch-data (findings, SQLite default)
    federation_key: bytes | None = None  # None: convenience endpoints refuse raw values; delisting by case only
    policy_path: Path | None = None  # None: the shipped default policy
    max_body_bytes: int = 1_000_000
    rate_per_second: float = 50.0  # a key's default token-bucket refill rate (a key may carry its own)
    burst_seconds: float = 2.0  # bucket capacity, in seconds of its rate
    docs: bool = True

    @staticmethod
    def from_env(
        database_url: str | None = None, data_dir: Path | None = None, policy_path: Path | None = None
    ) -> Settings:
        """Settings from explicit values, else the environment ($FLOODWATCH_FEDERATION_KEY, $FLOODWATCH_API_*)."""
        key = load_key() if os.environ.get(KEY_ENV) else None
        return Settings(
            database_url=database_url,
            data_dir=data_dir,
            federation_key=key,
            policy_path=policy_path,
            max_body_bytes=int(os.environ.get(MAX_BODY_ENV, "1000000")),
            rate_per_second=float(os.environ.get(RATE_ENV, "50")),
        )
