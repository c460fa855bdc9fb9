"""The governance database: engine from `FLOODWATCH_DATABASE_URL` (SQLite file by default), migrations, sessions.

SQLite by default (`<data dir>/governance.sqlite`), PostgreSQL when `FLOODWATCH_DATABASE_URL` says so, e.g.
`postgresql+psycopg://user@host/db` (add `?options=-csearch_path%3Dgov` for a schema of its own).
Migrations are Alembic's, shipped inside the package and run programmatically (`upgrade`), so an installed
floodwatch needs no alembic.ini.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session

from floodwatch.govern.errors import GovernanceError
from floodwatch.store.events import resolve_data_dir

DATABASE_URL_ENV = "FLOODWATCH_DATABASE_URL"
DATABASE_FILE = "governance.sqlite"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaError(GovernanceError):
    """The database schema is not the one this floodwatch needs."""


def resolve_database_url(explicit: str | None = None, data_dir: Path | None = None) -> str:
    """`--db`, else $FLOODWATCH_DATABASE_URL, else a SQLite file in the data directory."""
    if explicit:
        return explicit
    env = os.environ.get(DATABASE_URL_ENV)
    if env:
        return env
    return f"sqlite:///{resolve_data_dir(data_dir) / DATABASE_FILE}"


def _sqlite_immediate(engine: Engine) -> None:
    """Make every SQLite transaction take the write lock at BEGIN.

    pysqlite's deferred BEGIN lets two writers both read the chain head and then fail to upgrade their lock;
    BEGIN IMMEDIATE serialises writers up front, which is what `FOR UPDATE` does on PostgreSQL
    (the recipe from SQLAlchemy's SQLite dialect documentation).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA busy_timeout = 30000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file's folder is created when missing."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        _sqlite_immediate(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "the shipped migrations have no head"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the shipped migrations up to `revision`, in one transaction."""
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)


def open_database(url: str | None = None, data_dir: Path | None = None) -> Engine:
    """The engine, with its schema at the head revision.

    A database with no governance tables yet is created; one at an older revision is left alone with a clear
    message, so that migrating a shared database is always a deliberate `floodwatch db upgrade`.
    """
    engine = make_engine(resolve_database_url(url, data_dir))
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        upgrade(engine)
    elif current != head:
        raise SchemaError(
            f"the governance database is at revision {current}, this floodwatch needs {head}: "
            "run `floodwatch db upgrade`"
        )
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed when the block ends, and rolled back whole on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
