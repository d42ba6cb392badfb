"""A user's alerts: list (cursor pages, newest first), read, mark read, delete; candles around
one. Another user's alert is "not found", never "forbidden"."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from wickwatch.alerts.repository import AlertFilters, AlertRepository
from wickwatch.alerts.schemas import (
    DELIVERY_STATES,
    SPIKE_WINDOW_AFTER_MS,
    SPIKE_WINDOW_BEFORE_MS,
    Affected,
    AlertCandles,
    AlertPublic,
    AlertsPage,
    DeliveryPublic,
    alert_kind,
)
from wickwatch.api.cursors import decode_cursor, next_cursor
from wickwatch.errors import NotFound
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.service import candle_public
from wickwatch.storage.models import Alert, AlertDelivery, User

log = logging.getLogger(__name__)

CURSOR_KIND = "a"


def delivery_public(delivery: AlertDelivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=delivery.id,
        channel=delivery.channel,
        channel_id=delivery.channel_id,
        destination=delivery.destination,
        state=DELIVERY_STATES.get(delivery.status, "pending"),
        attempts=delivery.attempts,
        sent_at=delivery.sent_at,
        error=delivery.last_error if delivery.status == "failed" else None,
    )


def alert_public(alert: Alert, deliveries: Sequence[AlertDelivery]) -> AlertPublic:
    return AlertPublic(
        id=alert.id,
        kind=alert_kind(alert.kind),
        exchange=alert.exchange,
        market=alert.market,
        symbol=alert.symbol,
        base=alert.base,
        quote=alert.quote,
        ts_ms=alert.ts_ms,
        window_s=alert.window_s,
        direction="down" if alert.direction == "down" else "up",
        delta_pct=alert.delta_pct,
        wick_pct=alert.wick_pct,
        volume_usd=alert.volume_usd,
        price=alert.price,
        rule=alert.rule,
        strategy=alert.strategy,
        series_count=alert.series_count,
        folded_count=alert.folded_count,
        read_at=alert.read_at,
        seen=alert.read_at is not None,
        created_at=alert.created_at,
        deliveries=[delivery_public(d) for d in deliveries],
    )


class AlertService:
    def __init__(self, repository: AlertRepository, markets: MarketRepository, now: datetime):
        self.alerts = repository
        self.markets = markets
        self.now = now

    async def _public(self, user: User, alerts: Sequence[Alert]) -> list[AlertPublic]:
        deliveries = await self.alerts.deliveries(user.id, [a.id for a in alerts])
        return [alert_public(a, deliveries[a.id]) for a in alerts]

    async def page(
        self, user: User, filters: AlertFilters, cursor: str | None, limit: int
    ) -> AlertsPage:
        before = decode_cursor(CURSOR_KIND, cursor) if cursor else None
        rows = await self.alerts.page(user.id, filters, before_id=before, limit=limit + 1)
        return AlertsPage(
            items=await self._public(user, rows[:limit]),
            next_cursor=next_cursor(CURSOR_KIND, [r.id for r in rows], limit),
            limit=limit,
        )

    async def _get(self, user: User, alert_id: int) -> Alert:
        alert = await self.alerts.get(user.id, alert_id)
        if alert is None:
            raise NotFound("no such alert")
        return alert

    async def get(self, user: User, alert_id: int) -> AlertPublic:
        return (await self._public(user, [await self._get(user, alert_id)]))[0]

    async def mark_read(self, user: User, alert_id: int) -> AlertPublic:
        await self._get(user, alert_id)
        await self.alerts.mark_read(user.id, self.now, alert_id=alert_id)
        return await self.get(user, alert_id)

    async def mark_all_read(self, user: User, up_to_id: int | None) -> Affected:
        return Affected(count=await self.alerts.mark_read(user.id, self.now, up_to_id=up_to_id))

    async def delete(self, user: User, alert_id: int) -> None:
        if not await self.alerts.delete(user.id, alert_id=alert_id):
            raise NotFound("no such alert")

    async def clear(self, user: User, up_to_id: int | None) -> Affected:
        count = await self.alerts.delete(user.id, up_to_id=up_to_id)
        log.info("user %d cleared %d alerts", user.id, count)
        return Affected(count=count)

    async def candles(
        self, user: User, alert_id: int, before_min: int, after_min: int
    ) -> AlertCandles:
        """The stored 1-second candles of the alert's window when its own second is among them
        (the collector stored the window), else 1-minute history."""
        alert = await self._get(user, alert_id)
        seconds = await self.alerts.spike_candles(
            alert.exchange,
            alert.market,
            alert.symbol,
            from_ms=alert.ts_ms - SPIKE_WINDOW_BEFORE_MS,
            to_ms=alert.ts_ms + SPIKE_WINDOW_AFTER_MS,
        )
        if any(r.ts_ms == alert.ts_ms for r in seconds):
            return AlertCandles(
                alert_id=alert.id,
                exchange=alert.exchange,
                market=alert.market,
                symbol=alert.symbol,
                interval_s=1,
                spike_ts_ms=alert.ts_ms,
                candles=[candle_public(r) for r in seconds],
            )
        minute = alert.ts_ms - alert.ts_ms % 60_000
        rows = await self.markets.candles(
            alert.exchange,
            alert.market,
            alert.symbol,
            from_ms=minute - before_min * 60_000,
            to_ms=minute + (after_min + 1) * 60_000,
            limit=before_min + after_min + 1,
        )
        return AlertCandles(
            alert_id=alert.id,
            exchange=alert.exchange,
            market=alert.market,
            symbol=alert.symbol,
            interval_s=60,
            spike_ts_ms=alert.ts_ms,
            candles=[candle_public(r) for r in rows],
        )
