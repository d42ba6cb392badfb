"""Gate v4: ``spot.trades`` and ``futures.trades`` (USDT-settled), pairs/contracts, trades REST.

The recordings in ``realdata/cryptofeed/GATEIO*.gz`` are already API v4 (``/ws/v4/``,
``channel``/``event``/``result`` envelope). ``GATEIO.ws.1.0.gz`` has 9 ``spot.trades`` updates;
``GATEIO_FUTURES.ws.1.0.gz`` has only the ``futures.trades`` subscribe answer, no trade.

Sizes: spot ``amount`` is base currency. Futures ``size`` is a signed number of contracts
(negative = the taker sold); base qty = ``|size| × quanto_multiplier`` from
``/api/v4/futures/usdt/contracts``, so the futures parser needs its instruments first; a trade
of an unknown contract is a :class:`MalformedFrame`.

Ids: ``id`` is per pair/contract and is the same in WS and REST (spot REST sends it as text).
Times: ``create_time_ms`` is ms (spot sends it as text with a fraction, ``"1606292218213.4578"``,
truncated to whole ms); futures REST may give only ``create_time`` in seconds with a fraction.

Futures trades flagged ``is_internal`` (insurance-fund takeover of liquidations and ADL: not
matched on the book, left out of Gate's own candles) are dropped.
Subscribe answers (``"event":"subscribe"``) give ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import msgspec

from wickwatch.market.types import BUY, FUTURES, SELL, SPOT, Instrument, MalformedFrame, Trade
from wickwatch.market.venues._util import (
    DECODE_ERRORS,
    INF,
    decimals_tick,
    fail,
    malformed,
    positive,
    rows,
    text,
    tick_text,
)
from wickwatch.market.venues.base import VenueParser, register

EXCHANGE = "gate"


class _SpotTrade(msgspec.Struct, gc=False):
    id: int
    create_time_ms: float
    side: Literal["buy", "sell"]
    currency_pair: str
    amount: float
    price: float


class _SpotPush(msgspec.Struct, gc=False):
    channel: str
    event: str
    result: _SpotTrade


class _FutTrade(msgspec.Struct, gc=False):
    id: int
    create_time_ms: float
    contract: str
    size: float
    price: float
    is_internal: bool = False


class _FutPush(msgspec.Struct, gc=False):
    channel: str
    event: str
    result: list[_FutTrade]


_DECODE_SPOT = msgspec.json.Decoder(_SpotPush, strict=False).decode
_DECODE_FUT = msgspec.json.Decoder(_FutPush, strict=False).decode

_HEAD = 96
_UPDATE_B, _UPDATE_S = b'"event":"update"', '"event":"update"'


class _GateParser(VenueParser):
    exchange: ClassVar[str] = EXCHANGE
    _mark_b: ClassVar[bytes]
    _mark_s: ClassVar[str]

    def _is_update(self, frame: bytes | str) -> bool:
        """Channel marker and ``"event":"update"`` in the frame's first bytes."""
        if isinstance(frame, bytes):
            return (
                frame.find(self._mark_b, 0, _HEAD) >= 0
                and frame.find(_UPDATE_B, 0, _HEAD + 32) >= 0
            )
        if isinstance(frame, str):
            return (
                frame.find(self._mark_s, 0, _HEAD) >= 0
                and frame.find(_UPDATE_S, 0, _HEAD + 32) >= 0
            )
        fail(f"frame is {type(frame).__name__}, not bytes or str")


def _rest_ts_ms(row: Any) -> int:
    ms = row.get("create_time_ms")
    if ms is not None:
        return int(positive(ms, "create_time_ms"))
    return round(positive(row.get("create_time"), "create_time") * 1000.0)


@register
class GateSpotParser(_GateParser):
    """Gate spot (``wss://api.gateio.ws/ws/v4/``)."""

    market: ClassVar[str] = SPOT
    _mark_b: ClassVar[bytes] = b'"channel":"spot.trades"'
    _mark_s: ClassVar[str] = '"channel":"spot.trades"'

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """One ``spot.trades`` update (official docs sample)::

        {"time": 1606292218, "time_ms": 1606292218231, "channel": "spot.trades",
         "event": "update", "result": {"id": 309143071, "create_time": 1606292218,
         "create_time_ms": "1606292218213.4578", "side": "sell",
         "currency_pair": "GT_USDT", "amount": "16.4700000000",
         "price": "0.4705000000", "range": "2390902-2390902"}}
        """
        if not self._is_update(frame):
            return None
        try:
            t = _DECODE_SPOT(frame).result
        except DECODE_ERRORS as exc:
            raise malformed("gate spot.trades update", frame, exc) from None
        price = t.price
        qty = t.amount
        if not (0.0 < price < INF and 0.0 < qty < INF):
            fail(f"gate spot trade price/amount out of range: {price!r} {qty!r}", frame)
        if not 0.0 < t.create_time_ms < INF:
            fail(f"gate spot trade time out of range: {t.create_time_ms!r}", frame)
        return [
            Trade(
                EXCHANGE,
                SPOT,
                t.currency_pair,
                price,
                qty,
                price * qty,
                t.side,
                int(t.create_time_ms),
                recv_ms,
                str(t.id),
            )
        ]

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """``GET /api/v4/spot/trades?currency_pair=..`` (official docs sample, public fields)::

        [{"id": "1232893232", "create_time": "1548000000",
          "create_time_ms": "1548000000123.456", "currency_pair": "BTC_USDT",
          "side": "sell", "amount": "0.15", "price": "7495.2", "sequence_id": "588018"}]
        """
        out: list[Trade] = []
        for row in rows(payload, "gate spot trades"):
            if row.get("currency_pair", symbol) != symbol:
                fail(f"gate REST trade of {row.get('currency_pair')!r}, not {symbol!r}", row)
            side = row.get("side")
            if side not in ("buy", "sell"):
                fail(f"gate REST trade side {side!r}", row)
            price = positive(row.get("price"), "price")
            qty = positive(row.get("amount"), "amount")
            out.append(
                Trade(
                    EXCHANGE,
                    SPOT,
                    symbol,
                    price,
                    qty,
                    price * qty,
                    side,
                    _rest_ts_ms(row),
                    recv_ms,
                    text(row, "id"),
                )
            )
        return out

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        """``GET /api/v4/spot/currency_pairs`` (official docs sample, trimmed); tick is
        ``10^-precision``; ``trading`` unless ``trade_status`` is ``untradable`` (Gate's own
        SDK: "untradable: cannot be bought or sold - buyable: can be bought - sellable: can be
        sold - tradable: can be bought or sold"; a pair winding down is ``sellable`` and still
        prints trades)::

            [{"id": "ETH_USDT", "base": "ETH", "quote": "USDT", "fee": "0.2",
              "min_base_amount": "0.001", "min_quote_amount": "1.0", "amount_precision": 3,
              "precision": 6, "trade_status": "tradable", "sell_start": 1516378650,
              "buy_start": 1516378650}]
        """
        out: list[Instrument] = []
        for row in rows(payload, "gate currency pairs"):
            try:
                precision = row["precision"]
                if isinstance(precision, bool) or not isinstance(precision, int):
                    fail(f"gate precision is not an integer: {precision!r}", row)
                out.append(
                    Instrument(
                        exchange=EXCHANGE,
                        market=SPOT,
                        symbol=text(row, "id"),
                        base=text(row, "base"),
                        quote=text(row, "quote"),
                        trading=row.get("trade_status", "tradable") != "untradable",
                        tick_size=decimals_tick(precision),
                    )
                )
            except MalformedFrame:
                raise
            except (KeyError, TypeError) as exc:
                raise malformed("gate currency pair", row, exc) from None
        return out


@register
class GateFuturesParser(_GateParser):
    """Gate USDT-settled perpetuals (``wss://fx-ws.gateio.ws/v4/ws/usdt``)."""

    market: ClassVar[str] = FUTURES
    _mark_b: ClassVar[bytes] = b'"channel":"futures.trades"'
    _mark_s: ClassVar[str] = '"channel":"futures.trades"'

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._multiplier: dict[str, float] = {}
        super().__init__(instruments)

    def set_instruments(self, instruments: Iterable[Instrument]) -> None:
        super().set_instruments(instruments)
        self._multiplier = {s: i.contract_size for s, i in self.instruments.items()}

    def _mult(self, contract: str, where: object) -> float:
        try:
            return self._multiplier[contract]
        except KeyError:
            fail(f"gate contract {contract!r} has no quanto_multiplier (no instruments?)", where)

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """One ``futures.trades`` update (official docs sample)::

        {"channel": "futures.trades", "event": "update", "time": 1541503698,
         "time_ms": 1541503698123, "result": [{"size": -108, "id": 27753479,
         "create_time": 1545136464, "create_time_ms": 1545136464123,
         "price": "96.4", "contract": "BTC_USD"}]}
        """
        if not self._is_update(frame):
            return None
        try:
            result = _DECODE_FUT(frame).result
        except DECODE_ERRORS as exc:
            raise malformed("gate futures.trades update", frame, exc) from None
        if not result:
            fail("gate futures.trades update without trades", frame)
        out: list[Trade] = []
        for t in result:
            price = t.price
            size = t.size
            mult = self._mult(t.contract, frame)
            qty = abs(size) * mult
            if not (0.0 < price < INF and 0.0 < qty < INF):
                fail(f"gate futures trade price/size out of range: {price!r} {size!r}", frame)
            if not 0.0 < t.create_time_ms < INF:
                fail(f"gate futures trade time out of range: {t.create_time_ms!r}", frame)
            if t.is_internal:
                continue
            out.append(
                Trade(
                    EXCHANGE,
                    FUTURES,
                    t.contract,
                    price,
                    qty,
                    price * qty,
                    BUY if size > 0 else SELL,
                    int(t.create_time_ms),
                    recv_ms,
                    str(t.id),
                )
            )
        return out

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """``GET /api/v4/futures/usdt/trades?contract=..`` (official docs sample)::

        [{"id": 121234231, "create_time": 1514764800.123, "contract": "BTC_USDT",
          "size": -100, "price": "100.123"}]
        """
        out: list[Trade] = []
        mult = self._mult(symbol, payload) if isinstance(payload, list) and payload else 1.0
        for row in rows(payload, "gate futures trades"):
            if row.get("contract", symbol) != symbol:
                fail(f"gate REST trade of {row.get('contract')!r}, not {symbol!r}", row)
            size = row.get("size")
            try:
                signed = float(size)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                fail(f"gate REST trade size {size!r}", row)
            if isinstance(size, bool) or not 0.0 < abs(signed) < INF:
                fail(f"gate REST trade size {size!r}", row)
            if row.get("is_internal") is True:
                continue
            price = positive(row.get("price"), "price")
            qty = abs(signed) * mult
            out.append(
                Trade(
                    EXCHANGE,
                    FUTURES,
                    symbol,
                    price,
                    qty,
                    price * qty,
                    BUY if signed > 0 else SELL,
                    _rest_ts_ms(row),
                    recv_ms,
                    text(row, "id"),
                )
            )
        return out

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        """``GET /api/v4/futures/usdt/contracts`` (official docs sample, trimmed); tick is
        ``order_price_round``, contract size ``quanto_multiplier``; inverse contracts are
        skipped. ``trading`` unless the contract is delisted: ``status`` ``delisted``, or
        ``in_delisting`` with no open position (the docs: "``in_delisting=true`` and
        position_size>0 indicates the contract is in delisting transition period" — it still
        trades, positions are being closed — "``in_delisting=true`` and position_size=0
        indicates the contract is delisted")::

            [{"name": "BTC_USDT", "type": "direct", "quanto_multiplier": "0.0001",
              "order_price_round": "0.1", "mark_price_round": "0.01",
              "in_delisting": false, "status": "trading"}]
        """
        out: list[Instrument] = []
        for row in rows(payload, "gate contracts"):
            try:
                if row.get("type", "direct") != "direct":
                    continue
                name = text(row, "name")
                base, _, quote = name.partition("_")
                if not base or quote not in ("USDT", "USDC"):
                    continue
                trading = row.get("status") != "delisted" and not (
                    row.get("in_delisting") is True and _no_position(row.get("position_size"))
                )
                out.append(
                    Instrument(
                        exchange=EXCHANGE,
                        market=FUTURES,
                        symbol=name,
                        base=base,
                        quote=quote,
                        trading=trading,
                        tick_size=tick_text(row["order_price_round"]),
                        contract_size=positive(row["quanto_multiplier"], "quanto_multiplier"),
                    )
                )
            except MalformedFrame:
                raise
            except (KeyError, TypeError) as exc:
                raise malformed("gate contract", row, exc) from None
        return out


def _no_position(size: object) -> bool:
    """``position_size`` (a number or its text) is zero or absent."""
    try:
        return float(size) == 0.0 if isinstance(size, int | float | str) else True
    except ValueError:
        return True
