"""The web console without a browser: the sealed session, redirects, the cluster graph and counts, and the pages'
access rules through the API (the browser flow itself is tests/browser/)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from floodwatch.api import Settings, create_app
from floodwatch.govern import cases, tenants
from floodwatch.govern.cases import SubjectRef
from floodwatch.govern.db import open_database, transaction
from floodwatch.govern.policy import load_policy
from floodwatch.web.auth import safe_next
from floodwatch.web.figures import counted, evidence_times, findings_over_time
from floodwatch.web.graph import cluster_graph
from floodwatch.web.session import COOKIE, fernet_from, seal, unseal

# -- the session cookie -----------------------------------------------------------------------------------------


@given(st.text(min_size=1, max_size=200))
def test_a_sealed_key_opens_only_with_the_same_secret(key: str) -> None:
    sealed = seal(fernet_from("server secret"), key)
    assert key not in sealed or len(key) < 8  # encrypted, not merely signed
    assert unseal(fernet_from("server secret"), sealed) == key
    assert unseal(fernet_from("another secret"), sealed) is None


@given(st.integers(min_value=0, max_value=199), st.integers(min_value=1, max_value=255))
def test_a_tampered_cookie_is_refused(position: int, flip: int) -> None:
    sealed = seal(fernet_from("s"), "fwk_0123456789ab.secret")
    raw = bytearray(sealed.encode())
    index = position % len(raw)
    raw[index] = (raw[index] ^ flip) % 128 or 65
    if bytes(raw) != sealed.encode():
        assert unseal(fernet_from("s"), bytes(raw).decode("ascii", errors="replace")) is None


def test_an_old_session_has_expired() -> None:
    fernet = fernet_from("s")
    old = fernet.encrypt_at_time(b"fwk_0123456789ab.secret", int(time.time()) - 9 * 3600).decode()
    assert unseal(fernet, old) is None
    assert unseal(fernet, old, max_age=10 * 3600) == "fwk_0123456789ab.secret"


@given(st.text(max_size=60))
def test_after_login_the_console_never_sends_anyone_elsewhere(path: str) -> None:
    target = safe_next(path)
    assert target.startswith("/console/") and not target.startswith("//") and "\\" not in target
    assert safe_next("/console/cases/C-1") == "/console/cases/C-1"


# -- graph and counts -------------------------------------------------------------------------------------------


def _member(platform: str, account: str) -> dict[str, object]:
    return {"platform": platform, "account_id": account, "posts": 3, "followers": 2}


def test_cluster_graph_keeps_every_member_and_only_their_edges() -> None:
    finding = {
        "subjects": [],
        "evidence": {
            "members": [_member("weibo", "a"), _member("weibo", "b"), _member("x", "c")],
            "top_edges": [
                {"a": {"platform": "weibo", "account_id": "a"}, "b": {"platform": "x", "account_id": "c"}, "weight": 2},
                {
                    "a": {"platform": "weibo", "account_id": "a"},
                    "b": {"platform": "x", "account_id": "zz"},
                    "weight": 1,
                },
            ],
            "internal_edges": 7,
        },
    }
    graph = cluster_graph(finding)
    assert {n["data"]["id"] for n in graph["nodes"]} == {"weibo:a", "weibo:b", "x:c"}
    assert [(e["data"]["source"], e["data"]["target"]) for e in graph["edges"]] == [("weibo:a", "x:c")]
    colours = {n["data"]["platform"]: n["data"]["colour"] for n in graph["nodes"]}
    assert colours["weibo"] != colours["x"]
    assert (graph["edges_shown"], graph["edges_total"]) == (1, 7)


def test_cluster_graph_falls_back_to_the_account_subjects() -> None:
    finding = {"subjects": [{"kind": "account", "platform": "weibo", "id": "a"}, {"kind": "post", "id": "p"}]}
    assert [n["data"]["id"] for n in cluster_graph(finding)["nodes"]] == ["weibo:a"]


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))


@given(st.lists(st.tuples(moments, st.sampled_from(["a", "b", "c"])), max_size=80), st.booleans())
def test_counts_over_time_add_up(points: list[tuple[datetime, str]], coarse: bool) -> None:
    series = counted(points, coarse)
    assert sum(sum(v) for v in series.series.values()) == len(points)
    assert series.labels == sorted(series.labels)
    assert set(series.series) == {g for _, g in points}


def test_findings_over_time_counts_each_platform_of_a_finding() -> None:
    start = "2026-03-04T10:00:00+00:00"
    subjects = [{"kind": "account", "platform": "weibo", "id": "a"}, {"kind": "account", "platform": "x", "id": "b"}]
    by_kind, by_platform = findings_over_time([{"kind": "coordination_cluster", "start": start, "subjects": subjects}])
    assert by_kind.labels == by_platform.labels == ["2026-03-04"]
    assert by_platform.series == {"weibo": [1], "x": [1]}
    assert list(by_kind.series.values()) == [[1]]


def test_evidence_times_are_found_at_any_depth() -> None:
    evidence = {
        "sample_posts": [{"created_at": "2026-03-04T13:58:40+00:00", "text": "2026-01-01 is not a time key"}],
        "pushed": {"reply": [{"first": "2026-03-04T13:00:00+00:00", "last": "2026-03-05T13:00:00Z"}]},
        "naive": {"time": "2026-03-04T13:58:40"},  # no zone: ambiguous, left out
    }
    assert [t.isoformat() for t in evidence_times(evidence)] == [
        "2026-03-04T13:00:00+00:00",
        "2026-03-04T13:58:40+00:00",
        "2026-03-05T13:00:00+00:00",
    ]


# -- pages through the API --------------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine = open_database(data_dir=tmp_path)
    keys: dict[str, str] = {}
    with transaction(engine) as session:
        tenants.create_tenant(session, "setup", "regulator", "Regulator")
        tenants.create_tenant(session, "setup", "weibo", "Weibo")
        for name, tenant, role in (("ann", "regulator", "analyst"), ("rev", "regulator", "reviewer")):
            _, keys[name] = tenants.issue_key(session, "setup", tenant, name, role)
        _, keys["weibo"] = tenants.issue_key(session, "setup", "weibo", "ops", "platform")
        cases.open_case(
            session,
            "setup",
            load_policy(),
            title="by hand",
            subjects=[SubjectRef("account", "weibo", "u1")],
            violation="cyber_violence",
            due=datetime.now(UTC) + timedelta(days=3),
        )
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:  # Secure cookies
        yield client, keys


def login(client: TestClient, key: str) -> None:
    answer = client.post("/console/login", data={"api_key": key, "next": "/console/cases"})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/cases"


def test_login_sets_a_locked_down_cookie_and_refuses_a_wrong_key(site: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = site
    assert client.get("/console/cases").headers["location"].startswith("/console/login?next=/console/cases")
    refused = client.post("/console/login", data={"api_key": keys["ann"] + "x"})
    assert refused.status_code == 401 and COOKIE not in client.cookies
    answer = client.post("/console/login", data={"api_key": keys["ann"]})
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(COOKIE))
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=strict", "Path=/console"))
    assert keys["ann"].split(".")[1] not in cookie
    assert client.get("/console/cases").status_code == 200
    page = client.get("/console/")
    assert "default-src 'self'; script-src 'self'" in page.headers["content-security-policy"]


def test_a_platform_key_is_refused_what_the_api_refuses_it(site: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = site
    login(client, keys["weibo"])
    denied = client.get("/console/cases/C-1")
    assert denied.status_code == 403 and "platform role may not" in denied.text
    assert client.get("/console/blacklist").status_code == 200
    assert ">Findings<" not in client.get("/console/").text


def test_steps_go_through_the_api_role_checks(site: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = site
    login(client, keys["ann"])  # an analyst may not start a review
    answer = client.post("/console/cases/C-1/review", data={})
    assert answer.status_code == 303
    page = client.get("/console/cases/C-1")
    assert "Refused: the analyst role may not do this" in page.text and 'id="case-state">open<' in page.text
    client.cookies.clear()
    login(client, keys["rev"])
    client.post("/console/cases/C-1/review", data={})
    page = client.get("/console/cases/C-1")
    assert "is now under review" in page.text and 'id="case-state">in review<' in page.text


def test_a_form_from_another_site_is_refused_and_changes_nothing(site: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = site
    login(client, keys["rev"])
    forged = client.post("/console/cases/C-1/review", data={}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403
    forged = client.post("/console/cases/C-1/review", data={}, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403
    assert 'id="case-state">open<' in client.get("/console/cases/C-1").text
