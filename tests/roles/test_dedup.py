"""Alert creation is idempotent across processes: two collectors (or one restarted) that detect
the same spike store one alert and enqueue its deliveries once."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.detection.helpers import candle
from tests.roles.kit import add_user, count, spike_rules
from wickwatch.bus import ALERTS
from wickwatch.bus.memory import MemoryBus
from wickwatch.detection import AlertDraft, Detector, ThresholdGroup, UserSettings
from wickwatch.roles.history import recent_alerts
from wickwatch.roles.persist import AlertWriter
from wickwatch.storage.models import Alert, AlertDelivery


def draft(user_id: int, **changes: object) -> AlertDraft:
    values: dict[str, object] = {
        "user_id": user_id, "exchange": "binance", "market": "futures", "symbol": "BTCUSDT",
        "base": "BTC", "quote": "USDT", "ts_ms": 1_767_225_600_000, "window_s": 2,
        "direction": "up", "delta_pct": 2.5, "wick_pct": 40.0, "volume_usd": 125_000.0,
        "price": 64_000.5, "rule": "group */*/*", "strategy": None,
        "destinations": ("browser", "telegram"), "series_count": 1, "folded_count": 0,
        "chart": False, "template": "{symbol}", "timezone": "UTC",
    }  # fmt: skip
    values.update(changes)
    return AlertDraft(**values)  # type: ignore[arg-type]


async def test_the_same_spike_from_two_collectors_is_one_alert_with_one_set_of_deliveries(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await add_user(sessionmaker, "twice@example.com", spike_rules(), telegram_chat=7)
    bus = MemoryBus()
    try:
        published = bus.subscribe(ALERTS)
        await published.start()
        first, second = AlertWriter(sessionmaker, bus), AlertWriter(sessionmaker, bus)
        spike = draft(user)
        first.put([spike])
        second.put([spike])
        # Both write at once, in their own sessions, like two collector processes.
        assert all(await asyncio.gather(first.flush(30.0), second.flush(30.0)))

        assert await count(sessionmaker, Alert) == 1
        assert await count(sessionmaker, AlertDelivery) == 1
        assert sorted((first.written, second.written)) == [0, 1]
        assert first.duplicates + second.duplicates == 1
        async with asyncio.timeout(5):
            assert (await anext(published)).payload["symbol"] == "BTCUSDT"
        assert published.qsize() == 0  # announced once: only the writer that stored it

        # A restarted collector re-detecting the candles around the restart adds nothing,
        # while a different rule or second is a different alert.
        again = AlertWriter(sessionmaker, bus)
        again.put([spike, draft(user, rule="strategy dump"), draft(user, ts_ms=spike.ts_ms + 1000)])
        assert await again.flush(30.0)
        assert again.written == 2 and again.duplicates == 1
        assert await count(sessionmaker, Alert) == 3
        assert await count(sessionmaker, AlertDelivery) == 3
    finally:
        await bus.close()


async def test_a_restarted_collector_keeps_the_cooldown_of_alerts_already_sent(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    rules = UserSettings(
        thresholds=[ThresholdGroup(min_delta_pct=1.5, min_volume_usd=0.0, window_s=2)],
        cooldown_s=60,
    )
    user = await add_user(sessionmaker, "cool@example.com", rules)
    t0 = 1_767_225_600  # the second of the alert the previous run sent
    writer = AlertWriter(sessionmaker, None)
    writer.put([draft(user, market="spot", ts_ms=t0 * 1000)])
    assert await writer.flush(30.0)

    def run(detector: Detector) -> list[tuple[int, int]]:
        detector.update_user(user, rules)
        found = []
        for c in (
            candle(t0 - 1, 100.0),
            candle(t0, 100.0, 103.0, 100.0, 103.0),  # the spike sent before the restart
            candle(t0 + 1, 103.0),
            candle(t0 + 30, 103.0, 106.0, 103.0, 106.0),  # inside the 60 s cooldown
            candle(t0 + 61, 106.0, 110.0, 106.0, 110.0),  # after it
        ):
            found += [(d.ts_ms // 1000 - t0, d.folded_count) for d in detector.on_candle(c)]
        return found

    assert run(Detector()) == [(0, 0), (61, 1)]  # what a collector with no memory would send
    restarted = Detector()
    restarted.update_user(user, rules)
    assert restarted.remember_sent(await recent_alerts(sessionmaker, (t0 - 120) * 1000)) == 1
    # After the restart the spike of t0 is not sent again, the one inside its cooldown is folded.
    assert run(restarted) == [(61, 1)]
