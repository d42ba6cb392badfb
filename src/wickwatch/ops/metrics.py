"""Prometheus metrics of the roles: detection, alert recording and delivery.

They live in the process-wide default registry, observed where the work happens (the collector's
candle loop and alert writer, the notifier's dispatcher), so a process serves its own on
``/metrics``: the API's route when the API runs in the process (``wickwatch all``, the demo),
otherwise prometheus-client's own server (:class:`MetricsServer`, ``WICKWATCH_METRICS_PORT``).

The feeds' status and the outbox depth are not here: they are the whole deployment's, read from
the database when the API's ``/metrics`` is scraped (:func:`database_metrics`), so every API
replica reports the same figures whichever collector or notifier produced them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

DETECTION_BATCH_SECONDS = Histogram(
    "wickwatch_detection_batch_seconds",
    "Time to run one batch of closed 1-second candles (a venue × second slice) through every "
    "user's rules.",
    buckets=_LATENCY_BUCKETS,
)
DETECTION_CANDLES = Counter(
    "wickwatch_detection_candles_total", "Closed 1-second candles run through detection."
)
ALERT_RECORD_SECONDS = Histogram(
    "wickwatch_alert_record_latency_seconds",
    "From the end of an alert's second (exchange time; spikes) or the candle that crossed a "
    "price band, to the commit of the alert with its outbox rows.",
    buckets=(0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0),
)
DELIVERY_SECONDS = Histogram(
    "wickwatch_delivery_latency_seconds",
    "From the alert's commit to its delivery recorded as sent, by channel.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
)
DELIVERIES = Counter(
    "wickwatch_deliveries_total",
    "Delivery attempts settled, by channel and outcome (sent, retry, failed).",
    ["channel", "outcome"],
)

#: Delivery states that are still to do (the outbox depth); the others are final.
QUEUED_STATES = ("pending", "claimed", "sending")

_FEED_STATES = ("active", "degraded", "down")


class _Families(Collector):
    """A collector that yields metric families computed beforehand (per scrape)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def _feed_families(statuses: Iterable[Any]) -> list[Metric]:
    """Gauges of every feed's last status report (``MarketStatus`` objects)."""
    labels = ["exchange", "market"]
    state = GaugeMetricFamily(
        "wickwatch_feed_state",
        "1 for the feed's current state (active, degraded, down; down also when its "
        "collector stopped reporting).",
        labels=[*labels, "state"],
    )
    gauges = {
        name: GaugeMetricFamily(f"wickwatch_feed_{name}", text, labels=labels)
        for name, text in (
            ("trades_per_second", "Trades per second over the last minute."),
            ("candles_per_second", "1-second candles closed per second over the last minute."),
            ("connections_up", "WebSocket connections open."),
            ("connections", "WebSocket connections the feed needs."),
            ("symbols", "Symbols subscribed."),
            ("reconnects", "Reconnects since the collector started."),
            ("gaps", "Gaps that could not be backfilled since the collector started."),
            ("malformed_frames", "Malformed frames since the collector started."),
            ("last_trade_timestamp_seconds", "Exchange time of the newest trade."),
            ("status_age_seconds", "Age of the feed's last status report."),
        )
    }
    lag = GaugeMetricFamily(
        "wickwatch_feed_lag_seconds",
        "Receive time minus exchange time of trades over the last minute, by quantile.",
        labels=[*labels, "quantile"],
    )
    for s in statuses:
        key = [s.exchange, s.market]
        for name in _FEED_STATES:
            state.add_metric([*key, name], 1.0 if s.status == name else 0.0)
        values = {
            "trades_per_second": s.trades_per_s,
            "candles_per_second": s.candles_per_s,
            "connections_up": s.connections_up,
            "connections": s.connections_total,
            "symbols": s.symbols,
            "reconnects": s.reconnects,
            "gaps": s.gaps,
            "malformed_frames": s.malformed_frames,
            "last_trade_timestamp_seconds": (
                s.last_trade_ms / 1000 if s.last_trade_ms is not None else None
            ),
            "status_age_seconds": s.age_s,
        }
        for name, value in values.items():
            if value is not None:
                gauges[name].add_metric(key, float(value))
        for quantile, value in (("0.5", s.lag_p50_ms), ("0.99", s.lag_p99_ms)):
            if value is not None:
                lag.add_metric([*key, quantile], value / 1000)
    return [state, *gauges.values(), lag]


async def _queue_family(session: AsyncSession) -> Metric:
    from wickwatch.storage.models import AlertDelivery

    result = await session.execute(
        select(AlertDelivery.channel, AlertDelivery.status, func.count())
        .where(AlertDelivery.status.in_(QUEUED_STATES))
        .group_by(AlertDelivery.channel, AlertDelivery.status)
    )
    depth = GaugeMetricFamily(
        "wickwatch_delivery_queue_depth",
        "Deliveries in the outbox not yet sent or given up, by channel and state.",
        labels=["channel", "state"],
    )
    for channel, status, count in result.all():
        depth.add_metric([str(channel), str(status)], float(count))
    return depth


async def database_metrics(session: AsyncSession, statuses: Iterable[Any]) -> CollectorRegistry:
    """The deployment-wide figures of one scrape: feed status gauges and the outbox depth."""
    families = _feed_families(statuses)
    families.append(await _queue_family(session))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    return registry


def exposition(*registries: CollectorRegistry) -> bytes:
    """The Prometheus text of this process's registry followed by ``registries``."""
    return b"".join(generate_latest(r) for r in (REGISTRY, *registries))


# --- a /metrics endpoint for processes without the API ----------------------------------------


class MetricsServer:
    """prometheus-client's own HTTP server (a daemon thread) for this process's registry: what
    a collector or notifier process serves at ``WICKWATCH_METRICS_PORT``. Only bind it to an
    address that the scraper alone reaches: it has no authentication."""

    def __init__(self, host: str, port: int) -> None:
        self.server, self.thread = start_http_server(port, addr=host)
        self.host = host
        self.port = int(self.server.server_port)
        log.info("metrics on http://%s:%d/metrics", host, self.port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5.0)
