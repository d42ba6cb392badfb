"""Spike charts from the collector's stored 1-second window of the spike (and 1-minute history
when the spike's own second is not stored)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import World
from tests.notify.test_charts import SPIKE_MS, charts, decoded_size, history, spike
from tests.seed import add_rows
from wickwatch.notify.charts import PNG_SIGNATURE, SpikeCharts
from wickwatch.storage.models import Alert, SpikeCandle1s

__all__ = ["charts"]  # the fixture

SPIKE_S = SPIKE_MS - SPIKE_MS % 1000


def seconds_around(spike_ms: int) -> list[SpikeCandle1s]:
    """A stored window: a quiet minute, the spike second (the wick to 3190.5), 5 s after it."""
    rows = []
    for i in range(-59, 6):
        base = Decimal(3100 + i % 3)
        rows.append(
            SpikeCandle1s(
                exchange="okx",
                market="spot",
                symbol="ETHUSDT",
                ts_ms=spike_ms + i * 1000,
                open=base,
                high=Decimal("3190.5") if i == 0 else base + 1,
                low=base - 1,
                close=base,
                volume=Decimal(1),
                quote_volume=base,
                taker_buy_volume=Decimal("0.5"),
                trades=2,
                complete=True,
            )
        )
    return rows


async def test_a_spike_with_its_stored_seconds_is_drawn_from_them(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], charts: SpikeCharts
) -> None:
    await add_rows(sessionmaker, [*history(), *seconds_around(SPIKE_S)])
    user = await world.user()
    await world.alerts([spike(user, ts_ms=SPIKE_S)])
    async with sessionmaker() as session:
        alert = (await session.scalars(select(Alert))).one()

    bars, interval_ms = await charts.bars(alert)
    assert interval_ms == 1000
    assert [b.ts_ms for b in bars] == [SPIKE_S + i * 1000 for i in range(-59, 6)]
    assert max(b.high for b in bars) == 3190.5
    png = await charts(alert)
    assert png is not None and png.startswith(PNG_SIGNATURE)
    assert decoded_size(png) == (960, 540)
    assert charts.drawn == 1


async def test_a_spike_whose_own_second_is_not_stored_is_drawn_from_the_minutes(
    sessionmaker: async_sessionmaker[AsyncSession], charts: SpikeCharts
) -> None:
    # another spike's window 10 s earlier reaches past this one's time, but not its second
    await add_rows(sessionmaker, [*history(), *seconds_around(SPIKE_S - 10_000)])
    bars, interval_ms = await charts.bars(spike(0, ts_ms=SPIKE_S))
    assert interval_ms == 60_000
    assert len(bars) == 60 and all(b.ts_ms % 60_000 == 0 for b in bars)
