"""Client address behind proxies, request ids, timing, security headers, CORS, metrics and the
slow-request log."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.api.kit import API, Env, bearer
from wickwatch.api.client_ip import ClientResolver


@pytest.mark.parametrize(
    ("peer", "xff", "expected"),
    [
        ("203.0.113.5", ["1.2.3.4"], "203.0.113.5"),  # untrusted peer: header ignored
        ("10.0.0.2", ["1.2.3.4"], "1.2.3.4"),
        ("10.0.0.2", ["6.6.6.6, 1.2.3.4"], "1.2.3.4"),  # the client cannot prepend
        ("10.0.0.2", ["6.6.6.6, 1.2.3.4, 10.0.0.9"], "1.2.3.4"),  # chain of trusted proxies
        ("10.0.0.2", ["1.2.3.4", "10.0.0.9"], "1.2.3.4"),  # repeated header lines
        ("10.0.0.2", ["10.0.0.7"], "10.0.0.7"),  # only proxies: the left-most
        ("10.0.0.2", ["garbage, 1.2.3.4"], "1.2.3.4"),
        ("10.0.0.2", ["1.2.3.4, garbage"], "10.0.0.2"),  # unreadable hop: stop at the proxy
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["[2001:db8::1]:443"], "2001:db8::1"),
        ("10.0.0.2", ["198.51.100.1:5555"], "198.51.100.1"),
        ("::ffff:10.0.0.2", ["1.2.3.4"], "1.2.3.4"),
    ],
)
def test_client_resolution(peer: str, xff: list[str], expected: str) -> None:
    resolver = ClientResolver(["10.0.0.0/8"])
    assert resolver.resolve(peer, xff, [])[0] == expected


def test_no_trusted_proxies_means_no_forwarding() -> None:
    resolver = ClientResolver([])
    assert resolver.resolve("10.0.0.2", ["1.2.3.4"], ["https"]) == ("10.0.0.2", None)
    trusted = ClientResolver(["10.0.0.2"])
    assert trusted.resolve("10.0.0.2", [], ["http, https"]) == ("10.0.0.2", "https")
    assert trusted.resolve("10.0.0.2", [], ["gopher"]) == ("10.0.0.2", None)


async def test_forwarded_for_reaches_sessions_only_from_trusted_proxies(make_env: Any) -> None:
    trusting: Env = await make_env(trusted_proxies="127.0.0.0/8")
    _, email = await trusting.create_user()
    await trusting.client.post(
        f"{API}/auth/login",
        json={"email": email, "password": "correct horse battery staple"},
        headers={"X-Forwarded-For": "198.51.100.23"},
    )
    token = await trusting.token(email)
    sessions = await trusting.client.get(f"{API}/auth/sessions", headers=bearer(token))
    assert "198.51.100.23" in {s["ip"] for s in sessions.json()}


async def test_forwarded_for_is_ignored_from_others(env: Env) -> None:
    _, email = await env.create_user()
    await env.client.post(
        f"{API}/auth/login",
        json={"email": email, "password": "correct horse battery staple"},
        headers={"X-Forwarded-For": "198.51.100.23"},
    )
    token = await env.token(email)
    sessions = await env.client.get(f"{API}/auth/sessions", headers=bearer(token))
    assert {s["ip"] for s in sessions.json()} == {"127.0.0.1"}


async def test_request_id_timing_and_security_headers(env: Env) -> None:
    response = await env.client.get("/healthz")
    assert len(response.headers["x-request-id"]) == 32
    assert float(response.headers["x-process-time"]) >= 0
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # plain http

    given = await env.client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    hostile = await env.client.get("/healthz", headers={"X-Request-ID": "a b\tc" * 20})
    assert hostile.headers["x-request-id"] != "a b\tc" * 20

    api = await env.client.post(f"{API}/auth/login", json={})
    assert api.headers["cache-control"] == "no-store"
    assert api.headers["x-request-id"]  # errors carry it too

    docs = await env.client.get("/docs")
    assert "content-security-policy" not in docs.headers  # HTML pages set their own


async def test_cors_is_off_by_default(env: Env) -> None:
    response = await env.client.options(
        f"{API}/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


async def test_cors_from_settings(make_env: Any) -> None:
    env: Env = await make_env(cors_origins="https://app.example")
    allowed = await env.client.options(
        f"{API}/auth/login",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    denied = await env.client.options(
        f"{API}/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in denied.headers


async def test_metrics_by_route_template(env: Env) -> None:
    await env.client.get(f"{API}/admin/users/12345")
    response = await env.client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert 'route="/api/v1/admin/users/{user_id}"' in text
    assert "wickwatch_http_request_duration_seconds_bucket" in text
    assert 'route="/api/v1/admin/users/12345"' not in text
    await env.client.get("/no/such/page")
    assert 'route="<unmatched>"' in (await env.client.get("/metrics")).text


async def test_metrics_from_elsewhere_need_the_token(make_env: Any) -> None:
    remote: Env = await make_env(client_host="203.0.113.50")
    assert (await remote.client.get("/metrics")).status_code == 403
    with_token: Env = await make_env(client_host="203.0.113.50", metrics_token="m" * 24)
    assert (await with_token.client.get("/metrics")).status_code == 401
    ok = await with_token.client.get("/metrics", headers=bearer("m" * 24))
    assert ok.status_code == 200


async def test_slow_requests_are_logged(make_env: Any, caplog: pytest.LogCaptureFixture) -> None:
    env: Env = await make_env(slow_request_ms=0.001)
    with caplog.at_level(logging.WARNING, logger="wickwatch.api.requests"):
        response = await env.client.get("/healthz")
    record = next(r for r in caplog.records if r.getMessage().startswith("slow request"))
    assert "GET /healthz" in record.getMessage()
    assert record.request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]


async def test_oversized_bodies_are_refused(env: Env) -> None:
    from wickwatch.api.app import MAX_BODY_BYTES

    response = await env.client.post(
        f"{API}/auth/login",
        content=b'{"email": "' + b"a" * MAX_BODY_BYTES + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "http_413"
