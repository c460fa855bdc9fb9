"""Shared fixtures: a fresh event store per test, and the path of the shared real datasets."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.pipeline import IngestReport, ingest
from floodwatch.sim import SimulationConfig, simulate
from floodwatch.store.events import EventStore

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("FLOODWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def pg_schema(prefix: str) -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh schema of its own, dropped afterwards.

    Without a reachable server the test is skipped with a loud reason, never passed silently."""
    admin = create_engine(PG_URL)
    try:
        with admin.connect():
            pass
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"SKIPPED LOUDLY: PostgreSQL is not reachable at {PG_URL} ({exc.orig})")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def shared_data_dir() -> Path:
    """../shared/data beside the repository, or $FLOODWATCH_SHARED_DATA."""
    env = os.environ.get("FLOODWATCH_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: the shared datasets are not at {path} (set FLOODWATCH_SHARED_DATA)")
    return path


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    return EventStore(tmp_path / "store")


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EventStore]:
    """One simulated multi-platform world (30k posts, seed 5) ingested once for the whole session: the
    simulator's folder (with truth/) and its store. Tests must only read it."""
    root = tmp_path_factory.mktemp("simulated")
    summary = simulate(SimulationConfig(posts=30_000, seed=5), root / "sim")
    world = EventStore(root / "store")
    load(world, summary.files["posts"], summary.files["accounts"])
    return root / "sim", world


def load(store: EventStore, *paths: Path, fmt: str = "auto", **options: object) -> IngestReport:
    report = ingest(store, list(paths), fmt, ReaderOptions(**options))  # type: ignore[arg-type]
    assert report.posts.balanced and report.accounts.balanced, report
    return report


def query(store: EventStore, sql: str) -> list[tuple[object, ...]]:
    con: duckdb.DuckDBPyConnection = store.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
