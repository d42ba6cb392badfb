"""Bitget v2 simulator: ``/v2/ws/public`` ``trade`` channel (``SPOT``, ``USDT-FUTURES``,
``USDC-FUTURES``), symbols/contracts lists and the ``fills`` / ``fills-history`` trade REST.

Enforced like Bitget: 10 messages per second per connection (``ping`` included; more closes the
connection), 240 subscribe/unsubscribe requests per hour per connection (error 30006), 1000
channels per connection and 4096 bytes of args per request (error 30007, then closed), a
connection that sent no ``ping`` for :attr:`BitgetSimulator.ping_timeout_s` (2 minutes) is closed,
connection attempts over 300 per 5 minutes get HTTP 429.

Every subscribe answer is followed by a snapshot of the latest :attr:`BitgetSimulator.
snapshot_size` trades, newest first (the order seen in recorded Bitget sessions); updates carry
one trade each. Futures: every fourth instrument is a USDC-M perpetual (``<BASE>PERP``).
``fills-history`` gives spot trade times in whole seconds, as documented.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any, ClassVar

import orjson
from aiohttp import web

from wickwatch.market.simulators._market import SimInstrument, SimTrade
from wickwatch.market.simulators.base import ExchangeSimulator, SimConfig, SimLimits, SimSession

_ARGS_BYTES = 4096


def _bitget_limits() -> SimLimits:
    return SimLimits(
        streams_per_connection=1000,
        messages_per_s=10,
        subscribe_ops_per_hour=240,
        connects_per_window=300,
        connect_window_s=300.0,
    )


def _error(code: str, msg: str, arg: dict[str, Any] | None = None, op: str = "") -> str:
    frame: dict[str, Any] = {"event": "error", "code": code, "msg": msg}
    if arg is not None:
        frame["arg"] = arg
    if op:
        frame["op"] = op
    return orjson.dumps(frame).decode()


class BitgetSimulator(ExchangeSimulator):
    exchange: ClassVar[str] = "bitget"
    ws_path = "/v2/ws/public"
    default_limits: ClassVar[dict[str, SimLimits]] = {
        "spot": _bitget_limits(),
        "futures": _bitget_limits(),
    }

    #: Trades pushed right after each subscribe answer (0: none).
    snapshot_size: int = 50
    #: A connection that sent no ``ping`` for this long is closed.
    ping_timeout_s: float = 120.0

    def __init__(self, market: str, config: SimConfig | None = None) -> None:
        self._listed = 0
        super().__init__(market, config)
        self._last_ping: dict[int, float] = {}
        #: Trade REST requests answered, per path.
        self.served: Counter[str] = Counter()

    # -- instruments --

    def adapt_instrument(self, inst: SimInstrument) -> SimInstrument:
        self._listed += 1
        if self.market != "spot" and self._listed % 4 == 0:
            return SimInstrument(inst.base, "USDC", inst.decimals, inst.price)
        return inst

    def symbol_of(self, inst: SimInstrument) -> str:
        if inst.quote == "USDC" and self.market != "spot":
            return f"{inst.base}PERP"
        return inst.base + inst.quote

    def inst_type(self, symbol: str) -> str:
        """The ``instType`` / ``productType`` a symbol is listed under."""
        if self.market == "spot":
            return "SPOT"
        inst = self.instruments.get(symbol)
        return "USDC-FUTURES" if inst is not None and inst.quote == "USDC" else "USDT-FUTURES"

    def make_id(self, symbol: str, num: int, rng: Any) -> str:
        # Growing with time, not consecutive (snowflake-like, as Bitget's).
        return str(1_200_000_000_000_000_000 + num * 1000 + rng.randrange(1000))

    # -- REST --

    def rest_routes(self) -> list[tuple[str, Any]]:
        if self.market == "spot":
            return [
                ("/api/v2/spot/public/symbols", self._symbols),
                ("/api/v2/spot/market/fills", self._fills),
                ("/api/v2/spot/market/fills-history", self._fills_history),
            ]
        return [
            ("/api/v2/mix/market/contracts", self._contracts),
            ("/api/v2/mix/market/fills", self._fills),
            ("/api/v2/mix/market/fills-history", self._fills_history),
        ]

    def rate_limited_body(self) -> bytes:
        return b'{"code":"429","msg":"Too Many Requests","requestTime":0,"data":null}'

    def _ok(self, data: Any) -> dict[str, Any]:
        return {
            "code": "00000",
            "msg": "success",
            "requestTime": int(time.time() * 1000),
            "data": data,
        }

    def _bad(self, msg: str) -> web.Response:
        body = orjson.dumps({"code": "40034", "msg": msg, "requestTime": 0, "data": None})
        return web.Response(status=400, body=body, content_type="application/json")

    def _symbols(self, request: web.Request) -> Any:
        rows = [
            {
                "symbol": symbol,
                "baseCoin": inst.base,
                "quoteCoin": inst.quote,
                "pricePrecision": str(inst.decimals),
                "quantityPrecision": "4",
                "status": "online" if self.trading[symbol] else "offline",
            }
            for symbol, inst in sorted(self.instruments.items())
        ]
        return self._ok(rows)

    def _contracts(self, request: web.Request) -> Any:
        product = request.query.get("productType", "").upper()
        if product not in ("USDT-FUTURES", "USDC-FUTURES", "COIN-FUTURES"):
            return self._bad("Parameter productType does not exist")
        rows = [
            {
                "symbol": symbol,
                "baseCoin": inst.base,
                "quoteCoin": inst.quote,
                "pricePlace": str(inst.decimals),
                "priceEndStep": "1",
                "volumePlace": "3",
                "sizeMultiplier": "0.001",
                "symbolType": "perpetual",
                "symbolStatus": "normal" if self.trading[symbol] else "off",
            }
            for symbol, inst in sorted(self.instruments.items())
            if self.inst_type(symbol) == product
        ]
        return self._ok(rows)

    def _symbol_param(self, request: web.Request) -> str | web.Response:
        symbol = request.query.get("symbol", "")
        if symbol not in self.instruments:
            return self._bad("Parameter symbol does not exist")
        if self.market != "spot":
            product = request.query.get("productType", "").upper()
            if product != self.inst_type(symbol):
                return self._bad("Parameter productType does not exist")
        return symbol

    def _limit(self, request: web.Request, default: int, cap: int) -> int:
        return max(1, min(cap, int(request.query.get("limit", str(default)))))

    def _fills(self, request: web.Request) -> Any:
        self.served[request.path] += 1
        down = self.history_unavailable()
        if down is not None:
            return down
        symbol = self._symbol_param(request)
        if isinstance(symbol, web.Response):
            return symbol
        cap = 500 if self.market == "spot" else 100
        limit = self._limit(request, 100, cap)
        return self.history_payload(symbol, list(reversed(self.log.latest(symbol, limit))))

    def _fills_history(self, request: web.Request) -> Any:
        self.served[request.path] += 1
        down = self.history_unavailable()
        if down is not None:
            return down
        symbol = self._symbol_param(request)
        if isinstance(symbol, web.Response):
            return symbol
        limit = self._limit(request, 500, 1000)
        rows = self.log.all(symbol)
        if "idLessThan" in request.query:
            bound = int(request.query["idLessThan"])
            rows = [t for t in rows if int(t.trade_id) < bound]
        rows = rows[-limit:]
        payload = self.history_payload(symbol, rows)
        if self.market == "spot":  # "Transaction time (second level)"
            for row in payload["data"]:
                row["ts"] = str(int(row["ts"]) // 1000 * 1000)
        return payload

    def history_payload(self, symbol: str, trades: list[SimTrade]) -> Any:
        rows = [
            {
                "symbol": symbol,
                "tradeId": t.trade_id,
                "side": "Buy" if t.side == "buy" else "Sell",
                "price": t.price,
                "size": t.size,
                "ts": str(t.ts_ms),
            }
            for t in reversed(trades)  # newest first
        ]
        return self._ok(rows)

    # -- WebSocket --

    def _row(self, t: SimTrade) -> dict[str, Any]:
        return {
            "ts": str(t.ts_ms),
            "price": t.price,
            "size": t.size,
            "side": t.side,
            "tradeId": t.trade_id,
        }

    def _push(self, action: str, symbol: str, trades: list[SimTrade]) -> str:
        arg = {"instType": self.inst_type(symbol), "channel": "trade", "instId": symbol}
        frame = {
            "action": action,
            "arg": arg,
            "data": [self._row(t) for t in trades],
            "ts": int(time.time() * 1000),
        }
        return orjson.dumps(frame).decode()

    async def on_open(self, session: SimSession) -> None:
        self._last_ping[session.id] = time.monotonic()

    def _check_idle(self, now: float) -> None:
        super()._check_idle(now)
        for session in list(self.sessions):
            last = self._last_ping.get(session.id, now)
            if not session.closed and now - last > self.ping_timeout_s:
                session.closed = True
                self.violations.append(f"session {session.id}: no ping for {self.ping_timeout_s}s")
                asyncio.get_running_loop().create_task(self._close(session, 1000, "no ping"))

    async def on_message(self, session: SimSession, text: str) -> None:
        if text == "ping":
            self._last_ping[session.id] = time.monotonic()
            await session.send("pong")
            return
        try:
            msg = orjson.loads(text)
            op, args = msg["op"], msg["args"]
            if not isinstance(args, list) or not all(isinstance(a, dict) for a in args):
                raise TypeError("args")
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await session.send(_error("30002", f"Unrecognized request: {text[:200]}"))
            return
        if op not in ("subscribe", "unsubscribe"):
            await session.send(_error("30003", f"Invalid op: {op}"))
            return
        if not self.count_sub_op(session, len(args)):
            await session.send(_error("30006", "request too many", op=op))
            return
        if len(orjson.dumps(args)) > _ARGS_BYTES:
            self.violations.append(f"session {session.id}: args over {_ARGS_BYTES} bytes")
            await session.send(_error("30007", "request over limit,connection close", op=op))
            await self._close(session, 1008, "request over limit")
            return
        if op == "subscribe":
            fresh = {str(a.get("instId")) for a in args} - session.subscribed
            why = self.check_args(session, len(fresh))
            if why is not None:
                await session.send(_error("30007", f"request over limit: {why}", op=op))
                await self._close(session, 1008, "request over limit")
                return
        for arg in args:
            inst_type, channel, inst = arg.get("instType"), arg.get("channel"), arg.get("instId")
            symbol = str(inst)
            known = channel == "trade" and inst_type == self.inst_type(symbol)
            if not known or (op == "subscribe" and not self.subscribable(symbol)):
                text_ = f"instType:{inst_type},channel:{channel},instId:{inst} doesn't exist"
                await session.send(_error("30001", text_, arg=arg, op=op))
                continue
            if op == "unsubscribe":
                session.subscribed.discard(symbol)
                await session.send(orjson.dumps({"event": op, "arg": arg}).decode())
                continue
            session.subscribed.add(symbol)
            await session.send(orjson.dumps({"event": op, "arg": arg}).decode())
            recent = self.log.latest(symbol, self.snapshot_size) if self.snapshot_size else []
            if recent:
                await session.send(self._push("snapshot", symbol, recent))

    def trade_frames(self, symbol: str, trades: list[SimTrade]) -> list[str]:
        return [self._push("update", symbol, [t]) for t in trades]

    def malformed_frame(self) -> str:
        return (
            '{"action":"update","arg":{"instType":"SPOT","channel":"trade","instId":"BTCUSDT"},'
            '"data":[{"ts":"x","price":"abc","size":"1","side":"up","tradeId":"1"}]}'
        )
