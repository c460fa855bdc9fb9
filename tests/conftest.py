"""Shared fixtures: a fresh event store per test, and the path of the shared real datasets."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.pipeline import IngestReport, ingest
from floodwatch.sim import SimulationConfig, simulate
from floodwatch.store.events import EventStore

REPO = Path(__file__).resolve().parents[1]


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
