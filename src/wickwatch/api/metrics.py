"""Prometheus metrics of the HTTP API and the ``/metrics`` endpoint.

Metrics live in the process-wide default registry, so every domain's own metrics appear on the
same page (detection and delivery: :mod:`wickwatch.ops.metrics`); each scrape adds the whole
deployment's feed status and outbox depth, read from the database.

Routes are labelled by their template (``/api/v1/admin/users/{user_id}``), never the
raw path, so the number of series stays bounded.

``/metrics`` answers only with ``Authorization: Bearer <WICKWATCH_METRICS_TOKEN>`` when that is
set, otherwise only to loopback clients.
"""

from __future__ import annotations

import ipaddress
import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram

from wickwatch.accounts.errors import Forbidden, Unauthorized
from wickwatch.accounts.tokens import same_token
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.service import MarketService
from wickwatch.ops.metrics import database_metrics, exposition
from wickwatch.storage.types import utcnow

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "wickwatch_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "wickwatch_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_IN_PROGRESS = Gauge("wickwatch_http_requests_in_progress", "HTTP requests being answered.")

router = APIRouter(tags=["ops"])


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/metrics", include_in_schema=False, name="metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text exposition of every metric of this process."""
    token = request.app.state.settings.metrics_token
    if token is not None and token.get_secret_value():
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_token(presented, token.get_secret_value()):
            raise Unauthorized("metrics need the metrics token")
    elif not _loopback(request.client.host if request.client else None):
        raise Forbidden("metrics are served to loopback clients only")
    return Response(exposition(*await _deployment(request)), media_type=CONTENT_TYPE_LATEST)


async def _deployment(request: Request) -> list[CollectorRegistry]:
    """The feeds' status and the outbox depth from the database; nothing when it is away (the
    process's own metrics are still served)."""
    state = request.app.state
    try:
        async with state.sessionmaker() as session:
            service = MarketService(MarketRepository(session), state.settings, utcnow())
            return [await database_metrics(session, await service.statuses())]
    except Exception as exc:
        log.warning("metrics: feed status and outbox depth unavailable: %s", exc)
        return []
