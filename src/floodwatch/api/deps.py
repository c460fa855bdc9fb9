"""What every route depends on: the database (a write transaction or a read session), the caller's API key and
role, the rate limit, the policy, pagination cursors."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from floodwatch.api.errors import ApiError
from floodwatch.api.ratelimit import TokenBuckets
from floodwatch.api.settings import Settings
from floodwatch.govern.db import transaction
from floodwatch.govern.policy import Policy
from floodwatch.govern.tenants import ApiKey, authenticate

MAX_PAGE = 1000
SQLITE_MMAP_BYTES = 8 * 2**30  # address space only: the OS pages it in as read
SQLITE_CACHE_KIB = 64 * 1024
MAX_CURSOR = 2**62  # cursors are ids and offsets: anything larger cannot exist (and would overflow SQLite)


def read_engine(url: str) -> Engine:
    """An engine for reads. On SQLite, without the BEGIN IMMEDIATE of the write engine (govern/db.py), so readers
    never queue behind the write lock; WAL lets them read while a writer writes."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 30000")
        dbapi_connection.execute("PRAGMA query_only = ON")
        # lookups probe a large index at random: map the file (no read syscall per page) and keep more pages
        dbapi_connection.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        dbapi_connection.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    return engine


@dataclass
class Database:
    writer: Engine
    reader: Engine

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction, committed when the block ends; a busy or vanished database is a 503, nothing written."""
        try:
            with transaction(self.writer) as session:
                yield session
        except DataError as exc:  # e.g. a NUL character PostgreSQL cannot store
            raise ApiError(422, "invalid_request", "a value the database cannot store; nothing was written") from exc
        except IntegrityError as exc:  # a concurrent writer created the same thing first
            raise ApiError(409, "conflict", "a concurrent change got there first; nothing was written") from exc
        except OperationalError as exc:
            raise ApiError(
                503, "database_unavailable", "the database is busy or unreachable; nothing was written"
            ) from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.reader) as session:
                yield session
        except DataError as exc:
            raise ApiError(422, "invalid_request", "a value the database cannot read") from exc
        except OperationalError as exc:
            raise ApiError(503, "database_unavailable", "the database is busy or unreachable") from exc


def database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def policy(request: Request) -> Policy:
    value: Policy = request.app.state.policy
    return value


DatabaseDep = Annotated[Database, Depends(database)]
SettingsDep = Annotated[Settings, Depends(settings)]
PolicyDep = Annotated[Policy, Depends(policy)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer fwk_<id>.<secret>`.")


def authenticated(
    request: Request,
    db: DatabaseDep,
    config: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The caller's live API key, after its rate limit; 401 without a valid key, 429 over the limit."""
    if credentials is None:
        raise ApiError(
            401,
            "unauthenticated",
            "send an API key: Authorization: Bearer fwk_<id>.<secret>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with db.read() as session:
        key = authenticate(session, credentials.credentials)
    if key is None:
        raise ApiError(
            401,
            "unauthenticated",
            "the API key is unknown, revoked, or its tenant is disabled",
            headers={"WWW-Authenticate": "Bearer"},
        )
    rate = key.rate_per_second or config.rate_per_second
    buckets: TokenBuckets = request.app.state.buckets
    wait = buckets.take(key.key_id, rate, max(1.0, rate * config.burst_seconds))
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"key {key.key_id} is over its rate limit of {rate:g} requests a second",
            {"retry_after_seconds": round(wait, 3)},
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return key


def allow(*roles: str) -> Callable[..., ApiKey]:
    """A dependency that admits only keys of `roles` (403 for the others)."""

    def dependency(key: Annotated[ApiKey, Depends(authenticated)]) -> ApiKey:
        if key.role not in roles:
            raise ApiError(403, "forbidden", f"the {key.role} role may not do this (allowed: {', '.join(roles)})")
        return key

    dependency.__name__ = f"allow_{'_'.join(roles)}"
    return dependency


EVERYONE = ("admin", "analyst", "reviewer", "platform")
STAFF = ("admin", "analyst", "reviewer")  # the regulator's own people: see everything
Anyone = Annotated[ApiKey, Depends(allow(*EVERYONE))]
Staff = Annotated[ApiKey, Depends(allow(*STAFF))]
Admin = Annotated[ApiKey, Depends(allow("admin"))]
Analysts = Annotated[ApiKey, Depends(allow("admin", "analyst"))]
Reviewers = Annotated[ApiKey, Depends(allow("admin", "reviewer"))]
Submitters = Annotated[ApiKey, Depends(allow("admin", "analyst", "platform"))]
AdminOrPlatform = Annotated[ApiKey, Depends(allow("admin", "platform"))]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
CursorQuery = Annotated[
    str | None, Query(pattern=r"^[0-9]{1,18}$", description="The `next_cursor` of the previous page.")
]


def cursor_value(cursor: str | None) -> int:
    value = int(cursor) if cursor else 0
    if value > MAX_CURSOR:
        raise ApiError(400, "bad_cursor", "no such cursor")
    return value


def page_of(items: list[Any], cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    """Offset paging over a list computed in full (governance lists: folded from their events)."""
    start = cursor_value(cursor)
    chunk = items[start : start + limit]
    return chunk, str(start + limit) if start + limit < len(items) else None
