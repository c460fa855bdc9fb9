"""Who may call what: every role against every endpoint, tenant isolation, and keys hashed at rest."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from floodwatch.api.app import route_table
from tests.api.conftest import Api, entry, phone_hash

EVERY = frozenset({"admin", "analyst", "reviewer", "platform"})
STAFF = frozenset({"admin", "analyst", "reviewer"})
ANALYSTS = frozenset({"admin", "analyst"})
REVIEWERS = frozenset({"admin", "reviewer"})
SUBMITTERS = frozenset({"admin", "analyst", "platform"})
P = "/api/v1"

# The contract, written out independently of the code: a new endpoint must be added here to pass.
MATRIX: dict[tuple[str, str], frozenset[str]] = {
    ("GET", f"{P}/whoami"): EVERY,
    ("GET", f"{P}/tenants"): frozenset({"admin"}),
    ("POST", f"{P}/tenants"): frozenset({"admin"}),
    ("GET", f"{P}/tenants/{{slug}}"): EVERY,  # each its own tenant; others: see the isolation tests
    ("PATCH", f"{P}/tenants/{{slug}}"): frozenset({"admin"}),
    ("PUT", f"{P}/tenants/{{slug}}/policy"): frozenset({"admin", "platform"}),
    ("GET", f"{P}/tenants/{{slug}}/keys"): frozenset({"admin"}),
    ("POST", f"{P}/tenants/{{slug}}/keys"): frozenset({"admin"}),
    ("DELETE", f"{P}/keys/{{key_id}}"): frozenset({"admin"}),
    ("GET", f"{P}/findings"): STAFF,
    ("GET", f"{P}/findings/{{finding_id}}"): STAFF,
    ("GET", f"{P}/cases"): STAFF,
    ("GET", f"{P}/cases/{{case_id}}"): STAFF,
    ("POST", f"{P}/cases"): ANALYSTS,
    ("POST", f"{P}/cases/from-findings"): ANALYSTS,
    ("POST", f"{P}/cases/{{case_id}}/assign"): STAFF,
    ("POST", f"{P}/cases/{{case_id}}/notes"): STAFF,
    ("POST", f"{P}/cases/{{case_id}}/review"): REVIEWERS,
    ("POST", f"{P}/cases/{{case_id}}/decide"): REVIEWERS,
    ("POST", f"{P}/cases/{{case_id}}/merge"): REVIEWERS,
    ("POST", f"{P}/cases/{{case_id}}/refer"): REVIEWERS,
    ("POST", f"{P}/cases/{{case_id}}/close"): REVIEWERS,
    ("POST", f"{P}/cases/{{case_id}}/publish"): REVIEWERS,
    ("GET", f"{P}/actions"): STAFF,
    ("GET", f"{P}/actions/{{action_id}}"): STAFF,
    ("POST", f"{P}/actions/{{action_id}}/approve"): REVIEWERS,
    ("POST", f"{P}/actions/{{action_id}}/reject"): REVIEWERS,
    ("POST", f"{P}/actions/{{action_id}}/reverse"): REVIEWERS,
    ("GET", f"{P}/appeals"): STAFF,
    ("GET", f"{P}/appeals/{{appeal_id}}"): STAFF,
    ("POST", f"{P}/appeals"): EVERY,
    ("POST", f"{P}/appeals/{{appeal_id}}/decide"): REVIEWERS,
    ("GET", f"{P}/platforms"): STAFF,
    ("POST", f"{P}/platforms"): ANALYSTS,
    ("GET", f"{P}/platforms/figures"): STAFF,
    ("GET", f"{P}/notices"): EVERY,  # a platform: its own
    ("GET", f"{P}/notices/{{notice_id}}"): EVERY,
    ("POST", f"{P}/notices"): ANALYSTS,
    ("POST", f"{P}/notices/{{notice_id}}/respond"): frozenset({"admin", "platform"}),
    ("GET", f"{P}/campaigns"): EVERY,
    ("POST", f"{P}/campaigns"): ANALYSTS,
    ("GET", f"{P}/campaigns/{{slug}}"): EVERY,
    ("POST", f"{P}/blacklist/entries"): SUBMITTERS,
    ("POST", f"{P}/blacklist/entries/raw"): SUBMITTERS,
    ("GET", f"{P}/blacklist/entries"): EVERY,
    ("GET", f"{P}/blacklist/entries/{{entry_id}}"): EVERY,
    ("GET", f"{P}/blacklist/submissions/{{tenant}}"): EVERY,  # a platform: its own tenant only
    ("POST", f"{P}/blacklist/withdraw"): SUBMITTERS,
    ("POST", f"{P}/blacklist/delist"): REVIEWERS,
    ("POST", f"{P}/blacklist/opinions"): SUBMITTERS,
    ("POST", f"{P}/blacklist/lookup"): EVERY,
    ("POST", f"{P}/blacklist/lookup/raw"): EVERY,
    ("GET", f"{P}/blacklist/changes"): EVERY,
    ("POST", f"{P}/blacklist/sweep"): frozenset({"admin"}),
    ("GET", f"{P}/reports/summary"): EVERY,
}
TENANT_OF = {"admin": "regulator", "analyst": "regulator", "reviewer": "regulator", "platform": "weibo"}


def _path(template: str, role: str) -> str:
    values = {"slug": TENANT_OF[role], "tenant": TENANT_OF[role], "entry_id": "1"}
    path = template
    for name, value in values.items():
        path = path.replace(f"{{{name}}}", value)
    for name in ("key_id", "finding_id", "case_id", "action_id", "appeal_id", "notice_id"):
        path = path.replace(f"{{{name}}}", "none-such")
    return path


def test_the_matrix_covers_every_endpoint(api: Api) -> None:
    assert set(route_table(api.client.app)) == set(MATRIX)  # type: ignore[arg-type]


def test_every_role_against_every_endpoint(api: Api) -> None:
    api.call("POST", "/blacklist/entries", "platform", json={"entries": [entry(phone_hash("13800138000"))]})
    for (method, template), allowed in sorted(MATRIX.items()):
        for role in sorted(EVERY):
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            response = api.call(method, _path(template, role).removeprefix(P), role, **kwargs)
            where = f"{role} {method} {template}: {response.status_code} {response.text[:200]}"
            assert response.status_code < 500, where
            if role in allowed:
                assert response.status_code not in (401, 403), where
            else:
                assert response.status_code == 403, where
                assert response.json()["error"]["code"] == "forbidden", where


def test_without_a_valid_key_every_endpoint_is_401(api: Api) -> None:
    revoked = api.call("POST", "/tenants/weibo/keys", "admin", json={"name": "old", "role": "platform"}).json()
    api.call("DELETE", f"/keys/{revoked['key_id']}", "admin")
    bad = {
        "none": {},
        "garbage": {"Authorization": "Bearer nonsense"},
        "wrong secret": {"Authorization": "Bearer " + api.keys["admin"][:-4] + "AAAA"},
        "revoked": {"Authorization": f"Bearer {revoked['secret']}"},
    }
    for (method, template), _ in sorted(MATRIX.items()):
        for label, headers in bad.items():
            response = api.client.request(method, _path(template, "admin"), headers=headers)
            assert response.status_code == 401, f"{label} {method} {template}: {response.status_code}"
            assert response.json()["error"]["code"] == "unauthenticated"


def test_a_platform_never_reads_another_tenants_submissions(api: Api) -> None:
    api.call(
        "POST", "/blacklist/entries", "douyin", json={"entries": [entry(phone_hash("13800138000"), case_ref="DY-7")]}
    )
    own = api.call("GET", "/blacklist/submissions/weibo", "platform")
    assert own.status_code == 200
    for tenant in ("douyin", "regulator", "nobody"):
        denied = api.call("GET", f"/blacklist/submissions/{tenant}", "platform")
        assert denied.status_code == 403, tenant
    assert api.call("GET", "/tenants/douyin", "platform").status_code == 403
    assert api.call("PUT", "/tenants/douyin/policy", "platform", json={"min_agreeing": 3}).status_code == 403
    # the shared view shows the entry, but not the other platform's case reference
    shared = api.call("GET", "/blacklist/entries", "platform").json()["items"]
    assert [e["platform"] for e in shared] == ["douyin"] and shared[0]["case_ref"] is None
    assert api.call("GET", "/blacklist/submissions/douyin", "douyin").json()["items"][0]["case_ref"] == "DY-7"
    assert api.call("GET", "/blacklist/submissions/douyin", "analyst").status_code == 200


def test_a_platform_withdraws_only_its_own_entries(api: Api) -> None:
    made = api.call("POST", "/blacklist/entries", "douyin", json={"entries": [entry(phone_hash("13800138000"))]})
    entry_id = made.json()["entry_ids"][0]
    refused = api.call("POST", "/blacklist/withdraw", "platform", json={"entry_ids": [entry_id], "reason": "mine?"})
    assert refused.status_code == 403
    assert api.call("GET", f"/blacklist/entries/{entry_id}", "platform").json()["status"] == "active"


def test_notices_of_other_platforms_stay_hidden(api: Api) -> None:
    for slug in ("weibo", "douyin"):
        api.call("POST", "/platforms", "analyst", json={"slug": slug, "name": slug})
    to_douyin = api.call("POST", "/notices", "analyst", json={"platform": "douyin", "kind": "reminder", "about": "x"})
    notice_id = to_douyin.json()["id"]
    assert api.call("GET", "/notices", "platform").json()["items"] == []
    assert api.call("GET", f"/notices/{notice_id}", "platform").status_code == 403
    reply = {"text": "not ours to answer"}
    assert api.call("POST", f"/notices/{notice_id}/respond", "platform", json=reply).status_code == 403
    assert api.call("POST", f"/notices/{notice_id}/respond", "douyin", json=reply).status_code == 200


def test_keys_are_stored_hashed_and_shown_once(api: Api, tmp_path: Path) -> None:
    issued = api.call("POST", "/tenants/douyin/keys", "admin", json={"name": "ops", "role": "platform"}).json()
    secret = issued["secret"]
    listed = api.call("GET", "/tenants/douyin/keys", "admin").json()
    assert all("secret" not in k for k in listed)
    dump = "\n".join(sqlite3.connect(tmp_path / "governance.sqlite").iterdump())
    for text in [*api.keys.values(), secret]:
        assert text not in dump
        assert text.split(".", 1)[1] not in dump
    assert (
        api.client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {secret}"}).json()["actor"] == "douyin/ops"
    )


@pytest.mark.parametrize("disable", [True])
def test_a_disabled_tenant_loses_access_at_once(api: Api, disable: bool) -> None:
    assert api.call("GET", "/whoami", "douyin").status_code == 200
    api.call("PATCH", "/tenants/douyin", "admin", json={"disabled": disable})
    assert api.call("GET", "/whoami", "douyin").status_code == 401
    assert api.call("PATCH", "/tenants/regulator", "admin", json={"disabled": True}).status_code == 409
