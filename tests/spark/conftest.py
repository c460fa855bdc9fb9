"""What every Spark test module shares: the loud skip without PySpark or Java, one local[2] session per module,
and a small simulated store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from floodwatch.ingest.base import ReaderOptions
from floodwatch.ingest.pipeline import ingest
from floodwatch.sim import SimulationConfig, simulate
from floodwatch.store.events import EventStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Tests are many tiny jobs: on them, compiling generated code and the JVM's optimising JIT cost more than they save.
# With the JIT stopped at C1 the JVM reserves only 48 MB for compiled code, which a module's hundreds of jobs
# filled once ("CodeCache is full", then the JVM died and every later Spark test failed): reserve more.
LOCAL = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "2g",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
}


def require_spark() -> None:
    """Call at the top of a Spark test module, before importing PySpark: skips the module, loudly, without it."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip(
            "SKIPPED LOUDLY: no Java (java on PATH or JAVA_HOME); the Spark engine needs Java 17",
            allow_module_level=True,
        )
    pytest.importorskip("pyspark", reason="SKIPPED LOUDLY: PySpark is not installed (pip install 'floodwatch[spark]')")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    from floodwatch.engines.spark import spark_session

    session = spark_session("local[2]", LOCAL, app_name="floodwatch-tests")
    yield session
    session.stop()


@pytest.fixture(scope="package")
def simulated_store(tmp_path_factory: pytest.TempPathFactory) -> EventStore:
    root = tmp_path_factory.mktemp("spark-sim")
    summary = simulate(SimulationConfig(posts=20_000, seed=5), root / "sim")
    store = EventStore(root / "store")
    report = ingest(store, [summary.files["posts"], summary.files["accounts"]], "auto", ReaderOptions())
    assert report.posts.loaded > 15_000
    return store
