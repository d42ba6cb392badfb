"""End to end in one process: simulated exchanges → real connectors → candles → detection →
alerts + outbox → dispatcher → the Telegram stand-in; plus what the collector stores on the way
(feed statistics, minute candles) and what it says on the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import add_user, count, eventually, quiet_market, role_settings, spike_rules
from wickwatch.alerts.events import WATCH, watch_event
from wickwatch.bus import ALERTS, CANDLES, SETTINGS, STATUS
from wickwatch.bus.memory import MemoryBus
from wickwatch.config import Settings
from wickwatch.market.connectors import FeedConfig
from wickwatch.market.simulators import BinanceSimulator, ExchangeSimulator, OkxSimulator
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.roles.collector import Collector
from wickwatch.roles.demo import WickInjector
from wickwatch.roles.notifier import NotifierRole
from wickwatch.storage.models import Alert, AlertDelivery, ExchangeStats, PriceCandle1m
from wickwatch.storage.models import UserSettings as UserSettingsRow

CHAT = 4242


@dataclass
class Pipeline:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    bus: MemoryBus
    standin: TelegramStandIn
    sims: dict[str, ExchangeSimulator]
    collector: Collector
    notifier: NotifierRole
    injector: WickInjector


@asynccontextmanager
async def pipeline(
    database_url: str,
    tmp_path: Path,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    users: list[dict[str, Any]],
) -> AsyncIterator[Pipeline]:
    """Two simulated feeds, a collector and a notifier on the (migrated) test database."""
    async with AsyncExitStack() as stack:
        standin = await stack.enter_async_context(TelegramStandIn())
        sims: dict[str, ExchangeSimulator] = {
            "binance_futures": BinanceSimulator("futures", quiet_market(seed=3)),
            "okx_spot": OkxSimulator("spot", quiet_market(seed=4)),
        }
        for sim in sims.values():
            await stack.enter_async_context(sim)
        settings = role_settings(database_url, tmp_path, telegram_api_url=standin.url)
        for user in users:
            await add_user(sessionmaker, **user)
        bus = MemoryBus()
        stack.push_async_callback(bus.close)
        notifier = NotifierRole(settings, sessionmaker, bus, bot=False)
        collector = Collector(
            settings,
            sessionmaker,
            bus,
            markets=list(sims),
            endpoints={name: sim.endpoints for name, sim in sims.items()},
            feed_config=FeedConfig(status_window_s=5),
            on_alerts=[notifier.wake],
            minute_flush_s=0.5,
        )
        await notifier.start()
        stack.push_async_callback(notifier.stop)
        await collector.start()
        stack.push_async_callback(collector.stop)
        assert await collector.wait_live(15.0), "feeds did not come up"
        yield Pipeline(
            settings,
            sessionmaker,
            bus,
            standin,
            sims,
            collector,
            notifier,
            WickInjector(sims, every_s=0, first_s=0, seed=1),
        )


async def test_an_injected_wick_is_stored_delivered_and_published(
    database_url: str, tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    users = [
        {"email": "spiky@example.com", "rules": spike_rules(), "telegram_chat": CHAT},
        {"email": "calm@example.com"},  # default rules: 3 % and 20k USD in 5 s
        {"email": "gone@example.com", "rules": spike_rules(), "active": False},
    ]
    metrics_before = _pipeline_metrics()
    async with pipeline(database_url, tmp_path, sessionmaker, users=users) as p:
        assert p.collector.detector.user_count == 2  # the disabled account is not loaded
        alerts = p.bus.subscribe(ALERTS)
        status = p.bus.subscribe(STATUS)
        await alerts.start()
        await status.start()
        # a few closed seconds of every symbol before the wick (the first, incomplete one
        # out of the rules' 2-second windows)
        await asyncio.sleep(3.0)
        _, symbol = await p.injector.inject("binance_futures")

        async with asyncio.timeout(10):
            message = await anext(alerts)
        event = message.payload
        where = (event["exchange"], event["market"], event["symbol"])
        assert where == ("binance", "futures", symbol)
        assert event["delta_pct"] >= 1.5
        assert message.key == str(event["id"])
        async with p.sessionmaker() as session:  # published only after the commit
            alert = await session.get(Alert, event["id"])
            assert alert is not None
            deliveries = (
                await session.scalars(
                    select(AlertDelivery).where(AlertDelivery.alert_id == alert.id)
                )
            ).all()
        assert [d.channel for d in deliveries] == ["telegram"]  # browser has no outbox row

        sent = await p.standin.wait_for_messages(1, within_s=10)
        assert str(sent[0].chat_id) == str(CHAT)
        assert symbol in sent[0].body  # the text, or the caption of its chart

        async def delivered() -> bool:
            return await count(p.sessionmaker, AlertDelivery, AlertDelivery.status == "sent") == 1

        await eventually(delivered, what="delivery marked sent")
        async with asyncio.timeout(5):
            assert (await anext(status)).payload["exchange"] in ("binance", "okx")

        async def stats_written() -> bool:
            return await count(p.sessionmaker, ExchangeStats, ExchangeStats.status == "up") == 2

        await eventually(stats_written, what="exchange_stats rows")
    # stopped: the feeds are marked down, the open minutes written (incomplete: cut short)
    async with p.sessionmaker() as session:
        rows = (await session.scalars(select(ExchangeStats))).all()
        assert {(r.exchange, r.market, r.status) for r in rows} == {
            ("binance", "futures", "down"),
            ("okx", "spot", "down"),
        }
        assert all(r.trades_per_s > 0 and r.symbols == 4 for r in rows)
        minutes = (await session.scalars(select(PriceCandle1m))).all()
        assert {m.symbol for m in minutes if m.exchange == "binance"} >= {symbol}
        assert all(m.trades > 0 and m.low <= m.open <= m.high for m in minutes)
        assert await count(p.sessionmaker, Alert) == 1  # nobody else matched
    assert p.collector.stats().alerts == 1
    # the process's /metrics saw it: candles detected, one alert recorded, one delivery sent
    grown = {k: v - metrics_before[k] for k, v in _pipeline_metrics().items()}
    assert grown["candles"] >= 8 and grown["batches"] >= 1
    assert (grown["recorded"], grown["sent"], grown["sent_latency"]) == (1, 1, 1)


def _pipeline_metrics() -> dict[str, float]:
    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return {
        "candles": value("wickwatch_detection_candles_total"),
        "batches": value("wickwatch_detection_batch_seconds_count"),
        "recorded": value("wickwatch_alert_record_latency_seconds_count"),
        "sent": value("wickwatch_deliveries_total", channel="telegram", outcome="sent"),
        "sent_latency": value("wickwatch_delivery_latency_seconds_count", channel="telegram"),
    }


async def test_settings_changes_apply_without_restart(
    database_url: str, tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    users = [{"email": "late@example.com", "telegram_chat": CHAT}]
    async with pipeline(database_url, tmp_path, sessionmaker, users=users) as p:
        uid = next(iter(p.collector.sync.versions))
        await asyncio.sleep(1.0)
        await p.injector.inject("okx_spot")
        await asyncio.sleep(2.0)
        assert await count(p.sessionmaker, Alert) == 0  # the defaults want 3 % and 20k USD

        async with p.sessionmaker() as session:
            document = spike_rules().model_dump(mode="json")
            session.add(UserSettingsRow(user_id=uid, document=document, version=1))
            await session.commit()
        await p.bus.publish(SETTINGS, {"user_id": uid, "version": 1})

        async def reloaded() -> bool:
            return p.collector.sync.versions.get(uid) == 1

        await eventually(reloaded, timeout_s=3, what="settings reloaded")
        _, symbol = await p.injector.inject("okx_spot")

        async def alerted() -> bool:
            return await count(p.sessionmaker, Alert, Alert.symbol == symbol) == 1

        await eventually(alerted, what="alert after the settings change")


async def test_watched_symbols_get_live_candles(
    database_url: str, tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with pipeline(database_url, tmp_path, sessionmaker, users=[]) as p:
        candles = p.bus.subscribe(CANDLES)
        await candles.start()
        symbol = p.sims["okx_spot"].symbols()[0]
        await p.bus.publish(WATCH, watch_event([f"okx_spot:{symbol}"], ttl_s=30))
        async with asyncio.timeout(5):
            event = (await anext(candles)).payload
        assert event["key"] == f"okx_spot:{symbol}"
        assert event["l"] <= event["o"] <= event["h"] and event["t"] % 1000 == 0
        seen = {event["key"]}
        for _ in range(2):
            async with asyncio.timeout(3):
                seen.add((await anext(candles)).payload["key"])
        assert seen == {f"okx_spot:{symbol}"}  # only the watched symbol
