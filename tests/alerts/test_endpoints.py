"""``/api/v1/alerts`` on SQLite and PostgreSQL: cursor pages, filters, read/delete, isolation
between users, delivery states, candles around an alert."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.api.kit import API, Env
from tests.seed import BASE_MS, add_alerts, add_delivery, add_rows, candle_row, member
from wickwatch.storage.models import SpikeCandle1s


async def _all_pages(env: Env, headers: dict[str, str], query: dict[str, Any]) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        response = await env.client.get(f"{API}/alerts", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [a["id"] for a in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


async def test_pages_are_stable_while_alerts_arrive(env: Env) -> None:
    user, headers = await member(env)
    other, _ = await member(env)
    first = await add_alerts(env.sessionmaker, user, [{"ts_ms": BASE_MS + i} for i in range(23)])
    await add_alerts(env.sessionmaker, other, [{}] * 3)

    seen: list[int] = []
    cursor = None
    arrived: list[int] = []
    for page in range(10):
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        response = await env.client.get(f"{API}/alerts", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["limit"] == 5
        seen += [a["id"] for a in body["items"]]
        cursor = body["next_cursor"]
        # new alerts of this user (and deletions of seen ones) while the client pages
        arrived += await add_alerts(env.sessionmaker, user, [{"ts_ms": BASE_MS + 100 + page}] * 2)
        if cursor is None:
            break
    assert seen == sorted(first, reverse=True), "every alert once, newest first, none missed"
    assert len(set(seen)) == len(seen)

    # catching up with what arrived meanwhile
    newer = await _all_pages(env, headers, {"after_id": max(first), "limit": 4})
    assert newer == sorted(arrived, reverse=True)
    # the last page is exactly full: no cursor
    assert await _all_pages(env, headers, {"limit": len(first) + len(arrived)}) == sorted(
        first + arrived, reverse=True
    )


async def test_every_filter(env: Env) -> None:
    user, headers = await member(env)
    specs: list[dict[str, Any]] = [
        {"exchange": "binance", "market": "spot", "symbol": "BTCUSDT", "base": "BTC",
         "direction": "up", "delta_pct": 1.0, "volume_usd": Decimal("900"), "ts_ms": BASE_MS},
        {"exchange": "bybit", "market": "futures", "symbol": "ETHUSDT", "base": "ETH",
         "direction": "down", "delta_pct": 2.5, "volume_usd": Decimal("10000.5"),
         "ts_ms": BASE_MS + 60_000, "strategy": "dumps"},
        {"exchange": "okx", "market": "futures", "symbol": "BTC-USDT-SWAP", "base": "BTC",
         "direction": "down", "delta_pct": 7.25, "volume_usd": Decimal("123456789.123456789"),
         "ts_ms": BASE_MS + 120_000, "strategy": "dumps"},
        {"exchange": "binance", "market": "futures", "symbol": "SOLUSDT", "base": "SOL",
         "direction": "up", "delta_pct": 3.0, "volume_usd": Decimal("99.99"),
         "ts_ms": BASE_MS + 180_000},
    ]  # fmt: skip
    ids = await add_alerts(env.sessionmaker, user, specs)
    rows = [dict(spec, id=i) for spec, i in zip(specs, ids, strict=True)]
    read = await env.client.post(f"{API}/alerts/{ids[1]}/read", headers=headers)
    assert read.status_code == 200 and read.json()["seen"] is True

    def volume(r: dict[str, Any]) -> Decimal:
        return Decimal(r["volume_usd"])

    cases: list[tuple[dict[str, Any], Any]] = [
        ({"exchange": "binance"}, lambda r: r["exchange"] == "binance"),
        ({"market": "futures"}, lambda r: r["market"] == "futures"),
        ({"symbol": "ETHUSDT"}, lambda r: r["symbol"] == "ETHUSDT"),
        ({"coin": "btc"}, lambda r: r["base"] == "BTC"),
        ({"direction": "down"}, lambda r: r["direction"] == "down"),
        ({"strategy": "dumps"}, lambda r: r.get("strategy") == "dumps"),
        ({"from_ms": BASE_MS + 60_000}, lambda r: r["ts_ms"] >= BASE_MS + 60_000),
        ({"to_ms": BASE_MS + 120_000}, lambda r: r["ts_ms"] < BASE_MS + 120_000),
        ({"min_delta_pct": 2.5}, lambda r: r["delta_pct"] >= 2.5),
        ({"max_delta_pct": 3}, lambda r: r["delta_pct"] <= 3),
        # 10000.5 > 900 although "10000.5" < "900" as text: compared as numbers on every backend
        ({"min_volume_usd": "1000"}, lambda r: volume(r) >= 1000),
        ({"max_volume_usd": "10000.5"}, lambda r: volume(r) <= Decimal("10000.5")),
        ({"min_volume_usd": "100", "max_volume_usd": "1e9"}, lambda r: 100 <= volume(r) <= 1e9),
        ({"unread": "true"}, lambda r: r["id"] != ids[1]),
        ({"unread": "false"}, lambda r: r["id"] == ids[1]),
        ({"after_id": ids[1]}, lambda r: r["id"] > ids[1]),
        (
            {"exchange": "binance", "direction": "up", "max_delta_pct": 2},
            lambda r: r["exchange"] == "binance" and r["direction"] == "up" and r["delta_pct"] <= 2,
        ),
    ]
    for query, wanted in cases:
        expected = sorted((r["id"] for r in rows if wanted(r)), reverse=True)
        assert expected, f"case {query} selects nothing"
        assert await _all_pages(env, headers, {**query, "limit": 2}) == expected, query

    got = (await env.client.get(f"{API}/alerts", headers=headers)).json()["items"]
    third = next(a for a in got if a["id"] == ids[2])
    assert third["volume_usd"] == "123456789.123456789"  # exact decimals out
    assert third["price"] == "65000.5"


async def test_invalid_input_names_the_field(env: Env) -> None:
    _, headers = await member(env)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"limit": 0}, "query.limit"),
        ({"limit": 1001}, "query.limit"),
        ({"exchange": "kraken"}, "query.exchange"),
        ({"market": "options"}, "query.market"),
        ({"direction": "sideways"}, "query.direction"),
        ({"symbol": "BTC USDT"}, "query.symbol"),
        ({"from_ms": -1}, "query.from_ms"),
        ({"from_ms": 10, "to_ms": 10}, "query.to_ms"),
        ({"min_delta_pct": 3, "max_delta_pct": 2}, "query.max_delta_pct"),
        ({"min_volume_usd": "5", "max_volume_usd": "4"}, "query.max_volume_usd"),
        ({"min_volume_usd": "abc"}, "query.min_volume_usd"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
        ({"cursor": "ZTox"}, "query.cursor"),  # a cursor of another list ("e:1")
        ({"after_id": 2**63}, "query.after_id"),
    ]
    for query, field in bad:
        response = await env.client.get(f"{API}/alerts", params=query, headers=headers)
        assert response.status_code == 422, (query, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert field in [d["field"] for d in error["details"]], (query, error)
        assert all(d["reason"] for d in error["details"])
    response = await env.client.get(f"{API}/alerts/0", headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "path.alert_id"


async def test_another_users_alert_is_404(env: Env) -> None:
    owner, owner_headers = await member(env)
    _, headers = await member(env)
    (alert,) = await add_alerts(env.sessionmaker, owner, [{}])
    for method, path in (
        ("GET", f"/alerts/{alert}"),
        ("POST", f"/alerts/{alert}/read"),
        ("DELETE", f"/alerts/{alert}"),
        ("GET", f"/alerts/{alert}/candles"),
    ):
        response = await env.client.request(method, f"{API}{path}", headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_found"
    assert (await env.client.get(f"{API}/alerts", headers=headers)).json()["items"] == []
    assert (await env.client.delete(f"{API}/alerts", headers=headers)).json() == {"count": 0}
    read_all = await env.client.post(f"{API}/alerts/read-all", headers=headers)
    assert read_all.json() == {"count": 0}
    mine = (await env.client.get(f"{API}/alerts/{alert}", headers=owner_headers)).json()
    assert mine["id"] == alert and mine["seen"] is False


async def test_read_and_delete(env: Env) -> None:
    user, headers = await member(env)
    ids = await add_alerts(env.sessionmaker, user, [{}] * 5)

    one = await env.client.post(f"{API}/alerts/{ids[0]}/read", headers=headers)
    assert one.status_code == 200
    assert one.json()["seen"] is True and one.json()["read_at"] is not None
    again = await env.client.post(f"{API}/alerts/{ids[0]}/read", headers=headers)
    assert again.json()["read_at"] == one.json()["read_at"]

    upto = await env.client.post(
        f"{API}/alerts/read-all", params={"up_to_id": ids[2]}, headers=headers
    )
    assert upto.json() == {"count": 2}  # ids[1], ids[2]; ids[0] was read already
    unread = await _all_pages(env, headers, {"unread": "true"})
    assert unread == [ids[4], ids[3]]
    assert (await env.client.post(f"{API}/alerts/read-all", headers=headers)).json() == {"count": 2}
    assert await _all_pages(env, headers, {"unread": "true"}) == []

    gone = await env.client.delete(f"{API}/alerts/{ids[0]}", headers=headers)
    assert gone.status_code == 204
    assert (await env.client.get(f"{API}/alerts/{ids[0]}", headers=headers)).status_code == 404
    assert (await env.client.delete(f"{API}/alerts/{ids[0]}", headers=headers)).status_code == 404

    cleared = await env.client.delete(f"{API}/alerts", params={"up_to_id": ids[2]}, headers=headers)
    assert cleared.json() == {"count": 2}
    assert await _all_pages(env, headers, {}) == [ids[4], ids[3]]
    assert (await env.client.delete(f"{API}/alerts", headers=headers)).json() == {"count": 2}
    assert await _all_pages(env, headers, {}) == []


async def test_delivery_states(env: Env) -> None:
    user, headers = await member(env)
    alert, quiet = await add_alerts(env.sessionmaker, user, [{}, {}])
    statuses = ["pending", "claimed", "sending", "sent", "failed", "skipped"]
    for status in statuses:
        await add_delivery(
            env.sessionmaker,
            alert,
            user,
            channel="webhook" if status == "failed" else "telegram",
            status=status,
            error="HTTP 500" if status in ("failed", "sending") else None,
        )
    body = (await env.client.get(f"{API}/alerts/{alert}", headers=headers)).json()
    states = [(d["channel"], d["state"], d["error"]) for d in body["deliveries"]]
    assert states == [
        ("telegram", "pending", None),
        ("telegram", "pending", None),
        ("telegram", "pending", None),  # still retrying: no error shown yet
        ("telegram", "sent", None),
        ("webhook", "failed", "HTTP 500"),
        ("telegram", "skipped", None),
    ]
    page = (await env.client.get(f"{API}/alerts", headers=headers)).json()["items"]
    assert {a["id"]: len(a["deliveries"]) for a in page} == {alert: 6, quiet: 0}
    # deleting the alert deletes its deliveries with it
    assert (await env.client.delete(f"{API}/alerts/{alert}", headers=headers)).status_code == 204


async def test_candles_around_an_alert(env: Env) -> None:
    user, headers = await member(env)
    minute = BASE_MS - BASE_MS % 60_000
    (alert,) = await add_alerts(env.sessionmaker, user, [{"ts_ms": minute + 42_000}])
    await add_rows(
        env.sessionmaker,
        [candle_row(minute + i * 60_000, f"{100 + i}.5") for i in range(-40, 41)]
        + [candle_row(minute, "1", symbol="ETHUSDT")],
    )
    body = (
        await env.client.get(
            f"{API}/alerts/{alert}/candles",
            params={"before_min": 2, "after_min": 3},
            headers=headers,
        )
    ).json()
    assert body["alert_id"] == alert and body["interval_s"] == 60
    assert [c["t"] for c in body["candles"]] == [minute + i * 60_000 for i in range(-2, 4)]
    assert body["candles"][2]["c"] == "100.5"
    default = (await env.client.get(f"{API}/alerts/{alert}/candles", headers=headers)).json()
    assert len(default["candles"]) == 61


def _second(ts_ms: int, price: str, symbol: str = "BTCUSDT") -> SpikeCandle1s:
    p = Decimal(price)
    return SpikeCandle1s(
        exchange="binance", market="spot", symbol=symbol, ts_ms=ts_ms, open=p, high=p + 1,
        low=p - 1, close=p, volume=Decimal("0.001"), quote_volume=Decimal("12345.678901"),
        taker_buy_volume=Decimal("0.0005"), trades=3, complete=ts_ms % 2000 == 0,
    )  # fmt: skip


async def test_an_alert_with_its_stored_seconds_charts_them(env: Env) -> None:
    user, headers = await member(env)
    other, other_headers = await member(env)
    spike = BASE_MS - BASE_MS % 1000
    mine, near = await add_alerts(
        env.sessionmaker, user, [{"ts_ms": spike}, {"ts_ms": spike + 45_000}]
    )
    (theirs,) = await add_alerts(env.sessionmaker, other, [{"ts_ms": spike}])
    minute = spike - spike % 60_000
    await add_rows(
        env.sessionmaker,
        # the stored window (one copy for both users), a second outside it, another symbol
        [_second(spike + i * 1000, f"{100 + i}.25") for i in range(-59, 31) if i != -3]
        + [_second(spike - 60_000, "1"), _second(spike + 31_000, "1")]
        + [_second(spike, "7", symbol="ETHUSDT")]
        + [candle_row(minute + i * 60_000, "100") for i in range(-2, 3)],
    )
    for alert, auth in ((mine, headers), (theirs, other_headers)):
        response = await env.client.get(f"{API}/alerts/{alert}/candles", headers=auth)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["alert_id"], body["interval_s"], body["spike_ts_ms"]) == (alert, 1, spike)
        times = [c["t"] for c in body["candles"]]
        assert times == [spike + i * 1000 for i in range(-59, 31) if i != -3]
        at_spike = body["candles"][58]
        assert at_spike == {
            "t": spike, "o": "100.25", "h": "101.25", "l": "99.25", "c": "100.25",
            "v": "0.001", "qv": "12345.678901", "n": 3, "complete": spike % 2000 == 0,
        }  # fmt: skip
    # an alert whose own second was not stored (before the windows were kept, or purged):
    # 1-minute history, even though a neighbour's window touches its time
    response = await env.client.get(f"{API}/alerts/{near}/candles", headers=headers)
    body = response.json()
    assert (body["interval_s"], body["spike_ts_ms"]) == (60, spike + 45_000)
    assert [c["t"] for c in body["candles"]] == [minute + i * 60_000 for i in range(-2, 3)]
    # another user's alert stays not found, its candles too
    response = await env.client.get(f"{API}/alerts/{theirs}/candles", headers=headers)
    assert response.status_code == 404
