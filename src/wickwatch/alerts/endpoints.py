"""``/api/v1/alerts``: the signed-in user's alerts (others' are 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from wickwatch.accounts.auth import CurrentUser
from wickwatch.accounts.errors import InvalidInput
from wickwatch.alerts.repository import AlertFilters, AlertRepository
from wickwatch.alerts.schemas import Affected, AlertCandles, AlertPublic, AlertsPage
from wickwatch.alerts.service import AlertService
from wickwatch.api.cursors import MAX_CURSOR_LENGTH
from wickwatch.api.deps import MAX_ID, DbSession, SecurityDep, object_id
from wickwatch.api.responses import error_responses
from wickwatch.detection.schemas import Exchange, Market
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.schemas import MAX_MS, SYMBOL_PATTERN

router = APIRouter(prefix="/alerts", tags=["alerts"], responses=error_responses(401, 422, 429))

AlertId = Annotated[int, object_id("Alert id.")]
UpToId = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_ID,
        description="Only alerts with this id or lower (the newest one you have seen), so alerts "
        "that arrive meanwhile are left alone.",
    ),
]


def get_alert_service(session: DbSession, security: SecurityDep) -> AlertService:
    return AlertService(AlertRepository(session), MarketRepository(session), security.now())


Service = Annotated[AlertService, Depends(get_alert_service)]


def alert_filters(
    exchange: Annotated[Exchange | None, Query(description="Only this exchange.")] = None,
    market: Annotated[Market | None, Query(description="Only this market.")] = None,
    symbol: Annotated[
        str | None, Query(pattern=SYMBOL_PATTERN, description="Only this symbol (`BTCUSDT`).")
    ] = None,
    coin: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9]{1,32}$", description="Only this base coin (`BTC`)."),
    ] = None,
    direction: Annotated[Literal["up", "down"] | None, Query(description="Up or down.")] = None,
    strategy: Annotated[
        str | None, Query(min_length=1, max_length=120, description="Only this strategy.")
    ] = None,
    from_ms: Annotated[
        int | None, Query(ge=0, le=MAX_MS, description="Spike time from (epoch ms, inclusive).")
    ] = None,
    to_ms: Annotated[
        int | None, Query(ge=0, le=MAX_MS, description="Spike time until (epoch ms, exclusive).")
    ] = None,
    min_delta_pct: Annotated[
        float | None, Query(ge=0, le=1_000_000, description="Smallest move, percent.")
    ] = None,
    max_delta_pct: Annotated[
        float | None, Query(ge=0, le=1_000_000, description="Largest move, percent.")
    ] = None,
    min_volume_usd: Annotated[
        Decimal | None,
        Query(ge=0, le=10**18, decimal_places=8, description="Smallest USD volume."),
    ] = None,
    max_volume_usd: Annotated[
        Decimal | None,
        Query(ge=0, le=10**18, decimal_places=8, description="Largest USD volume."),
    ] = None,
    unread: Annotated[
        bool | None, Query(description="true: only unread; false: only read.")
    ] = None,
    after_id: Annotated[
        int | None,
        Query(ge=0, le=MAX_ID, description="Only alerts newer than this id (catching up)."),
    ] = None,
) -> AlertFilters:
    if from_ms is not None and to_ms is not None and to_ms <= from_ms:
        raise InvalidInput("query.to_ms", "must be after from_ms")
    if min_delta_pct is not None and max_delta_pct is not None and max_delta_pct < min_delta_pct:
        raise InvalidInput("query.max_delta_pct", "must not be below min_delta_pct")
    if (
        min_volume_usd is not None
        and max_volume_usd is not None
        and max_volume_usd < min_volume_usd
    ):
        raise InvalidInput("query.max_volume_usd", "must not be below min_volume_usd")
    return AlertFilters(
        exchange=exchange,
        market=market,
        symbol=symbol,
        coin=coin.upper() if coin else None,
        direction=direction,
        strategy=strategy,
        from_ms=from_ms,
        to_ms=to_ms,
        min_delta_pct=min_delta_pct,
        max_delta_pct=max_delta_pct,
        min_volume_usd=min_volume_usd,
        max_volume_usd=max_volume_usd,
        unread=unread,
        after_id=after_id,
    )


Filters = Annotated[AlertFilters, Depends(alert_filters)]


@router.get("")
async def list_alerts(
    user: CurrentUser,
    service: Service,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=1000, description="Alerts per page.")] = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the previous page."),
    ] = None,
) -> AlertsPage:
    """Your alerts, newest first, with each channel's delivery state. Pages are stable while new
    alerts arrive: follow `next_cursor` (alerts newer than the first page are fetched with
    `after_id`)."""
    return await service.page(user, filters, cursor, limit)


@router.post("/read-all")
async def mark_all_read(user: CurrentUser, service: Service, up_to_id: UpToId = None) -> Affected:
    """Mark your unread alerts read; returns how many changed."""
    return await service.mark_all_read(user, up_to_id)


@router.delete("")
async def clear_alerts(user: CurrentUser, service: Service, up_to_id: UpToId = None) -> Affected:
    """Delete your alerts (with their delivery records); returns how many."""
    return await service.clear(user, up_to_id)


@router.get("/{alert_id}", responses=error_responses(404))
async def get_alert(alert_id: AlertId, user: CurrentUser, service: Service) -> AlertPublic:
    return await service.get(user, alert_id)


@router.post("/{alert_id}/read", responses=error_responses(404))
async def mark_read(alert_id: AlertId, user: CurrentUser, service: Service) -> AlertPublic:
    """Mark one alert read (no change when it already is)."""
    return await service.mark_read(user, alert_id)


@router.delete(
    "/{alert_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_alert(alert_id: AlertId, user: CurrentUser, service: Service) -> None:
    await service.delete(user, alert_id)


@router.get("/{alert_id}/candles", responses=error_responses(404))
async def alert_candles(
    alert_id: AlertId,
    user: CurrentUser,
    service: Service,
    before_min: Annotated[
        int, Query(ge=0, le=720, description="Minutes before the spike (1-minute history).")
    ] = 30,
    after_min: Annotated[
        int, Query(ge=0, le=720, description="Minutes after the spike (1-minute history).")
    ] = 30,
) -> AlertCandles:
    """The alert's chart: the 1-second candles stored around the spike (`interval_s` 1, from
    59 s before to 30 s after it) while they are kept, else 1-minute candles of the price history
    (`interval_s` 60; `before_min` / `after_min` apply to these only). Oldest first."""
    return await service.candles(user, alert_id, before_min, after_min)
