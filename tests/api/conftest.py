"""An API over a fresh governance database, with tenants and one key per role.

SQLite by default; the `api_any` fixture also runs on PostgreSQL (marked `postgres`) in a schema of its own,
skipped loudly when the server cannot be reached (same pattern as tests/govern/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from floodwatch.api import Settings, create_app
from floodwatch.federation.identifiers import keyed_hash
from floodwatch.govern import tenants
from floodwatch.govern.db import open_database, transaction
from tests.conftest import pg_schema

FEDERATION_KEY = b"federation-key-for-tests-only-32b"
ROLES = ("admin", "analyst", "reviewer", "platform")


@dataclass
class Api:
    client: TestClient
    url: str
    data_dir: Path
    keys: dict[str, str] = field(default_factory=dict)  # label -> full key text

    def auth(self, label: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[label]}"}

    def call(self, method: str, path: str, label: str | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        headers = self.auth(label) if label else {}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)  # type: ignore[arg-type]


def seed(url: str) -> dict[str, str]:
    """Tenants regulator (admin, analyst, two reviewers), weibo and douyin (platform keys)."""
    engine = open_database(url)
    keys: dict[str, str] = {}
    with transaction(engine) as session:
        tenants.create_tenant(session, "setup", "regulator", "The regulator")
        tenants.create_tenant(session, "setup", "weibo", "Weibo")
        tenants.create_tenant(session, "setup", "douyin", "Douyin")
        for label, tenant, role in (
            ("admin", "regulator", "admin"),
            ("analyst", "regulator", "analyst"),
            ("reviewer", "regulator", "reviewer"),
            ("reviewer2", "regulator", "reviewer"),
            ("platform", "weibo", "platform"),
            ("douyin", "douyin", "platform"),
        ):
            _, keys[label] = tenants.issue_key(session, "setup", tenant, label, role, rate_per_second=1000)
    engine.dispose()
    return keys


def make_api(url: str, data_dir: Path, **settings: object) -> Iterator[Api]:
    keys = seed(url)
    app = create_app(
        Settings(database_url=url, data_dir=data_dir, federation_key=FEDERATION_KEY, **settings)  # type: ignore[arg-type]
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, url, data_dir, keys)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from make_api(f"sqlite:///{tmp_path / 'governance.sqlite'}", tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api_any(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield from make_api(f"sqlite:///{tmp_path / 'governance.sqlite'}", tmp_path)
        return
    with pg_schema("fw_api") as url:
        yield from make_api(url, tmp_path)


def phone_hash(number: str) -> str:
    return keyed_hash("phone", number, FEDERATION_KEY)


def account_hash(platform: str, account: str) -> str:
    return keyed_hash("account", account, FEDERATION_KEY, platform)


def entry(hash_hex: str, kind: str = "phone", reason: str = "doxxing", **extra: object) -> dict[str, object]:
    return {"kind": kind, "hash": hash_hex, "reason_code": reason, "confidence": 0.9, **extra}
