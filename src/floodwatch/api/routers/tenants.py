"""/tenants, /keys, /whoami: the members of the federation and their API keys (admin), and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter

from floodwatch.api.deps import Admin, AdminOrPlatform, Anyone, DatabaseDep
from floodwatch.api.errors import ApiError
from floodwatch.api.schemas import (
    ConsumerPolicyBody,
    IssuedKey,
    KeyIn,
    KeyOut,
    TenantIn,
    TenantOut,
    TenantPatch,
    WhoAmI,
)
from floodwatch.api.views import key_view, tenant_view
from floodwatch.federation.opinions import ConsumerPolicy
from floodwatch.govern import tenants

router = APIRouter(tags=["tenants"])


@router.get("/whoami", summary="The caller's key, tenant, role and the actor name its writes are recorded under")
def whoami(key: Anyone) -> WhoAmI:
    return WhoAmI(key_id=key.key_id, tenant=key.tenant, name=key.name, role=key.role, actor=key.actor)


@router.get("/tenants", summary="Every tenant")
def list_tenants(_key: Admin, db: DatabaseDep) -> list[TenantOut]:
    with db.read() as session:
        return [tenant_view(t) for t in tenants.list_tenants(session)]


@router.post("/tenants", status_code=201, summary="Add a tenant (a member platform or a team)")
def create_tenant(body: TenantIn, key: Admin, db: DatabaseDep) -> TenantOut:
    with db.write() as session:
        return tenant_view(tenants.create_tenant(session, key.actor, body.slug, body.name))


@router.get("/tenants/{slug}", summary="One tenant (any key may read its own)")
def get_tenant(slug: str, key: Anyone, db: DatabaseDep) -> TenantOut:
    if key.role != "admin" and key.tenant != slug:
        raise ApiError(403, "forbidden", "only an admin may read another tenant")
    with db.read() as session:
        return tenant_view(tenants.get_tenant(session, slug))


@router.patch("/tenants/{slug}", summary="Disable a tenant (all its keys stop at once) or enable it again")
def patch_tenant(slug: str, body: TenantPatch, key: Admin, db: DatabaseDep) -> TenantOut:
    if slug == key.tenant and body.disabled:
        raise ApiError(409, "conflict", "an admin cannot disable its own tenant (it would lock itself out)")
    with db.write() as session:
        return tenant_view(tenants.set_disabled(session, key.actor, slug, body.disabled))


@router.put("/tenants/{slug}/policy", summary="When the tenant acts automatically on others' entries")
def set_policy(slug: str, body: ConsumerPolicyBody, key: AdminOrPlatform, db: DatabaseDep) -> TenantOut:
    if key.role == "platform" and key.tenant != slug:
        raise ApiError(403, "forbidden", "a platform sets its own consumer policy; an admin anyone's")
    policy = ConsumerPolicy(body.min_agreeing, body.act_on_disputed, body.min_confidence)
    with db.write() as session:
        return tenant_view(tenants.set_consumer_policy(session, key.actor, slug, policy))


@router.get("/tenants/{slug}/keys", summary="A tenant's API keys (never their secrets)")
def list_keys(slug: str, _key: Admin, db: DatabaseDep) -> list[KeyOut]:
    with db.read() as session:
        tenants.get_tenant(session, slug)
        return [key_view(k) for k in tenants.list_keys(session, slug)]


@router.post("/tenants/{slug}/keys", status_code=201, summary="Issue a key: its secret is in this answer only")
def issue_key(slug: str, body: KeyIn, key: Admin, db: DatabaseDep) -> IssuedKey:
    with db.write() as session:
        issued, secret = tenants.issue_key(session, key.actor, slug, body.name, body.role, body.rate_per_second)
    return IssuedKey(**key_view(issued).model_dump(), secret=secret)


@router.delete("/keys/{key_id}", summary="Revoke a key (at once, for every later request)")
def revoke_key(key_id: str, key: Admin, db: DatabaseDep) -> KeyOut:
    with db.write() as session:
        return key_view(tenants.revoke_key(session, key.actor, key_id))
