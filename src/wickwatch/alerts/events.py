"""What roles tell each other about alerts, candles and settings over the bus.

* ``alerts`` (:data:`~wickwatch.bus.ALERTS`): one :func:`alert_event` per committed alert, keyed by
  the alert id; the API's WebSockets forward it to its user (without ``user_id``), the notifier
  takes it as a hint to look at the outbox now.
* ``candles`` (:data:`~wickwatch.bus.CANDLES`): :func:`candle_event` for symbols someone watches.
* :data:`WATCH` — which symbols someone watches: the API publishes :func:`watch_event` while a
  browser shows a live chart; collectors publish candles of those symbols until ``ttl_s`` passes
  without a renewal.
* ``settings`` (:data:`~wickwatch.bus.SETTINGS`): :func:`settings_event` — a user's rules document
  changed (or the user was removed); collectors reload it.
* ``price_alerts`` (:data:`~wickwatch.bus.PRICE_ALERTS`): :func:`price_alerts_event` — a user
  created, changed, deleted or restored a price alert; collectors reload that user's bands.
* ``status`` (:data:`~wickwatch.bus.STATUS`): one feed's status row (``exchange_stats`` columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from wickwatch.alerts.schemas import DELIVERY_STATES
from wickwatch.api.numbers import decimal_text
from wickwatch.market.types import Candle
from wickwatch.storage.models import Alert, AlertDelivery

#: Symbols somebody watches live (API → collectors): ``{"keys": [...], "ttl_s": 30}``.
WATCH = "candles.watch"


def feed_name(exchange: str, market: str) -> str:
    return f"{exchange}_{market}"


def candle_key(exchange: str, market: str, symbol: str) -> str:
    """``binance_futures:BTCUSDT`` — a symbol as the stream's candle topics name it."""
    return f"{exchange}_{market}:{symbol}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def alert_event(alert: Alert, deliveries: Iterable[AlertDelivery] = ()) -> dict[str, Any]:
    """The alert as ``GET /api/v1/alerts`` shows it (:class:`wickwatch.alerts.schemas.
    AlertPublic`: exact decimals as fixed-point text, the outbox deliveries as their state)
    plus ``user_id``."""
    return {
        "id": alert.id,
        "user_id": alert.user_id,
        "kind": alert.kind,
        "exchange": alert.exchange,
        "market": alert.market,
        "symbol": alert.symbol,
        "base": alert.base,
        "quote": alert.quote,
        "ts_ms": alert.ts_ms,
        "window_s": alert.window_s,
        "direction": alert.direction,
        "delta_pct": alert.delta_pct,
        "wick_pct": alert.wick_pct,
        "volume_usd": None if alert.volume_usd is None else decimal_text(alert.volume_usd),
        "price": decimal_text(alert.price),
        "rule": alert.rule,
        "strategy": alert.strategy,
        "series_count": alert.series_count,
        "folded_count": alert.folded_count,
        "read_at": _iso(alert.read_at),
        "seen": alert.read_at is not None,
        "created_at": _iso(alert.created_at),
        "deliveries": [
            {
                "id": d.id,
                "channel": d.channel,
                "channel_id": d.channel_id,
                "destination": d.destination,
                "state": DELIVERY_STATES.get(d.status, "pending"),
                "attempts": d.attempts,
                "sent_at": _iso(d.sent_at),
                "error": d.last_error,
            }
            for d in deliveries
        ],
    }


def public_alert(event: Mapping[str, Any]) -> dict[str, Any]:
    """An :func:`alert_event` as its user sees it (no ``user_id``)."""
    return {k: v for k, v in event.items() if k != "user_id"}


def candle_event(candle: Candle) -> dict[str, Any]:
    """A closed 1-second candle for live charts (``CandlePublic`` plus where it belongs)."""
    return {
        "key": candle_key(candle.exchange, candle.market, candle.symbol),
        "t": candle.ts_ms,
        "o": candle.open,
        "h": candle.high,
        "l": candle.low,
        "c": candle.close,
        "v": candle.volume,
        "complete": candle.complete,
    }


def watch_event(keys: Iterable[str], ttl_s: float) -> dict[str, Any]:
    return {"keys": sorted(set(keys)), "ttl_s": ttl_s}


def settings_event(user_id: int, version: int | None) -> dict[str, Any]:
    """User ``user_id``'s settings are now at ``version`` (None: the user is gone)."""
    return {"user_id": user_id, "version": version}


def price_alerts_event(user_id: int) -> dict[str, Any]:
    """User ``user_id``'s price alerts changed."""
    return {"user_id": user_id}
