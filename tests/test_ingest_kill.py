"""SIGKILL an ingest mid-way at several points: the store keeps whole batches only, and a rerun completes exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from floodwatch.store.events import EventStore
from tests.conftest import query

POSTS = 40_000
CHUNK = 2_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "posts.jsonl"
    with path.open("wb") as fh:
        for i in range(POSTS):
            record = {
                "platform": "x",
                "post_id": str(i),
                "account_id": f"a{i % 97}",
                "created_at": f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                "text": f"post {i} #t{i % 5}",
            }
            fh.write(orjson.dumps(record) + b"\n")
        fh.write(b"{broken\n")
    return path


def start_ingest(data_dir: Path, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "floodwatch.cli",
            "ingest",
            str(path),
            "--data-dir",
            str(data_dir),
            "--chunk-rows",
            str(CHUNK),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "120"},
    )


def assert_consistent(store: EventStore) -> int:
    manifests = store.manifests()
    for m in manifests:
        for rel in m.post_files:
            assert (store.root / rel).is_file(), rel
    stored = query(store, "SELECT count(*), count(DISTINCT post_id) FROM posts")[0]
    assert stored[0] == stored[1] == sum(m.posts.loaded for m in manifests)
    # Whole batches only: every committed batch of this file holds a full chunk of lines.
    for m in manifests:
        assert m.posts.read in (CHUNK, 1), m.posts
    return int(stored[0])


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_batches", [0, 1, 4, 9])
def test_sigkill_leaves_whole_batches_and_rerun_completes(
    tmp_path: Path, big_file: Path, kill_after_batches: int
) -> None:
    data_dir = tmp_path / "store"
    store = EventStore(data_dir)
    proc = start_ingest(data_dir, big_file)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((data_dir / "catalog").glob("*.json"))) >= kill_after_batches and (data_dir / ".lock").exists():
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    before = assert_consistent(store)
    assert before < POSTS

    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "floodwatch.cli",
            "ingest",
            str(big_file),
            "--data-dir",
            str(data_dir),
            "--chunk-rows",
            str(CHUNK),
        ],
        capture_output=True,
        check=True,
    )
    assert b"Traceback" not in rerun.stderr
    assert assert_consistent(store) == POSTS
    rerun_manifests = [m for m in store.manifests()]
    assert sum(m.posts.duplicate for m in rerun_manifests) == before
    assert query(store, "SELECT count(*) FROM quarantine") == [(1,)]
