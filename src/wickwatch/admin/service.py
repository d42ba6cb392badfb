"""The admin's views: error log (filter, page, delete), feed statistics and system status.

System status answers even when a dependency is down: each check reports ``ok`` with its latency
or the error, so the page shows what is broken instead of failing.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from wickwatch import __version__
from wickwatch.admin.repository import AdminRepository, ErrorFilters
from wickwatch.admin.schemas import (
    DatabaseStatus,
    Deleted,
    ErrorLogPublic,
    ExchangeStatsAdmin,
    OutboxStatus,
    ProcessesStatus,
    RedisStatus,
    SystemStatus,
)
from wickwatch.api.cursors import CursorPage, decode_cursor, next_cursor
from wickwatch.config import Settings
from wickwatch.errors import NotFound
from wickwatch.markets.schemas import MarketStatus
from wickwatch.storage.expressions import dialect_of

#: When this process loaded the API (its uptime is counted from here).
STARTED_AT = datetime.now(UTC)
_STARTED_MONOTONIC = time.monotonic()
CURSOR_KIND = "e"
OUTBOX_STATES = ("pending", "claimed", "sending", "sent", "failed", "skipped")
CHECK_TIMEOUT_S = 2.0


def _problem(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300] if str(exc) else type(exc).__name__


async def check_redis(url: str | None) -> RedisStatus:
    if not url:
        return RedisStatus(configured=False, ok=True)
    import redis.asyncio as redis

    client = redis.Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT_S)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await client.ping()
    except Exception as exc:
        return RedisStatus(configured=True, ok=False, error=_problem(exc))
    finally:
        await client.aclose()
    return RedisStatus(
        configured=True, ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 3)
    )


def roles_in_process(state: Any) -> list[str]:
    """``api`` plus the roles of a :class:`wickwatch.roles.runtime.Roles` on ``app.state.roles``."""
    roles = ["api"]
    running = getattr(state, "roles", None)
    for name in ("collector", "notifier"):
        if running is not None and getattr(running, name, None) is not None:
            roles.append(name)
    return roles


class AdminService:
    def __init__(self, repository: AdminRepository, settings: Settings, now: datetime) -> None:
        self.admin = repository
        self.settings = settings
        self.now = now

    async def errors(
        self, filters: ErrorFilters, cursor: str | None, limit: int
    ) -> CursorPage[ErrorLogPublic]:
        before = decode_cursor(CURSOR_KIND, cursor) if cursor else None
        rows = await self.admin.errors(filters, before_id=before, limit=limit + 1)
        return CursorPage[ErrorLogPublic](
            items=[ErrorLogPublic.model_validate(r) for r in rows[:limit]],
            next_cursor=next_cursor(CURSOR_KIND, [r.id for r in rows], limit),
            limit=limit,
        )

    async def delete_error(self, error_id: int) -> None:
        if not await self.admin.delete_error(error_id):
            raise NotFound("no such error-log entry")

    async def delete_errors_before(self, before: datetime) -> Deleted:
        return Deleted(count=await self.admin.delete_errors_before(before))

    async def exchanges(self, statuses: Sequence[MarketStatus]) -> list[ExchangeStatsAdmin]:
        since = int((self.now - timedelta(hours=24)).timestamp() * 1000)
        alerts = await self.admin.alerts_per_feed_since(since)
        return [
            ExchangeStatsAdmin(**s.model_dump(), alerts_24h=alerts.get((s.exchange, s.market), 0))
            for s in statuses
        ]

    async def database(self) -> DatabaseStatus:
        session = self.admin.session
        backend = dialect_of(session)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await session.execute(text("SELECT 1"))
        except Exception as exc:
            return DatabaseStatus(backend=backend, ok=False, error=_problem(exc))
        latency = round((time.perf_counter() - started) * 1000, 3)
        return DatabaseStatus(backend=backend, ok=True, latency_ms=latency)

    async def status(self, statuses: Sequence[MarketStatus], state: Any) -> SystemStatus:
        database = await self.database()
        counts: dict[str, int] = {}
        oldest = None
        leaseholders: list[str] = []
        errors = 0
        if database.ok:
            found = await self.admin.outbox_counts()
            counts = {s: found.get(s, 0) for s in OUTBOX_STATES}
            counts.update({s: c for s, c in found.items() if s not in counts})
            oldest = await self.admin.oldest_pending()
            leaseholders = await self.admin.leaseholders(self.now)
            errors = await self.admin.count_errors_since(self.now - timedelta(hours=24))
        redis_url = str(self.settings.redis_url) if self.settings.redis_url else None
        return SystemStatus(
            version=__version__,
            environment=self.settings.environment,
            started_at=STARTED_AT,
            uptime_s=round(time.monotonic() - _STARTED_MONOTONIC, 3),
            python=platform.python_version(),
            database=database,
            redis=await check_redis(redis_url),
            outbox=OutboxStatus(by_status=counts, oldest_pending_at=oldest),
            processes=ProcessesStatus(
                api_pid=os.getpid(),
                roles_here=roles_in_process(state),
                dispatchers=leaseholders,
                feeds_reporting=sum(1 for s in statuses if not s.stale and s.updated_at),
                feeds_total=len(statuses),
            ),
            errors_24h=errors,
        )
