"""Per-key rate limits: a token bucket for each API key, held in the server process's memory.

Per process on purpose: it needs no shared store and costs a dict lookup. With N worker processes a key may make
up to N times its rate; run one process per node (the default of `floodwatch serve`), or put a shared limiter in
front, when that matters.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`take(key, rate, capacity)`: None when allowed, else the seconds to wait for the next token."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()  # sync endpoints run in a thread pool

    def take(self, key: str, rate: float, capacity: float) -> float | None:
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / rate
