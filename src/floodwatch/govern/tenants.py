"""Tenants (the platforms and the regulator's own teams) and their API keys, with every change in the event log.

A tenant is a row of `fed_tenants` and a stream `tenant:<slug>` in the governance log; each of its API keys a row of
`fed_api_keys`. A key is shown once, when issued: `fwk_<key id>.<secret>`. Only the key id (for lookup) and the
SHA-256 of the whole key are stored; the secret has 256 bits of entropy, so a plain SHA-256 is enough (a slow
password hash protects low-entropy secrets, which these are not) and keeps authentication at one point query.

Roles: `admin` (tenants, keys, everything), `analyst` (findings, cases, campaigns, the blacklist),
`reviewer` (decisions, approvals, appeals), `platform` (a member platform: its own submissions, the shared
blacklist view, its own notices).

Every change here, and every blacklist write, is recorded with `record`: one event on a stream, at the version read
under a row lock, so concurrent writers serialise exactly as the rest of the governance log does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    select,
    update,
)
from sqlalchemy.orm import Session

from floodwatch.federation.opinions import ConsumerPolicy
from floodwatch.govern.cases import now_or
from floodwatch.govern.errors import GovernanceError, NotFoundError
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.models import Base, StreamRow, UTCDateTime

ROLES = ("admin", "analyst", "reviewer", "platform")
KIND = "tenant"
KEY_PREFIX = "fwk_"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_PRESENTED = re.compile(r"^fwk_([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$")

tenants_table = Table(
    "fed_tenants",
    Base.metadata,
    Column("slug", String(63), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled", Boolean(), nullable=False, default=False),
    Column("min_agreeing", Integer(), nullable=False, default=1),
    Column("act_on_disputed", Boolean(), nullable=False, default=False),
    Column("min_confidence", Float(), nullable=False, default=0.0),
)

keys_table = Table(
    "fed_api_keys",
    Base.metadata,
    Column("key_id", String(12), primary_key=True),
    Column("tenant", String(63), ForeignKey("fed_tenants.slug"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("rate_per_second", Float(), nullable=True),  # None: the server's default
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)


@dataclass(frozen=True)
class Tenant:
    slug: str
    name: str
    created_at: datetime
    disabled: bool
    consumer_policy: ConsumerPolicy


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    tenant: str
    name: str
    role: str
    rate_per_second: float | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def actor(self) -> str:
        """The name the governance log records for this key's writes."""
        return f"{self.tenant}/{self.name}"


def tenant_stream(slug: str) -> str:
    return f"tenant:{slug}"


def record(
    session: Session,
    stream: str,
    kind: str,
    type: str,
    actor: str,
    payload: Mapping[str, Any],
    *,
    state: str = "active",
    reason: str | None = None,
    now: datetime | None = None,
) -> Event:
    """Append one event to `stream` at the version read under a row lock (a new stream starts at 0)."""
    row = session.execute(select(StreamRow).where(StreamRow.id == stream).with_for_update()).scalar_one_or_none()
    return EventLog(session).append(
        stream,
        kind,
        type,
        actor,
        payload,
        expected_version=row.version if row is not None else 0,
        state=state,
        reason=reason,
        now=now_or(now),
    )


def _tenant(row: Any) -> Tenant:
    policy = ConsumerPolicy(row.min_agreeing, row.act_on_disputed, row.min_confidence)
    return Tenant(row.slug, row.name, row.created_at, row.disabled, policy)


def _key(row: Any) -> ApiKey:
    return ApiKey(row.key_id, row.tenant, row.name, row.role, row.rate_per_second, row.created_at, row.revoked_at)


def create_tenant(session: Session, actor: str, slug: str, name: str, now: datetime | None = None) -> Tenant:
    if not SLUG.match(slug):
        raise GovernanceError(f"a tenant slug is 1-63 lowercase letters, digits, - and _, got {slug!r}")
    if session.execute(select(tenants_table.c.slug).where(tenants_table.c.slug == slug)).first() is not None:
        raise GovernanceError(f"tenant {slug!r} already exists")
    moment = now_or(now)
    values = {"slug": slug, "name": name, "created_at": moment, "disabled": False}
    values |= {"min_agreeing": 1, "act_on_disputed": False, "min_confidence": 0.0}
    session.execute(tenants_table.insert().values(**values))
    record(session, tenant_stream(slug), KIND, "tenant.created", actor, {"slug": slug, "name": name}, now=moment)
    return get_tenant(session, slug)


def get_tenant(session: Session, slug: str) -> Tenant:
    row = session.execute(select(tenants_table).where(tenants_table.c.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no tenant {slug!r}")
    return _tenant(row)


def list_tenants(session: Session) -> list[Tenant]:
    return [_tenant(r) for r in session.execute(select(tenants_table).order_by(tenants_table.c.slug))]


def set_disabled(session: Session, actor: str, slug: str, disabled: bool, now: datetime | None = None) -> Tenant:
    """Disable (every key stops working at once) or re-enable a tenant."""
    get_tenant(session, slug)
    session.execute(update(tenants_table).where(tenants_table.c.slug == slug).values(disabled=disabled))
    state = "disabled" if disabled else "active"
    record(session, tenant_stream(slug), KIND, f"tenant.{state}", actor, {"slug": slug}, state=state, now=now)
    return get_tenant(session, slug)


def set_consumer_policy(
    session: Session, actor: str, slug: str, policy: ConsumerPolicy, now: datetime | None = None
) -> Tenant:
    """When this tenant acts automatically on entries others submitted (see federation/opinions.py)."""
    tenant = get_tenant(session, slug)
    values = {
        "min_agreeing": policy.min_agreeing,
        "act_on_disputed": policy.act_on_disputed,
        "min_confidence": policy.min_confidence,
    }
    session.execute(update(tenants_table).where(tenants_table.c.slug == slug).values(**values))
    state = "disabled" if tenant.disabled else "active"
    record(session, tenant_stream(slug), KIND, "tenant.policy_set", actor, values, state=state, now=now)
    return get_tenant(session, slug)


def secret_digest(presented: str) -> str:
    return hashlib.sha256(presented.encode("utf-8")).hexdigest()


def issue_key(
    session: Session,
    actor: str,
    tenant: str,
    name: str,
    role: str,
    rate_per_second: float | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key for `tenant`; returns it and the full key text, which is never stored and cannot be shown again."""
    if role not in ROLES:
        raise GovernanceError(f"unknown role {role!r} (choose from {', '.join(ROLES)})")
    if not name.strip() or len(name) > 100 or "/" in name:
        raise GovernanceError("a key needs a name of 1-100 characters without '/' (it names the actor in the log)")
    if rate_per_second is not None and not 0 < rate_per_second <= 1_000_000:
        raise GovernanceError("a key's rate limit must be a positive number of requests per second")
    owner = get_tenant(session, tenant)
    if owner.disabled:
        raise GovernanceError(f"tenant {tenant!r} is disabled")
    moment = now_or(now)
    key_id = secrets.token_hex(6)
    text = f"{KEY_PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
    session.execute(
        keys_table.insert().values(
            key_id=key_id,
            tenant=tenant,
            name=name.strip(),
            role=role,
            secret_sha256=secret_digest(text),
            rate_per_second=rate_per_second,
            created_at=moment,
            revoked_at=None,
        )
    )
    payload = {"key_id": key_id, "name": name.strip(), "role": role, "rate_per_second": rate_per_second}
    record(session, tenant_stream(tenant), KIND, "tenant.key_issued", actor, payload, now=moment)
    return get_key(session, key_id), text


def get_key(session: Session, key_id: str) -> ApiKey:
    row = session.execute(select(keys_table).where(keys_table.c.key_id == key_id)).first()
    if row is None:
        raise NotFoundError(f"no API key {key_id!r}")
    return _key(row)


def list_keys(session: Session, tenant: str | None = None) -> list[ApiKey]:
    query = select(keys_table).order_by(keys_table.c.created_at, keys_table.c.key_id)
    if tenant is not None:
        query = query.where(keys_table.c.tenant == tenant)
    return [_key(r) for r in session.execute(query)]


def revoke_key(session: Session, actor: str, key_id: str, now: datetime | None = None) -> ApiKey:
    key = get_key(session, key_id)
    if key.revoked_at is not None:
        raise GovernanceError(f"key {key_id} was already revoked")
    moment = now_or(now)
    session.execute(update(keys_table).where(keys_table.c.key_id == key_id).values(revoked_at=moment))
    payload = {"key_id": key_id, "name": key.name, "role": key.role}
    record(session, tenant_stream(key.tenant), KIND, "tenant.key_revoked", actor, payload, now=moment)
    return get_key(session, key_id)


def authenticate(session: Session, presented: str) -> ApiKey | None:
    """The live key that `presented` is, or None (unknown, wrong secret, revoked, or its tenant disabled)."""
    match = _PRESENTED.match(presented.strip())
    if match is None:
        return None
    query = (
        select(keys_table, tenants_table.c.disabled)
        .join(tenants_table, tenants_table.c.slug == keys_table.c.tenant)
        .where(keys_table.c.key_id == match.group(1))
    )
    row = session.execute(query).first()
    if row is None or row.revoked_at is not None or row.disabled:
        return None
    if not hmac.compare_digest(row.secret_sha256, secret_digest(presented.strip())):
        return None
    return _key(row)
