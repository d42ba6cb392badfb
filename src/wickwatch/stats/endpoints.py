"""``/api/v1/stats``: alert statistics (yours, or everyone's de-duplicated per spike)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wickwatch.accounts.auth import CurrentUser
from wickwatch.accounts.errors import InvalidInput
from wickwatch.api.deps import DbSession, SecurityDep
from wickwatch.api.responses import error_responses
from wickwatch.detection.schemas import Exchange, Market
from wickwatch.stats.repository import StatsRepository
from wickwatch.stats.schemas import Scope, StatsResponse
from wickwatch.stats.service import StatsService, zone_or_none
from wickwatch.usersettings.repository import SettingsRepository

router = APIRouter(prefix="/stats", tags=["stats"], responses=error_responses(401, 422, 429))


def get_stats_service(session: DbSession, security: SecurityDep) -> StatsService:
    return StatsService(StatsRepository(session), SettingsRepository(session), security.now())


Service = Annotated[StatsService, Depends(get_stats_service)]


@router.get("")
async def get_stats(
    user: CurrentUser,
    service: Service,
    scope: Annotated[
        Scope, Query(description="`me`: your alerts; `global`: everyone's, one per spike.")
    ] = "me",
    days: Annotated[int, Query(ge=1, le=365, description="Whole local days, today included.")] = 7,
    tz: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="IANA zone to count days in; default the `timezone` of your settings.",
        ),
    ] = None,
    coin: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9]{1,32}$", description="Only this base coin (`BTC`)."),
    ] = None,
    exchange: Annotated[Exchange | None, Query(description="Only this exchange.")] = None,
    market: Annotated[Market | None, Query(description="Only this market.")] = None,
) -> StatsResponse:
    """Counts per day (in your timezone), per exchange and market, up/down, the most frequent
    symbols, the largest moves and volumes, and averages of the last `days` days. Everything is
    aggregated by the database."""
    if tz is not None and zone_or_none(tz) is None:
        raise InvalidInput("query.tz", f"unknown timezone {tz!r}; use an IANA name such as UTC")
    return await service.compute(
        user,
        scope,
        days,
        timezone=tz,
        coin=coin.upper() if coin else None,
        exchange=exchange,
        market=market,
    )
