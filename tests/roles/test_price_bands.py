"""Price-band alerts end to end: a user's price alert → the collector's candle loop → one
``above_max`` and one ``below_min`` alert (hysteresis: noise around an edge does not repeat a
crossing), the band's state surviving a collector restart, each alert delivered through the
outbox to the Telegram stand-in.

The watched symbol gets its trades from the test (one price per second, stamped now) through the
collector's own candle builder and ticker; the simulated feed only keeps the venue alive."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.detection.helpers import candle
from tests.roles.kit import add_user, count, eventually, quiet_market, role_settings, spike_rules
from wickwatch.bus.memory import MemoryBus
from wickwatch.config import Settings
from wickwatch.detection import Detector, PriceBandMonitor
from wickwatch.market.connectors import FeedConfig
from wickwatch.market.simulators import BinanceSimulator
from wickwatch.market.types import Instrument, Trade
from wickwatch.markets.repository import MarketRepository
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.templates import placeholder_values
from wickwatch.pricealerts.repository import PriceAlertRepository
from wickwatch.pricealerts.schemas import PriceAlertUpdate
from wickwatch.pricealerts.service import PriceAlertService
from wickwatch.roles.collector import Collector
from wickwatch.roles.notifier import NotifierRole
from wickwatch.roles.pricebands import PriceBandDraft, PriceBandSync, save_band_state
from wickwatch.storage.models import Alert, AlertDelivery, PriceAlert, User

CHAT = 5151
SYMBOL = "ZZWWUSDT"  #: not a simulated symbol: only the test trades it
_ids = itertools.count(1)


async def trade_second(collector: Collector, price: float) -> None:
    """One trade at ``price`` in the current second, then wait for the next second."""
    now = time.time_ns() // 1_000_000
    collector.builder.add(
        Trade(
            exchange="binance",
            market="spot",
            symbol=SYMBOL,
            price=price,
            qty=1.0,
            quote_qty=price,
            side="buy",
            ts_ms=now,
            recv_ms=now,
            trade_id=str(next(_ids)),
        )
    )
    await asyncio.sleep(1.0 - (now % 1000) / 1000 + 0.05)


@asynccontextmanager
async def collector_running(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    bus: MemoryBus,
    sim: BinanceSimulator,
    notifier: NotifierRole,
) -> AsyncIterator[Collector]:
    collector = Collector(
        settings,
        sessionmaker,
        bus,
        markets=["binance_spot"],
        endpoints={"binance_spot": sim.endpoints},
        feed_config=FeedConfig(status_window_s=5),
        on_alerts=[notifier.wake],
    )
    await collector.start()
    try:
        assert await collector.wait_live(15.0), "feed did not come up"
        yield collector
    finally:
        await collector.stop()


async def band_state(sessionmaker: async_sessionmaker[AsyncSession], band_id: int) -> str:
    async with sessionmaker() as session:
        row = await session.get(PriceAlert, band_id)
        assert row is not None
        await session.refresh(row)
        return row.state


async def test_band_crossings_fire_once_each_survive_a_restart_and_are_delivered(
    database_url: str, tmp_path: Path, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with AsyncExitStack() as stack:
        standin = await stack.enter_async_context(TelegramStandIn())
        sim = await stack.enter_async_context(BinanceSimulator("spot", quiet_market(seed=5)))
        settings = role_settings(database_url, tmp_path, telegram_api_url=standin.url)
        # Spike rules that ignore the coin: its 10 % moves are band crossings, not spikes here.
        rules = spike_rules(blacklist=["ZZWW"])
        user = await add_user(sessionmaker, "bands@example.com", rules, telegram_chat=CHAT)
        async with sessionmaker() as session:
            band = PriceAlert(
                user_id=user, coin="ZZWW", exchange="binance", market="spot", symbol=SYMBOL,
                min_price=Decimal("90000"), max_price=Decimal("110000"), hysteresis_pct=1.0,
                state="inside", is_enabled=True,
            )  # fmt: skip
            session.add(band)
            await session.commit()
            band_id = band.id
        bus = MemoryBus()
        stack.push_async_callback(bus.close)
        notifier = NotifierRole(settings, sessionmaker, bus, bot=False)
        await notifier.start()
        stack.push_async_callback(notifier.stop)

        async with collector_running(settings, sessionmaker, bus, sim, notifier) as collector:
            assert collector.band_sync.bands.keys() == {band_id}
            for price in (100_000.0, 111_000.0, 109_500.0, 110_500.0):
                await trade_second(collector, price)

            async def fired_above() -> bool:
                return await count(sessionmaker, Alert) == 1

            await eventually(fired_above, what="the above_max alert")
            # 109,500 is inside the band but not 1 % inside: 110,500 is the same crossing.
            await trade_second(collector, 110_200.0)
            assert collector.price_bands.state_of(band_id) == "above"
        assert await band_state(sessionmaker, band_id) == "above"

        # A restarted collector takes the stored state: still above, nothing fires again.
        async with collector_running(settings, sessionmaker, bus, sim, notifier) as collector:
            assert collector.price_bands.state_of(band_id) == "above"
            for price in (110_800.0, 111_500.0, 95_000.0, 89_000.0, 89_500.0, 88_000.0):
                await trade_second(collector, price)

            async def fired_below() -> bool:
                return await count(sessionmaker, Alert) == 2

            await eventually(fired_below, what="the below_min alert")
            assert collector.prices.get("binance", "spot", SYMBOL) is not None
        assert await band_state(sessionmaker, band_id) == "below"

        async with sessionmaker() as session:
            alerts = (await session.scalars(select(Alert).order_by(Alert.ts_ms))).all()
            row = await session.get(PriceAlert, band_id)
            assert row is not None and row.last_triggered_at is not None
        assert [(a.kind, a.direction, a.symbol, a.rule) for a in alerts] == [
            ("above_max", "up", SYMBOL, "max 110000"),
            ("below_min", "down", SYMBOL, "min 90000"),
        ]
        assert [float(a.price) for a in alerts] == [111_000.0, 89_000.0]
        assert alerts[0].volume_usd is None

        sent = await standin.wait_for_messages(2, chat_id=CHAT, within_s=15)
        assert len(sent) == 2
        assert [(m.text or "").split("\n")[0] for m in sent] == [
            f"🔔 <b>{SYMBOL}</b> above your max 110000 · Binance Spot",
            f"🔔 <b>{SYMBOL}</b> below your min 90000 · Binance Spot",
        ]

        async def delivered() -> bool:
            return await count(sessionmaker, AlertDelivery, AlertDelivery.status == "sent") == 2

        await eventually(delivered, timeout_s=15, what="both deliveries marked sent")
        assert await count(sessionmaker, AlertDelivery) == 2


async def _edit_band(
    sessionmaker: async_sessionmaker[AsyncSession], uid: int, band_id: int, edit: PriceAlertUpdate
) -> None:
    """The user's edit through the API's service (what PATCH /price-alerts/{id} does)."""
    async with sessionmaker() as session:
        user = await session.get(User, uid)
        assert user is not None
        service = PriceAlertService(
            PriceAlertRepository(session), MarketRepository(session), datetime.now(UTC)
        )
        await service.update(user, band_id, edit)
        await session.commit()


async def test_editing_the_other_edge_while_a_crossing_is_unwritten_does_not_resend_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The crossing's alert and its state "above" wait in the writer's queue (seconds deep in a
    crowded spike) while the user moves the *min*: the API reads "inside" and keeps it, the
    writer's guarded state update then changes nothing, and the reload took the stored
    "inside": the next candle still above the max sent the same crossing again."""
    uid = await add_user(sessionmaker, "race@example.com")
    async with sessionmaker() as session:
        band = PriceAlert(
            user_id=uid,
            coin="BTC",
            exchange="binance",
            market="spot",
            symbol="BTCUSDT",
            min_price=Decimal("90"),
            max_price=Decimal("110"),
            hysteresis_pct=1.0,
            state="inside",
            is_enabled=True,
            created_at=datetime.now(UTC),
        )
        session.add(band)
        await session.commit()
        band_id = band.id
    monitor = PriceBandMonitor()
    sync = PriceBandSync(monitor, Detector(), sessionmaker, None, markets=["binance_spot"])
    await sync.load_all()
    assert [a.kind for a in monitor.on_candle(candle(1, 111.0))] == ["above_max"]
    [draft] = sync.take()  # queued for the writer
    assert draft.state == "above"
    await _edit_band(sessionmaker, uid, band_id, PriceAlertUpdate(min_price=Decimal("80")))
    async with sessionmaker() as session:
        await save_band_state(session, draft.band, draft.state, fired_at=datetime.now(UTC))
        await session.commit()
    await sync.reload({uid}, periodic=False)  # the API's bus message
    assert monitor.state_of(band_id) == "above"
    assert monitor.on_candle(candle(2, 111.5)) == []
    # Moving the edge it crossed re-arms, as the API does.
    await _edit_band(sessionmaker, uid, band_id, PriceAlertUpdate(max_price=Decimal("111")))
    await sync.reload({uid}, periodic=False)
    assert [a.kind for a in monitor.on_candle(candle(3, 111.5))] == ["above_max"]


async def test_a_hyperliquid_spot_band_alert_names_its_pair(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A band on ``@107`` reads HYPE/USDC, as a spike alert on it does (it read "@107" and
    linked to .../trade/@107/: the base and quote were guessed from the spelling)."""
    uid = await add_user(sessionmaker, "hype@example.com")
    async with sessionmaker() as session:
        session.add(
            PriceAlert(
                user_id=uid,
                coin="HYPE",
                exchange="hyperliquid",
                market="spot",
                symbol="@107",
                max_price=Decimal("50"),
                hysteresis_pct=0.5,
                state="inside",
                is_enabled=True,
                created_at=datetime.now(UTC),
            )
        )
        await session.commit()
    detector = Detector()
    detector.set_instruments(
        [Instrument("hyperliquid", "spot", "@107", "HYPE", "USDC", True, "0.001")]
    )
    monitor = PriceBandMonitor()
    sync = PriceBandSync(monitor, detector, sessionmaker, None, markets=["hyperliquid_spot"])
    await sync.load_all()
    hype = {"symbol": "@107", "exchange": "hyperliquid", "market": "spot"}
    assert [a.kind for a in monitor.on_candle(candle(1, 49.0, 51.0, 49.0, 50.5, **hype))] == [
        "above_max"
    ]
    [draft] = sync.take()
    assert isinstance(draft, PriceBandDraft)
    assert (draft.base, draft.quote) == ("HYPE", "USDC")
    values = placeholder_values(draft)
    assert values["symbol"] == "HYPE/USDC" and "@107" not in values["link"]
