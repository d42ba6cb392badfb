"""Rows for REST tests: alerts, deliveries, candles, feed status and error-log entries written
straight into the database (the collector and the notifier produce them in production)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.storage.models import (
    Alert,
    AlertDelivery,
    ErrorLogEntry,
    ExchangeStats,
    PriceCandle1m,
)

#: 2026-03-10 12:00:00 UTC
BASE_MS = 1_773_144_000_000

ALERT_DEFAULTS: dict[str, Any] = {
    "exchange": "binance",
    "market": "spot",
    "symbol": "BTCUSDT",
    "base": "BTC",
    "quote": "USDT",
    "ts_ms": BASE_MS,
    "window_s": 1,
    "direction": "up",
    "delta_pct": 1.5,
    "wick_pct": 0.2,
    "volume_usd": Decimal("1000"),
    "price": Decimal("65000.5"),
    "rule": "binance spot USDT",
    "strategy": None,
}


def alert_row(user_id: int, **values: Any) -> Alert:
    return Alert(user_id=user_id, **{**ALERT_DEFAULTS, **values})


async def add_alerts(
    sessions: async_sessionmaker[AsyncSession], user_id: int, specs: Iterable[Mapping[str, Any]]
) -> list[int]:
    """Insert one alert per spec (defaults above), in order; returns their ids. Alerts are
    unique per user × symbol × second × rule, so a repeated spec gets a numbered rule."""
    rows: list[Alert] = []
    seen: dict[tuple[Any, ...], int] = {}
    for spec in specs:
        row = alert_row(user_id, **spec)
        key = (row.exchange, row.market, row.symbol, row.ts_ms, row.rule)
        seen[key] = n = seen.get(key, 0) + 1
        if n > 1:
            row.rule = f"{row.rule} #{n}"
        rows.append(row)
    async with sessions() as session:
        for row in rows:
            session.add(row)
            await session.flush()
        await session.commit()
    return [r.id for r in rows]


async def add_delivery(
    sessions: async_sessionmaker[AsyncSession],
    alert_id: int,
    user_id: int,
    *,
    channel: str = "telegram",
    status: str = "pending",
    error: str | None = None,
    sent_at: datetime | None = None,
) -> int:
    async with sessions() as session:
        row = AlertDelivery(
            alert_id=alert_id,
            user_id=user_id,
            channel=channel,
            channel_id=None,
            destination=f"{channel} destination",
            idempotency_key=uuid.uuid4().hex,
            status=status,
            attempts=1 if status != "pending" else 0,
            last_error=error,
            sent_at=sent_at,
        )
        session.add(row)
        await session.commit()
        return row.id


def candle_row(
    ts_ms: int,
    price_text: str,
    *,
    exchange: str = "binance",
    market: str = "spot",
    symbol: str = "BTCUSDT",
    **values: Any,
) -> PriceCandle1m:
    price = Decimal(price_text)
    fields: dict[str, Any] = {
        "open": price,
        "high": price,
        "low": price,
        "close": price,
        "volume": Decimal("1"),
        "quote_volume": price,
        "trades": 1,
        "complete": True,
    }
    fields.update(values)
    return PriceCandle1m(exchange=exchange, market=market, symbol=symbol, ts_ms=ts_ms, **fields)


async def add_rows(sessions: async_sessionmaker[AsyncSession], rows: Iterable[Any]) -> None:
    async with sessions() as session:
        session.add_all(list(rows))
        await session.commit()


def feed_row(exchange: str, market: str, updated_at: datetime, **values: Any) -> ExchangeStats:
    fields: dict[str, Any] = {
        "status": "up",
        "reason": None,
        "connections_up": 2,
        "connections_total": 2,
        "symbols": 100,
        "reconnects": 0,
        "trades_per_s": 10.0,
        "candles_per_s": 5.0,
        "gaps": 0,
        "malformed_frames": 0,
    }
    fields.update(values)
    return ExchangeStats(exchange=exchange, market=market, updated_at=updated_at, **fields)


def error_row(message: str, *, at: datetime | None = None, **values: Any) -> ErrorLogEntry:
    fields: dict[str, Any] = {"level": "ERROR", "logger": "wickwatch.test", "exception": None}
    fields.update(values)
    return ErrorLogEntry(message=message, created_at=at or datetime.now(UTC), **fields)


async def member(env: Any, role: str = "user") -> tuple[int, dict[str, str]]:
    """A new user of ``env`` (a ``tests.api.kit.Env``) and their bearer headers."""
    from tests.api.kit import bearer

    user_id, email = await env.create_user(role=role)
    return user_id, bearer(await env.token(email))
