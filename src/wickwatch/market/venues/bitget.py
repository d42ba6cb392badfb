"""Bitget v2: ``trade`` channel (SPOT / USDT-FUTURES / USDC-FUTURES), symbols/contracts, fills REST;
plus the retired v1 array format, for replaying old recordings.

Sizes: Bitget counts futures sizes in base coin (``size`` in the trade channel and in the fills
REST). The contracts list's ``sizeMultiplier`` is the order-quantity step (orders must be a
multiple of it), not a contract value, so ``contract_size`` is 1 for every Bitget instrument.

Formats, told apart by the shape of each ``data`` row:

* **v2** (``wss://ws.bitget.com/v2/ws/public``): rows are objects
  ``{"ts","price","size","side","tradeId"}``; ``side`` is the taker side; ``tradeId`` is the same
  id the fills REST endpoints return. ``action`` ``snapshot`` (recent trades sent on subscribe)
  and ``update`` are both real trades.
* **legacy v1** (``ws.bitget.com/spot/v1/stream`` / ``mix/v1/stream``, lower-case ``instType``
  ``sp`` / ``mc``; ``realdata/cryptofeed/BITGET.ws.1.0.gz`` spot and ``.2.0.gz`` USDT-M): rows
  are arrays ``[ts, price, size, side]`` WITHOUT a trade id. A stable synthetic id
  ``v1:<ts>:<price>:<size>:<side>`` (the row's own text) is used, so a replay de-duplicates a
  trade repeated between the subscribe snapshot and an update; two genuinely identical fills in
  the same millisecond would collapse. Bitget no longer serves v1.

A ``snapshot`` push lists its rows newest first (v2 and v1 alike, in every recording); they are
returned oldest first, the order they traded in, like the rows of an ``update``: open/close of a
candle and the feed's de-duplication horizon depend on it.

Subscribe answers (``{"event":"subscribe",...}``), errors and the text ``pong`` give ``None``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import msgspec

from wickwatch.market.types import FUTURES, SPOT, Instrument, MalformedFrame, Trade
from wickwatch.market.venues._util import (
    DECODE_ERRORS,
    INF,
    as_int,
    decimals_tick,
    fail,
    malformed,
    positive,
    rows,
    text,
    tick_text,
)
from wickwatch.market.venues.base import VenueParser, register

EXCHANGE = "bitget"


class _Trade(msgspec.Struct, gc=False):
    ts: int
    price: float
    size: float
    side: Literal["buy", "sell"]
    tradeId: str


class _Arg(msgspec.Struct, gc=False):
    instType: str
    channel: str
    instId: str


_Row = _Trade | tuple[str, str, str, str]


class _Push(msgspec.Struct, gc=False):
    arg: _Arg
    action: str | None = None
    data: list[_Row] | None = None
    event: str | None = None


_DECODE = msgspec.json.Decoder(_Push, strict=False).decode

_HEAD = 112
_MARK_B = b'"channel":"trade"'
_MARK_S = '"channel":"trade"'


class _BitgetParser(VenueParser):
    exchange: ClassVar[str] = EXCHANGE

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """A v2 ``trade`` push (official docs sample)::

            {"action": "snapshot", "arg": {"instType": "SPOT", "channel": "trade",
             "instId": "BTCUSDT"}, "data": [{"ts": "1695709835822", "price": "26293.4",
             "size": "0.0013", "side": "buy", "tradeId": "1000000000"}],
             "ts": 1695709835822}

        or a legacy v1 push (as recorded, mix)::

            {"action": "update", "arg": {"instType": "mc", "channel": "trade",
             "instId": "UNIUSDT"}, "data": [["1649290078916", "9.977", "1", "sell"]]}

        Trades come out oldest first (a snapshot's rows reversed).
        """
        if isinstance(frame, bytes):
            if frame.find(_MARK_B, 0, _HEAD) < 0:
                return None
        elif isinstance(frame, str):
            if frame.find(_MARK_S, 0, _HEAD) < 0:
                return None
        else:
            fail(f"frame is {type(frame).__name__}, not bytes or str")
        try:
            push = _DECODE(frame)
        except DECODE_ERRORS as exc:
            raise malformed("bitget trade push", frame, exc) from None
        if push.event is not None:
            return None  # subscribe / unsubscribe / error answer
        data = push.data
        if not data:
            fail("bitget trade push without data", frame)
        symbol = push.arg.instId
        market = self.market
        out: list[Trade] = []
        side: str
        for t in data:
            if isinstance(t, _Trade):
                price, qty, side, ts, tid = t.price, t.size, t.side, t.ts, t.tradeId
            else:
                price, qty, side, ts, tid = _legacy_row(t, frame)
            if not (0.0 < price < INF and 0.0 < qty < INF):
                fail(f"bitget trade price/size out of range: {price!r} {qty!r}", frame)
            out.append(
                Trade(EXCHANGE, market, symbol, price, qty, price * qty, side, ts, recv_ms, tid)
            )
        if push.action == "snapshot":
            out.reverse()  # sent newest first
        return out

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """``/api/v2/spot/market/fills`` or ``/api/v2/mix/market/fills`` (and the
        ``fills-history`` variants). Official sample::

            {"code": "00000", "msg": "success", "requestTime": 1695808949356,
             "data": [{"symbol": "BTCUSDT", "tradeId": "1", "side": "buy",
                       "price": "2.38735", "size": "2.38735", "ts": "1622097282536"}]}

        Rows come newest first and are returned in that order.
        """
        if not isinstance(payload, dict) or payload.get("code") != "00000":
            fail("bitget fills answer is not a success", payload)
        out: list[Trade] = []
        market = self.market
        for row in rows(payload.get("data"), "bitget fills"):
            if row.get("symbol", symbol) != symbol:
                fail(f"bitget REST trade of {row.get('symbol')!r}, asked for {symbol!r}", row)
            side = str(row.get("side", "")).lower()
            if side not in ("buy", "sell"):
                fail(f"bitget REST trade side {row.get('side')!r}", row)
            price = positive(row.get("price"), "price")
            qty = positive(row.get("size"), "size")
            out.append(
                Trade(
                    EXCHANGE,
                    market,
                    symbol,
                    price,
                    qty,
                    price * qty,
                    side,
                    as_int(row.get("ts"), "ts"),
                    recv_ms,
                    text(row, "tradeId"),
                )
            )
        return out

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        if not isinstance(payload, dict) or payload.get("code") != "00000":
            fail("bitget instruments answer is not a success", payload)
        out: list[Instrument] = []
        for row in rows(payload.get("data"), "bitget instruments"):
            try:
                inst = self._instrument(row)
            except MalformedFrame:
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise malformed("bitget instrument", row, exc) from None
            if inst is not None:
                out.append(inst)
        return out

    def _instrument(self, row: Any) -> Instrument | None:
        raise NotImplementedError


def _legacy_row(
    row: tuple[str, str, str, str], frame: object
) -> tuple[float, float, str, int, str]:
    ts, price, size, side = row
    if side not in ("buy", "sell"):
        fail(f"bitget v1 trade side {side!r}", frame)
    try:
        return float(price), float(size), side, int(ts), f"v1:{ts}:{price}:{size}:{side}"
    except ValueError as exc:
        raise malformed("bitget v1 trade row", frame, exc) from None


@register
class BitgetSpotParser(_BitgetParser):
    """Bitget spot (v2 ``instType`` SPOT; legacy v1 ``sp``)."""

    market: ClassVar[str] = SPOT

    def _instrument(self, row: Any) -> Instrument | None:
        """``/api/v2/spot/public/symbols`` row (official docs, trimmed); tick is
        ``10^-pricePrecision``, ``trading`` is ``status == "online"``::

            {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT",
             "pricePrecision": "2", "quantityPrecision": "4", "status": "online"}
        """
        return Instrument(
            exchange=EXCHANGE,
            market=SPOT,
            symbol=text(row, "symbol"),
            base=text(row, "baseCoin"),
            quote=text(row, "quoteCoin"),
            trading=row.get("status") == "online",
            tick_size=decimals_tick(as_int(row["pricePrecision"], "pricePrecision")),
        )


@register
class BitgetFuturesParser(_BitgetParser):
    """Bitget USDT-M / USDC-M perpetuals (v2 ``USDT-FUTURES`` / ``USDC-FUTURES``; v1 ``mc``)."""

    market: ClassVar[str] = FUTURES

    def _instrument(self, row: Any) -> Instrument | None:
        """``/api/v2/mix/market/contracts?productType=USDT-FUTURES`` row (official docs,
        trimmed); tick is ``priceEndStep × 10^-pricePlace``, ``trading`` is
        ``symbolStatus == "normal"``; delivery contracts are skipped::

            {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT",
             "pricePlace": "1", "priceEndStep": "1", "volumePlace": "3",
             "sizeMultiplier": "0.001", "symbolType": "perpetual", "symbolStatus": "normal"}
        """
        if row.get("symbolType", "perpetual") != "perpetual":
            return None
        quote = text(row, "quoteCoin")
        if quote not in ("USDT", "USDC"):
            return None
        place = as_int(row["pricePlace"], "pricePlace")
        step = as_int(row.get("priceEndStep", 1), "priceEndStep")
        return Instrument(
            exchange=EXCHANGE,
            market=FUTURES,
            symbol=text(row, "symbol"),
            base=text(row, "baseCoin"),
            quote=quote,
            trading=row.get("symbolStatus") == "normal",
            tick_size=tick_text(f"{step}E-{place}"),
        )
