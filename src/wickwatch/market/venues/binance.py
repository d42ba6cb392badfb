"""Binance spot and USD-M futures: ``trade`` / ``aggTrade`` streams, exchangeInfo, aggTrades.

Frames come raw (``/ws/<stream>``: ``{"e":"trade",...}``) or wrapped by the combined endpoint
(``/stream?streams=...``: ``{"stream":"btcusdt@trade","data":{...}}``); both are accepted.

Trade ids — the two streams number differently, so one symbol must be fed by one of them only:

* ``<symbol>@trade`` carries every fill; ``trade_id`` is ``t``. The REST endpoints with the same
  ids are ``/api/v3/trades`` / ``/api/v3/historicalTrades`` (spot) and ``/fapi/v1/trades``
  (futures): rows ``{"id":..,"price":..,"qty":..,"time":..,"isBuyerMaker":..}``.
* ``<symbol>@aggTrade`` merges the fills of one taker order at one price; ``trade_id`` is ``a``
  (the aggregate id). The matching REST endpoints are ``/api/v3/aggTrades`` and
  ``/fapi/v1/aggTrades`` (``fromId`` / ``startTime`` backfill), rows shaped like the stream.

:meth:`parse_rest_trades` accepts both REST row shapes and keeps each one's id, so a backfill from
the endpoint that matches the stream de-duplicates exactly. Ids are plain decimal text (no prefix),
consecutive within one stream kind, so a gap check may compare them as integers.

Side: ``m`` is "the buyer is the maker", so ``m == true`` means the taker sold.

Futures ``@trade`` events carry ``X``, the execution type: ``MARKET`` for order-book fills,
``INSURANCE_FUND`` / ``ADL`` for liquidation-engine and auto-deleverage fills. Only ``MARKET``
is kept (any other value is dropped): the others are not order-book prints (they happen at
bankruptcy or ADL prices, away from the book) and Binance leaves them out of ``/fapi/v1/trades``
and ``/fapi/v1/aggTrades`` ("only market trades will be returned/aggregated"), so keeping them
would make live candles differ from backfilled ones. Such a frame parses to ``[]``. Spot has no
``X``.

Hot path (:meth:`parse_frame`, and :meth:`feed_frame`, which hands the trade straight to a
:class:`~wickwatch.market.candles.CandleBuilder` without building a ``Trade``): a combined-stream
frame whose third-last character is ``e`` (a trade event ends in ``"m":true}}`` / ``"M":false}}``;
depth, bookTicker and kline frames end in ``]}}``, a digit or ``}}}``) is decoded at once by one
typed msgspec decoder that also does every check in C: tagged union on ``e``, numeric strings read
as floats, price and quantity finite and > 0, ``X`` exactly ``MARKET``, and (once the parser
has a listing) the symbol one of the listed ones (see :func:`fast_decoder`). Anything else — other
frames, raw ``/ws`` events, and any frame that decoder rejects (a liquidation fill, a damaged
frame) — takes the checked path: frames that are not trades (depth, bookTicker, kline, subscribe
results) are rejected by a prefix check and a bounded substring search of the first bytes,
without decoding; trade frames are decoded and checked step by step, so errors are reported
exactly. The two read every frame Binance sends alike; only the fast one trusts the event type
alone, so a frame no server sends (a valid trade event under a depth stream name, or after the
``data`` key) is a trade there and None on the checked path.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import msgspec

from wickwatch.market.types import BUY, FUTURES, SELL, SPOT, Instrument, Trade
from wickwatch.market.venues._util import (
    DECODE_ERRORS,
    INF,
    as_int,
    fail,
    malformed,
    positive,
    rows,
    tick_text,
)
from wickwatch.market.venues.base import VenueParser, register

if TYPE_CHECKING:
    from wickwatch.market.candles import RawTradeSink

EXCHANGE = "binance"


class _Trade(msgspec.Struct, tag_field="e", tag="trade", gc=False):
    s: str
    t: int
    p: float
    q: float
    T: int
    m: bool
    X: str = "MARKET"  #: futures only


class _AggTrade(msgspec.Struct, tag_field="e", tag="aggTrade", gc=False):
    s: str
    a: int
    p: float
    q: float
    T: int
    m: bool


_Event = _Trade | _AggTrade


class _Combined(msgspec.Struct, gc=False):
    data: _Event


# strict=False lets msgspec read Binance's quoted decimals ("61800.30") straight into floats.
_DECODE_RAW = msgspec.json.Decoder(_Event, strict=False).decode
_DECODE_COMBINED = msgspec.json.Decoder(_Combined, strict=False).decode

# --- fast path: the same events with every check done by msgspec, in C.

#: finite and > 0 (NaN fails ``gt``, inf fails ``le``)
_Positive = Annotated[float, msgspec.Meta(gt=0.0, le=sys.float_info.max)]


#: The fields of each event in the order Binance sends them (official samples and recordings:
#: futures ``trade`` puts ``T`` first and ``X`` before ``m``, futures ``aggTrade`` ``a`` before
#: ``s``). msgspec looks a key up starting after the previous key's field, so fields declared
#: in the frame's order are each found at the first comparison (~40 ns a frame less than one
#: shared order; any order decodes the same values). Renamed so both ids are ``id``: no type test.
_FAST_ORDER: dict[tuple[str, str], tuple[str, ...]] = {
    (SPOT, "trade"): ("s", "t", "p", "q", "T", "m", "X"),
    (FUTURES, "trade"): ("T", "s", "t", "p", "q", "X", "m"),
    (SPOT, "aggTrade"): ("s", "a", "p", "q", "T", "m"),
    (FUTURES, "aggTrade"): ("a", "s", "p", "q", "T", "m"),
}


def fast_decoder(market: str, symbols: Collection[str] = ()) -> Callable[[bytes | str], Any]:
    """The fast path's decoder for ``market``: a combined-stream ``trade`` / ``aggTrade`` frame
    to its event (``.s``, ``.id``, ``.p``, ``.q``, ``.T``, ``.m``), every check done in C.

    With ``symbols`` (the listed instruments), ``s`` is a ``Literal`` of them: msgspec then
    returns the listed string object itself instead of a new one per frame, so the builder's
    and the de-duplication's dictionaries hash nothing (the hash is cached in the string) and
    compare by identity. A symbol not (yet) listed fails this decoder and takes the checked
    path, which reads it as before.
    """
    sym: Any = Literal.__getitem__(tuple(sorted(symbols))) if symbols else str
    types: dict[str, tuple[Any, Any]] = {
        "s": (sym, msgspec.NODEFAULT),
        "t": (int, msgspec.field(name="t")),
        "a": (int, msgspec.field(name="a")),
        "p": (_Positive, msgspec.NODEFAULT),
        "q": (_Positive, msgspec.NODEFAULT),
        "T": (int, msgspec.NODEFAULT),
        "m": (bool, msgspec.NODEFAULT),
        #: another fill type (liquidation, ADL) fails here → checked path → []
        "X": (Literal["MARKET"], "MARKET"),
    }
    events = []
    for tag in ("trade", "aggTrade"):
        fields = []
        for key in _FAST_ORDER[(market, tag)]:
            typ, default = types[key]
            name = "id" if key in ("t", "a") else key
            fields.append((name, typ, default))
        events.append(
            msgspec.defstruct(
                f"_Fast{tag[0].upper()}{tag[1:]}",
                fields,
                tag_field="e",
                tag=tag,
                kw_only=True,
                gc=False,
            )
        )
    combined = msgspec.defstruct("_FastCombined", [("data", events[0] | events[1])], gc=False)
    return msgspec.json.Decoder(combined, strict=False).decode


#: third-last character of a combined-stream trade frame (``...e}}``) in a bytes frame (in a
#: str frame it is ``"e"``; two equality tests are cheaper than a set look-up)
_E = ord("e")
#: what trying the fast path may raise: anything sends the frame to the checked path, which
#: decides (None, [], trades or MalformedFrame) exactly as it always did
_FAST_MISS: tuple[type[BaseException], ...] = (LookupError, *DECODE_ERRORS)


#: Binance sends compact JSON with the envelope key (``stream``) or the event type (``e``) first,
#: so a trade frame is recognised from its first bytes: a combined-stream frame whose stream name
#: ends in ``trade`` / ``aggTrade`` (``...@aggTrade","data":``), or a raw event that starts with
#: ``{"e":"trade"`` / ``{"e":"aggTrade"``. Anything else (depth, bookTicker, kline, subscribe
#: answers, even ones whose ``id`` mentions "trade") is not decoded at all.
_HEAD = 96
_COMBINED_B = b'{"stream"'
_COMBINED_S = '{"stream"'
_STREAM_B = b'rade","data":'
_STREAM_S = 'rade","data":'
_RAW_B = (b'{"e":"trade"', b'{"e":"aggTrade"')
_RAW_S = ('{"e":"trade"', '{"e":"aggTrade"')


class _BinanceParser(VenueParser):
    exchange: ClassVar[str] = EXCHANGE

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        super().__init__(instruments)
        #: the venue key of :meth:`CandleBuilder.add_raw` (one object: compared by identity)
        self.venue = (EXCHANGE, self.market)

    def set_instruments(self, instruments: Iterable[Instrument]) -> None:
        super().set_instruments(instruments)
        symbols = frozenset(self.instruments)
        if symbols != getattr(self, "_fast_symbols", None):  # a refresh mostly lists the same
            self._fast_symbols = symbols
            self._decode_fast = fast_decoder(self.market, symbols)

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """One ``trade`` or ``aggTrade`` event, raw or in a combined-stream envelope (see
        :meth:`_parse_checked` for the shapes)."""
        # The fast path (module docstring): one C call decodes and checks a trade frame.
        try:
            peek = frame[-3]
            ev = self._decode_fast(frame).data if peek == "e" or peek == _E else None
        except _FAST_MISS:
            ev = None
        if ev is None:
            return self._parse_checked(frame, recv_ms)
        price = ev.p
        qty = ev.q
        return [
            Trade(
                EXCHANGE,
                self.market,
                ev.s,
                price,
                qty,
                price * qty,
                SELL if ev.m else BUY,
                ev.T,
                recv_ms,
                str(ev.id),
            )
        ]

    def feed_frame(self, frame: bytes | str, recv_ms: int, sink: RawTradeSink) -> int | None:
        """Like :meth:`parse_frame`, but each trade goes straight to ``sink.add_raw`` (a
        :class:`~wickwatch.market.candles.CandleBuilder`, or a de-duplicating stand-in with the
        same method): no ``Trade`` object, the id stays an int. Returns the number of trades
        handed over (0 for a liquidation fill), None for a frame without trades; raises
        :class:`MalformedFrame` like :meth:`parse_frame`, before handing anything over. The
        candles equal those of ``builder.add_frame(parse_frame(frame, recv_ms))``.
        """
        try:
            peek = frame[-3]
            ev = self._decode_fast(frame).data if peek == "e" or peek == _E else None
        except _FAST_MISS:
            ev = None
        if ev is not None:
            sink.add_raw(self.venue, ev.s, ev.T, ev.p, ev.q, not ev.m, recv_ms, ev.id)
            return 1
        trades = self._parse_checked(frame, recv_ms)
        if trades is None:
            return None
        for t in trades:
            sink.add_raw(
                self.venue,
                t.symbol,
                t.ts_ms,
                t.price,
                t.qty,
                t.side == BUY,
                recv_ms,
                int(t.trade_id),
            )
        return len(trades)

    def _parse_checked(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """One ``trade`` or ``aggTrade`` event, raw or in a combined-stream envelope.

        Spot ``trade`` (official docs sample)::

            {"e": "trade", "E": 1672515782136, "s": "BNBBTC", "t": 12345, "p": "0.001",
             "q": "100", "T": 1672515782136, "m": true, "M": true}

        USD-M futures ``trade`` (as received, combined stream)::

            {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,
             "s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}

        ``aggTrade`` (official docs sample, futures has no ``M``)::

            {"e": "aggTrade", "E": 1672515782136, "s": "BNBBTC", "a": 12345, "p": "0.001",
             "q": "100", "f": 100, "l": 105, "T": 1672515782136, "m": true, "M": true}
        """
        if type(frame) is bytes:
            if frame.startswith(_COMBINED_B):
                if frame.find(_STREAM_B, 10, _HEAD) < 0:
                    return None
                combined = True
            elif frame.startswith(_RAW_B):
                combined = False
            else:
                return None
        elif type(frame) is str:
            if frame.startswith(_COMBINED_S):
                if frame.find(_STREAM_S, 10, _HEAD) < 0:
                    return None
                combined = True
            elif frame.startswith(_RAW_S):
                combined = False
            else:
                return None
        else:
            return self._parse_checked(_as_bytes(frame), recv_ms)
        try:
            ev = _DECODE_COMBINED(frame).data if combined else _DECODE_RAW(frame)
        except DECODE_ERRORS as exc:
            raise malformed("binance trade frame", frame, exc) from None
        price = ev.p
        qty = ev.q
        if not (0.0 < price < INF and 0.0 < qty < INF):
            raise malformed(f"binance trade price/qty out of range: {price!r} {qty!r}", frame)
        if isinstance(ev, _Trade):
            if ev.X != "MARKET":
                return []
            tid = ev.t
        else:
            tid = ev.a
        return [
            Trade(
                EXCHANGE,
                self.market,
                ev.s,
                price,
                qty,
                price * qty,
                SELL if ev.m else BUY,
                ev.T,
                recv_ms,
                str(tid),
            )
        ]

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """Rows of ``aggTrades`` (id ``a``) or ``trades`` / ``historicalTrades`` (id ``id``).

        ``/api/v3/aggTrades`` (official docs sample; ``/fapi/v1/aggTrades`` has no ``M``)::

            [{"a": 26129, "p": "0.01633102", "q": "4.70443515", "f": 27781, "l": 27781,
              "T": 1498793709153, "m": true, "M": true}]

        ``/api/v3/trades`` (official docs sample; ``/fapi/v1/trades`` has no ``isBestMatch``)::

            [{"id": 28457, "price": "4.00000100", "qty": "12.00000000",
              "quoteQty": "48.000012", "time": 1499865549590, "isBuyerMaker": true,
              "isBestMatch": true}]
        """
        out: list[Trade] = []
        market = self.market
        for row in rows(payload, "binance trades"):
            try:
                if "a" in row:
                    tid, price, qty, ts, maker = row["a"], row["p"], row["q"], row["T"], row["m"]
                else:
                    tid, price = row["id"], row["price"]
                    qty, ts, maker = row["qty"], row["time"], row["isBuyerMaker"]
            except KeyError as exc:
                raise malformed(f"binance REST trade without {exc}", row) from None
            if not isinstance(maker, bool):
                fail("binance REST trade: buyer-maker flag is not a bool", row)
            p = positive(price, "price")
            q = positive(qty, "qty")
            out.append(
                Trade(
                    EXCHANGE,
                    market,
                    symbol,
                    p,
                    q,
                    p * q,
                    SELL if maker else BUY,
                    as_int(ts, "time"),
                    recv_ms,
                    str(as_int(tid, "id")),
                )
            )
        return out

    def _keep(self, sym: dict[str, Any]) -> bool:
        raise NotImplementedError

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        """``exchangeInfo`` symbols; ``trading`` is ``status == "TRADING"``.

        Shape (official docs, trimmed; futures adds ``contractType``, ``marginAsset``)::

            {"timezone": "UTC", "serverTime": 1565246363776, "symbols": [
              {"symbol": "ETHBTC", "status": "TRADING", "baseAsset": "ETH",
               "quoteAsset": "BTC", "filters": [{"filterType": "PRICE_FILTER",
               "minPrice": "0.00000100", "maxPrice": "100000.00000000",
               "tickSize": "0.00000100"}]}]}
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("symbols"), list):
            fail("binance exchangeInfo without a symbols list", payload)
        out: list[Instrument] = []
        for sym in rows(payload["symbols"], "binance symbols"):
            try:
                if not self._keep(dict(sym)):
                    continue
                tick = next(
                    f["tickSize"] for f in sym["filters"] if f.get("filterType") == "PRICE_FILTER"
                )
                symbol = sym["symbol"]
                out.append(
                    Instrument(
                        exchange=EXCHANGE,
                        market=self.market,
                        symbol=symbol,
                        base=sym["baseAsset"],
                        quote=sym["quoteAsset"],
                        trading=sym["status"] == "TRADING",
                        tick_size=tick_text(tick),
                        stream_symbol=symbol.lower(),
                    )
                )
            except (KeyError, TypeError, AttributeError, StopIteration) as exc:
                raise malformed("binance exchangeInfo symbol", sym, exc) from None
        return out


def _as_bytes(frame: object) -> bytes:
    if isinstance(frame, bytearray | memoryview):
        return bytes(frame)
    if isinstance(frame, bytes):  # a bytes subclass
        return bytes(frame)
    if isinstance(frame, str):
        return frame.encode()
    fail(f"frame is {type(frame).__name__}, not bytes or str")


@register
class BinanceSpotParser(_BinanceParser):
    """Binance spot (``stream.binance.com``)."""

    market: ClassVar[str] = SPOT

    def _keep(self, sym: dict[str, Any]) -> bool:
        return True


@register
class BinanceFuturesParser(_BinanceParser):
    """Binance USD-M futures (``fstream.binance.com``), perpetual contracts only.

    USD-M quantities are in base units already (``contract_size`` 1).
    """

    market: ClassVar[str] = FUTURES

    def _keep(self, sym: dict[str, Any]) -> bool:
        # Quarterly delivery contracts (CURRENT_QUARTER...) and TRADIFI perps are left out.
        return bool(sym.get("contractType") == "PERPETUAL")
