"""Markets: which feeds are live, which symbols exist, their latest price and 1-minute candles.

* **Status** comes from ``exchange_stats`` (one row per feed, rewritten by the collector every
  ``WICKWATCH_STATUS_INTERVAL_S``). The collector's ``up`` is shown as ``active``. A row older than
  three status intervals means its collector stopped reporting: the feed is shown ``down`` with
  that reason, whatever the row says. Configured feeds without a row are ``down`` ("no status
  reported yet").
* **Symbols**: there is no instrument table (instrument lists live in the collectors' memory), so
  the search runs over the distinct symbols of the stored 1-minute history (``price_history_1m``):
  a symbol appears once its first minute is stored and disappears when its history is purged
  (``WICKWATCH_PRICE_HISTORY_RETENTION_DAYS``); ``last_candle_ms`` tells how fresh it is. The list
  is read with one index probe per symbol and cached per API process for a minute.
* **Latest price**: the last closed 1-second candle from ``app.state.latest_prices`` — the
  collector's own :class:`~wickwatch.detection.LatestPrices` when it runs in this process, the
  collectors' prices in Redis (:mod:`wickwatch.markets.latest`) otherwise — else, or when it is
  older (a live source that fell behind), the close of the newest stored 1-minute candle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

from wickwatch.config import ALL_MARKETS, Settings
from wickwatch.detection.price_bands import LatestPrices
from wickwatch.detection.symbols import split_symbol
from wickwatch.errors import NotFound
from wickwatch.markets.repository import CandleRow, MarketRepository
from wickwatch.markets.schemas import (
    CandlePublic,
    Candles,
    FeedState,
    LatestPrice,
    MarketStatus,
    SymbolPublic,
)
from wickwatch.storage.models import ExchangeStats

#: A status row older than this many status intervals is stale: its feed is shown down.
STALE_INTERVALS = 3
_STATES: dict[str, FeedState] = {"up": "active", "active": "active", "degraded": "degraded"}


def candle_public(row: CandleRow) -> CandlePublic:
    return CandlePublic(
        t=row.ts_ms,
        o=row.open,
        h=row.high,
        l=row.low,
        c=row.close,
        v=row.volume,
        qv=row.quote_volume,
        n=row.trades,
        complete=row.complete,
    )


def _feed_order(exchange: str, market: str) -> tuple[int, str, str]:
    name = f"{exchange}_{market}"
    return (ALL_MARKETS.index(name) if name in ALL_MARKETS else len(ALL_MARKETS), exchange, market)


def feed_status(
    row: ExchangeStats | None,
    exchange: str,
    market: str,
    *,
    now: datetime,
    status_interval_s: float,
) -> MarketStatus:
    """The public status of one feed from its ``exchange_stats`` row (None: never reported)."""
    if row is None:
        return MarketStatus(
            exchange=exchange,
            market=market,
            status="down",
            reason="no status reported yet",
            reported_status=None,
            stale=False,
            age_s=None,
            connections_up=0,
            connections_total=0,
            symbols=0,
            reconnects=0,
            trades_per_s=0.0,
            candles_per_s=0.0,
            lag_p50_ms=None,
            lag_p99_ms=None,
            last_trade_ms=None,
            gaps=0,
            malformed_frames=0,
            updated_at=None,
        )
    age = max(0.0, (now - row.updated_at).total_seconds())
    stale = age > STALE_INTERVALS * status_interval_s
    state: FeedState = _STATES.get(row.status, "down")
    reason = row.reason
    if stale:
        state = "down"
        reason = f"no status for {age:.0f} s: the collector of this feed stopped reporting"
    elif state == "down" and not reason:
        reason = f"reported {row.status}" if row.status != "down" else "no live connection"
    return MarketStatus(
        exchange=row.exchange,
        market=row.market,
        status=state,
        reason=reason,
        reported_status=row.status,
        stale=stale,
        age_s=round(age, 3),
        connections_up=row.connections_up,
        connections_total=row.connections_total,
        symbols=row.symbols,
        reconnects=row.reconnects,
        trades_per_s=row.trades_per_s,
        candles_per_s=row.candles_per_s,
        lag_p50_ms=row.lag_p50_ms,
        lag_p99_ms=row.lag_p99_ms,
        last_trade_ms=row.last_trade_ms,
        gaps=row.gaps,
        malformed_frames=row.malformed_frames,
        updated_at=row.updated_at,
    )


class SymbolCatalog:
    """The distinct stored symbols of every feed, read at most every ``ttl_s`` per process."""

    def __init__(self, ttl_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self.entries: list[SymbolPublic] = []
        self.loaded_at: float | None = None
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self.loaded_at = None

    async def get(self, repository: MarketRepository, feeds: Iterable[str]) -> list[SymbolPublic]:
        async with self._lock:
            if self.loaded_at is None or self.clock() - self.loaded_at > self.ttl_s:
                entries: list[SymbolPublic] = []
                for feed in feeds:
                    exchange, _, market = feed.partition("_")
                    for symbol, last_ms in await repository.feed_symbols(exchange, market):
                        base, quote = split_symbol(exchange, market, symbol)
                        entries.append(
                            SymbolPublic(
                                exchange=exchange,
                                market=market,
                                symbol=symbol,
                                base=base.upper(),
                                quote=quote.upper(),
                                last_candle_ms=last_ms,
                            )
                        )
                self.entries = entries
                self.loaded_at = self.clock()
            return self.entries


def search_symbols(
    entries: Iterable[SymbolPublic],
    query: str | None,
    *,
    exchange: str | None = None,
    market: str | None = None,
    limit: int = 20,
) -> list[SymbolPublic]:
    """Symbols whose symbol or base contains ``query`` (case-insensitive); exact bases first,
    then prefixes of the symbol or base, then the rest; feeds in their usual order. Without a
    query, every symbol in feed order."""
    wanted = (query or "").strip().upper()
    ranked: list[tuple[int, tuple[int, str, str], str, SymbolPublic]] = []
    for entry in entries:
        if (exchange and entry.exchange != exchange) or (market and entry.market != market):
            continue
        symbol = entry.symbol.upper()
        if not wanted or entry.base == wanted:
            rank = 0
        elif symbol.startswith(wanted) or entry.base.startswith(wanted):
            rank = 1
        elif wanted in symbol:
            rank = 2
        else:
            continue
        ranked.append((rank, _feed_order(entry.exchange, entry.market), entry.symbol, entry))
    ranked.sort(key=lambda item: (item[0], item[1], item[2]))
    return [item[3] for item in ranked[:limit]]


class MarketService:
    def __init__(
        self,
        repository: MarketRepository,
        settings: Settings,
        now: datetime,
        latest_prices: LatestPrices | None = None,
    ) -> None:
        self.markets = repository
        self.settings = settings
        self.now = now
        self.latest_prices = latest_prices

    async def statuses(self) -> list[MarketStatus]:
        """Every configured feed and every feed that reported, in the usual feed order."""
        rows = {(r.exchange, r.market): r for r in await self.markets.feed_rows()}
        keys = set(rows)
        for name in self.settings.markets:
            exchange, _, market = name.partition("_")
            keys.add((exchange, market))
        return [
            feed_status(
                rows.get(key),
                key[0],
                key[1],
                now=self.now,
                status_interval_s=self.settings.status_interval_s,
            )
            for key in sorted(keys, key=lambda k: _feed_order(*k))
        ]

    async def latest_price(self, exchange: str, market: str, symbol: str) -> LatestPrice:
        """The live price, unless the stored history has a newer one (a live source that
        fell behind: as the price alerts' ``current_price`` does)."""
        live = None
        if self.latest_prices is not None:
            live = await self.latest_prices.fetch(exchange, market, symbol)
        row = await self.markets.latest_candle(exchange, market, symbol)
        # A stored minute's close is its last second's: a live price from before that is older.
        if live is not None and (row is None or live[1] >= row.ts_ms + 59_000):
            return LatestPrice(
                exchange=exchange,
                market=market,
                symbol=symbol,
                price=Decimal(repr(float(live[0]))),
                ts_ms=live[1],
                source="live",
            )
        if row is None:
            raise NotFound(f"no price of {symbol} on {exchange} {market}")
        return LatestPrice(
            exchange=exchange,
            market=market,
            symbol=symbol,
            price=row.close,
            ts_ms=row.ts_ms,
            source="history",
        )

    async def candles(
        self,
        exchange: str,
        market: str,
        symbol: str,
        from_ms: int,
        to_ms: int,
        limit: int,
        tf_ms: int = 60_000,
    ) -> Candles:
        rows = await self.markets.candles_tf(
            exchange, market, symbol, tf_ms=tf_ms, from_ms=from_ms, to_ms=to_ms, limit=limit
        )
        return Candles(
            exchange=exchange,
            market=market,
            symbol=symbol,
            interval_s=tf_ms // 1000,
            candles=[candle_public(r) for r in rows],
        )
