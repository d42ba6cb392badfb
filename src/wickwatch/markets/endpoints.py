"""``/api/v1/markets``, ``/symbols``, ``/prices/latest``, ``/candles``: what the collectors see
(see :mod:`wickwatch.markets.service` for where each answer comes from)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from wickwatch.accounts.auth import CurrentUser
from wickwatch.accounts.errors import InvalidInput
from wickwatch.api.deps import DbSession, SecurityDep, SettingsDep
from wickwatch.api.responses import error_responses
from wickwatch.config import ALL_MARKETS
from wickwatch.detection.schemas import Exchange, Market
from wickwatch.errors import NotFound
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.schemas import (
    MAX_MS,
    SYMBOL_PATTERN,
    TIMEFRAME_DESCRIPTION,
    TIMEFRAME_MS,
    Candles,
    LatestPrice,
    MarketStatus,
    SymbolPublic,
    Timeframe,
)
from wickwatch.markets.service import MarketService, SymbolCatalog, search_symbols

router = APIRouter(tags=["markets"], responses=error_responses(401, 422, 429))

#: Most candles of one candles request (a week of 1-minute candles): the longest span of a
#: request is this many candles of its timeframe.
MAX_CANDLES = 7 * 1440
#: Candles shown when the request names no start.
DEFAULT_CANDLES = 60

ExchangeQuery = Annotated[Exchange, Query(description="Exchange.")]
MarketQuery = Annotated[Market, Query(description="`spot` or `futures`.")]
SymbolQuery = Annotated[
    str, Query(pattern=SYMBOL_PATTERN, description="Symbol as the venue writes it: `BTCUSDT`.")
]


def get_market_service(
    request: Request, session: DbSession, settings: SettingsDep, security: SecurityDep
) -> MarketService:
    return MarketService(
        MarketRepository(session),
        settings,
        security.now(),
        getattr(request.app.state, "latest_prices", None),
    )


Service = Annotated[MarketService, Depends(get_market_service)]


def get_symbol_catalog(request: Request) -> SymbolCatalog:
    catalog: SymbolCatalog | None = getattr(request.app.state, "symbol_catalog", None)
    if catalog is None:
        catalog = SymbolCatalog()
        request.app.state.symbol_catalog = catalog
    return catalog


@router.get("/markets")
async def list_markets(user: CurrentUser, service: Service) -> list[MarketStatus]:
    """Every exchange × market feed with its live status: `active`, `degraded` or `down` with
    the reason. A feed whose last report is older than 3 status intervals is `down`."""
    return await service.statuses()


@router.get("/symbols")
async def search_symbol(
    user: CurrentUser,
    session: DbSession,
    catalog: Catalog,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=32,
            pattern=r"^[A-Za-z0-9@/_.:-]+$",
            description="Part of the symbol or its base coin (`btc`, `ETHUSDT`); without it, "
            "every symbol in feed order.",
        ),
    ] = None,
    exchange: Annotated[Exchange | None, Query(description="Only this exchange.")] = None,
    market: Annotated[Market | None, Query(description="Only this market.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Most results.")] = 20,
) -> list[SymbolPublic]:
    """Symbols with stored price history whose symbol or base contains `q`: exact base matches
    first, then prefixes. (Searches the distinct symbols of the 1-minute history; there is no
    separate instrument table.)"""
    entries = await catalog.get(MarketRepository(session), ALL_MARKETS)
    return search_symbols(entries, q, exchange=exchange, market=market, limit=limit)


Catalog = Annotated[SymbolCatalog, Depends(get_symbol_catalog)]


async def venue_spelling(
    catalog: SymbolCatalog, session: DbSession, exchange: str, market: str, symbol: str
) -> str | None:
    """The symbol as the venue writes it, for one asked in another case (`btcusdt`), when
    exactly one stored symbol of the feed matches; None otherwise. Symbols cannot simply be
    upper-cased: Hyperliquid writes `kPEPE`. Asked only after an exact miss."""
    wanted = symbol.upper()
    found = {
        entry.symbol
        for entry in await catalog.get(MarketRepository(session), ALL_MARKETS)
        if entry.exchange == exchange and entry.market == market and entry.symbol.upper() == wanted
    }
    return found.pop() if len(found) == 1 and symbol not in found else None


@router.get("/prices/latest", responses=error_responses(404))
async def latest_price(
    user: CurrentUser,
    service: Service,
    session: DbSession,
    catalog: Catalog,
    exchange: ExchangeQuery,
    market: MarketQuery,
    symbol: SymbolQuery,
) -> LatestPrice:
    """The latest known price of a symbol (404 when none is known). A symbol in another case
    than the venue's (`btcusdt`) is answered for the venue's (`BTCUSDT`)."""
    try:
        return await service.latest_price(exchange, market, symbol)
    except NotFound:
        spelled = await venue_spelling(catalog, session, exchange, market, symbol)
        if spelled is None:
            raise
        return await service.latest_price(exchange, market, spelled)


@router.get("/candles")
async def list_candles(
    user: CurrentUser,
    service: Service,
    session: DbSession,
    catalog: Catalog,
    security: SecurityDep,
    exchange: ExchangeQuery,
    market: MarketQuery,
    symbol: SymbolQuery,
    from_ms: Annotated[
        int | None,
        Query(ge=0, le=MAX_MS, description="Start (epoch ms, inclusive); default `to_ms` − 1 h."),
    ] = None,
    to_ms: Annotated[
        int | None,
        Query(ge=0, le=MAX_MS, description="End (epoch ms, exclusive); default just after now."),
    ] = None,
    tf: Annotated[Timeframe, Query(description=TIMEFRAME_DESCRIPTION)] = "1m",
) -> Candles:
    """Candles of a symbol from the stored history, oldest first: those starting in
    `[from_ms, to_ms)` (default: the last 60 candles of `tf`); at most 10,080 candles per
    request (a week of `1m`, 35 days of `5m`, … 27 years of `1d`). A symbol in another case
    than the venue's (`btcusdt`) is answered for the venue's (`BTCUSDT`)."""
    step = TIMEFRAME_MS[tf]
    end = to_ms if to_ms is not None else int(security.now().timestamp() * 1000) + 1
    start = from_ms if from_ms is not None else max(0, end - DEFAULT_CANDLES * step)
    if end <= start:
        raise InvalidInput("query.to_ms", "must be after from_ms")
    if end - start > MAX_CANDLES * step:
        if to_ms is None:  # the start alone is too far back: it is the field to change
            raise InvalidInput(
                "query.from_ms", f"at most {MAX_CANDLES} candles of {tf} before now: give to_ms"
            )
        raise InvalidInput("query.to_ms", f"at most {MAX_CANDLES} candles of {tf} after from_ms")
    candles = await service.candles(exchange, market, symbol, start, end, MAX_CANDLES, step)
    if not candles.candles:
        spelled = await venue_spelling(catalog, session, exchange, market, symbol)
        if spelled is not None:
            return await service.candles(exchange, market, spelled, start, end, MAX_CANDLES, step)
    return candles
