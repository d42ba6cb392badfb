"""Detection state that must survive a restart: the spike history of series conditions, and
the market-wide spike candidates the settings dry run replays."""

from __future__ import annotations

from sqlalchemy import BigInteger, Double, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wickwatch.storage.models.base import Base


class SpikeRecord(Base):
    """One de-duplicated spike of a strategy with a series condition ("3 dumps in 1 h").

    Written in the transaction of the alerts of the same detection batch; read back when a
    collector starts, so series counts continue across restarts. Rows older than the longest
    series period (7 days) are deleted.
    """

    __tablename__ = "spike_history"
    __table_args__ = (
        Index("ix_spike_history_ts_ms", "ts_ms"),
        Index("ix_spike_history_user_id", "user_id"),
        # one record per spike: a batch written again after a crash (the collector's journal
        # replays what it cannot know was committed) must not count twice in a series
        Index(
            "ux_spike_history_key",
            "user_id",
            "source",
            "exchange",
            "market",
            "symbol",
            "ts_ms",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    source: Mapped[str] = mapped_column(String(120), nullable=False)  #: the strategy name
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    market: Mapped[str] = mapped_column(String(8), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    ts_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class MarketSpike(Base):
    """One closed, complete 1-second candle that moved at least ``WICKWATCH_SPIKE_FLOOR_PCT``
    (its own delta), market-wide and for no user in particular.

    Written by the collectors (in batches, off the candle loop) so that the settings dry run can
    replay a draft document against the last days through the real detector; kept
    ``WICKWATCH_SPIKE_RETENTION_DAYS``. Prices and volumes are the floats the detector works on;
    ``volume_usd`` is the quote volume at the USD rate the collector knew then (None: unknown).
    """

    __tablename__ = "market_spikes"
    __table_args__ = (Index("ix_market_spikes_ts_ms", "ts_ms"),)

    exchange: Mapped[str] = mapped_column(String(16), primary_key=True)
    market: Mapped[str] = mapped_column(String(8), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    base: Mapped[str] = mapped_column(String(64), nullable=False)
    quote: Mapped[str] = mapped_column(String(16), nullable=False)
    open: Mapped[float] = mapped_column(Double, nullable=False)
    high: Mapped[float] = mapped_column(Double, nullable=False)
    low: Mapped[float] = mapped_column(Double, nullable=False)
    close: Mapped[float] = mapped_column(Double, nullable=False)
    volume: Mapped[float] = mapped_column(Double, nullable=False)
    quote_volume: Mapped[float] = mapped_column(Double, nullable=False)
    volume_usd: Mapped[float | None] = mapped_column(Double, nullable=True)
    trades: Mapped[int] = mapped_column(Integer, nullable=False)
    delta_pct: Mapped[float] = mapped_column(Double, nullable=False)  #: the candle's own
