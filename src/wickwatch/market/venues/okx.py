"""OKX v5: ``trades`` / ``trades-all`` channels, public instruments, market trades REST.

Symbols are OKX ``instId`` values: spot ``BTC-USDT``, linear perpetual swap ``BTC-USDT-SWAP``.

Sizes: spot ``sz`` is base currency; swap ``sz`` is a number of contracts, and one contract is
``ctVal × ctMult`` units of ``ctValCcy``. Only linear swaps whose ``ctValCcy`` is the base
currency are listed (inverse ``BTC-USD-SWAP`` and any swap whose ``ctValCcy`` is not the base
are skipped), so base qty = ``sz × contract_size``.
The swap parser therefore needs its instruments (``parse_instruments`` output) before it sees
frames; a swap trade of an unknown ``instId`` is a :class:`MalformedFrame`.

Trade ids (``tradeId``, numeric text, increasing per instrument):

* ``trades`` (``/ws/v5/public``) aggregates the fills of one taker order at one price: one row
  per taker order × price × source, with ``count`` fills, and ``tradeId`` is the LAST fill id of
  the aggregation (fills ``tradeId - count + 1 .. tradeId``). Its size is the sum.
* ``trades-all`` (``/ws/v5/business``) pushes every fill with its own id.
* REST ``/api/v5/market/trades`` (latest ≤500) and ``/api/v5/market/history-trades``
  (paginate with ``type=1`` and ``after``/``before`` trade ids) return single fills, so their ids
  equal ``trades-all`` ids. A backfill next to the aggregated ``trades`` channel must
  de-duplicate by "id greater than the last live id", not by id equality.

The snapshot of the last trade pushed right after subscribing is a real trade and is returned.
Subscribe/unsubscribe/error events and the text ``pong`` return ``None``.
``source`` 1 (Enhanced Liquidity Program) fills are order-book trades and are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import msgspec

from wickwatch.market.types import FUTURES, SPOT, Instrument, MalformedFrame, Trade
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

EXCHANGE = "okx"


class _Trade(msgspec.Struct, gc=False):
    instId: str
    tradeId: str
    px: float
    sz: float
    side: Literal["buy", "sell"]
    ts: int


class _Arg(msgspec.Struct, gc=False):
    channel: str
    instId: str = ""


class _Push(msgspec.Struct, gc=False):
    arg: _Arg | None = None
    data: list[_Trade] | None = None
    event: str | None = None


_DECODE = msgspec.json.Decoder(_Push, strict=False).decode

_HEAD = 64
_MARK_B = b'"channel":"trades'
_MARK_S = '"channel":"trades'


class _OkxParser(VenueParser):
    exchange: ClassVar[str] = EXCHANGE
    _inst_type: ClassVar[str]

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._contract: dict[str, float] = {}
        super().__init__(instruments)

    def set_instruments(self, instruments: Iterable[Instrument]) -> None:
        super().set_instruments(instruments)
        self._contract = {s: i.contract_size for s, i in self.instruments.items()}

    def _size_factor(self, inst_id: str, frame: object) -> float:
        return 1.0

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """One ``trades`` / ``trades-all`` push (official docs sample)::

            {"arg": {"channel": "trades", "instId": "BTC-USDT"},
             "data": [{"instId": "BTC-USDT", "tradeId": "130639474", "px": "42219.9",
                       "sz": "0.12060306", "side": "buy", "ts": "1630048897897",
                       "count": "3", "source": "0", "seqId": 1234}]}

        Subscription answer (→ ``None``)::

            {"id": "1512", "event": "subscribe",
             "arg": {"channel": "trades", "instId": "BTC-USDT"}, "connId": "a4d3ae55"}
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
            raise malformed("okx trades push", frame, exc) from None
        if push.event is not None:
            return None  # subscribe / unsubscribe / error answer
        data = push.data
        if not data:
            fail("okx trades push without data", frame)
        market = self.market
        out: list[Trade] = []
        factor = -1.0
        last_inst = ""
        for t in data:
            if t.instId != last_inst:
                factor = self._size_factor(t.instId, frame)
                last_inst = t.instId
            price = t.px
            qty = t.sz * factor
            if not (0.0 < price < INF and 0.0 < qty < INF):
                fail(f"okx trade px/sz out of range: {t.px!r} {t.sz!r}", frame)
            out.append(
                Trade(
                    EXCHANGE,
                    market,
                    t.instId,
                    price,
                    qty,
                    price * qty,
                    t.side,
                    t.ts,
                    recv_ms,
                    t.tradeId,
                )
            )
        return out

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """``/api/v5/market/trades`` or ``/api/v5/market/history-trades`` (official sample)::

            {"code": "0", "msg": "", "data": [
              {"instId": "BTC-USDT", "side": "sell", "sz": "0.00001", "px": "29963.2",
               "source": "0", "tradeId": "242720720", "ts": "1654161646974"}]}

        Rows come newest first; they are returned in that order.
        """
        if not isinstance(payload, dict) or str(payload.get("code", "0")) != "0":
            fail("okx trades answer is not a success", payload)
        out: list[Trade] = []
        market = self.market
        for row in rows(payload.get("data"), "okx trades"):
            inst = row.get("instId", symbol)
            if inst != symbol:
                fail(f"okx REST trade of {inst!r}, asked for {symbol!r}", row)
            side = row.get("side")
            if side not in ("buy", "sell"):
                fail(f"okx REST trade side {side!r}", row)
            price = positive(row.get("px"), "px")
            qty = positive(row.get("sz"), "sz") * self._size_factor(symbol, row)
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
        """``/api/v5/public/instruments?instType=SPOT|SWAP``; ``trading`` is ``state == live``."""
        if not isinstance(payload, dict) or str(payload.get("code", "0")) != "0":
            fail("okx instruments answer is not a success", payload)
        out: list[Instrument] = []
        for row in rows(payload.get("data"), "okx instruments"):
            try:
                inst = self._instrument(row)
            except MalformedFrame:
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise malformed("okx instrument", row, exc) from None
            if inst is not None:
                out.append(inst)
        return out

    def _instrument(self, row: Any) -> Instrument | None:
        raise NotImplementedError


@register
class OkxSpotParser(_OkxParser):
    """OKX spot (``instType`` SPOT); ``sz`` is base currency."""

    market: ClassVar[str] = SPOT

    def _instrument(self, row: Any) -> Instrument | None:
        """Spot row (official docs, trimmed)::

        {"instType": "SPOT", "instId": "BTC-USDT", "baseCcy": "BTC", "quoteCcy": "USDT",
         "tickSz": "0.1", "lotSz": "0.00000001", "state": "live"}
        """
        if row.get("instType", "SPOT") != "SPOT":
            return None
        return Instrument(
            exchange=EXCHANGE,
            market=SPOT,
            symbol=text(row, "instId"),
            base=text(row, "baseCcy"),
            quote=text(row, "quoteCcy"),
            trading=row.get("state") == "live",
            tick_size=tick_text(row["tickSz"]),
        )


@register
class OkxFuturesParser(_OkxParser):
    """OKX linear USDT/USDC perpetual swaps (``instType`` SWAP); ``sz`` is contracts."""

    market: ClassVar[str] = FUTURES

    def _size_factor(self, inst_id: str, frame: object) -> float:
        try:
            return self._contract[inst_id]
        except KeyError:
            fail(f"okx swap {inst_id!r} has no contract size (instruments not loaded?)", frame)

    def _instrument(self, row: Any) -> Instrument | None:
        """Swap row (official docs, trimmed)::

        {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "uly": "BTC-USDT",
         "instFamily": "BTC-USDT", "settleCcy": "USDT", "ctVal": "0.01", "ctMult": "1",
         "ctValCcy": "BTC", "ctType": "linear", "tickSz": "0.1", "lotSz": "1",
         "state": "live"}
        """
        if row.get("instType", "SWAP") != "SWAP" or row.get("ctType") != "linear":
            return None  # inverse swaps (BTC-USD-SWAP) and other types are out of scope
        family = str(row.get("instFamily") or row.get("uly") or "")
        base, _, quote = family.partition("-")
        settle = row.get("settleCcy")
        if settle not in ("USDT", "USDC") or quote != settle:
            return None
        if row.get("ctValCcy") != base:
            return None  # contract not counted in the base currency: sizes can't be converted
        ct_val = positive(row["ctVal"], "ctVal") * positive(row.get("ctMult", "1"), "ctMult")
        return Instrument(
            exchange=EXCHANGE,
            market=FUTURES,
            symbol=text(row, "instId"),
            base=base,
            quote=quote,
            trading=row.get("state") == "live",
            tick_size=tick_text(row["tickSz"]),
            contract_size=ct_val,
        )
