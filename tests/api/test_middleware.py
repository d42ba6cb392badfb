"""Client address behind proxies, request ids, timing, security headers, CORS, metrics and the
slow-request log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.kit import API, Env, bearer
from tests.seed import add_alerts, add_delivery, add_rows, feed_row, member
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


def test_no_trusted_proxies_means_no_forwarding(caplog: pytest.LogCaptureFixture) -> None:
    resolver = ClientResolver([])
    with caplog.at_level("WARNING", logger="wickwatch.api.client_ip"):
        assert resolver.resolve("10.0.0.2", ["1.2.3.4"], ["https"]) == ("10.0.0.2", None)
        assert resolver.resolve("10.0.0.2", ["1.2.3.5"], []) == ("10.0.0.2", None)
        assert resolver.resolve("10.0.0.3", [], []) == ("10.0.0.3", None)
    # the operator is told once that a proxy's header is being ignored
    assert [r.getMessage() for r in caplog.records] == [
        "X-Forwarded-For from 10.0.0.2, which is not in WICKWATCH_TRUSTED_PROXIES: the header "
        "is ignored (add the proxy if it is yours; said once)"
    ]
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


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_show_every_feed_and_the_outbox_depth(env: Env) -> None:
    """The deployment's figures come from the database, whichever process produced them: feed
    status rows (a stale one is down) and the deliveries still to send, by channel."""
    now = datetime.now(UTC)
    await add_rows(
        env.sessionmaker,
        [
            feed_row(
                "binance",
                "futures",
                now,
                trades_per_s=1520.5,
                lag_p50_ms=35.0,
                lag_p99_ms=120.0,
                reconnects=3,
                last_trade_ms=1_773_144_000_123,
            ),
            feed_row("okx", "spot", now - timedelta(hours=1)),  # its collector stopped
        ],
    )
    user_id, _ = await member(env)
    alert_ids = await add_alerts(env.sessionmaker, user_id, [{"symbol": "A"}, {"symbol": "B"}])
    await add_delivery(env.sessionmaker, alert_ids[0], user_id, channel="telegram")
    await add_delivery(env.sessionmaker, alert_ids[1], user_id, channel="telegram")
    await add_delivery(env.sessionmaker, alert_ids[1], user_id, channel="email", status="sending")
    await add_delivery(env.sessionmaker, alert_ids[0], user_id, channel="email", status="sent")

    samples = _samples((await env.client.get("/metrics")).text)

    futures = (("exchange", "binance"), ("market", "futures"))
    assert samples[("wickwatch_feed_trades_per_second", futures)] == 1520.5
    assert samples[("wickwatch_feed_reconnects", futures)] == 3
    assert samples[("wickwatch_feed_lag_seconds", (*futures, ("quantile", "0.99")))] == 0.12
    assert samples[("wickwatch_feed_last_trade_timestamp_seconds", futures)] == 1_773_144_000.123
    assert samples[("wickwatch_feed_state", (*futures, ("state", "active")))] == 1
    okx_down = (("exchange", "okx"), ("market", "spot"), ("state", "down"))
    assert samples[("wickwatch_feed_state", okx_down)] == 1
    depth = {
        labels: value for (name, labels), value in samples.items()
        if name == "wickwatch_delivery_queue_depth"
    }  # fmt: skip
    assert depth == {
        (("channel", "telegram"), ("state", "pending")): 2,
        (("channel", "email"), ("state", "sending")): 1,
    }
    for family in ("wickwatch_detection_batch_seconds", "wickwatch_delivery_latency_seconds"):
        assert f"# TYPE {family} histogram" in (await env.client.get("/metrics")).text


async def test_metrics_without_the_database_still_answer(env: Env) -> None:
    await env.app.state.engine.dispose()
    broken = env.app.state.sessionmaker

    def unavailable() -> Any:
        raise ConnectionRefusedError("database away")

    env.app.state.sessionmaker = unavailable
    try:
        response = await env.client.get("/metrics")
    finally:
        env.app.state.sessionmaker = broken
    assert response.status_code == 200
    assert "wickwatch_http_requests_total" in response.text
    assert "wickwatch_feed_state" not in response.text


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
