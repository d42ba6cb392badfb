"""Housekeeping: what the collector deletes each hour once it is past its retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import role_settings
from tests.seed import candle_row
from wickwatch.roles import collector as collector_module
from wickwatch.roles.collector import Collector
from wickwatch.storage.models import ErrorLogEntry, PriceCandle1m

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
DAY_MS = 86_400_000


def minute(exchange: str, market: str, symbol: str, age_days: float) -> PriceCandle1m:
    ts_ms = NOW_MS - int(age_days * DAY_MS) // 60_000 * 60_000
    return candle_row(ts_ms, "1", exchange=exchange, market=market, symbol=symbol)


async def test_price_history_and_error_log_past_their_retention_are_deleted(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with sessionmaker() as session:
        for symbol in ("BTCUSDT", "DELISTEDUSDT"):
            for age in (40, 31, 29, 0):
                session.add(minute("binance", "spot", symbol, age))
        # a feed this collector does not run (another's, or one taken off WICKWATCH_MARKETS,
        # which no collector would ever purge): past the retention all the same
        session.add(minute("okx", "spot", "BTC-USDT", 40))
        session.add(minute("okx", "spot", "BTC-USDT", 29))
        for age in (15, 5):
            session.add(
                ErrorLogEntry(
                    level="ERROR",
                    logger="t",
                    message=f"{age} days old",
                    created_at=NOW - timedelta(days=age),
                )
            )
        await session.commit()
    settings = role_settings(
        database_url, tmp_path, price_history_retention_days=30, error_log_retention_days=10
    )
    collector = Collector(settings, sessionmaker, None, markets=["binance_spot"])
    await collector.purge(NOW)
    async with sessionmaker() as session:
        P = PriceCandle1m
        kept = (await session.execute(select(P.exchange, P.symbol, P.ts_ms))).all()
        errors = (await session.execute(select(ErrorLogEntry.message))).scalars().all()
    ages = sorted((ex, sym, (NOW_MS - ts) // DAY_MS) for ex, sym, ts in kept)
    assert ages == [
        ("binance", "BTCUSDT", 0),
        ("binance", "BTCUSDT", 29),
        ("binance", "DELISTEDUSDT", 0),
        ("binance", "DELISTEDUSDT", 29),
        ("okx", "BTC-USDT", 29),
    ]
    assert errors == ["5 days old"]


async def test_feeds_keep_reporting_while_a_long_purge_runs(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A purge of a backlog (a lowered retention, a collector off for days) takes long; the
    status of the feeds is still written every interval meanwhile, or every feed of the
    collector would show ``down`` ("stopped reporting") while it collects normally."""
    settings = role_settings(database_url, tmp_path, status_interval_s=0.1)
    collector = Collector(settings, sessionmaker, None, markets=[])
    purging, release = asyncio.Event(), asyncio.Event()

    async def slow_purge(now: datetime | None = None) -> None:
        purging.set()
        await release.wait()

    reports: list[int] = []
    monkeypatch.setattr(collector, "purge", slow_purge)
    monkeypatch.setattr(collector_module, "_FIRST_PURGE_S", 0.0)
    monkeypatch.setattr(collector.stats_writer, "put", lambda rows: reports.append(1))
    await collector.start()
    try:
        await asyncio.wait_for(purging.wait(), 5.0)
        before = len(reports)
        await asyncio.sleep(1.0)
        assert len(reports) >= before + 3  # ~10 intervals of 0.1 s
    finally:
        release.set()
        await collector.stop()
