"""Housekeeping: what the collector deletes each hour once it is past its retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import role_settings
from tests.seed import candle_row
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
        # another collector's feed: not this one's to purge
        session.add(minute("okx", "spot", "BTC-USDT", 40))
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
        ("okx", "BTC-USDT", 40),
    ]
    assert errors == ["5 days old"]
