"""The event log, its chain head and the stream index.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from floodwatch.govern.models import GENESIS_HASH, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gov_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("stream", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(1000), nullable=True),
        sa.Column("type", sa.String(60), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("policy_ref", sa.String(300), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_gov_events"),
        sa.UniqueConstraint("stream", "version", name="uq_gov_events_stream_version"),
        sa.UniqueConstraint("hash", name="uq_gov_events_hash"),
    )
    op.create_index("ix_gov_events_stream", "gov_events", ["stream"])
    op.create_index("ix_gov_events_time", "gov_events", ["time"])
    op.create_index("ix_gov_events_subject", "gov_events", ["subject"])
    op.create_index("ix_gov_events_type", "gov_events", ["type"])
    head = op.create_table(
        "gov_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_chain_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    op.create_table(
        "gov_streams",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gov_streams"),
    )
    op.create_index("ix_gov_streams_kind", "gov_streams", ["kind"])
    op.create_index("ix_gov_streams_state", "gov_streams", ["state"])


def downgrade() -> None:
    op.drop_table("gov_streams")
    op.drop_table("gov_chain_head")
    op.drop_table("gov_events")
