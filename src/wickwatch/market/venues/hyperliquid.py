"""Hyperliquid: ``trades`` subscription, ``meta`` / ``spotMeta`` info, ``recentTrades`` info.

One WebSocket (``wss://api.hyperliquid.xyz/ws``) serves both markets; ``coin`` says which:

* perpetuals are named by their coin (``BTC``, ``ETH``; builder-deployed ``dex:NAME``), quoted
  in USDC, sizes in coin units;
* spot pairs are ``PURR/USDC`` (the one legacy name) or ``@<pair index>`` (``@107``). The real
  token names come from ``spotMeta``: ``universe[i].tokens`` = ``[base, quote]`` token indices
  into ``tokens`` (matched on each token's ``index`` field). ``Instrument.symbol`` keeps the
  name trades carry (``@107``); ``base`` / ``quote`` are the resolved names (``HYPE`` / ``USDC``).
  :meth:`HyperliquidSpotParser.names` resolves a symbol once instruments are set.

``side`` is the taker side: ``B`` (bid) = taker bought, ``A`` (ask) = taker sold.
``tid`` (integer) is the trade id, the same in the WS stream and in ``recentTrades``.

The first push after subscribing is a snapshot of recent trades: real trades, returned as such.
Subscription answers (``{"channel":"subscriptionResponse",...}``) and ``{"channel":"pong"}``
give ``None``.

Backfill: Hyperliquid has no public paginated trade history. The info request
``{"type":"recentTrades","coin":...}`` returns only the latest trades (same row shape as the
stream), parsed by :meth:`parse_rest_trades`; a gap longer than that window cannot be filled.

Tick size: Hyperliquid prices allow at most 5 significant figures and at most
``6 - szDecimals`` (perps) / ``8 - szDecimals`` (spot) decimals; ``tick_size`` is that decimal
limit (the finest tick; at high prices the 5-significant-figure rule makes it coarser).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import msgspec

from wickwatch.market.types import BUY, FUTURES, SELL, SPOT, Instrument, MalformedFrame, Trade
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
)
from wickwatch.market.venues.base import VenueParser, register

EXCHANGE = "hyperliquid"

_SIDE = {"B": BUY, "A": SELL}


class _Trade(msgspec.Struct, gc=False):
    coin: str
    side: Literal["B", "A"]
    px: float
    sz: float
    time: int
    tid: int


class _Push(msgspec.Struct, gc=False):
    channel: str
    data: list[_Trade]


_DECODE = msgspec.json.Decoder(_Push, strict=False).decode

_HEAD = 32
_MARK_B = b'"channel":"trades"'
_MARK_S = '"channel":"trades"'


class _HyperliquidParser(VenueParser):
    exchange: ClassVar[str] = EXCHANGE

    def parse_frame(self, frame: bytes | str, recv_ms: int) -> list[Trade] | None:
        """One ``trades`` push (official docs ``WsTrade`` shape)::

        {"channel": "trades", "data": [{"coin": "BTC", "side": "B", "px": "72581.0",
          "sz": "0.00017", "time": 1787259217020,
          "hash": "0x0000000000000000000000000000000000000000000000000000000000000000",
          "tid": 877707108085800,
          "users": ["0x9b54264d7502f80163ea949038aad771eae67e38",
                    "0x706bb519b05b7dc01d048af9a5e29d1ef5d6d9e3"]}]}
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
            data = _DECODE(frame).data
        except DECODE_ERRORS as exc:
            raise malformed("hyperliquid trades push", frame, exc) from None
        if not data:
            fail("hyperliquid trades push without data", frame)
        market = self.market
        out: list[Trade] = []
        for t in data:
            price = t.px
            qty = t.sz
            if not (0.0 < price < INF and 0.0 < qty < INF):
                fail(f"hyperliquid trade px/sz out of range: {price!r} {qty!r}", frame)
            out.append(
                Trade(
                    EXCHANGE,
                    market,
                    t.coin,
                    price,
                    qty,
                    price * qty,
                    BUY if t.side == "B" else SELL,
                    t.time,
                    recv_ms,
                    str(t.tid),
                )
            )
        return out

    def parse_rest_trades(self, symbol: str, payload: Any, recv_ms: int) -> list[Trade]:
        """POST ``/info`` ``{"type": "recentTrades", "coin": "BTC"}``: a list of ``WsTrade``::

        [{"coin": "BTC", "side": "A", "px": "104320.0", "sz": "0.01500",
          "hash": "0x...", "time": 1769916002000, "tid": 300003,
          "users": ["0xbuyer", "0xseller"]}]
        """
        out: list[Trade] = []
        market = self.market
        for row in rows(payload, "hyperliquid recentTrades"):
            if row.get("coin", symbol) != symbol:
                fail(f"hyperliquid REST trade of {row.get('coin')!r}, not {symbol!r}", row)
            raw_side = row.get("side")
            side = _SIDE.get(raw_side) if isinstance(raw_side, str) else None
            if side is None:
                fail(f"hyperliquid REST trade side {row.get('side')!r}", row)
            price = positive(row.get("px"), "px")
            qty = positive(row.get("sz"), "sz")
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
                    str(as_int(row.get("tid"), "tid")),
                )
            )
        return out


def _meta_dict(payload: Any, what: str) -> Mapping[str, Any]:
    # ``metaAndAssetCtxs`` / ``spotMetaAndAssetCtxs`` answer ``[meta, ctxs]``: take the meta.
    if isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], Mapping):
        payload = payload[0]
    if not isinstance(payload, Mapping) or not isinstance(payload.get("universe"), list):
        fail(f"hyperliquid {what} without a universe list", payload)
    return payload


@register
class HyperliquidFuturesParser(_HyperliquidParser):
    """Hyperliquid perpetuals (USDC-margined)."""

    market: ClassVar[str] = FUTURES

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        """POST ``/info`` ``{"type": "meta"}`` (official docs sample)::

            {"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
                          {"name": "ETH", "szDecimals": 4, "maxLeverage": 50},
                          {"name": "HPOS", "szDecimals": 0, "maxLeverage": 3,
                           "onlyIsolated": true, "isDelisted": true}],
             "marginTables": [...]}

        Delisted perps are kept with ``trading`` false.
        """
        out: list[Instrument] = []
        for row in rows(_meta_dict(payload, "meta")["universe"], "hyperliquid universe"):
            try:
                sz_decimals = as_int(row["szDecimals"], "szDecimals")
                out.append(
                    Instrument(
                        exchange=EXCHANGE,
                        market=FUTURES,
                        symbol=text(row, "name"),
                        base=text(row, "name"),
                        quote="USDC",
                        trading=not row.get("isDelisted", False),
                        tick_size=decimals_tick(6 - sz_decimals),
                    )
                )
            except MalformedFrame:
                raise
            except (KeyError, TypeError) as exc:
                raise malformed("hyperliquid perp", row, exc) from None
        return out


@register
class HyperliquidSpotParser(_HyperliquidParser):
    """Hyperliquid spot pairs (``PURR/USDC``, ``@107``...)."""

    market: ClassVar[str] = SPOT

    def names(self, symbol: str) -> tuple[str, str]:
        """``(base, quote)`` token names of a spot symbol (``@107`` → ``("HYPE", "USDC")``)."""
        try:
            inst = self.instruments[symbol]
        except KeyError:
            raise malformed(
                f"hyperliquid spot pair {symbol!r} unknown (spotMeta not set?)"
            ) from None
        return inst.base, inst.quote

    def parse_instruments(self, payload: Any) -> list[Instrument]:
        """POST ``/info`` ``{"type": "spotMeta"}`` (official docs sample)::

        {"tokens": [{"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0,
                     "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054",
                     "isCanonical": true},
                    {"name": "PURR", "szDecimals": 0, "weiDecimals": 5, "index": 1,
                     "tokenId": "0xc1fb593aeffbeb02f85e0308e9956a90",
                     "isCanonical": true}],
         "universe": [{"name": "PURR/USDC", "tokens": [1, 0], "index": 0,
                       "isCanonical": true}]}
        """
        meta = _meta_dict(payload, "spotMeta")
        tokens: dict[int, Mapping[str, Any]] = {}
        for pos, tok in enumerate(rows(meta.get("tokens"), "hyperliquid tokens")):
            tokens[as_int(tok.get("index", pos), "token index")] = tok
        out: list[Instrument] = []
        for row in rows(meta["universe"], "hyperliquid spot universe"):
            try:
                base_i, quote_i = row["tokens"]
                base, quote = tokens[as_int(base_i)], tokens[as_int(quote_i)]
                sz_decimals = as_int(base["szDecimals"], "szDecimals")
                out.append(
                    Instrument(
                        exchange=EXCHANGE,
                        market=SPOT,
                        symbol=text(row, "name"),
                        base=text(base, "name"),
                        quote=text(quote, "name"),
                        trading=True,
                        tick_size=decimals_tick(8 - sz_decimals),
                    )
                )
            except MalformedFrame:
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise malformed("hyperliquid spot pair", row, exc) from None
        return out
