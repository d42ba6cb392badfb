"""Delivery bookkeeping shared by every dispatcher: send-rate slots, Telegram link codes and
spike charts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from wickwatch.storage.models.base import Base, CreatedAtMixin
from wickwatch.storage.types import UTCDateTime


class NotifyRateSlot(Base):
    """The earliest time (epoch ms) the next message under ``key`` may go out.

    One row per paced key (a Telegram chat, a bot); dispatchers reserve a slot with one atomic
    upsert (``next_ms = max(next_ms, now) + interval``), so pacing holds across processes.
    """

    __tablename__ = "notify_rate_slots"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    next_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)


class TelegramLinkCode(CreatedAtMixin, Base):
    """A one-time code that links a Telegram chat to a user (``/start <code>``); only its
    SHA-256 hash is kept."""

    __tablename__ = "telegram_link_codes"
    __table_args__ = (Index("ix_telegram_link_codes_user_id", "user_id"),)

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))


class SpikeChart(CreatedAtMixin, Base):
    """The PNG chart of one spike, drawn once and shared by every user and dispatcher that
    sends it (:mod:`wickwatch.notify.charts`); rows older than two days are deleted."""

    __tablename__ = "spike_charts"
    __table_args__ = (Index("ix_spike_charts_created_at", "created_at"),)

    exchange: Mapped[str] = mapped_column(String(16), primary_key=True)
    market: Mapped[str] = mapped_column(String(8), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    ts_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
