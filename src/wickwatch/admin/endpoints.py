"""``/api/v1/admin/errors``, ``/admin/exchanges``, ``/admin/status`` (administrators only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from wickwatch.accounts.auth import get_admin_user
from wickwatch.accounts.errors import InvalidInput
from wickwatch.admin.repository import AdminRepository, ErrorFilters
from wickwatch.admin.schemas import (
    Deleted,
    ErrorLogPublic,
    ExchangeStatsAdmin,
    Level,
    SystemStatus,
)
from wickwatch.admin.service import AdminService
from wickwatch.api.cursors import MAX_CURSOR_LENGTH, CursorPage
from wickwatch.api.deps import DbSession, SecurityDep, SettingsDep, object_id
from wickwatch.api.responses import error_responses
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.service import MarketService

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(get_admin_user)],
    responses=error_responses(401, 403, 422, 429),
)

ErrorId = Annotated[int, object_id("Error-log entry id.")]


def get_admin_service(
    session: DbSession, settings: SettingsDep, security: SecurityDep
) -> AdminService:
    return AdminService(AdminRepository(session), settings, security.now())


def get_market_service(
    session: DbSession, settings: SettingsDep, security: SecurityDep
) -> MarketService:
    return MarketService(MarketRepository(session), settings, security.now())


Service = Annotated[AdminService, Depends(get_admin_service)]
Markets = Annotated[MarketService, Depends(get_market_service)]


def _utc(value: datetime | None, field: str) -> datetime | None:
    """Times without a zone are taken as UTC."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable time
        raise InvalidInput(field, "out of range") from None


def error_filters(
    level: Annotated[Level | None, Query(description="Only this level.")] = None,
    logger: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=120,
            description="Only this logger and its children (`wickwatch.notify`).",
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Text in the message or exception."),
    ] = None,
    since: Annotated[
        datetime | None, Query(description="From this time (ISO 8601, inclusive; UTC if bare).")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Before this time (ISO 8601, exclusive).")
    ] = None,
) -> ErrorFilters:
    start, end = _utc(since, "query.since"), _utc(until, "query.until")
    if start is not None and end is not None and end <= start:
        raise InvalidInput("query.until", "must be after since")
    return ErrorFilters(level=level, logger=logger, text=q, since=start, until=end)


@router.get("/errors")
async def list_errors(
    service: Service,
    filters: Annotated[ErrorFilters, Depends(error_filters)],
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page.")] = 100,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the previous page."),
    ] = None,
) -> CursorPage[ErrorLogPublic]:
    """The error log of every process, newest first."""
    return await service.errors(filters, cursor, limit)


@router.delete("/errors")
async def delete_old_errors(
    service: Service,
    before: Annotated[
        datetime, Query(description="Delete entries older than this (ISO 8601; UTC if bare).")
    ],
) -> Deleted:
    """Delete the entries logged before `before`; returns how many."""
    moment = _utc(before, "query.before")
    assert moment is not None
    return await service.delete_errors_before(moment)


@router.delete(
    "/errors/{error_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_error(error_id: ErrorId, service: Service) -> None:
    await service.delete_error(error_id)


@router.get("/exchanges")
async def exchange_stats(service: Service, markets: Markets) -> list[ExchangeStatsAdmin]:
    """Every feed's live statistics (stale reports shown as `down`) and its alerts of the last
    24 hours."""
    return await service.exchanges(await markets.statuses())


@router.get("/status")
async def system_status(request: Request, service: Service, markets: Markets) -> SystemStatus:
    """Version, uptime, database and Redis checks with latency, the delivery outbox by state,
    the processes known to be running, and recent errors."""
    return await service.status(await markets.statuses(), request.app.state)
