"""Alembic environment for the governance schema; run through floodwatch.govern.db, which hands a connection."""

from __future__ import annotations

from alembic import context

from floodwatch.govern.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run governance migrations through floodwatch.govern.db.upgrade (floodwatch db upgrade)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
