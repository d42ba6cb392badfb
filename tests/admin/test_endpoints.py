"""``/api/v1/admin/errors``, ``/admin/exchanges``, ``/admin/status`` on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.kit import API, Env, EnvFactory
from tests.seed import add_alerts, add_delivery, add_rows, error_row, feed_row, member

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


async def _pages(env: Env, headers: dict[str, str], params: dict[str, Any]) -> list[str]:
    messages: list[str] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await env.client.get(f"{API}/admin/errors", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        messages += [e["message"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return messages


async def test_error_log_filters_pages_and_deletes(env: Env) -> None:
    _, admin = await member(env, "admin")
    _, user = await member(env)
    specs = [
        ("m0 database timeout", "ERROR", "wickwatch.storage", None),
        ("m1 delivery failed", "ERROR", "wickwatch.notify.dispatcher", "Traceback: Timeout"),
        ("m2 bot refused", "CRITICAL", "wickwatch.notify", None),
        ("m3 100% of 5_000 dropped", "WARNING", "wickwatch.notifyx", None),
        ("m4 feed lost", "ERROR", "wickwatch.market.connectors.okx", None),
    ]
    rows = [
        error_row(
            message,
            level=level,
            logger=logger,
            exception=exception,
            at=NOW - timedelta(hours=10 - i),
            context={"i": i},
            process="4242",
        )
        for i, (message, level, logger, exception) in enumerate(specs)
    ]
    rows += [error_row(f"bulk {i:02d}", at=NOW - timedelta(days=3, minutes=i)) for i in range(12)]
    for row in rows:  # one by one: ids in this order
        await add_rows(env.sessionmaker, [row])
    newest_first = [r.message for r in rows][::-1]

    assert await _pages(env, admin, {"limit": 5}) == newest_first
    first = (await env.client.get(f"{API}/admin/errors", headers=admin)).json()["items"][0]
    assert first["message"] == "bulk 11"
    shown = [
        e
        for e in (
            await env.client.get(f"{API}/admin/errors", params={"q": "M1"}, headers=admin)
        ).json()["items"]
    ]
    assert shown[0]["exception"] == "Traceback: Timeout" and shown[0]["process"] == "4242"
    assert shown[0]["context"] == {"i": 1} and shown[0]["logger"] == "wickwatch.notify.dispatcher"

    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"level": "CRITICAL"}, ["m2 bot refused"]),
        ({"level": "WARNING"}, ["m3 100% of 5_000 dropped"]),
        # the logger and its children, not a logger that merely starts with the same letters
        ({"logger": "wickwatch.notify"}, ["m2 bot refused", "m1 delivery failed"]),
        ({"logger": "wickwatch.market"}, ["m4 feed lost"]),
        ({"q": "timeout"}, ["m1 delivery failed", "m0 database timeout"]),  # in the exception
        ({"q": "100%"}, ["m3 100% of 5_000 dropped"]),  # % and _ are plain text
        ({"q": "5_0"}, ["m3 100% of 5_000 dropped"]),
        ({"q": "%"}, ["m3 100% of 5_000 dropped"]),
        (
            {"since": (NOW - timedelta(hours=8)).isoformat(), "until": NOW.isoformat()},
            ["m4 feed lost", "m3 100% of 5_000 dropped", "m2 bot refused"],
        ),
        (
            {"since": "2026-03-10T04:00:00"},  # no zone: UTC
            ["m4 feed lost", "m3 100% of 5_000 dropped", "m2 bot refused"],
        ),
        ({"level": "ERROR", "until": (NOW - timedelta(days=1)).isoformat(), "q": "bulk 0"},
         [f"bulk 0{i}" for i in range(9, -1, -1)]),
    ]  # fmt: skip
    for params, wanted in cases:
        assert await _pages(env, admin, {**params, "limit": 2}) == wanted, params

    for params, field in (
        ({"level": "FATAL"}, "query.level"),
        ({"limit": 501}, "query.limit"),
        ({"since": "yesterday"}, "query.since"),
        ({"since": "0001-01-01T00:00:00+01:00"}, "query.since"),  # before datetime.min in UTC
        ({"since": NOW.isoformat(), "until": NOW.isoformat()}, "query.until"),
        ({"cursor": "YTox"}, "query.cursor"),
    ):
        response = await env.client.get(f"{API}/admin/errors", params=params, headers=admin)
        assert response.status_code == 422, params
        assert field in [d["field"] for d in response.json()["error"]["details"]]
    assert (await env.client.get(f"{API}/admin/errors", headers=user)).status_code == 403

    # delete one, then everything older than two days
    m0 = rows[0].id
    assert (await env.client.delete(f"{API}/admin/errors/{m0}", headers=admin)).status_code == 204
    assert (await env.client.delete(f"{API}/admin/errors/{m0}", headers=admin)).status_code == 404
    old = await env.client.delete(
        f"{API}/admin/errors",
        params={"before": (NOW - timedelta(days=2)).isoformat()},
        headers=admin,
    )
    assert old.status_code == 200 and old.json() == {"count": 12}
    assert await _pages(env, admin, {}) == [s[0] for s in specs[1:]][::-1]
    missing = await env.client.delete(f"{API}/admin/errors", headers=admin)
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["field"] == "query.before"
    forbidden = await env.client.delete(
        f"{API}/admin/errors", params={"before": NOW.isoformat()}, headers=user
    )
    assert forbidden.status_code == 403


async def test_exchange_statistics(env: Env) -> None:
    env.clock.now = NOW
    _, admin = await member(env, "admin")
    user, _ = await member(env)
    await add_rows(
        env.sessionmaker,
        [
            feed_row("binance", "spot", NOW - timedelta(seconds=1), lag_p50_ms=12.5),
            feed_row("bybit", "futures", NOW - timedelta(minutes=5)),
        ],
    )
    await add_alerts(
        env.sessionmaker,
        user,
        [{"ts_ms": NOW_MS - 1000}] * 3
        + [{"ts_ms": NOW_MS - 25 * 3_600_000}]  # older than a day
        + [{"ts_ms": NOW_MS - 60_000, "exchange": "bybit", "market": "futures"}],
    )
    response = await env.client.get(f"{API}/admin/exchanges", headers=admin)
    assert response.status_code == 200, response.text
    feeds = {(f["exchange"], f["market"]): f for f in response.json()}
    assert len(feeds) == 12
    spot = feeds[("binance", "spot")]
    assert (spot["status"], spot["alerts_24h"], spot["lag_p50_ms"]) == ("active", 3, 12.5)
    bybit = feeds[("bybit", "futures")]
    assert (bybit["status"], bybit["stale"], bybit["alerts_24h"]) == ("down", True, 1)
    assert feeds[("okx", "spot")]["alerts_24h"] == 0


async def test_system_status(env: Env) -> None:
    env.clock.now = NOW
    _, admin = await member(env, "admin")
    user, _ = await member(env)
    (alert,) = await add_alerts(env.sessionmaker, user, [{}])
    for status in ("pending", "pending", "sent", "failed"):
        await add_delivery(env.sessionmaker, alert, user, status=status)
    await add_rows(
        env.sessionmaker,
        [
            error_row("recent", at=NOW - timedelta(hours=1)),
            error_row("old", at=NOW - timedelta(days=2)),
            feed_row("binance", "spot", NOW),
        ],
    )
    response = await env.client.get(f"{API}/admin/status", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["database"]["ok"] is True and body["database"]["latency_ms"] >= 0
    assert body["database"]["backend"] in ("sqlite", "postgresql")
    assert body["redis"] == {"ok": True, "latency_ms": None, "error": None, "configured": False}
    assert body["outbox"]["by_status"] == {
        "pending": 2,
        "claimed": 0,
        "sending": 0,
        "sent": 1,
        "failed": 1,
        "skipped": 0,
    }
    assert body["outbox"]["oldest_pending_at"] is not None
    assert body["processes"]["roles_here"] == ["api"]
    assert body["processes"]["dispatchers"] == []
    assert (body["processes"]["feeds_reporting"], body["processes"]["feeds_total"]) == (1, 12)
    assert body["errors_24h"] == 1
    assert body["uptime_s"] >= 0 and body["version"]
    _, user_headers = await member(env)
    refused = await env.client.get(f"{API}/admin/status", headers=user_headers)
    assert refused.status_code == 403


@pytest.mark.redis
async def test_system_status_checks_redis(make_env: EnvFactory, redis_url: str) -> None:
    env = await make_env(redis_url=redis_url)
    _, admin = await member(env, "admin")
    body = (await env.client.get(f"{API}/admin/status", headers=admin)).json()
    assert body["redis"]["configured"] is True and body["redis"]["ok"] is True
    assert body["redis"]["latency_ms"] >= 0
    env.settings.redis_url = "redis://127.0.0.1:1/0"  # type: ignore[assignment]
    down = (await env.client.get(f"{API}/admin/status", headers=admin)).json()["redis"]
    assert down["configured"] is True and down["ok"] is False and down["error"]
