"""Bybit: v5 ``publicTrade.{symbol}`` (spot and linear), instruments-info, recent-trade REST;
plus the retired v2 ``trade.{symbol}`` format, for replaying old recordings.

Two wire formats are accepted by the same classes, told apart by the topic prefix:

* **v5** (live, ``wss://stream.bybit.com/v5/public/spot|linear``): topic ``publicTrade.BTCUSDT``,
  rows ``{"T","s","S","v","p","i","BT",...}``. ``v`` is base units for spot and for linear
  contracts alike (Bybit linear quantities are in base coin), so ``contract_size`` is 1.
  ``i`` is the trade id: numeric text on spot, a UUID on linear; REST ``execId`` is the same id.
* **legacy v2** (``stream.bybit.com/realtime_public`` USDT perpetuals and ``/realtime``
  inverse, as in ``realdata/cryptofeed/BYBIT.ws.25.0.gz`` / ``.26.0.gz``): topic
  ``trade.BTCUSDT``, rows ``{"symbol","side","size","price","trade_time_ms","trade_id",...}``.
  Linear USDT rows carry ``price`` as text, ``size`` in base coin and ``trade_time_ms`` as text.
  Inverse rows (``BTCUSD``, ``EOSUSD``: symbols not ending in USDT/USDC) carry numbers and
  ``size`` in USD contracts of 1 USD, so base qty = ``size / price`` and quote qty = ``size``.
  This path exists only so those recordings replay; Bybit no longer serves it.

Block trades (``BT`` true / REST ``isBlockTrade`` true) are negotiated off the order book at
agreed prices, so they are dropped on both paths (a frame of only block trades gives ``[]``).
Subscribe / pong answers (``{"success":true,"ret_msg":"pong","op":"ping",...}``) give ``None``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import msgspec

from wickwatch.market.types import BUY, FUTURES, SELL, SPOT, Instrument, MalformedFrame, Trade
from wickwatch.market.venues._util import (
    DECODE_ERRORS,
    INF,
    as_int,
    fail,
    malformed,
    positive,
    rows,
    text,
    tick_text,
)
from wickwatch.market.venues.base import VenueParser, register

EXCHANGE = "bybit"

_SIDE = {"Buy": BUY, "Sell": SELL}


class _Trade(msgspec.Struct, gc=False):
    T: int
    s: str
    S: Literal["Buy", "Sell"]
    v: float
    p: float
    i: str
    BT: bool = False


class _Push(msgspec.Struct, gc=False):
    topic: str
    data: list[_Trade]


class _LegacyTrade(msgspec.Struct, gc=False):
    symbol: str
    side: Literal["Buy", "Sell"]
    size: float
    price: float
    trade_time_ms: int
    trade_id: str


class _LegacyPush(msgspec.Struct, gc=False):
    topic: str
    data: list[_LegacyTrade]


_DECODE = msgspec.json.Decoder(_Push, strict=False).decode
_DECODE_LEGACY = msgspec.json.Decoder(_LegacyPush, strict=False).decode

_HEAD = 48
_V5_B, _V5_S = b'"topic":"publicTrade.', '"topic":"publicTrade.'
_V2_B, _V2_S = b'"topic":"trade.', '"topic":"trade.'


def _is_inverse(symbol: str) -> bool:
    return not symbol.endswith(("USDT", "USDC", "PERP"))


class _BybitParser(VenueParser):
    exchange: ClassVar[str] = EXCHANGE

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """A v5 ``publicTrade`` push (official docs sample)::

            {"topic": "publicTrade.BTCUSDT", "type": "snapshot", "ts": 1672304486868,
             "data": [{"T": 1672304486865, "s": "BTCUSDT", "S": "Buy", "v": "0.001",
                       "p": "16578.50", "L": "PlusTick",
                       "i": "20f43950-d8dd-5b31-9112-a178eb6023af", "BT": false}]}

        or a legacy v2 ``trade`` push (as recorded, USDT perpetual)::

            {"topic": "trade.BCHUSDT", "data": [{"symbol": "BCHUSDT",
             "tick_direction": "MinusTick", "price": "1053.90", "size": 0.14,
             "timestamp": "2021-04-17T16:43:05.000Z", "trade_time_ms": "1618677785116",
             "side": "Buy", "trade_id": "01cacfe9-8d1c-5ee4-995d-d79a43f955a6"}]}
        """
        if isinstance(frame, bytes):
            if frame.find(_V5_B, 0, _HEAD) >= 0:
                return self._v5(frame, recv_ms)
            if frame.find(_V2_B, 0, _HEAD) >= 0:
                return self._legacy(frame, recv_ms)
            return None
        if isinstance(frame, str):
            if frame.find(_V5_S, 0, _HEAD) >= 0:
                return self._v5(frame, recv_ms)
            if frame.find(_V2_S, 0, _HEAD) >= 0:
                return self._legacy(frame, recv_ms)
            return None
        fail(f"frame is {type(frame).__name__}, not bytes or str")

    def _v5(self, frame: bytes | str, recv_ms: int) -> list[Trade]:
        try:
            push = _DECODE(frame)
        except DECODE_ERRORS as exc:
            raise malformed("bybit publicTrade push", frame, exc) from None
        if not push.data:
            fail("bybit publicTrade push without data", frame)
        market = self.market
        out: list[Trade] = []
        for t in push.data:
            price = t.p
            qty = t.v
            if not (0.0 < price < INF and 0.0 < qty < INF):
                fail(f"bybit trade p/v out of range: {price!r} {qty!r}", frame)
            if t.BT:
                continue
            out.append(
                Trade(
                    EXCHANGE,
                    market,
                    t.s,
                    price,
                    qty,
                    price * qty,
                    BUY if t.S == "Buy" else SELL,
                    t.T,
                    recv_ms,
                    t.i,
                )
            )
        return out

    def _legacy(self, frame: bytes | str, recv_ms: int) -> list[Trade]:
        try:
            push = _DECODE_LEGACY(frame)
        except DECODE_ERRORS as exc:
            raise malformed("bybit legacy trade push", frame, exc) from None
        if not push.data:
            fail("bybit legacy trade push without data", frame)
        market = self.market
        out: list[Trade] = []
        for t in push.data:
            price = t.price
            size = t.size
            if not (0.0 < price < INF and 0.0 < size < INF):
                fail(f"bybit legacy trade price/size out of range: {price!r} {size!r}", frame)
            if _is_inverse(t.symbol):
                qty, quote = size / price, size
            else:
                qty, quote = size, price * size
            out.append(
                Trade(
                    EXCHANGE,
                    market,
                    t.symbol,
                    price,
                    qty,
                    quote,
                    BUY if t.side == "Buy" else SELL,
                    t.trade_time_ms,
                    recv_ms,
                    t.trade_id,
                )
            )
        return out

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """``GET /v5/market/recent-trade?category=spot|linear&symbol=..`` (official sample)::

            {"retCode": 0, "retMsg": "OK", "result": {"category": "spot", "list": [
              {"execId": "2100000000007764263", "symbol": "BTCUSDT", "price": "16618.49",
               "size": "0.00012", "side": "Buy", "time": "1672052955758",
               "isBlockTrade": false}]}, "retExtInfo": {}, "time": 1672053054358}

        Rows come newest first and are returned in that order; block trades are dropped.
        """
        out: list[Trade] = []
        market = self.market
        for row in rows(_result_list(payload), "bybit trades"):
            if row.get("symbol", symbol) != symbol:
                fail(f"bybit REST trade of {row.get('symbol')!r}, asked for {symbol!r}", row)
            raw_side = row.get("side")
            side = _SIDE.get(raw_side) if isinstance(raw_side, str) else None
            if side is None:
                fail(f"bybit REST trade side {row.get('side')!r}", row)
            price = positive(row.get("price"), "price")
            qty = positive(row.get("size"), "size")
            if row.get("isBlockTrade") is True:
                continue
            out.append(
                Trade(
                    EXCHANGE,
                    market,
                    symbol,
                    price,
                    qty,
                    price * qty,
                    side,
                    as_int(row.get("time"), "time"),
                    recv_ms,
                    text(row, "execId"),
                )
            )
        return out

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        """``GET /v5/market/instruments-info?category=spot|linear``; ``trading`` is
        ``status == "Trading"``, or a pre-market perpetual (``status == "PreLaunch"``) whose
        ``preListingInfo.curAuctionPhase`` is ``ContinuousTrading``; other PreLaunch phases,
        Delivering and Closed are listed as not trading.

        Linear row (official docs, trimmed; spot rows have no ``contractType``)::

            {"symbol": "BTCUSDT", "contractType": "LinearPerpetual", "status": "Trading",
             "baseCoin": "BTC", "quoteCoin": "USDT", "settleCoin": "USDT",
             "priceFilter": {"minPrice": "0.10", "maxPrice": "199999.80", "tickSize": "0.10"},
             "lotSizeFilter": {"maxOrderQty": "100.000", "minOrderQty": "0.001",
                               "qtyStep": "0.001"}}

        A pre-market perpetual (docs sample, trimmed) is a USDT ``LinearPerpetual`` like any
        other, sizes in base coin::

            {"symbol": "BIOUSDT", "contractType": "LinearPerpetual", "status": "PreLaunch",
             "baseCoin": "BIO", "quoteCoin": "USDT", "settleCoin": "USDT",
             "priceFilter": {"tickSize": "0.0001"}, "isPreListing": true,
             "preListingInfo": {"curAuctionPhase": "ContinuousTrading", "phases": [...]}}

        The list is paginated (``nextPageCursor``): pass each page, or concatenate ``list``s.
        """
        out: list[Instrument] = []
        for row in rows(_result_list(payload), "bybit instruments"):
            if not self._keep(row):
                continue
            try:
                out.append(
                    Instrument(
                        exchange=EXCHANGE,
                        market=self.market,
                        symbol=text(row, "symbol"),
                        base=text(row, "baseCoin"),
                        quote=text(row, "quoteCoin"),
                        trading=_trading(row),
                        tick_size=tick_text(row["priceFilter"]["tickSize"]),
                    )
                )
            except MalformedFrame:
                raise
            except (KeyError, TypeError) as exc:
                raise malformed("bybit instrument", row, exc) from None
        return out

    def _keep(self, row: Any) -> bool:
        raise NotImplementedError


def _trading(row: Any) -> bool:
    """Whether the instrument prints public trades now. bybit-exchange.github.io/docs/v5/enum
    (``curAuctionPhase``): a pre-market contract's ``ContinuousTrading`` phase is the one where
    "orderbook, public trade data is released"; not before it (CallAuction, CallAuctionNoCancel,
    CrossMatching), nor in NotStarted / Finished."""
    status = row.get("status")
    if status == "Trading":
        return True
    if status != "PreLaunch":
        return False
    info = row.get("preListingInfo")
    return isinstance(info, dict) and info.get("curAuctionPhase") == "ContinuousTrading"


def _result_list(payload: Any) -> Any:
    if not isinstance(payload, dict) or payload.get("retCode", 0) != 0:
        fail("bybit answer is not a success", payload)
    result = payload.get("result")
    if not isinstance(result, dict):
        fail("bybit answer without result", payload)
    return result.get("list")


@register
class BybitSpotParser(_BybitParser):
    """Bybit spot (``/v5/public/spot``)."""

    market: ClassVar[str] = SPOT

    def _keep(self, row: Any) -> bool:
        return True


@register
class BybitFuturesParser(_BybitParser):
    """Bybit linear USDT/USDC perpetuals (``/v5/public/linear``); also replays legacy v2."""

    market: ClassVar[str] = FUTURES

    def _keep(self, row: Any) -> bool:
        # LinearFutures (dated), InversePerpetual / InverseFutures are out of scope.
        return bool(row.get("contractType") == "LinearPerpetual")
