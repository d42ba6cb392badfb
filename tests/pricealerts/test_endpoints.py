"""``/api/v1/price-alerts`` on SQLite and PostgreSQL: CRUD with validation, soft delete and
restore, isolation between users, price history pages and the exact CSV export."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from tests.api.kit import API, Env
from tests.seed import BASE_MS, add_rows, candle_row, member
from wickwatch.storage.models import PriceAlert

URL = f"{API}/price-alerts"


async def _create(env: Env, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await env.client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_resolve_change_and_validate(env: Env) -> None:
    _, headers = await member(env)
    await add_rows(
        env.sessionmaker,
        [candle_row(BASE_MS, "65000.5"), candle_row(BASE_MS + 60_000, "65001.25")],
    )
    btc = await _create(env, headers, coin="btc", min_price="60000", max_price=70000.5)
    assert (btc["coin"], btc["exchange"], btc["market"], btc["symbol"]) == (
        "BTC",
        "binance",
        "spot",
        "BTCUSDT",
    )
    assert (btc["min_price"], btc["max_price"], btc["hysteresis_pct"]) == ("60000", "70000.5", 0.5)
    assert btc["state"] == "inside" and btc["is_enabled"] is True and btc["deleted_at"] is None
    assert (btc["current_price"], btc["current_price_ms"]) == ("65001.25", BASE_MS + 60_000)

    eth = await _create(env, headers, coin="ETH", exchange="okx", market="futures", max_price="5")
    assert eth["symbol"] == "ETH-USDT-SWAP" and eth["min_price"] is None
    assert eth["current_price"] is None
    gate = await _create(env, headers, coin="SOL", exchange="gate", min_price="0.00000001")
    assert gate["symbol"] == "SOL_USDT" and gate["min_price"] == "0.00000001"
    exact = await _create(
        env, headers, coin="PURR", exchange="hyperliquid", symbol="PURR/USDC", max_price="1"
    )
    assert exact["symbol"] == "PURR/USDC"

    invalid: list[tuple[dict[str, Any], str]] = [
        ({"coin": "BTC"}, "body.min_price"),
        ({"coin": "BTC", "min_price": "5", "max_price": "5"}, "body.max_price"),
        ({"coin": "BTC", "min_price": "6", "max_price": "5"}, "body.max_price"),
        ({"coin": "BTC", "min_price": "-1"}, "body.min_price"),
        ({"coin": "BTC", "min_price": "0"}, "body.min_price"),
        ({"coin": "BTC", "max_price": "NaN"}, "body.max_price"),
        ({"coin": "BTC", "max_price": "abc"}, "body.max_price"),
        ({"coin": "BTC", "max_price": "1", "hysteresis_pct": 50.5}, "body.hysteresis_pct"),
        ({"coin": "BTC", "max_price": "1", "hysteresis_pct": -1}, "body.hysteresis_pct"),
        ({"coin": "BTC/USDT", "max_price": "1"}, "body.coin"),
        ({"coin": "", "max_price": "1"}, "body.coin"),
        ({"max_price": "1"}, "body.coin"),
        ({"coin": "BTC", "max_price": "1", "exchange": "kraken"}, "body.exchange"),
        ({"coin": "BTC", "max_price": "1", "market": "options"}, "body.market"),
        ({"coin": "BTC", "max_price": "1", "symbol": "BTC USDT"}, "body.symbol"),
        ({"coin": "BTC", "max_price": "1", "colour": "red"}, "body.colour"),
        ({"coin": "PURR", "max_price": "1", "exchange": "hyperliquid"}, "body.symbol"),
    ]
    for body, field in invalid:
        response = await env.client.post(URL, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        details = response.json()["error"]["details"]
        assert field in [d["field"] for d in details], (body, details)

    one = f"{URL}/{btc['id']}"
    changed = await env.client.patch(one, json={"max_price": "80000"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["min_price"], changed.json()["max_price"]) == ("60000", "80000")
    only_max = await env.client.patch(one, json={"min_price": None}, headers=headers)
    assert only_max.json()["min_price"] is None
    for body, field in (
        ({"max_price": None}, "body.min_price"),  # no bound left
        ({"min_price": "90000"}, "body.min_price"),  # above max: the field sent is named
        ({"coin": None}, "body.coin"),
        ({"hysteresis_pct": 99}, "body.hysteresis_pct"),
        ({"unknown": 1}, "body.unknown"),
    ):
        response = await env.client.patch(one, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert field in [d["field"] for d in response.json()["error"]["details"]]
    moved = await env.client.patch(
        one, json={"exchange": "bybit", "market": "futures", "is_enabled": False}, headers=headers
    )
    assert (moved.json()["symbol"], moved.json()["is_enabled"]) == ("BTCUSDT", False)
    assert moved.json()["exchange"] == "bybit"
    renamed = await env.client.patch(one, json={"coin": "eth"}, headers=headers)
    assert (renamed.json()["coin"], renamed.json()["symbol"]) == ("ETH", "ETHUSDT")

    listed = (await env.client.get(URL, headers=headers)).json()
    assert listed["total"] == 4 and [p["id"] for p in listed["items"]] == [
        btc["id"],
        eth["id"],
        gate["id"],
        exact["id"],
    ]


async def test_a_market_the_feed_does_not_have_is_refused(env: Env) -> None:
    """Binance spot has history, and none of NOSUCHCOINUSDT: such an alert would never fire."""
    _, headers = await member(env)
    await add_rows(env.sessionmaker, [candle_row(BASE_MS, "1.5", symbol="PEPEUSDT")])
    for body, field in (
        ({"coin": "NOSUCHCOIN", "max_price": "1"}, "body.coin"),
        ({"coin": "BTC", "symbol": "BTCUSDX", "max_price": "1"}, "body.symbol"),
    ):
        response = await env.client.post(URL, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert field in [d["field"] for d in response.json()["error"]["details"]]
    pepe = await _create(env, headers, coin="PEPE", max_price="2")
    assert pepe["symbol"] == "PEPEUSDT"
    # a feed without any history yet cannot tell: kept
    await _create(env, headers, coin="NOSUCHCOIN", exchange="gate", max_price="1")
    moved = await env.client.patch(
        f"{URL}/{pepe['id']}", json={"coin": "NOSUCHCOIN"}, headers=headers
    )
    assert moved.status_code == 422 and "body.coin" in moved.text


async def test_a_change_rearms_only_the_crossing_it_undoes(env: Env) -> None:
    _, headers = await member(env)
    await add_rows(
        env.sessionmaker,
        [candle_row(BASE_MS, "101000"), candle_row(BASE_MS, "100500", symbol="BTCFDUSD")],
    )
    band = await _create(
        env, headers, coin="BTC", symbol="BTCFDUSD", min_price="90000", max_price="100000"
    )
    one = f"{URL}/{band['id']}"

    async def crossed(state: str) -> None:
        async with env.sessionmaker() as session:
            await session.execute(
                update(PriceAlert).where(PriceAlert.id == band["id"]).values(state=state)
            )
            await session.commit()

    await crossed("above")
    # the web UI sends the whole form back: the symbol chosen stays, the crossing too
    form = {"coin": "BTC", "exchange": "binance", "market": "spot", "min_price": "85000"}
    kept = (await env.client.patch(one, json=form, headers=headers)).json()
    assert (kept["symbol"], kept["state"], kept["min_price"]) == ("BTCFDUSD", "above", "85000")
    rearmed = (await env.client.patch(one, json={"max_price": "105000"}, headers=headers)).json()
    assert rearmed["state"] == "inside"
    await crossed("below")
    kept = (await env.client.patch(one, json={"max_price": "110000"}, headers=headers)).json()
    assert kept["state"] == "below"
    moved = (await env.client.patch(one, json={"symbol": "BTCUSDT"}, headers=headers)).json()
    assert (moved["symbol"], moved["state"]) == ("BTCUSDT", "inside")


async def test_soft_delete_and_restore(env: Env) -> None:
    _, headers = await member(env)
    first = await _create(env, headers, coin="BTC", max_price="1")
    second = await _create(env, headers, coin="ETH", max_price="1")
    one = f"{URL}/{first['id']}"

    assert (await env.client.delete(one, headers=headers)).status_code == 204
    assert (await env.client.delete(one, headers=headers)).status_code == 204  # already deleted
    live = (await env.client.get(URL, headers=headers)).json()
    assert [p["id"] for p in live["items"]] == [second["id"]] and live["total"] == 1
    deleted = (await env.client.get(f"{URL}/deleted", headers=headers)).json()
    assert [p["id"] for p in deleted["items"]] == [first["id"]]
    assert deleted["items"][0]["deleted_at"] is not None
    both = (await env.client.get(URL, params={"include_deleted": "true"}, headers=headers)).json()
    assert both["total"] == 2
    shown = (await env.client.get(one, headers=headers)).json()
    assert shown["deleted_at"] is not None
    blocked = await env.client.patch(one, json={"max_price": "2"}, headers=headers)
    assert blocked.status_code == 409

    restored = await env.client.post(f"{one}/restore", headers=headers)
    assert restored.status_code == 200, restored.text
    assert restored.json()["deleted_at"] is None and restored.json()["state"] == "inside"
    assert (await env.client.post(f"{one}/restore", headers=headers)).status_code == 409
    assert (await env.client.get(f"{URL}/deleted", headers=headers)).json()["items"] == []
    assert (await env.client.get(URL, headers=headers)).json()["total"] == 2


async def test_another_users_price_alert_is_404(env: Env) -> None:
    _, owner = await member(env)
    _, headers = await member(env)
    mine = await _create(env, owner, coin="BTC", max_price="1")
    deleted = await _create(env, owner, coin="ETH", max_price="1")
    assert (await env.client.delete(f"{URL}/{deleted['id']}", headers=owner)).status_code == 204
    for method, path, body in (
        ("GET", f"/{mine['id']}", None),
        ("PATCH", f"/{mine['id']}", {"max_price": "2"}),
        ("DELETE", f"/{mine['id']}", None),
        ("POST", f"/{deleted['id']}/restore", None),
        ("GET", f"/{mine['id']}/history", None),
        ("GET", f"/{mine['id']}/history.csv", None),
    ):
        response = await env.client.request(method, URL + path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_found"
    assert (await env.client.get(URL, headers=headers)).json()["items"] == []
    assert (await env.client.get(f"{URL}/deleted", headers=headers)).json()["items"] == []
    assert (await env.client.get(f"{URL}/{mine['id']}", headers=owner)).status_code == 200


async def test_history_pages(env: Env) -> None:
    _, headers = await member(env)
    alert = await _create(env, headers, coin="BTC", max_price="1")
    start = BASE_MS - BASE_MS % 60_000
    times = [start + i * 60_000 for i in range(130)]
    await add_rows(
        env.sessionmaker,
        [candle_row(t, f"{i}.5") for i, t in enumerate(times)]
        + [candle_row(start, "9", symbol="ETHUSDT"), candle_row(start, "9", market="futures")],
    )
    history = f"{URL}/{alert['id']}/history"
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        response = await env.client.get(history, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["symbol"], body["interval_s"]) == ("BTCUSDT", 60)
        seen += [c["t"] for c in body["candles"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(times, reverse=True)
    newest = (await env.client.get(history, params={"limit": 1}, headers=headers)).json()
    assert newest["candles"][0] == {
        "t": times[-1],
        "o": "129.5",
        "h": "129.5",
        "l": "129.5",
        "c": "129.5",
        "v": "1",
        "qv": "129.5",
        "n": 1,
        "complete": True,
    }
    window = await env.client.get(
        history,
        params={"from_ms": times[10], "to_ms": times[20], "limit": 4},
        headers=headers,
    )
    assert [c["t"] for c in window.json()["candles"]] == times[16:20][::-1]
    page2 = await env.client.get(
        history,
        params={"from_ms": times[10], "to_ms": times[20], "cursor": window.json()["next_cursor"]},
        headers=headers,
    )
    assert [c["t"] for c in page2.json()["candles"]] == times[10:16][::-1]
    for params, field in (
        ({"limit": 1001}, "query.limit"),
        ({"limit": 0}, "query.limit"),
        ({"cursor": "YTox"}, "query.cursor"),  # an alerts cursor
        ({"from_ms": 5, "to_ms": 5}, "query.to_ms"),
    ):
        response = await env.client.get(history, params=params, headers=headers)
        assert response.status_code == 422, params
        assert field in [d["field"] for d in response.json()["error"]["details"]]


async def test_csv_export_is_exact(env: Env) -> None:
    _, headers = await member(env)
    alert = await _create(
        env, headers, coin="DOGE", exchange="bybit", market="futures", min_price="1"
    )
    start = BASE_MS - BASE_MS % 60_000
    count = 4321  # more than two chunks of 2000
    special = {
        0: {"open": Decimal("0.00000001"), "close": Decimal("1E+3"), "complete": False},
        1: {"volume": Decimal("123456789012.123456789012"), "quote_volume": Decimal("1E-18")},
        2000: {"high": Decimal("99999999999999.99999999"), "trades": 123456},
    }
    rows = [
        candle_row(
            start + i * 60_000,
            f"{i}.{i % 7}0",
            symbol="DOGEUSDT",
            exchange="bybit",
            market="futures",
            **special.get(i, {}),
        )
        for i in range(count)
    ]
    await add_rows(env.sessionmaker, rows)

    def line(row: Any) -> str:
        moment = datetime.fromtimestamp(row.ts_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        values = [row.open, row.high, row.low, row.close, row.volume, row.quote_volume]
        numbers = ",".join(format(v, "f") for v in values)
        complete = "true" if row.complete else "false"
        return f"{moment},{row.ts_ms},{numbers},{row.trades},{complete}\n"

    header = "time_utc,ts_ms,open,high,low,close,volume,quote_volume,trades,complete\n"
    response = await env.client.get(f"{URL}/{alert['id']}/history.csv", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="bybit-futures-DOGEUSDT-1m.csv"' in response.headers["content-disposition"]
    assert response.text == header + "".join(line(r) for r in rows)
    lines = response.text.splitlines()
    assert lines[1].split(",")[2:6] == ["0.00000001", "0.00", "0.00", "1000"]
    assert lines[2].split(",")[6:8] == ["123456789012.123456789012", "0.000000000000000001"]

    ranged = await env.client.get(
        f"{URL}/{alert['id']}/history.csv",
        params={"from_ms": rows[5].ts_ms, "to_ms": rows[8].ts_ms},
        headers=headers,
    )
    assert ranged.text == header + "".join(line(r) for r in rows[5:8])
