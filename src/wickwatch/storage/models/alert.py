"""Fired spike alerts and their outbox of deliveries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wickwatch.storage.models.base import Base, CreatedAtMixin
from wickwatch.storage.types import ExactDecimal, UTCDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")


#: ``alerts.kind`` of a spike that matched a rule or strategy.
SPIKE = "spike"


class Alert(CreatedAtMixin, Base):
    """One spike that matched one user's rule, or a price leaving a user's band (``kind``
    ``above_max`` / ``below_min``: ``price`` is the price that crossed, ``rule`` names the edge)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_user_id_id", "user_id", "id"),
        Index("ix_alerts_user_id_ts_ms", "user_id", "ts_ms"),
        Index("ix_alerts_ts_ms", "ts_ms"),
        #: One alert per user × market × second × rule, whichever collector (or restart of one)
        #: wrote it first: writers insert with ON CONFLICT DO NOTHING on this index.
        Index(
            "ux_alerts_dedup",
            "user_id",
            "exchange",
            "market",
            "symbol",
            "ts_ms",
            "kind",
            "rule",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(
        String(12), nullable=False, default=SPIKE, server_default=SPIKE
    )
    exchange: Mapped[str] = mapped_column(String(16), nullable=False)
    market: Mapped[str] = mapped_column(String(8), nullable=False)
    symbol: Mapped[str] = mapped_column(String(64), nullable=False)
    base: Mapped[str] = mapped_column(String(32), nullable=False)
    quote: Mapped[str] = mapped_column(String(32), nullable=False)
    ts_ms: Mapped[int] = mapped_column(BigInteger, nullable=False)
    window_s: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    direction: Mapped[str] = mapped_column(String(4), nullable=False)
    delta_pct: Mapped[float] = mapped_column(Float, nullable=False)
    wick_pct: Mapped[float] = mapped_column(Float, nullable=False)
    #: None when the quote's USD rate was unknown (no live price of a non-USD quote).
    volume_usd: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    price: Mapped[Decimal] = mapped_column(ExactDecimal(), nullable=False)
    rule: Mapped[str] = mapped_column(String(120), nullable=False)
    strategy: Mapped[str | None] = mapped_column(String(120))
    series_count: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    folded_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The user's message template and timezone when the alert fired (None = locale default),
    #: so every delivery renders the message the user chose at that moment.
    template: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str | None] = mapped_column(String(64))
    chart: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")


class AlertDelivery(CreatedAtMixin, Base):
    """Outbox row: one alert to one channel and recipient, written in the alert's transaction.

    ``idempotency_key`` is unique, so a dispatcher that retries after a crash can never enqueue a
    second row for the same send, and receivers can drop repeats.

    ``status``: ``pending`` (due at ``next_attempt_at``) → ``claimed`` (leased by ``locked_by``
    until ``locked_until``) → ``sending`` (the request may have left) → ``sent``; or ``failed``
    (gave up, ``last_error`` says why) / ``skipped`` (channel gone, paused or muted). See
    :mod:`wickwatch.notify.dispatcher`.
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("ix_alert_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_alert_deliveries_alert_id", "alert_id"),
        Index("ix_alert_deliveries_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    #: The user's configured channel (chat, mailbox, URL and its secret); None once deleted.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    destination: Mapped[str] = mapped_column(String(255), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
