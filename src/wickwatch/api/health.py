"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from wickwatch import __version__
from wickwatch.config import Settings
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.service import MarketService
from wickwatch.storage.types import utcnow

router = APIRouter(tags=["health"])

#: How long a readiness check may wait for a dependency (load balancers probe every few seconds).
CHECK_TIMEOUT_S = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive (no dependency is checked)."""
    return {"status": "ok", "version": __version__}


async def _redis_check(url: str) -> str:
    """``ok`` or ``down: <reason>``; a connection of its own, so a probe never waits behind (or
    disturbs) the bus, and the answer is Redis's state now, not the bus's last one."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
    )
    try:
        await client.ping()
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    finally:
        await client.aclose()
    return "ok"


async def _feeds_check(request: Request) -> str:
    """``ok`` when every configured feed is active (its collector reports it up and recently),
    else how many are not, naming them: ``degraded: 2 of 12 feeds not active (okx_spot down:
    status not reported for 41 s, …)``, or ``down: no feed active``."""
    state = request.app.state
    async with state.sessionmaker() as session:
        service = MarketService(MarketRepository(session), state.settings, utcnow())
        statuses = await service.statuses()
    inactive = [s for s in statuses if s.status != "active"]
    if not inactive:
        return "ok"
    if len(inactive) == len(statuses):
        return "down: no feed active"
    named = ", ".join(
        f"{s.exchange}_{s.market} {s.status}" + (f": {s.reason}" if s.reason else "")
        for s in inactive[:4]
    )
    more = ", …" if len(inactive) > 4 else ""
    return f"degraded: {len(inactive)} of {len(statuses)} feeds not active ({named}{more})"


@router.get("/readyz", response_model=None)
async def readyz(request: Request) -> JSONResponse | dict[str, Any]:
    """The process can serve: the database answers (503 naming what is down otherwise).

    Redis, when configured, and the feeds of ``WICKWATCH_MARKETS`` (their collectors' status
    reports) are checked and reported too, but their outage only makes the status ``degraded``
    (200): without Redis the API still answers from the database (live pushes and shared rate
    limits wait for it), without a feed it still serves everything stored, and a load balancer
    must not take every replica out of rotation for a Redis restart or an exchange outage."""
    checks: dict[str, str] = {}
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    settings: Settings = request.app.state.settings
    if settings.redis_url is not None:
        checks["redis"] = await _redis_check(str(settings.redis_url))
    ready = checks["database"] == "ok"
    if ready and settings.markets:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                checks["feeds"] = await _feeds_check(request)
        except Exception as exc:
            checks["feeds"] = f"unknown: {type(exc).__name__}"
    degraded = any(v != "ok" for v in checks.values())
    status = "unavailable" if not ready else "degraded" if degraded else "ready"
    body = {"status": status, "checks": checks}
    return body if ready else JSONResponse(body, status_code=503)
