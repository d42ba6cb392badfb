"""Binance spot / USD-M futures simulator: combined aggTrade streams (spot ``/stream``, futures
on the routed ``/market/stream``), exchangeInfo, aggTrades (``fromId`` / ``startTime``/``endTime``
/ latest)."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from aiohttp import web

from wickwatch.market.simulators._market import SimInstrument, SimTrade
from wickwatch.market.simulators.base import ExchangeSimulator, SimLimits, SimSession


class BinanceSimulator(ExchangeSimulator):
    exchange: ClassVar[str] = "binance"
    limit_close_code: ClassVar[int] = 1008
    default_limits: ClassVar[dict[str, SimLimits]] = {
        "spot": SimLimits(streams_per_connection=1024, messages_per_s=5, connects_per_window=300),
        "futures": SimLimits(
            streams_per_connection=200, messages_per_s=10, connects_per_window=300
        ),
    }
    default_server_ping_s: ClassVar[float | None] = 20.0

    def __init__(self, market: str, config: Any = None) -> None:
        super().__init__(market, config)
        # USD-M futures route streams by path; aggTrade is on /market (not served unrouted)
        self.ws_path = "/stream" if market == "spot" else "/market/stream"

    @property
    def _prefix(self) -> str:
        return "/api/v3" if self.market == "spot" else "/fapi/v1"

    def symbol_of(self, inst: SimInstrument) -> str:
        return inst.base + inst.quote

    def make_id(self, symbol: str, num: int, rng: Any) -> str:
        return str(1_000_000 + num)

    # -- REST --

    def rest_routes(self) -> list[tuple[str, Any]]:
        return [
            (f"{self._prefix}/exchangeInfo", self._exchange_info),
            (f"{self._prefix}/aggTrades", self._agg_trades),
        ]

    def rate_limited_body(self) -> bytes:
        return b'{"code":-1003,"msg":"Too many requests; current limit is exceeded."}'

    def _exchange_info(self, request: web.Request) -> Any:
        symbols = []
        for symbol, inst in sorted(self.instruments.items()):
            row: dict[str, Any] = {
                "symbol": symbol,
                "status": "TRADING" if self.trading[symbol] else "BREAK",
                "baseAsset": inst.base,
                "quoteAsset": inst.quote,
                "filters": [
                    {
                        "filterType": "PRICE_FILTER",
                        "minPrice": inst.tick,
                        "maxPrice": "1000000",
                        "tickSize": inst.tick,
                    }
                ],
            }
            if self.market == "futures":
                row["contractType"] = "PERPETUAL"
                row["marginAsset"] = inst.quote
            symbols.append(row)
        return {"timezone": "UTC", "serverTime": 0, "rateLimits": [], "symbols": symbols}

    def _agg_trades(self, request: web.Request) -> Any:
        down = self.history_unavailable()
        if down is not None:
            return down
        q = request.query
        symbol = q.get("symbol", "")
        if symbol not in self.instruments:
            return web.Response(status=400, body=b'{"code":-1121,"msg":"Invalid symbol."}')
        limit = min(1000, int(q.get("limit", "500")))
        if "fromId" in q:
            rows = self.log.from_num(symbol, int(q["fromId"]) - 1_000_000, limit)
        elif "startTime" in q:
            end = int(q.get("endTime", str(2**62)))
            rows = self.log.between(symbol, int(q["startTime"]), end, limit)
        else:
            rows = list(reversed(self.log.latest(symbol, limit)))
        return self.history_payload(symbol, rows)

    def history_payload(self, symbol: str, trades: list[SimTrade]) -> Any:
        return [self._row(t) for t in trades]

    def _row(self, t: SimTrade) -> dict[str, Any]:
        row: dict[str, Any] = {
            "a": int(t.trade_id),
            "p": t.price,
            "q": t.size,
            "f": int(t.trade_id),
            "l": int(t.trade_id),
            "T": t.ts_ms,
            "m": t.side == "sell",
        }
        if self.market == "spot":
            row["M"] = True
        return row

    # -- WebSocket --

    def _symbol(self, stream: str) -> str:
        name, _, kind = stream.partition("@")
        return name.upper() if kind == "aggTrade" else ""

    async def on_message(self, session: SimSession, text: str) -> None:
        try:
            msg = orjson.loads(text)
            method, req_id = msg["method"], msg.get("id")
            params = msg.get("params", [])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await session.send('{"error":{"code":3,"msg":"Invalid JSON"},"id":null}')
            return
        if method == "GET_PROPERTY":
            await session.send(orjson.dumps({"result": True, "id": req_id}).decode())
        elif method == "LIST_SUBSCRIPTIONS":
            streams = [f"{s.lower()}@aggTrade" for s in sorted(session.subscribed)]
            await session.send(orjson.dumps({"result": streams, "id": req_id}).decode())
        elif method == "SUBSCRIBE":
            self.count_sub_op(session, len(params))
            symbols = [self._symbol(p) for p in params]
            new = [s for s in symbols if s not in session.subscribed]
            why = self.check_args(session, len(set(new)))
            if why is not None:
                error = {"error": {"code": 2, "msg": f"Invalid request: {why}"}, "id": req_id}
                await session.send(orjson.dumps(error).decode())
                return
            bad = [p for p, s in zip(params, symbols, strict=True) if not self.subscribable(s)]
            if bad:
                msg = f"Invalid request: stream {bad[0]} not available"
                await session.send(
                    orjson.dumps({"error": {"code": 2, "msg": msg}, "id": req_id}).decode()
                )
                return
            session.subscribed.update(symbols)
            await session.send(orjson.dumps({"result": None, "id": req_id}).decode())
        elif method == "UNSUBSCRIBE":
            self.count_sub_op(session, len(params))
            session.subscribed.difference_update(self._symbol(p) for p in params)
            await session.send(orjson.dumps({"result": None, "id": req_id}).decode())
        else:
            error = {"error": {"code": 2, "msg": f"Invalid request: method {method}"}, "id": req_id}
            await session.send(orjson.dumps(error).decode())

    def trade_frames(self, symbol: str, trades: list[SimTrade]) -> list[str]:
        stream = f"{symbol.lower()}@aggTrade"
        out = []
        for t in trades:
            data = {"e": "aggTrade", "E": t.ts_ms, "s": symbol, **self._row(t)}
            out.append(orjson.dumps({"stream": stream, "data": data}).decode())
        return out

    def malformed_frame(self) -> str:
        return (
            '{"stream":"btcusdt@aggTrade","data":'
            '{"e":"aggTrade","E":1,"s":"BTCUSDT","a":"x","p":"abc"}}'
        )
