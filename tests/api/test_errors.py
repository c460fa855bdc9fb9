"""Bad requests get a 4xx with a clear error body, never a 5xx; rate limits; pagination."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import Api, entry, make_api, phone_hash


def _error(response) -> dict:  # type: ignore[no-untyped-def, type-arg]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def test_malformed_json_is_a_400(api: Api) -> None:
    headers = {**api.auth("platform"), "Content-Type": "application/json"}
    for raw in (b"{bad", b'{"entries": [', b"\xff\xfe", b""):
        response = api.client.post("/api/v1/blacklist/entries", content=raw, headers=headers)
        assert response.status_code in (400, 422), raw
        assert _error(response)["code"] in ("malformed_json", "invalid_request")
    response = api.client.post("/api/v1/blacklist/entries", content=b"{bad", headers=headers)
    assert response.status_code == 400 and _error(response)["message"] == "the request body is not valid JSON"


@pytest.mark.parametrize(
    "body",
    [
        {"entries": "all of them"},
        {"entries": [{"kind": "phone", "hash": 12, "reason_code": "doxxing", "confidence": 0.5}]},
        {"entries": [{"kind": "pdq", "hash": "a" * 64, "reason_code": "doxxing", "confidence": 0.5}]},
        {"entries": [{"kind": "phone", "hash": "A" * 64, "reason_code": "doxxing", "confidence": 0.5}]},
        {"entries": [{"kind": "phone", "hash": "a" * 64, "reason_code": "doxxing", "confidence": 2}]},
        {"entries": [{"kind": "phone", "hash": "a" * 64, "reason_code": "doxxing", "confidence": "NaN"}]},
        {"entries": [entry("a" * 64, expires_at="2030-01-01T00:00:00")]},  # no time zone
        {"entries": [entry("a" * 64, surprise=1)]},
        {"entries": []},
        [1, 2, 3],
    ],
)
def test_wrong_types_are_a_422_naming_the_field(api: Api, body: object) -> None:
    response = api.call("POST", "/blacklist/entries", "platform", json=body)
    assert response.status_code == 422, response.text
    error = _error(response)
    assert error["code"] == "invalid_request" and error["details"][0]["loc"][0] == "body"


def test_oversized_bodies_are_a_413(tmp_path: Path) -> None:
    for api in make_api(f"sqlite:///{tmp_path / 'g.sqlite'}", tmp_path, max_body_bytes=2000):
        big = {"entries": [entry(phone_hash(f"1380000{n:04d}")) for n in range(40)]}
        response = api.call("POST", "/blacklist/entries", "platform", json=big)
        assert response.status_code == 413 and _error(response)["code"] == "body_too_large"

        def chunks():  # type: ignore[no-untyped-def]
            yield b'{"entries": ['
            for _ in range(100):
                yield b" " * 100
            yield b"]}"

        streamed = api.client.post("/api/v1/blacklist/entries", content=chunks(), headers=api.auth("platform"))
        assert streamed.status_code == 413 and _error(streamed)["code"] == "body_too_large"
        small = api.call("POST", "/blacklist/entries", "platform", json={"entries": [entry(phone_hash("13800000000"))]})
        assert small.status_code == 201


def test_unknown_paths_and_methods_keep_the_error_shape(api: Api) -> None:
    assert _error(api.call("GET", "/nothing-here", "admin"))["code"] == "not_found"
    assert _error(api.call("DELETE", "/whoami", "admin"))["code"] == "method_not_allowed"
    assert _error(api.call("GET", "/cases/C-404", "admin"))["code"] == "not_found"
    assert _error(api.call("GET", "/blacklist/entries", "admin", params={"cursor": "-1"}))["code"] == "invalid_request"


def test_a_key_over_its_rate_limit_gets_429_and_recovers(api: Api) -> None:
    slow = api.call(
        "POST", "/tenants/douyin/keys", "admin", json={"name": "slow", "role": "platform", "rate_per_second": 2}
    )
    headers = {"Authorization": f"Bearer {slow.json()['secret']}"}
    codes = [api.client.get("/api/v1/whoami", headers=headers).status_code for _ in range(8)]
    assert codes[:4] == [200] * 4  # the bucket holds 2 seconds of its rate
    limited = [c for c in codes if c == 429]
    assert limited, codes
    response = api.client.get("/api/v1/whoami", headers=headers)
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) >= 1 and _error(response)["code"] == "rate_limited"
    assert api.call("GET", "/whoami", "douyin").status_code == 200  # other keys are not affected


def test_pages_walk_every_item_once(api: Api) -> None:
    hashes = [phone_hash(f"1370000{n:04d}") for n in range(23)]
    api.call("POST", "/blacklist/entries", "platform", json={"entries": [entry(h) for h in hashes]})
    seen, cursor = [], None
    while True:
        page = api.call(
            "GET", "/blacklist/entries", "analyst", params={"limit": 5, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [e["hash"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(hashes)


def test_values_the_database_cannot_hold_are_refused_not_crashed(api_any: Api) -> None:
    for path in ("/cases/C-1%00x", "/tenants/weibo%00", "/campaigns/x%00y"):
        response = api_any.call("GET", path, "admin")
        assert response.status_code in (404, 422), (path, response.status_code)
    text = {"title": "t\u0000x", "subjects": [{"kind": "account", "platform": "weibo", "id": "a"}]}
    assert api_any.call("POST", "/cases", "analyst", json=text).status_code == 422
