"""Every governance test runs on SQLite and on PostgreSQL (marked `postgres`), each in a database of its own.

PostgreSQL: $FLOODWATCH_TEST_PG_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test; each test gets a fresh
schema (dropped afterwards). When the server cannot be reached, the PostgreSQL half is skipped with a loud reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from floodwatch.govern.db import make_engine, upgrade
from floodwatch.govern.policy import Policy, load_policy
from tests.conftest import pg_schema

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _pg_schema_engine() -> Iterator[Engine]:
    with pg_schema("fw_test") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated governance database on the parametrised backend (not yet upgraded: see `engine`)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'governance.sqlite'}")
        yield engine
        engine.dispose()
    else:
        yield from _pg_schema_engine()


@pytest.fixture
def engine(database_url_engine: Engine) -> Engine:
    upgrade(database_url_engine)
    return database_url_engine


@pytest.fixture
def policy() -> Policy:
    return load_policy()


def finding_record(
    accounts: list[str],
    *,
    platform: str = "weibo",
    kind: str = "coordination_cluster",
    score: float = 0.93,
    cluster: str = "c1",
) -> dict[str, object]:
    """A `Finding.to_dict()` record as `floodwatch detect coordination` writes it to findings.jsonl."""
    from floodwatch.schema import Finding, Subject

    finding = Finding(
        kind=kind,
        score=score,
        subjects=tuple(Subject("account", platform, a) for a in accounts),
        start=T0,
        end=T0,
        explanation=f"{len(accounts)} accounts posted the same text within 12 seconds, 40 times",
        evidence={"cluster_id": cluster, "posts": [f"p-{a}" for a in accounts], "figures": {"sync": 0.97}},
        detector="coordination",
        detector_version="1.0",
        parameters={"window": 30.0},
    )
    return finding.to_dict()
