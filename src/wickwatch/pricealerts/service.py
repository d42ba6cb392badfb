"""Price alerts of one user: create, change, soft delete and restore, and the price history of
the watched symbol (JSON pages and a streamed CSV file).

* A coin is resolved to the market it watches with
  :func:`wickwatch.detection.price_bands.resolve_market`: ``BTC`` → Binance spot ``BTCUSDT`` by
  default, the coin's USDT pair of another exchange/market, or the exact ``symbol`` given.
* Deleting only sets ``deleted_at``: deleted alerts are listed separately and can be restored. At
  most :data:`KEEP_DELETED` deleted alerts are kept per user (older ones are removed for good).
* A change of the watched market, or of the edge the alert has crossed, puts it back to
  ``inside`` (armed); a change of the other edge keeps the crossing it is in.
* An alert on a symbol the feed's stored history does not have is refused (422).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.accounts.errors import InvalidInput
from wickwatch.api.cursors import decode_cursor, next_cursor
from wickwatch.api.numbers import decimal_text
from wickwatch.detection.price_bands import ABOVE, BELOW, INSIDE, LatestPrices, resolve_market
from wickwatch.errors import Conflict, NotFound
from wickwatch.markets.repository import MarketRepository
from wickwatch.markets.service import candle_public
from wickwatch.pricealerts.repository import PriceAlertRepository, WithPrice
from wickwatch.pricealerts.schemas import (
    PriceAlertCreate,
    PriceAlertPublic,
    PriceAlertUpdate,
    PriceHistoryPage,
)
from wickwatch.storage.models import PriceAlert, User

log = logging.getLogger(__name__)

MAX_LIVE = 100
KEEP_DELETED = 100
CURSOR_KIND = "h"
CSV_CHUNK = 2000
CSV_COLUMNS = (
    "time_utc",
    "ts_ms",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "quote_volume",
    "trades",
    "complete",
)


def check_band(
    min_price: Decimal | None, max_price: Decimal | None, field: str = "body.max_price"
) -> None:
    """Raise a 422 naming ``field`` (the edge the client sent) unless the band is usable."""
    if min_price is None and max_price is None:
        raise InvalidInput("body.min_price", "set min_price, max_price or both")
    if min_price is not None and max_price is not None:
        if min_price >= max_price:
            raise InvalidInput(field, "max_price must be above min_price")
        if float(min_price) >= float(max_price):
            # the collector compares prices as doubles: such a band would never be watched
            raise InvalidInput(field, "min_price and max_price are too close to tell apart")


def resolve(coin: str, exchange: str, market: str, symbol: str | None) -> str:
    try:
        return resolve_market(coin, exchange, market, symbol)[2]
    except ValueError as exc:
        raise InvalidInput("body.symbol", f"{exc}; give the symbol") from None


class PriceAlertService:
    def __init__(
        self,
        repository: PriceAlertRepository,
        markets: MarketRepository,
        now: datetime,
        latest_prices: LatestPrices | None = None,
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        self.alerts = repository
        self.markets = markets
        self.now = now
        self.latest_prices = latest_prices
        #: Called with the user id after each change (the API publishes it after the commit).
        self.on_change = on_change

    def _changed(self, user: User) -> None:
        if self.on_change is not None:
            self.on_change(user.id)

    def public(self, row: WithPrice) -> PriceAlertPublic:
        alert, price, price_ms = row
        if self.latest_prices is not None:
            live = self.latest_prices.get(alert.exchange, alert.market, alert.symbol)
            if live is not None and (price_ms is None or live[1] >= price_ms):
                price, price_ms = Decimal(repr(float(live[0]))), live[1]
        return PriceAlertPublic(
            id=alert.id,
            coin=alert.coin,
            exchange=alert.exchange,
            market=alert.market,
            symbol=alert.symbol,
            min_price=alert.min_price,
            max_price=alert.max_price,
            hysteresis_pct=alert.hysteresis_pct,
            state=alert.state,
            is_enabled=alert.is_enabled,
            last_triggered_at=alert.last_triggered_at,
            deleted_at=alert.deleted_at,
            created_at=alert.created_at,
            current_price=price,
            current_price_ms=price_ms,
        )

    async def list(
        self, user: User, *, deleted: bool | None, offset: int, limit: int
    ) -> tuple[list[PriceAlertPublic], int]:
        rows, total = await self.alerts.list_for_user(
            user.id, deleted=deleted, offset=offset, limit=limit
        )
        return [self.public(r) for r in rows], total

    async def _get(self, user: User, price_alert_id: int) -> WithPrice:
        row = await self.alerts.get_for_user(user.id, price_alert_id)
        if row is None:
            raise NotFound("no such price alert")
        return row

    async def get(self, user: User, price_alert_id: int) -> PriceAlertPublic:
        return self.public(await self._get(user, price_alert_id))

    async def _check_listed(
        self, coin: str, exchange: str, market: str, symbol: str, given: bool
    ) -> None:
        """422 when the feed has stored history and none of this symbol: an alert on a market
        that does not exist (``NOSUCHCOIN``, or ``PEPEUSDT`` where the contract is
        ``1000PEPEUSDT``) would be accepted and never fire. A feed without history (not
        collected yet) cannot tell, so the alert is kept."""
        if await self.markets.has_symbol(exchange, market, symbol) is False:
            field, what = ("body.symbol", symbol) if given else ("body.coin", coin)
            raise InvalidInput(
                field,
                f"{what}: no {symbol} on {exchange} {market} (search the symbol in the markets "
                f"and give it as symbol)",
            )

    async def create(self, user: User, data: PriceAlertCreate) -> PriceAlertPublic:
        check_band(data.min_price, data.max_price)
        symbol = resolve(data.coin, data.exchange, data.market, data.symbol)
        await self._check_listed(data.coin, data.exchange, data.market, symbol, bool(data.symbol))
        if await self.alerts.count_live(user.id) >= MAX_LIVE:
            raise Conflict(f"at most {MAX_LIVE} price alerts per account")
        alert = PriceAlert(
            user_id=user.id,
            coin=data.coin,
            exchange=data.exchange,
            market=data.market,
            symbol=symbol,
            min_price=data.min_price,
            max_price=data.max_price,
            hysteresis_pct=data.hysteresis_pct,
            state=INSIDE,
            is_enabled=data.is_enabled,
            created_at=self.now,
        )
        await self.alerts.add(alert)
        log.info("user %d added price alert %d on %s", user.id, alert.id, symbol)
        self._changed(user)
        return await self.get(user, alert.id)

    async def update(
        self, user: User, price_alert_id: int, data: PriceAlertUpdate
    ) -> PriceAlertPublic:
        alert = (await self._get(user, price_alert_id))[0]
        if alert.deleted_at is not None:
            raise Conflict("this price alert is deleted; restore it first")
        sent = data.model_fields_set
        for name in ("coin", "exchange", "market", "hysteresis_pct", "is_enabled"):
            if name in sent and getattr(data, name) is None:
                raise InvalidInput(f"body.{name}", "may not be null")
        min_price = data.min_price if "min_price" in sent else alert.min_price
        max_price = data.max_price if "max_price" in sent else alert.max_price
        check_band(
            min_price, max_price, "body.max_price" if "max_price" in sent else "body.min_price"
        )
        coin = data.coin if data.coin is not None else alert.coin
        exchange = data.exchange if data.exchange is not None else alert.exchange
        market = data.market if data.market is not None else alert.market
        # Only what changed is resolved again: a client sending the whole form back (the web UI
        # does) keeps the symbol it chose, a Hyperliquid spot ``@107`` included.
        if data.symbol:
            symbol = data.symbol
        elif (coin, exchange, market) != (alert.coin, alert.exchange, alert.market):
            symbol = resolve(coin, exchange, market, None)
        else:
            symbol = alert.symbol
        moved = (exchange, market, symbol) != (alert.exchange, alert.market, alert.symbol)
        if moved:
            await self._check_listed(coin, exchange, market, symbol, bool(data.symbol))
        # Re-armed only when the crossing it is in no longer holds: another market, or the
        # edge it crossed moved. Editing the other edge must not send the same crossing again.
        rearm = (
            moved
            or (alert.state == ABOVE and max_price != alert.max_price)
            or (alert.state == BELOW and min_price != alert.min_price)
        )
        alert.coin, alert.exchange, alert.market, alert.symbol = coin, exchange, market, symbol
        alert.min_price, alert.max_price = min_price, max_price
        if data.hysteresis_pct is not None:
            alert.hysteresis_pct = data.hysteresis_pct
        if data.is_enabled is not None:
            alert.is_enabled = data.is_enabled
        if rearm:
            alert.state = INSIDE
        await self.alerts.flush()
        self._changed(user)
        return await self.get(user, alert.id)

    async def delete(self, user: User, price_alert_id: int) -> None:
        """Soft delete (a second delete changes nothing)."""
        alert = (await self._get(user, price_alert_id))[0]
        if alert.deleted_at is None:
            alert.deleted_at = self.now
            await self.alerts.flush()
            await self.alerts.purge_deleted(user.id, KEEP_DELETED)
            self._changed(user)

    async def restore(self, user: User, price_alert_id: int) -> PriceAlertPublic:
        alert = (await self._get(user, price_alert_id))[0]
        if alert.deleted_at is None:
            raise Conflict("this price alert is not deleted")
        if await self.alerts.count_live(user.id) >= MAX_LIVE:
            raise Conflict(f"at most {MAX_LIVE} price alerts per account")
        alert.deleted_at = None
        alert.state = INSIDE
        await self.alerts.flush()
        self._changed(user)
        return await self.get(user, alert.id)

    async def history(
        self,
        user: User,
        price_alert_id: int,
        *,
        cursor: str | None,
        limit: int,
        from_ms: int | None,
        to_ms: int | None,
        tf_ms: int = 60_000,
    ) -> PriceHistoryPage:
        alert = (await self._get(user, price_alert_id))[0]
        before = decode_cursor(CURSOR_KIND, cursor) if cursor else None
        end = before if before is None or to_ms is None else min(before, to_ms)
        end = to_ms if end is None else end
        rows = await self.markets.candles_tf(
            alert.exchange,
            alert.market,
            alert.symbol,
            tf_ms=tf_ms,
            from_ms=from_ms,
            to_ms=end,
            limit=limit + 1,
            newest_first=True,
        )
        return PriceHistoryPage(
            exchange=alert.exchange,
            market=alert.market,
            symbol=alert.symbol,
            interval_s=tf_ms // 1000,
            candles=[candle_public(r) for r in rows[:limit]],
            next_cursor=next_cursor(CURSOR_KIND, [r.ts_ms for r in rows], limit),
            limit=limit,
        )

    async def market_of(self, user: User, price_alert_id: int) -> tuple[str, str, str]:
        alert = (await self._get(user, price_alert_id))[0]
        return alert.exchange, alert.market, alert.symbol


async def history_csv(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    exchange: str,
    market: str,
    symbol: str,
    *,
    from_ms: int | None,
    to_ms: int | None,
    tf_ms: int = 60_000,
) -> AsyncIterator[str]:
    """The CSV text of a symbol's history in candles of ``tf_ms``, oldest first, in chunks of
    :data:`CSV_CHUNK` candles, each read in its own short session (the response may stream for
    a while; no transaction stays open meanwhile). Decimals are written with every digit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    start = from_ms
    while True:
        async with sessions() as session:
            rows = await MarketRepository(session).candles_tf(
                exchange,
                market,
                symbol,
                tf_ms=tf_ms,
                from_ms=start,
                to_ms=to_ms,
                limit=CSV_CHUNK,
            )
        for r in rows:
            writer.writerow(
                (
                    datetime.fromtimestamp(r.ts_ms / 1000, UTC).isoformat().replace("+00:00", "Z"),
                    r.ts_ms,
                    decimal_text(r.open),
                    decimal_text(r.high),
                    decimal_text(r.low),
                    decimal_text(r.close),
                    decimal_text(r.volume),
                    decimal_text(r.quote_volume),
                    r.trades,
                    "true" if r.complete else "false",
                )
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < CSV_CHUNK:
            return
        start = rows[-1].ts_ms + 1
