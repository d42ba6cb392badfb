"""Price-band alerts, 1-minute price history and the 1-second candles around alerts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wickwatch.storage.models.base import Base, CreatedAtMixin
from wickwatch.storage.types import ExactDecimal, UTCDateTime, utcnow


class PriceAlert(CreatedAtMixin, Base):
    """A coin a user watches with a min/max band; soft-deleted so it can be restored."""

    __tablename__ = "price_alerts"
    __table_args__ = (Index("ix_price_alerts_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    coin: Mapped[str] = mapped_column(String(32), nullable=False)
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    market: Mapped[str] = mapped_column(String(8), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    min_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    max_price: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    hysteresis_pct: Mapped[float] = mapped_column(nullable=False, default=0.5)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="inside")
    is_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    last_triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Last change by the user (the collectors' periodic check compares it; their own state
    #: updates keep it as it was).
    updated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )


class PriceCandle1m(Base):
    """One-minute OHLCV derived from the 1-second candles, kept for price history."""

    __tablename__ = "price_history_1m"

    exchange: Mapped[str] = mapped_column(String(16), primary_key=True)
    market: Mapped[str] = mapped_column(String(8), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    open: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    high: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    low: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    close: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    volume: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    quote_volume: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    trades: Mapped[int] = mapped_column(Integer, nullable=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class SpikeCandle1s(Base):
    """One 1-second candle of the window around an alert: the alert chart's candles.

    The collector stores the closed candles of the 60 seconds up to and including the alert's
    second and of the 30 seconds after it, exactly as its candle builder closed them (every
    field). Keyed by symbol-second, so one spike alerted to many users, and the overlapping
    windows of a symbol's consecutive spikes, are stored once and shared. Kept as long as the
    market spikes (``WICKWATCH_SPIKE_RETENTION_DAYS``); older alerts chart 1-minute history.
    """

    __tablename__ = "spike_candles_1s"
    __table_args__ = (Index("ix_spike_candles_1s_ts_ms", "ts_ms"),)

    exchange: Mapped[str] = mapped_column(String(16), primary_key=True)
    market: Mapped[str] = mapped_column(String(8), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    open: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    high: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    low: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    close: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    volume: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    quote_volume: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    taker_buy_volume: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    trades: Mapped[int] = mapped_column(Integer, nullable=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False)
