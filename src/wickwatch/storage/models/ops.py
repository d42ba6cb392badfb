"""Operational records: the error log and per-feed statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wickwatch.storage.models.base import Base, CreatedAtMixin
from wickwatch.storage.types import UTCDateTime, utcnow


class ErrorLogEntry(CreatedAtMixin, Base):
    """A log record at ERROR or above (or marked for it), for the admin's error log."""

    __tablename__ = "error_log"
    __table_args__ = (Index("ix_error_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    logger: Mapped[str] = mapped_column(String(120), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    exception: Mapped[str | None] = mapped_column(Text)
    process: Mapped[str | None] = mapped_column(String(64))
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ExchangeStats(Base):
    """Live status of one exchange × market feed, overwritten every few seconds."""

    __tablename__ = "exchange_stats"

    exchange: Mapped[str] = mapped_column(String(16), primary_key=True)
    market: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="down")
    reason: Mapped[str | None] = mapped_column(Text)
    connections_up: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    connections_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    symbols: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reconnects: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trades_per_s: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    candles_per_s: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    lag_p50_ms: Mapped[float | None] = mapped_column(Float)
    lag_p99_ms: Mapped[float | None] = mapped_column(Float)
    last_trade_ms: Mapped[int | None] = mapped_column(BigInteger)
    gaps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    malformed_frames: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
