"""`floodwatch blacklist|tenants ...`: keys, local hashing, submit/check through the API, signed bundles."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from floodwatch.commands import blacklist as commands
from floodwatch.commands.blacklist import blacklist_app, tenants_app
from floodwatch.federation.identifiers import keyed_hash
from tests.api.conftest import FEDERATION_KEY, Api

runner = CliRunner()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "federation.key"
    path.write_text(base64.urlsafe_b64encode(FEDERATION_KEY).decode())
    return path


def test_key_and_hash_commands(tmp_path: Path, key_file: Path) -> None:
    made = runner.invoke(blacklist_app, ["key", "--out", str(tmp_path / "new.key")])
    assert made.exit_code == 0 and (tmp_path / "new.key").stat().st_mode & 0o777 == 0o600
    assert runner.invoke(blacklist_app, ["key", "--out", str(tmp_path / "new.key")]).exit_code != 0
    hashed = runner.invoke(blacklist_app, ["hash", "phone", "138-0013-8000", "--key-file", str(key_file)])
    assert hashed.stdout.strip() == keyed_hash("phone", "13800138000", FEDERATION_KEY)
    many = runner.invoke(
        blacklist_app, ["hash", "account", "-", "--platform", "weibo", "--key-file", str(key_file)], input="a\nb\n"
    )
    assert many.stdout.split() == [keyed_hash("account", v, FEDERATION_KEY, "weibo") for v in "ab"]
    bad = runner.invoke(blacklist_app, ["hash", "phone", "555-0199-77", "--key-file", str(key_file)])
    assert bad.exit_code != 0 and "555-0199-77" not in bad.output


def test_submit_and_check_send_only_hashes(
    api: Api, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[bytes] = []

    def client(_server: str | None, _api_key: str | None) -> TestClient:
        c = TestClient(api.client.app, base_url="http://testserver/api/v1", headers=api.auth("platform"))
        c.event_hooks["request"] = [lambda request: sent.append(request.read())]
        return c

    monkeypatch.setattr(commands, "_client", client)
    rows = tmp_path / "ids.csv"
    rows.write_text(
        "kind,value,platform,reason_code\nphone,13800138000,,doxxing\naccount,troll_9,weibo,cyber_violence\n"
    )
    done = runner.invoke(blacklist_app, ["submit", str(rows), "--key-file", str(key_file)])
    assert done.exit_code == 0, done.output
    probe = tmp_path / "probe.csv"
    probe.write_text("kind,value\nphone,+86 138 0013 8000\nphone,13900000000\n")
    checked = runner.invoke(blacklist_app, ["check", str(probe), "--key-file", str(key_file), "--json"])
    results = [orjson.loads(line) for line in checked.stdout.splitlines()]
    assert [r["listed"] for r in results] == [True, False] and results[0]["reasons"] == ["doxxing"]
    assert sent and not any(b"13800138000" in body or b"troll_9" in body for body in sent)
    assert "13800138000" not in checked.output


def test_tenants_commands_issue_keys_shown_once(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'g.sqlite'}", "--as", "ops"]
    assert runner.invoke(tenants_app, ["add", "weibo", "--name", "Weibo", *db]).exit_code == 0
    issued = runner.invoke(tenants_app, ["issue-key", "weibo", "--role", "platform", "--name", "sync", *db])
    secret = issued.stdout.strip().splitlines()[-1]
    assert issued.exit_code == 0 and secret.startswith("fwk_")
    listed = runner.invoke(tenants_app, ["keys", "--db", db[1]])
    assert "sync" in listed.stdout and secret not in listed.stdout
    assert secret not in "\n".join(sqlite3.connect(tmp_path / "g.sqlite").iterdump())
    key_id = secret[4:16]
    assert runner.invoke(tenants_app, ["revoke-key", key_id, *db]).exit_code == 0
    assert runner.invoke(tenants_app, ["issue-key", "weibo", "--role", "boss", "--name", "x", *db]).exit_code != 0


def test_bundles_round_trip_between_nodes_and_refuse_tampering(api: Api, tmp_path: Path) -> None:
    h = keyed_hash("phone", "13800138000", FEDERATION_KEY)
    api.call(
        "POST",
        "/blacklist/entries",
        "platform",
        json={
            "entries": [{"kind": "phone", "hash": h, "reason_code": "doxxing", "confidence": 0.9, "case_ref": "WB-1"}]
        },
    )
    api.call("POST", "/blacklist/opinions", "douyin", json={"opinions": [{"hash": h, "opinion": "negative"}]})
    node_a = ["--db", api.url]
    node_b = ["--db", f"sqlite:///{tmp_path / 'node-b.sqlite'}"]
    signing = tmp_path / "node-a.pem"
    assert runner.invoke(blacklist_app, ["signing-key", "--out", str(signing)]).exit_code == 0
    bundle = tmp_path / "a.bundle"
    exported = runner.invoke(
        blacklist_app, ["export", "--signing-key", str(signing), "--out", str(bundle), "--issuer", "node-a", *node_a]
    )
    assert exported.exit_code == 0, exported.output
    data = bundle.read_bytes()
    assert b"WB-1" not in data and b"13800138000" not in data
    trusted = ["--trusted", f"{signing}.pub"]
    tampered = tmp_path / "t.bundle"
    tampered.write_bytes(data.replace(b'"confidence":0.9', b'"confidence":1.0'))
    refused = runner.invoke(blacklist_app, ["import", str(tampered), *trusted, "--as", "ops", *node_b])
    assert refused.exit_code == 1 and "altered" in refused.output
    other = tmp_path / "other.pem"
    runner.invoke(blacklist_app, ["signing-key", "--out", str(other)])
    stranger = runner.invoke(
        blacklist_app, ["import", str(bundle), "--trusted", f"{other}.pub", "--as", "ops", *node_b]
    )
    assert stranger.exit_code == 1 and "not among the trusted keys" in stranger.output
    dump_b = tmp_path / "node-b.sqlite"
    assert not dump_b.exists()  # refused before the database was even opened: nothing imported
    imported = runner.invoke(blacklist_app, ["import", str(bundle), *trusted, "--as", "ops", *node_b])
    assert imported.exit_code == 0, imported.output
    rows = sqlite3.connect(dump_b).execute("SELECT hex(hash), platform, origin, status FROM bl_entries").fetchall()
    assert rows == [(h.upper(), "weibo", "node-a", "active")]
    opinions = sqlite3.connect(dump_b).execute("SELECT platform, opinion FROM bl_opinions").fetchall()
    assert opinions == [("douyin", "negative")]
