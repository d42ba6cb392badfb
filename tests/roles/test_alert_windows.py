"""The 1-second candles around an alert, end to end: simulated exchange → real connector →
candle builder → detector → alert + stored spike window → the alert's chart (API service)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import eventually, spike_rules
from tests.roles.test_pipeline import CHAT, pipeline
from tests.roles.test_spikes import as_candle
from wickwatch.alerts.repository import AlertRepository
from wickwatch.alerts.service import AlertService
from wickwatch.detection import AlertDraft
from wickwatch.market.types import Candle
from wickwatch.markets.repository import MarketRepository
from wickwatch.roles.collector import Collector
from wickwatch.storage.models import Alert, SpikeCandle1s, User
from wickwatch.storage.types import utcnow

AFTER_MS = 4000  #: the after-part of the window in this test (30 s in production)


async def test_an_alert_chart_has_the_builders_seconds_before_and_after_the_spike(
    database_url: str,
    tmp_path: Path,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[Candle] = []  # every candle the builder closed, as the candle loop got it
    handle = Collector._handle

    def tap(
        self: Collector, candles: list[Candle], detected: list[AlertDraft] | None = None
    ) -> None:
        closed.extend(candles)
        handle(self, candles, detected)

    monkeypatch.setattr(Collector, "_handle", tap)
    users = [  # two users whose rules match the same spike
        {"email": "first@example.com", "rules": spike_rules(), "telegram_chat": CHAT},
        {"email": "second@example.com", "rules": spike_rules()},
    ]
    async with pipeline(database_url, tmp_path, sessionmaker, users=users) as p:
        spikes = p.collector.spike_writer
        spikes.window_after_ms = AFTER_MS
        await asyncio.sleep(4.0)  # seconds of the symbol before the wick
        _, symbol = await p.injector.inject("binance_futures")

        async def both_alerted() -> bool:
            async with p.sessionmaker() as session:
                rows = (await session.scalars(select(Alert).where(Alert.symbol == symbol))).all()
            return len(rows) == 2

        await eventually(both_alerted, what="both users' alerts")

        async def window_stored() -> bool:
            return spikes.open_windows == 0 and not spikes.window_queue

        await eventually(window_stored, timeout_s=AFTER_MS / 1000 + 5, what="window stored")

        async with p.sessionmaker() as session:
            alerts = (await session.scalars(select(Alert).order_by(Alert.user_id))).all()
            rows = (
                await session.scalars(select(SpikeCandle1s).order_by(SpikeCandle1s.ts_ms))
            ).all()
        spike = alerts[0].ts_ms
        assert {(a.symbol, a.ts_ms) for a in alerts} == {(symbol, spike)}
        expected = [
            c
            for c in closed
            if (c.exchange, c.market, c.symbol) == ("binance", "futures", symbol)
            and spike - 59_000 <= c.ts_ms <= spike + AFTER_MS
        ]
        assert sum(c.ts_ms < spike for c in expected) >= 2  # seconds before the spike
        assert sum(c.ts_ms > spike for c in expected) >= 2  # and after it
        # one copy, shared by both users' alerts, equal to the builder's candles in every field
        assert [as_candle(r) for r in rows] == expected

        async with p.sessionmaker() as session:
            service = AlertService(AlertRepository(session), MarketRepository(session), utcnow())
            charts = []
            for alert in alerts:
                user = await session.get(User, alert.user_id)
                assert user is not None
                charts.append(await service.candles(user, alert.id, 30, 30))
        for chart in charts:
            assert (chart.interval_s, chart.spike_ts_ms, chart.symbol) == (1, spike, symbol)
            assert [(c.t, float(c.h), float(c.l), c.n) for c in chart.candles] == [
                (c.ts_ms, c.high, c.low, c.trades) for c in expected
            ]
        wick = next(c for c in expected if c.ts_ms == spike)
        assert (wick.high - wick.low) / wick.low >= 0.015  # the injected wick is that second
