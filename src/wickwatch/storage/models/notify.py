"""Delivery bookkeeping shared by every dispatcher: send-rate slots and Telegram link codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
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
