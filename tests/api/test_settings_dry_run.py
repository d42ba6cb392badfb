"""``POST /settings/dry-run``: a draft replayed against the stored market spikes through the real
detector — thresholds, cooldown folding, filters, switches, non-USD quotes, the period, the row
cap, and 422 naming the field of an invalid draft."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.kit import API, Env, bearer
from wickwatch.detection import Detector, ThresholdGroup, UserSettings
from wickwatch.market.types import Candle
from wickwatch.storage.models import MarketSpike
from wickwatch.usersettings.dryrun import DryRunRequest, dry_run

HOUR_MS = 3_600_000


def spike(
    ts_ms: int,
    *,
    symbol: str = "BTCUSDT",
    exchange: str = "binance",
    market: str = "spot",
    base: str = "BTC",
    quote: str = "USDT",
    o: float = 100.0,
    h: float | None = None,
    low: float | None = None,
    c: float | None = None,
    quote_volume: float = 50_000.0,
    volume_usd: float | None = None,
) -> dict[str, Any]:
    h = o if h is None else h
    low = o if low is None else low
    close = c if c is not None else (h if h > o else low)
    up, down = h - o, o - low
    return {
        "exchange": exchange,
        "market": market,
        "symbol": symbol,
        "ts_ms": ts_ms,
        "base": base,
        "quote": quote,
        "open": o,
        "high": h,
        "low": low,
        "close": close,
        "volume": quote_volume / close,
        "quote_volume": quote_volume,
        "volume_usd": quote_volume if volume_usd is None else volume_usd,
        "trades": 12,
        "delta_pct": max(up, down) / o * 100.0,
    }


async def seed(env: Env, rows: list[dict[str, Any]]) -> None:
    async with env.sessionmaker() as session:
        session.add_all(MarketSpike(**row) for row in rows)
        await session.commit()


def now_ms(env: Env) -> int:
    return int(env.clock.now.timestamp() * 1000) // 1000 * 1000


def draft(**extra: Any) -> dict[str, Any]:
    document = UserSettings(
        thresholds=[ThresholdGroup(min_delta_pct=1.0, window_s=1)], cooldown_s=600, **extra
    )
    return document.model_dump(mode="json")


async def run(env: Env, auth: dict[str, str], settings: dict[str, Any], **body: Any) -> Any:
    response = await env.client.post(
        f"{API}/settings/dry-run", json={"settings": settings, **body}, headers=auth
    )
    assert response.status_code == 200, response.text
    return response.json()


async def signed_in(env: Env) -> dict[str, str]:
    _, email = await env.create_user()
    return bearer(await env.token(email))


async def test_counts_alerts_folds_repeats_and_lists_the_newest(env: Env) -> None:
    auth = await signed_in(env)
    now = now_ms(env)
    t = now - 5 * HOUR_MS
    await seed(
        env,
        [
            spike(t, h=101.5),  # alert
            spike(t + 60_000, low=98.0),  # same symbol inside the 10-minute cooldown: folded
            spike(t + 3 * HOUR_MS, h=102.0),  # after the cooldown: alert carrying 1 folded
            spike(t + 10_000, symbol="ETHUSDT", base="ETH", market="futures", h=100.5),  # < 1 %
            spike(t + 20_000, symbol="SOLUSDT", base="SOL", market="futures", low=97.0),
            spike(now - 30 * HOUR_MS, h=110.0),  # older than the period
        ],
    )
    result = await run(env, auth, draft(), hours=24)

    assert result["hours"] == 24
    assert result["to_ms"] == int(env.clock.now.timestamp() * 1000)
    assert result["from_ms"] == result["to_ms"] - 24 * HOUR_MS
    assert result["floor_pct"] == pytest.approx(0.3)
    assert result["alerts"] == 3
    assert result["folded"] == 1
    assert result["truncated"] is False
    assert result["by_market"] == [
        {"exchange": "binance", "market": "spot", "alerts": 2},
        {"exchange": "binance", "market": "futures", "alerts": 1},
    ]
    newest, sol, first = result["sample"]
    assert (newest["ts_ms"], newest["symbol"], newest["direction"]) == (
        t + 3 * HOUR_MS,
        "BTCUSDT",
        "up",
    )
    assert newest["delta_pct"] == pytest.approx(2.0)
    assert newest["price"] == pytest.approx(102.0)
    assert newest["volume_usd"] == pytest.approx(50_000.0)
    assert newest["rule"]
    assert (sol["symbol"], sol["direction"], sol["market"]) == ("SOLUSDT", "down", "futures")
    assert sol["delta_pct"] == pytest.approx(3.0)
    assert first["ts_ms"] == t
    assert set(first) == {
        "ts_ms",
        "exchange",
        "market",
        "symbol",
        "direction",
        "delta_pct",
        "wick_pct",
        "volume_usd",
        "price",
        "rule",
    }

    wider = await run(env, auth, draft(), hours=48)
    assert wider["alerts"] == 4  # the 30-hour-old spike too

    # nothing was saved: the stored document is still the defaults
    stored = (await env.client.get(f"{API}/settings", headers=auth)).json()
    assert stored["version"] == 0


async def test_the_drafts_filters_switches_and_volume_apply(env: Env) -> None:
    auth = await signed_in(env)
    t = now_ms(env) - HOUR_MS
    await seed(
        env,
        [
            spike(t, h=102.0),  # BTCUSDT binance spot
            spike(t, symbol="ETHUSDT", base="ETH", exchange="bybit", market="futures", h=102.0),
            # BTC-quoted: 2 BTC of volume, stored as 200,000 USD by the collector
            spike(
                t,
                symbol="ETHBTC",
                base="ETH",
                quote="BTC",
                o=0.05,
                h=0.052,
                quote_volume=2.0,
                volume_usd=200_000.0,
            ),
            spike(t, symbol="DOGEUSDT", base="DOGE", h=102.0, quote_volume=5_000.0),
        ],
    )
    everything = await run(env, auth, draft())
    assert everything["alerts"] == 4

    blacklisted = await run(env, auth, draft(blacklist=["BTC", "DOGEUSDT@binance_spot"]))
    # a coin blacklists its pairs (not pairs quoted in it); a full symbol only itself
    assert sorted(s["symbol"] for s in blacklisted["sample"]) == ["ETHBTC", "ETHUSDT"]

    switched_off = draft()
    switched_off["switches"]["bybit"]["futures"] = False
    assert (await run(env, auth, switched_off))["alerts"] == 3

    # 100,000 USD minimum: the BTC-quoted pair passes through its USD volume (not 2 "dollars"),
    # the small DOGE spike does not
    rich = UserSettings(
        thresholds=[ThresholdGroup(min_delta_pct=1.0, min_volume_usd=100_000.0)]
    ).model_dump(mode="json")
    only_eth_btc = await run(env, auth, rich)
    assert [s["symbol"] for s in only_eth_btc["sample"]] == ["ETHBTC"]
    assert only_eth_btc["sample"][0]["volume_usd"] == pytest.approx(200_000.0)

    down_only = draft(
        strategies=[
            {
                "name": "dumps",
                "conditions": [{"type": "direction", "direction": "down"}],
            }
        ],
        threshold_alerts=False,
    )
    assert (await run(env, auth, down_only))["alerts"] == 0


async def test_matches_the_detector_fed_directly(env: Env) -> None:
    """The endpoint is the detector: the same seconds through a Detector give the same alerts."""
    auth = await signed_in(env)
    t = now_ms(env) - 2 * HOUR_MS
    rows = [
        spike(t + i * 7_000, symbol=s, base=s[:-4], h=100.0 + (i % 5) * 0.6, low=99.8)
        for i in range(60)
        for s in ("BTCUSDT", "XRPUSDT")
    ]
    await seed(env, rows)
    settings = UserSettings(
        thresholds=[ThresholdGroup(min_delta_pct=1.1, window_s=3)], cooldown_s=20
    )
    result = await run(env, auth, settings.model_dump(mode="json"))

    detector = Detector()
    detector.update_user(1, settings)
    drafts = []
    for row in sorted(rows, key=lambda r: r["ts_ms"]):
        drafts.extend(
            detector.on_candle(
                Candle(
                    row["exchange"],
                    row["market"],
                    row["symbol"],
                    row["ts_ms"],
                    row["open"],
                    row["high"],
                    row["low"],
                    row["close"],
                    row["volume"],
                    row["quote_volume"],
                    row["trades"],
                    0.0,
                )
            )
        )
    assert drafts and result["alerts"] == len(drafts)
    assert result["folded"] == sum(d.folded_count for d in drafts) + detector.folded_waiting(1)
    assert result["folded"] > 0
    expected = sorted(drafts, key=lambda d: (-d.ts_ms, d.symbol))[:50]
    assert [(s["ts_ms"], s["symbol"]) for s in result["sample"]] == [
        (d.ts_ms, d.symbol) for d in expected
    ]


async def test_more_rows_than_the_cap_replays_the_newest(env: Env) -> None:
    t = now_ms(env) - HOUR_MS
    await seed(env, [spike(t + i * 1000, h=102.0) for i in range(5)])
    settings = UserSettings(thresholds=[ThresholdGroup(min_delta_pct=1.0)], cooldown_s=0)
    async with env.sessionmaker() as session:
        capped = await dry_run(
            env.app,
            session,
            DryRunRequest(settings=settings, hours=24),
            now_ms=t + HOUR_MS,
            floor_pct=0.3,
            max_rows=3,
        )
        whole = await dry_run(
            env.app,
            session,
            DryRunRequest(settings=settings, hours=24),
            now_ms=t + HOUR_MS,
            floor_pct=0.3,
        )
    assert capped.truncated and capped.alerts == 3 and capped.from_ms == t + 1000 + 1
    assert not whole.truncated and whole.alerts == 5


async def test_an_invalid_draft_is_a_422_naming_the_field(env: Env) -> None:
    auth = await signed_in(env)
    url = f"{API}/settings/dry-run"
    bad = await env.client.post(url, json={"settings": {"cooldown_s": -1}}, headers=auth)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "body.settings.cooldown_s"
    too_long = await env.client.post(url, json={"settings": {}, "hours": 169}, headers=auth)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "body.hours"
    template = await env.client.post(
        url, json={"settings": {"message_template": "{nope}"}}, headers=auth
    )
    assert template.status_code == 422
    assert template.json()["error"]["details"][0]["field"].startswith("body.settings")
    anonymous = await env.client.post(url, json={"settings": {}})
    assert anonymous.status_code == 401


async def test_an_empty_history_is_zero_alerts(env: Env) -> None:
    auth = await signed_in(env)
    result = await run(env, auth, draft(), hours=1)
    assert (result["alerts"], result["folded"], result["by_market"], result["sample"]) == (
        0,
        0,
        [],
        [],
    )


async def test_a_run_that_cannot_start_at_once_is_refused_not_queued(env: Env) -> None:
    """Queued runs would each hold a database connection while waiting: refused with a 429."""
    from wickwatch.usersettings import dryrun

    a_id, a_email = await env.create_user()
    _, b_email = await env.create_user()
    a, b = bearer(await env.token(a_email)), bearer(await env.token(b_email))
    body = {"settings": {}, "hours": 1}
    assert (
        await env.client.post(f"{API}/settings/dry-run", json=body, headers=a)
    ).status_code == 200
    env.app.state.dry_run_users = {a_id}  # a's first run is still going
    busy = await env.client.post(f"{API}/settings/dry-run", json=body, headers=a)
    assert busy.status_code == 429 and int(busy.headers["retry-after"]) >= 1
    assert (
        await env.client.post(f"{API}/settings/dry-run", json=body, headers=b)
    ).status_code == 200
    slots = dryrun._slots(env.app)
    for _ in range(dryrun.CONCURRENT_RUNS):
        await slots.acquire()  # every slot taken by other users' runs
    try:
        full = await env.client.post(f"{API}/settings/dry-run", json=body, headers=b)
        assert full.status_code == 429
    finally:
        for _ in range(dryrun.CONCURRENT_RUNS):
            slots.release()
    assert (
        await env.client.post(f"{API}/settings/dry-run", json=body, headers=b)
    ).status_code == 200
