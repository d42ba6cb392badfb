"""``/api/v1/price-alerts``: the signed-in user's price bands (others' are 404) and the price
history of the symbols they watch."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, status
from fastapi.responses import StreamingResponse

from wickwatch.accounts.auth import CurrentUser
from wickwatch.accounts.errors import InvalidInput
from wickwatch.api.cursors import MAX_CURSOR_LENGTH
from wickwatch.api.deps import DbSession, SecurityDep, object_id
from wickwatch.api.pagination import Page, Pagination
from wickwatch.api.responses import error_responses
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.schemas import MAX_MS, TIMEFRAME_DESCRIPTION, TIMEFRAME_MS, Timeframe
from wickwatch.pricealerts.events import after_commit
from wickwatch.pricealerts.repository import PriceAlertRepository
from wickwatch.pricealerts.schemas import (
    PriceAlertCreate,
    PriceAlertPublic,
    PriceAlertUpdate,
    PriceHistoryPage,
)
from wickwatch.pricealerts.service import PriceAlertService, history_csv

router = APIRouter(
    prefix="/price-alerts", tags=["price-alerts"], responses=error_responses(401, 422, 429)
)

PriceAlertId = Annotated[int, object_id("Price alert id.")]
FromMs = Annotated[int | None, Query(ge=0, le=MAX_MS, description="From (epoch ms, inclusive).")]
ToMs = Annotated[int | None, Query(ge=0, le=MAX_MS, description="Until (epoch ms, exclusive).")]
TfQuery = Annotated[Timeframe, Query(description=TIMEFRAME_DESCRIPTION)]


def get_price_alert_service(
    request: Request, session: DbSession, security: SecurityDep, tasks: BackgroundTasks
) -> PriceAlertService:
    return PriceAlertService(
        PriceAlertRepository(session),
        MarketRepository(session),
        security.now(),
        getattr(request.app.state, "latest_prices", None),
        on_change=after_commit(request.app, tasks),
    )


Service = Annotated[PriceAlertService, Depends(get_price_alert_service)]


def _range(from_ms: int | None, to_ms: int | None) -> None:
    if from_ms is not None and to_ms is not None and to_ms <= from_ms:
        raise InvalidInput("query.to_ms", "must be after from_ms")


@router.get("")
async def list_price_alerts(
    user: CurrentUser,
    service: Service,
    page: Pagination,
    include_deleted: Annotated[
        bool, Query(description="Also deleted ones (they are listed alone at `/deleted`).")
    ] = False,
) -> Page[PriceAlertPublic]:
    """Your price alerts with the latest price of each, oldest first."""
    items, total = await service.list(
        user, deleted=None if include_deleted else False, offset=page.offset, limit=page.limit
    )
    return page.page(items, total)


@router.get("/deleted")
async def list_deleted_price_alerts(
    user: CurrentUser, service: Service, page: Pagination
) -> Page[PriceAlertPublic]:
    """Your deleted price alerts, most recently deleted first; restore with `/{id}/restore`."""
    items, total = await service.list(user, deleted=True, offset=page.offset, limit=page.limit)
    return page.page(items, total)


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(409))
async def create_price_alert(
    data: PriceAlertCreate, user: CurrentUser, service: Service
) -> PriceAlertPublic:
    """Watch a coin: `BTC` watches Binance spot `BTCUSDT` unless you name the exchange, market
    or the exact symbol. Fires when the price leaves the band; re-arms after it came back
    `hysteresis_pct` inside."""
    return await service.create(user, data)


@router.get("/{price_alert_id}", responses=error_responses(404))
async def get_price_alert(
    price_alert_id: PriceAlertId, user: CurrentUser, service: Service
) -> PriceAlertPublic:
    return await service.get(user, price_alert_id)


@router.patch("/{price_alert_id}", responses=error_responses(404, 409))
async def update_price_alert(
    price_alert_id: PriceAlertId, data: PriceAlertUpdate, user: CurrentUser, service: Service
) -> PriceAlertPublic:
    """Change the band, the coin or market, the hysteresis, or pause/resume."""
    return await service.update(user, price_alert_id, data)


@router.delete(
    "/{price_alert_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_price_alert(
    price_alert_id: PriceAlertId, user: CurrentUser, service: Service
) -> None:
    """Delete (restorable: see `/deleted`)."""
    await service.delete(user, price_alert_id)


@router.post("/{price_alert_id}/restore", responses=error_responses(404, 409))
async def restore_price_alert(
    price_alert_id: PriceAlertId, user: CurrentUser, service: Service
) -> PriceAlertPublic:
    """Bring a deleted price alert back (armed again)."""
    return await service.restore(user, price_alert_id)


@router.get("/{price_alert_id}/history", responses=error_responses(404))
async def price_history(
    price_alert_id: PriceAlertId,
    user: CurrentUser,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=1000, description="Candles per page.")] = 200,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR_LENGTH, description="`next_cursor` of the previous page."),
    ] = None,
    from_ms: FromMs = None,
    to_ms: ToMs = None,
    tf: TfQuery = "1m",
) -> PriceHistoryPage:
    """Candles of the watched symbol (1-minute, or aggregated to `tf`), newest first: those
    starting in `[from_ms, to_ms)`; follow `next_cursor` for older ones (keep the same `tf`)."""
    _range(from_ms, to_ms)
    return await service.history(
        user,
        price_alert_id,
        cursor=cursor,
        limit=limit,
        from_ms=from_ms,
        to_ms=to_ms,
        tf_ms=TIMEFRAME_MS[tf],
    )


@router.get(
    "/{price_alert_id}/history.csv",
    response_class=StreamingResponse,
    responses={
        **error_responses(404),
        200: {
            "content": {"text/csv": {"example": "time_utc,ts_ms,open,high,low,close,…\n"}},
            "description": "CSV, oldest first, exact decimals.",
        },
    },
)
async def price_history_csv(
    request: Request,
    price_alert_id: PriceAlertId,
    user: CurrentUser,
    service: Service,
    from_ms: FromMs = None,
    to_ms: ToMs = None,
    tf: TfQuery = "1m",
) -> StreamingResponse:
    """The watched symbol's history in candles of `tf` as CSV (`time_utc, ts_ms, open, high,
    low, close, volume, quote_volume, trades, complete`), oldest first, streamed; decimals
    exact (sums of aggregated candles: see `tf`)."""
    _range(from_ms, to_ms)
    exchange, market, symbol = await service.market_of(user, price_alert_id)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{exchange}-{market}-{symbol}-{tf}.csv")
    return StreamingResponse(
        history_csv(
            request.app.state.sessionmaker,
            exchange,
            market,
            symbol,
            from_ms=from_ms,
            to_ms=to_ms,
            tf_ms=TIMEFRAME_MS[tf],
        ),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
