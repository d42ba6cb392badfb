"""Bitget v2 spot and USDT-M / USDC-M perpetuals: the public ``trade`` channel.

One public endpoint serves every product (``wss://ws.bitget.com/v2/ws/public``); ``instType``
says which (``SPOT``, ``USDT-FUTURES``, ``USDC-FUTURES``)::

    → {"op": "subscribe", "args": [{"instType": "SPOT", "channel": "trade", "instId": "BTCUSDT"}]}
    ← {"event": "subscribe", "arg": {"instType": "SPOT", "channel": "trade", "instId": "BTCUSDT"}}
    ← {"event": "error", "arg": {...}, "code": 30001, "op": "subscribe",
       "msg": "instType:SPOT,channel:trade,instId:XYZUSDT doesn't exist"}
    ← {"action": "snapshot", "arg": {...}, "data": [... latest trades ...]}      (after the answer)
    ← {"action": "update", "arg": {...}, "data": [...]}
    → ping       ← pong                                                    (plain text)

Requests carry no id and every arg gets its own answer: answers are matched by ``instId`` (the
connector remembers which request carried each name).

Keep-alive: the server drops a connection that sent no ``ping`` for 2 minutes, whatever the
traffic, so the probe goes out at a fixed cadence (``ping_always``).

Snapshot: right after each subscribe answer Bitget pushes the latest trades of the instrument
(50 in the recordings, newest first). Trade ids grow with time, so after a reconnect a snapshot
that reaches back to the last trade seen proves nothing was missed (:meth:`follows`): quiet
symbols need no REST call.

Backfill: ``fills`` (latest ≤ 500 spot / ≤ 100 futures, newest first), then ``fills-history``
pages (``idLessThan``, ≤ 1000 each) back to the last trade seen. Spot ``fills-history`` gives
trade times in whole seconds (documented), which keeps them in the right one-second candle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import msgspec
import orjson

from wickwatch.market.connectors._connection import now_ms
from wickwatch.market.connectors.base import (
    Ack,
    Backfill,
    Control,
    Ignored,
    Pong,
    Rejected,
    Since,
    Until,
    VenueConnector,
)
from wickwatch.market.connectors.config import Endpoints, VenueLimits
from wickwatch.market.connectors.rest import RestClient
from wickwatch.market.types import FUTURES, SPOT, Instrument, Trade

CHANNEL = "trade"
_INST = re.compile(r"instId:([A-Za-z0-9_\-]+)")
#: 30006 "request too many", 30007 "request over limit, connection close" (Bitget WebSocket error
#: codes); the text check catches the same answer without its code.
_LIMIT_CODES = frozenset({"30006", "30007"})
_HISTORY_PAGE = 1000  # fills-history: limit ≤ 1000

# www.bitget.com/api-doc/common/websocket-intro ("Connect"): 300 connection requests per IP per
# 5 minutes, at most 100 connections per IP; 240 subscription requests per hour per connection,
# at most 1000 channels per connection, "we highly recommend you to subscribe less than 50
# channels in one connection"; up to 10 messages per second per connection (the string "ping"
# included; more closes the connection); the connection is dropped without a "ping" for 2 minutes
# and forcibly every 24 hours. "#subscribe": the args of one request may total at most 4096 bytes.
# REST (spot/contract "market" pages): fills and fills-history 10 requests per second per IP
# (contract fills 20/s), symbols/contracts 20/s: one budget of 10 per second.
# Our choices: 49 channels per connection (under the recommended 50), 50 connections per market
# (two markets share the per-IP 100).
_LIMITS = VenueLimits(
    streams_per_connection=49,
    args_per_request=49,
    messages_per_window=10,
    message_window_s=1.0,
    subscribe_ops_per_window=240,
    subscribe_ops_window_s=3600.0,
    connects_per_window=300,
    connect_window_s=300.0,
    max_connections=50,
    max_request_chars=4096,
    max_lifetime_s=24 * 3600.0,
    rest_weight_per_window=10,
    rest_window_s=1.0,
)


def _in_order(trades: list[Trade], after_ms: int) -> list[Trade]:
    """Trades (in id order, after one at ``after_ms``) with times never going back.

    Spot ``fills-history`` truncates times to the second: such a time is raised to the one of
    the trade before it. The result stays within the trade's real second (truncated ≤ raised ≤
    real, as real times grow with ids), so candles get the trade in its second and in its order.
    """
    out: list[Trade] = []
    floor = after_ms
    for trade in trades:
        if trade.ts_ms < floor:
            trade = msgspec.structs.replace(trade, ts_ms=floor)
        floor = trade.ts_ms
        out.append(trade)
    return out


class _Bitget(VenueConnector):
    exchange: ClassVar[str] = "bitget"
    limits: ClassVar[VenueLimits] = _LIMITS
    ping_always: ClassVar[bool] = True
    snapshot_on_subscribe: ClassVar[bool] = True
    default_endpoints: ClassVar[Endpoints] = Endpoints(
        rest_url="https://api.bitget.com", ws_url="wss://ws.bitget.com/v2/ws/public"
    )
    #: The ``instType`` values (= REST ``productType``) this market lists; the first is the default.
    products: ClassVar[tuple[str, ...]]
    fills_path: ClassVar[str]
    history_path: ClassVar[str]
    recent_limit: ClassVar[int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inst_type: dict[str, str] = {}  # instId → instType
        self._req_of: dict[str, str] = {}  # instId → id of the last request that carried it

    # -- REST --

    def _product_params(self, symbol: str) -> dict[str, str | int]:
        return {}

    async def backfill(self, rest: RestClient, symbol: str, since: Since, until: Until) -> Backfill:
        """Latest ``fills``, then ``fills-history`` pages until the last trade seen is reached."""
        last = int(since.trade_id) if since.trade_id is not None else None
        # Without a last trade the gap is bounded by time, and spot ``fills-history`` gives
        # whole seconds: a trade made after ``since`` in its own second carries a time before
        # it. So the bound is that second's start (no trade of the symbol was seen to repeat).
        since_ms = since.ts_ms - since.ts_ms % 1000

        def reached(page: list[Trade]) -> bool:
            if last is not None:
                return min(int(t.trade_id) for t in page) <= last
            return min(t.ts_ms for t in page) < since_ms

        base = {"symbol": symbol, **self._product_params(symbol)}
        payload = await rest.get(self.fills_path, {**base, "limit": self.recent_limit})
        page = self.parser.parse_rest_trades(symbol, payload, now_ms())
        collected = list(page)
        done = not page or len(page) < self.recent_limit or reached(page)
        pages = 1
        while not done and pages < self.max_pages:
            oldest = min(collected, key=lambda t: int(t.trade_id))
            params = {**base, "limit": _HISTORY_PAGE, "idLessThan": oldest.trade_id}
            payload = await rest.get(self.history_path, params)
            page = self.parser.parse_rest_trades(symbol, payload, now_ms())
            pages += 1
            collected.extend(page)
            done = not page or len(page) < _HISTORY_PAGE or reached(page)
        by_id = {t.trade_id: t for t in collected}
        ordered = sorted(by_id.values(), key=lambda t: int(t.trade_id))
        if last is not None:
            fresh = _in_order([t for t in ordered if int(t.trade_id) > last], since.ts_ms)
        else:
            fresh = [t for t in ordered if t.ts_ms >= since_ms]
        if done:
            return Backfill(fresh)
        return Backfill(fresh, (since.ts_ms, ordered[0].ts_ms if ordered else until.ts_ms))

    def follows(self, prev_id: str, next_id: str) -> bool:
        """True when the first trade after a reconnect is the last one seen or older: it comes
        from the subscribe snapshot, which then covers everything since (ids grow with time)."""
        try:
            return int(next_id) <= int(prev_id)
        except ValueError:
            return False

    # -- WebSocket --

    def stream_name(self, instrument: Instrument) -> str:
        self._inst_type.setdefault(instrument.symbol, self.products[0])
        return instrument.symbol

    def _args(self, names: Sequence[str]) -> list[dict[str, str]]:
        default = self.products[0]
        return [
            {"instType": self._inst_type.get(name, default), "channel": CHANNEL, "instId": name}
            for name in names
        ]

    def request_chars(self, names: Sequence[str]) -> int:
        return len(orjson.dumps(self._args(names)))

    def _op(self, op: str, names: Sequence[str], req_id: str) -> str:
        for name in names:
            self._req_of[name] = req_id
        return orjson.dumps({"op": op, "args": self._args(names)}).decode()

    def subscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._op("subscribe", names, req_id)

    def unsubscribe_message(self, names: Sequence[str], req_id: str) -> str:
        return self._op("unsubscribe", names, req_id)

    def ping_message(self) -> str:
        return "ping"

    def read_control(self, frame: str | bytes) -> Control | None:
        if frame in ("pong", b"pong"):
            return Pong()
        msg = orjson.loads(frame)
        if not isinstance(msg, dict):
            return None
        event = msg.get("event")
        arg = msg.get("arg")
        inst = arg.get("instId") if isinstance(arg, dict) else None
        if event in ("subscribe", "unsubscribe"):
            if not isinstance(inst, str):
                return Ignored()
            return Ack(self._req_of.get(inst), (inst,))
        if event == "error":
            code = str(msg.get("code", ""))
            text = str(msg.get("msg", ""))
            reason = f"{code}: {text}"
            lowered = text.lower()
            if code in _LIMIT_CODES or "too many" in lowered or "over limit" in lowered:
                return Rejected(None, reason, limit=True)
            if not isinstance(inst, str):
                found = _INST.findall(text)
                inst = found[0] if found else None
            if inst is None:
                return Rejected(None, reason)
            return Rejected(self._req_of.get(inst), reason, names=(inst,), final=False)
        if event is not None or "action" in msg or "arg" in msg:
            return Ignored()  # login answer, another channel's push
        return None


class BitgetSpot(_Bitget):
    """Bitget spot."""

    market: ClassVar[str] = SPOT
    products: ClassVar[tuple[str, ...]] = ("SPOT",)
    instruments_path: ClassVar[str] = "/api/v2/spot/public/symbols"
    fills_path: ClassVar[str] = "/api/v2/spot/market/fills"
    history_path: ClassVar[str] = "/api/v2/spot/market/fills-history"
    recent_limit: ClassVar[int] = 500  # spot fills: limit ≤ 500


class BitgetFutures(_Bitget):
    """Bitget USDT-M and USDC-M perpetuals (``instType`` = REST ``productType``)."""

    market: ClassVar[str] = FUTURES
    products: ClassVar[tuple[str, ...]] = ("USDT-FUTURES", "USDC-FUTURES")
    instruments_path: ClassVar[str] = "/api/v2/mix/market/contracts"
    fills_path: ClassVar[str] = "/api/v2/mix/market/fills"
    history_path: ClassVar[str] = "/api/v2/mix/market/fills-history"
    recent_limit: ClassVar[int] = 100  # contract fills: limit ≤ 100

    async def fetch_instruments(self, rest: RestClient) -> list[Instrument]:
        out: list[Instrument] = []
        for product in self.products:
            payload = await rest.get(self.instruments_path, {"productType": product})
            for inst in self.parser.parse_instruments(payload):
                self._inst_type[inst.symbol] = product
                out.append(inst)
        return out

    def _product_params(self, symbol: str) -> dict[str, str | int]:
        return {"productType": self._inst_type.get(symbol, self.products[0])}
