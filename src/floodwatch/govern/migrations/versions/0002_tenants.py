"""Tenants and their API keys (hashed) for the REST API and the blacklist federation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from floodwatch.govern.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fed_tenants",
        sa.Column("slug", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("min_agreeing", sa.Integer(), nullable=False),
        sa.Column("act_on_disputed", sa.Boolean(), nullable=False),
        sa.Column("min_confidence", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name="pk_fed_tenants"),
    )
    op.create_table(
        "fed_api_keys",
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("rate_per_second", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_fed_api_keys"),
        sa.ForeignKeyConstraint(["tenant"], ["fed_tenants.slug"], name="fk_fed_api_keys_tenant"),
    )
    op.create_index("ix_fed_api_keys_tenant", "fed_api_keys", ["tenant"])


def downgrade() -> None:
    op.drop_table("fed_api_keys")
    op.drop_table("fed_tenants")
