"""Spike charts from our own stored candles: a real PNG, drawn once per spike and shared, sent by
the real aiogram client as a photo to the Telegram stand-in."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from matplotlib.image import imread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import SERVICE_TOKEN, Draft, World, deliveries, make_dispatcher
from tests.seed import add_rows, candle_row
from wickwatch.notify.charts import PNG_SIGNATURE, SpikeCharts
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.storage.models import Alert, SpikeChart

SPIKE_MS = 1_767_225_600_000 + 37 * 60_000 + 12_000  # 2026-01-01 00:37:12 UTC
TEMPLATE = "<b>{symbol}</b> {delta_formatted} {exchange_market_short}"


def history(exchange: str = "okx", market: str = "spot", symbol: str = "ETHUSDT") -> list[object]:
    """An hour of minutes before the spike, price drifting around 3000."""
    start = SPIKE_MS - SPIKE_MS % 60_000 - 60 * 60_000
    rows = []
    for i in range(60):
        base = Decimal(3000 + (i % 7) - 3)
        rows.append(
            candle_row(
                start + i * 60_000,
                str(base),
                exchange=exchange,
                market=market,
                symbol=symbol,
                open=base,
                close=base + Decimal("1.5") * (1 if i % 2 else -1),
                high=base + 3,
                low=base - 3,
            )
        )
    return rows


def spike(user_id: int, **values: object) -> Draft:
    fields: dict[str, object] = {
        "user_id": user_id,
        "exchange": "okx",
        "market": "spot",
        "symbol": "ETHUSDT",
        "base": "ETH",
        "ts_ms": SPIKE_MS,
        "direction": "up",
        "delta_pct": 6.4,
        "price": Decimal("3190.5"),
        "chart": True,
        "template": TEMPLATE,
    }
    fields.update(values)
    return Draft(**fields)  # type: ignore[arg-type]


def decoded_size(png: bytes) -> tuple[int, int]:
    """(width, height) of the PNG as matplotlib decodes it back."""
    pixels = imread(io.BytesIO(png), format="png")
    return int(pixels.shape[1]), int(pixels.shape[0])


@pytest.fixture
async def telegram(standin: TelegramStandIn) -> AsyncIterator[TelegramNotifier]:
    notifier = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    yield notifier
    await notifier.aclose()


@pytest.fixture
async def charts(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[SpikeCharts]:
    source = SpikeCharts(sessionmaker)
    yield source
    source.close()


async def test_a_chart_is_a_real_png_of_stored_candles(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], charts: SpikeCharts
) -> None:
    await add_rows(sessionmaker, history())
    user = await world.user()
    await world.alerts([spike(user)])
    async with sessionmaker() as session:
        alert = (await session.scalars(select(Alert))).one()

    png = await charts(alert)

    assert png is not None and png.startswith(PNG_SIGNATURE)
    assert decoded_size(png) == (960, 540)
    assert charts.drawn == 1


async def test_one_spike_is_drawn_once_for_every_user_who_gets_it(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
    charts: SpikeCharts,
) -> None:
    await add_rows(sessionmaker, history())
    users = [await world.user() for _ in range(5)]
    for i, user in enumerate(users):
        await world.channel(user, "telegram", {"chat_id": 5000 + i, "bot": "service"})
    await world.alerts([spike(user) for user in users])

    await make_dispatcher(sessionmaker, {"telegram": telegram}, charts=charts).run_once()

    sent = standin.messages()
    assert sorted(c.chat_id for c in sent) == [str(5000 + i) for i in range(5)]
    for call in sent:
        assert call.method == "sendPhoto"
        assert call.parse_mode == "HTML"
        assert call.caption == "<b>ETHUSDT</b> +6.40% OKX-S"
        assert call.photo is not None and call.photo.startswith(PNG_SIGNATURE)
    assert len({c.photo for c in sent}) == 1
    assert charts.drawn == 1
    assert {r.status for r in await deliveries(sessionmaker)} == {"sent"}


async def test_another_dispatcher_reuses_the_stored_chart(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_rows(sessionmaker, history())
    user = await world.user()
    await world.alerts([spike(user)])
    async with sessionmaker() as session:
        alert = (await session.scalars(select(Alert))).one()
    first, second = SpikeCharts(sessionmaker), SpikeCharts(sessionmaker)
    try:
        png = await first(alert)
        again = await second(alert)
    finally:
        first.close()
        second.close()
    assert png is not None and again == png
    assert (first.drawn, second.drawn) == (1, 0)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(SpikeChart)) == 1


async def test_without_stored_history_the_alert_goes_as_text(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
    charts: SpikeCharts,
) -> None:
    await add_rows(sessionmaker, history(symbol="BTCUSDT"))  # another coin's history only
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 77})
    await world.alerts([spike(user)])

    await make_dispatcher(sessionmaker, {"telegram": telegram}, charts=charts).run_once()

    [call] = standin.messages()
    assert call.method == "sendMessage"
    assert call.text == "<b>ETHUSDT</b> +6.40% OKX-S"
    assert charts.drawn == 0
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent"


async def test_the_notifier_role_sends_charts(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], standin: TelegramStandIn
) -> None:
    from wickwatch.config import Settings
    from wickwatch.roles.notifier import NotifierRole

    await add_rows(sessionmaker, history())
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 4242})
    settings = Settings(
        telegram_bot_token=SERVICE_TOKEN,
        telegram_api_url=standin.url,
        delivery_poll_interval_s=0.05,
    )
    role = NotifierRole(settings, sessionmaker, None, bot=False, channels=["telegram"])
    await role.start()
    try:
        await world.alerts([spike(user)])
        role.wake()
        [call] = await standin.wait_for_messages(1, within_s=60)
    finally:
        await role.stop(timeout_s=5)
    assert (call.method, call.chat_id) == ("sendPhoto", "4242")
    assert call.photo is not None and decoded_size(call.photo) == (960, 540)
