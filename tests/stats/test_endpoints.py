"""``/api/v1/stats`` on SQLite and PostgreSQL: the numbers equal a plain Python computation over
the same rows, days are counted in the user's timezone (DST included), and the work is done by
the database (checked on the statements it receives)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from tests.api.kit import API, Env
from tests.seed import add_alerts, member

NOW = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
FEEDS = [("binance", "spot"), ("binance", "futures"), ("bybit", "futures"), ("okx", "spot")]
COINS = ["BTC", "ETH", "SOL", "DOGE", "XRP"]


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def random_specs(rng: random.Random, count: int) -> list[dict[str, Any]]:
    specs = []
    for _ in range(count):
        exchange, market = rng.choice(FEEDS)
        coin = rng.choice(COINS)
        # within the last ~35 days, so some fall outside a 30-day period
        ts = ms(NOW) - rng.randrange(0, 35 * 86_400_000) + rng.randrange(0, 2) * 3_600_000
        specs.append(
            {
                "exchange": exchange,
                "market": market,
                "symbol": f"{coin}USDT",
                "base": coin,
                "ts_ms": ts - ts % 1000,
                "direction": rng.choice(["up", "down"]),
                "delta_pct": round(rng.uniform(0.5, 20), 4),
                "volume_usd": Decimal(rng.randrange(1, 10**9)) / 100,
                "price": Decimal(rng.randrange(1, 10**7)) / 1000,
            }
        )
    return specs


def expected(
    rows: list[dict[str, Any]], zone: ZoneInfo, days: int, *, global_: bool
) -> dict[str, Any]:
    """The statistics, computed the plain way."""
    today = NOW.astimezone(zone).date()
    first = today - timedelta(days=days - 1)

    def day_of(row: dict[str, Any]) -> date:
        return datetime.fromtimestamp(row["ts_ms"] / 1000, zone).date()

    inside = [r for r in rows if first <= day_of(r) <= today]
    if global_:
        spikes: dict[tuple[Any, ...], dict[str, Any]] = {}
        for r in inside:
            key = (r["exchange"], r["market"], r["symbol"], r["ts_ms"], r["direction"])
            if key in spikes:
                spike = spikes[key]
                spike["delta_pct"] = max(spike["delta_pct"], r["delta_pct"])
                spike["volume_usd"] = max(spike["volume_usd"], r["volume_usd"])
            else:
                spikes[key] = {**r, "id": None}
        inside = list(spikes.values())
    per_day: Counter[date] = Counter(day_of(r) for r in inside)
    venues: Counter[tuple[str, str]] = Counter((r["exchange"], r["market"]) for r in inside)
    symbols: Counter[tuple[str, str, str]] = Counter(
        (r["exchange"], r["market"], r["symbol"]) for r in inside
    )
    n = len(inside)
    return {
        "total": n,
        "up": sum(r["direction"] == "up" for r in inside),
        "down": sum(r["direction"] == "down" for r in inside),
        "first_day": first.isoformat(),
        "last_day": today.isoformat(),
        "per_day": [
            {"date": day.isoformat(), "count": per_day[day]}
            for day in (first + timedelta(days=i) for i in range(days))
        ],
        "by_exchange_market": sorted(
            ({"exchange": e, "market": m, "count": c} for (e, m), c in venues.items()),
            key=lambda v: (-v["count"], v["exchange"], v["market"]),
        ),
        "top_symbols": [
            {"exchange": e, "market": m, "symbol": s, "base": s.removesuffix("USDT"), "count": c}
            for (e, m, s), c in sorted(symbols.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
        "top_delta": [
            (r["id"], r["symbol"], r["ts_ms"], r["delta_pct"])
            for r in sorted(inside, key=lambda r: (-r["delta_pct"], -r["ts_ms"]))[:10]
        ],
        "top_volume": [
            (r["id"], r["symbol"], r["ts_ms"], r["volume_usd"])
            for r in sorted(inside, key=lambda r: (-r["volume_usd"], -r["ts_ms"]))[:10]
        ],
        "avg_delta_pct": sum(r["delta_pct"] for r in inside) / n if n else None,
        "avg_volume_usd": float(sum(r["volume_usd"] for r in inside) / n) if n else None,
    }


def check(body: dict[str, Any], want: dict[str, Any]) -> None:
    for key in (
        "total",
        "up",
        "down",
        "first_day",
        "last_day",
        "per_day",
        "by_exchange_market",
        "top_symbols",
    ):
        assert body[key] == want[key], key
    assert [
        (t["alert_id"], t["symbol"], t["ts_ms"], t["delta_pct"]) for t in body["top_delta"]
    ] == want["top_delta"]
    top_volume = [
        (t["alert_id"], t["symbol"], t["ts_ms"], Decimal(t["volume_usd"]))
        for t in body["top_volume"]
    ]
    assert [t[:3] for t in top_volume] == [t[:3] for t in want["top_volume"]]
    for got, wanted in zip(top_volume, want["top_volume"], strict=True):
        assert float(got[3]) == pytest.approx(float(wanted[3]), rel=1e-12)
    for key in ("avg_delta_pct", "avg_volume_usd"):
        if want[key] is None:
            assert body[key] is None
        else:
            assert body[key] == pytest.approx(want[key], rel=1e-9), key


async def test_numbers_equal_a_python_computation(env: Env) -> None:
    env.clock.now = NOW
    rng = random.Random(7)
    a, a_headers = await member(env)
    b, b_headers = await member(env)
    put = await env.client.put(
        f"{API}/settings", json={"timezone": "Asia/Tokyo"}, headers=a_headers
    )
    assert put.status_code == 200, put.text
    a_specs = random_specs(rng, 150)
    b_specs = random_specs(rng, 60)
    # B's rules caught some of the spikes A got (same feed, symbol, second, direction), with
    # other windows: larger or smaller moves and volumes
    for spec in a_specs[:40]:
        b_specs.append(
            {
                **spec,
                "delta_pct": spec["delta_pct"] + rng.choice([-0.25, 0.25]),
                "volume_usd": spec["volume_usd"] * rng.choice([Decimal(2), Decimal("0.5")]),
                "window_s": 5,
            }
        )
    # and A's own second rule caught a few of them again
    a_specs += [{**spec, "rule": "second rule", "delta_pct": 0.1} for spec in a_specs[:5]]
    a_ids = await add_alerts(env.sessionmaker, a, a_specs)
    b_ids = await add_alerts(env.sessionmaker, b, b_specs)
    a_rows = [dict(s, id=i) for s, i in zip(a_specs, a_ids, strict=True)]
    b_rows = [dict(s, id=i) for s, i in zip(b_specs, b_ids, strict=True)]

    for days in (1, 7, 30, 365):
        mine = await env.client.get(f"{API}/stats", params={"days": days}, headers=a_headers)
        assert mine.status_code == 200, mine.text
        assert mine.json()["timezone"] == "Asia/Tokyo"
        check(mine.json(), expected(a_rows, ZoneInfo("Asia/Tokyo"), days, global_=False))
        everyone = await env.client.get(
            f"{API}/stats", params={"days": days, "scope": "global"}, headers=b_headers
        )
        assert everyone.status_code == 200, everyone.text
        body = everyone.json()
        assert body["timezone"] == "UTC"  # B never saved settings
        check(body, expected(a_rows + b_rows, ZoneInfo("UTC"), days, global_=True))
        assert all(t["alert_id"] is None for t in body["top_delta"] + body["top_volume"])

    # filters narrow every number
    filtered = await env.client.get(
        f"{API}/stats",
        params={"days": 30, "coin": "eth", "exchange": "binance", "tz": "America/New_York"},
        headers=a_headers,
    )
    only = [r for r in a_rows if r["base"] == "ETH" and r["exchange"] == "binance"]
    check(filtered.json(), expected(only, ZoneInfo("America/New_York"), 30, global_=False))
    market = await env.client.get(
        f"{API}/stats", params={"days": 30, "market": "futures"}, headers=b_headers
    )
    futures = [r for r in b_rows if r["market"] == "futures"]
    check(market.json(), expected(futures, ZoneInfo("UTC"), 30, global_=False))

    # nothing at all
    _, c_headers = await member(env)
    empty = (await env.client.get(f"{API}/stats", params={"days": 3}, headers=c_headers)).json()
    assert empty["total"] == 0 and empty["avg_delta_pct"] is None
    assert [d["count"] for d in empty["per_day"]] == [0, 0, 0]


async def test_days_are_counted_in_the_users_timezone(env: Env) -> None:
    env.clock.now = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    user, headers = await member(env)
    moments = {
        "22:30 UTC on the 27th: the 28th in Moscow": datetime(2026, 3, 27, 22, 30, tzinfo=UTC),
        "21:00 UTC on the 28th: midnight of the 29th in Moscow": datetime(
            2026, 3, 28, 21, 0, tzinfo=UTC
        ),
        "20:59:59.999 UTC on the 28th: still the 28th in Moscow": datetime(
            2026, 3, 28, 20, 59, 59, 999000, tzinfo=UTC
        ),
        # Berlin: CET (+1) until 01:00 UTC on the 29th, CEST (+2) after
        "23:30 UTC on the 28th: 00:30 CET on the 29th": datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
        "21:59 UTC on the 29th: 23:59 CEST on the 29th": datetime(2026, 3, 29, 21, 59, tzinfo=UTC),
        "22:00 UTC on the 29th: 00:00 CEST on the 30th": datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
    }
    await add_alerts(env.sessionmaker, user, [{"ts_ms": ms(m)} for m in moments.values()])

    async def per_day(**params: Any) -> dict[str, int]:
        response = await env.client.get(f"{API}/stats", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {d["date"]: d["count"] for d in response.json()["per_day"] if d["count"]}

    assert await per_day(days=5) == {"2026-03-27": 1, "2026-03-28": 3, "2026-03-29": 2}
    assert await per_day(days=5, tz="Europe/Moscow") == {
        "2026-03-28": 2,  # 01:30 and 23:59:59.999 MSK
        "2026-03-29": 2,  # 00:00 and 02:30 MSK
        "2026-03-30": 2,  # 00:59 and 01:00 MSK
    }
    assert await per_day(days=5, tz="Europe/Berlin") == {
        "2026-03-27": 1,  # 23:30 CET
        "2026-03-28": 2,  # 22:00 and 21:59:59.999 CET
        "2026-03-29": 2,  # 00:30 CET and 23:59 CEST: a 23-hour day
        "2026-03-30": 1,  # 00:00 CEST
    }
    # the user's saved timezone is the default
    put = await env.client.put(
        f"{API}/settings", json={"timezone": "Europe/Moscow"}, headers=headers
    )
    assert put.status_code == 200, put.text
    body = (await env.client.get(f"{API}/stats", params={"days": 2}, headers=headers)).json()
    assert body["timezone"] == "Europe/Moscow"
    assert (body["first_day"], body["last_day"]) == ("2026-03-29", "2026-03-30")
    assert body["from_ms"] == ms(datetime(2026, 3, 28, 21, 0, tzinfo=UTC))
    assert body["to_ms"] == ms(datetime(2026, 3, 30, 21, 0, tzinfo=UTC))
    assert [d["count"] for d in body["per_day"]] == [2, 2]


@contextmanager
def statements(env: Env) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = env.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_aggregation_happens_in_sql(env: Env) -> None:
    """A Python-side aggregation would have to read the alerts without GROUP BY or LIMIT; every
    statement that reads them must aggregate or be a bounded top-N, and few rows come back."""
    env.clock.now = NOW
    user, headers = await member(env)
    rng = random.Random(3)
    await add_alerts(env.sessionmaker, user, random_specs(rng, 400))
    loaded: list[object] = []

    def on_load(target: object, context: Any) -> None:
        loaded.append(target)

    from wickwatch.storage.models import Alert

    event.listen(Alert, "load", on_load)
    try:
        for scope in ("me", "global"):
            with statements(env) as seen:
                response = await env.client.get(
                    f"{API}/stats", params={"days": 30, "scope": scope}, headers=headers
                )
            assert response.status_code == 200
            assert response.json()["total"] > 100
            reads = [s for s in seen if "FROM alerts" in s]
            assert len(reads) == 5, reads
            for statement in reads:
                outer = statement.split("FROM (", 1)[0] + statement.rsplit(") AS spikes", 1)[-1]
                assert "GROUP BY" in outer or "LIMIT" in outer, statement
    finally:
        event.remove(Alert, "load", on_load)
    assert loaded == [], "statistics must not load alert objects"


async def test_invalid_input(env: Env) -> None:
    _, headers = await member(env)
    for params, field in (
        ({"days": 0}, "query.days"),
        ({"days": 366}, "query.days"),
        ({"days": "week"}, "query.days"),
        ({"scope": "everyone"}, "query.scope"),
        ({"tz": "Mars/Olympus"}, "query.tz"),
        ({"tz": "Europe"}, "query.tz"),  # a directory of the zone database
        ({"coin": "BTC/USDT"}, "query.coin"),
        ({"exchange": "kraken"}, "query.exchange"),
    ):
        response = await env.client.get(f"{API}/stats", params=params, headers=headers)
        assert response.status_code == 422, params
        assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_expected_helper_dedupes() -> None:
    """The reference itself: two users' alerts on one spike count once globally."""
    row = {
        "exchange": "binance",
        "market": "spot",
        "symbol": "BTCUSDT",
        "ts_ms": ms(NOW),
        "direction": "up",
        "delta_pct": 1.0,
        "volume_usd": Decimal(5),
        "id": 1,
    }
    other = {**row, "delta_pct": 2.0, "volume_usd": Decimal(3), "id": 2}
    result = expected([row, other], ZoneInfo("UTC"), 1, global_=True)
    assert result["total"] == 1
    assert result["top_delta"] == [(None, "BTCUSDT", ms(NOW), 2.0)]
    assert result["avg_volume_usd"] == 5.0
