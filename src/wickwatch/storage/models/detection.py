"""Detection state that must survive a restart: the spike history of series conditions."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
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
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    source: Mapped[str] = mapped_column(String(120), nullable=False)  #: the strategy name
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    market: Mapped[str] = mapped_column(String(8), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    ts_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
