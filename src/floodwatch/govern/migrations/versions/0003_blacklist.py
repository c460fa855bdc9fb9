"""The shared blacklist: entries (keyed hashes only), opinions per hash and platform, the change feed, checkpoints.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from floodwatch.govern.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


def upgrade() -> None:
    op.create_table(
        "bl_entries",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("platform", sa.String(63), nullable=False),
        sa.Column("origin", sa.String(63), nullable=True),
        sa.Column("reason_code", sa.String(60), nullable=False),
        sa.Column("case_ref", sa.String(200), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bl_entries"),
        sa.UniqueConstraint("hash", "platform", name="uq_bl_entries_hash_platform"),
    )
    op.create_index("ix_bl_entries_platform_id", "bl_entries", ["platform", "id"])
    op.create_index("ix_bl_entries_case_ref", "bl_entries", ["case_ref"])
    op.create_index("ix_bl_entries_status_expires_at", "bl_entries", ["status", "expires_at"])
    op.create_table(
        "bl_opinions",
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("platform", sa.String(63), nullable=False),
        sa.Column("opinion", sa.String(20), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("hash", "platform", name="pk_bl_opinions"),
    )
    op.create_table(
        "bl_changes",
        sa.Column("seq", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_bl_changes"),
    )
    op.create_table(
        "bl_checkpoints",
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_bl_checkpoints"),
    )


def downgrade() -> None:
    op.drop_table("bl_checkpoints")
    op.drop_table("bl_changes")
    op.drop_table("bl_opinions")
    op.drop_table("bl_entries")
