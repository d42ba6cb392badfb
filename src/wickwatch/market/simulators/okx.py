"""OKX v5 simulator: ``/ws/v5/business`` ``trades-all`` channel (also ``trades``, one fill per row),
``/api/v5/public/instruments``, ``/api/v5/market/trades`` and ``/api/v5/market/history-trades``.

Enforced like OKX: 480 subscribe/unsubscribe ops per connection per hour (error 60014), a
connection idle for 30 s is closed with 4004, too many channels on a connection closes it with
4009, connection attempts over the per-second limit get HTTP 429.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from aiohttp import web

from wickwatch.market.simulators._market import SimInstrument, SimTrade
from wickwatch.market.simulators.base import ExchangeSimulator, SimLimits, SimSession

_CONTRACT_SIZES = (0.01, 0.1, 1.0, 10.0, 100.0)


def _okx_limits() -> SimLimits:
    return SimLimits(
        streams_per_connection=1000,
        subscribe_ops_per_hour=480,
        connects_per_window=3,
        connect_window_s=1.0,
        idle_timeout_s=30.0,
    )


class OkxSimulator(ExchangeSimulator):
    exchange: ClassVar[str] = "okx"
    ws_path = "/ws/v5/business"
    limit_close_code: ClassVar[int] = 4009
    default_limits: ClassVar[dict[str, SimLimits]] = {
        "spot": _okx_limits(),
        "futures": _okx_limits(),
    }

    def adapt_instrument(self, inst: SimInstrument) -> SimInstrument:
        if self.market == "spot":
            return inst
        # A contract worth roughly 1..100 USDT of base.
        size = min(_CONTRACT_SIZES, key=lambda c: abs(c * inst.price - 20))
        return SimInstrument(inst.base, inst.quote, inst.decimals, inst.price, size)

    def symbol_of(self, inst: SimInstrument) -> str:
        suffix = "-SWAP" if self.market != "spot" else ""
        return f"{inst.base}-{inst.quote}{suffix}"

    def make_id(self, symbol: str, num: int, rng: Any) -> str:
        return str(500_000_000 + num)

    # -- REST --

    def rest_routes(self) -> list[tuple[str, Any]]:
        return [
            ("/api/v5/public/instruments", self._instruments),
            ("/api/v5/market/trades", self._trades),
            ("/api/v5/market/history-trades", self._history),
        ]

    def rate_limited_body(self) -> bytes:
        return b'{"code":"50011","msg":"Too Many Requests","data":[]}'

    def _instruments(self, request: web.Request) -> Any:
        want = "SPOT" if self.market == "spot" else "SWAP"
        if request.query.get("instType") != want:
            return {"code": "0", "msg": "", "data": []}
        rows = []
        for symbol, inst in sorted(self.instruments.items()):
            row: dict[str, Any] = {
                "instType": want,
                "instId": symbol,
                "tickSz": inst.tick,
                "lotSz": "1" if want == "SWAP" else "0.000001",
                "state": "live" if self.trading[symbol] else "suspend",
            }
            if want == "SPOT":
                row.update(baseCcy=inst.base, quoteCcy=inst.quote)
            else:
                family = f"{inst.base}-{inst.quote}"
                row.update(
                    uly=family,
                    instFamily=family,
                    settleCcy=inst.quote,
                    ctVal=format(inst.contract_size, "g"),
                    ctMult="1",
                    ctValCcy=inst.base,
                    ctType="linear",
                    baseCcy="",
                    quoteCcy="",
                )
            rows.append(row)
        return {"code": "0", "msg": "", "data": rows}

    def _trades(self, request: web.Request) -> Any:
        down = self.history_unavailable()
        if down is not None:
            return down
        symbol = request.query.get("instId", "")
        limit = min(500, int(request.query.get("limit", "100")))
        return self.history_payload(symbol, list(reversed(self.log.latest(symbol, limit))))

    def _history(self, request: web.Request) -> Any:
        down = self.history_unavailable()
        if down is not None:
            return down
        q = request.query
        symbol = q.get("instId", "")
        limit = min(100, int(q.get("limit", "100")))
        if "after" in q:
            num = self.log.num_of(symbol, q["after"])
            rows = self.log.before_num(symbol, num, limit) if num is not None else []
        else:
            rows = self.log.latest(symbol, limit)
        return self.history_payload(symbol, list(reversed(rows)))

    def history_payload(self, symbol: str, trades: list[SimTrade]) -> Any:
        rows = [self._row(t) for t in reversed(trades)]  # newest first
        return {"code": "0", "msg": "", "data": rows}

    def _row(self, t: SimTrade) -> dict[str, Any]:
        return {
            "instId": t.symbol,
            "tradeId": t.trade_id,
            "px": t.price,
            "sz": t.size,
            "side": t.side,
            "ts": str(t.ts_ms),
            "source": "0",
        }

    # -- WebSocket --

    async def _send(self, session: SimSession, payload: dict[str, Any]) -> None:
        payload["connId"] = f"sim{session.id}"
        await session.send(orjson.dumps(payload).decode())

    async def on_message(self, session: SimSession, text: str) -> None:
        if text == "ping":
            await session.send("pong")
            return
        try:
            msg = orjson.loads(text)
            op, req_id, args = msg["op"], msg.get("id"), msg.get("args") or []
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await self._send(session, {"event": "error", "code": "60012", "msg": "Invalid request"})
            return
        base: dict[str, Any] = {"id": req_id} if req_id is not None else {}
        if op not in ("subscribe", "unsubscribe"):
            await self._send(
                session, {**base, "event": "error", "code": "60019", "msg": f"Invalid op: {op}"}
            )
            return
        if not self.count_sub_op(session, len(args)):
            await self._send(
                session,
                {**base, "event": "error", "code": "60014", "msg": "Requests too frequent."},
            )
            return
        if op == "subscribe":
            fresh = {a.get("instId") for a in args} - session.subscribed
            if self.check_args(session, len(fresh)) is not None:
                await self._close(
                    session,
                    4009,
                    "The number of subscription channels for this connection exceeds the limit.",
                )
                return
        errors = []
        for arg in args:
            inst, channel = arg.get("instId", ""), arg.get("channel")
            if channel not in ("trades", "trades-all") or (
                op == "subscribe" and not self.subscribable(inst)
            ):
                errors.append(f"Wrong URL or channel:{channel},instId:{inst} doesn't exist.")
                continue
            if op == "subscribe":
                session.subscribed.add(inst)
            else:
                session.subscribed.discard(inst)
            await self._send(
                session, {**base, "event": op, "arg": {"channel": channel, "instId": inst}}
            )
        for error in errors:
            await self._send(session, {**base, "event": "error", "code": "60018", "msg": error})

    def trade_frames(self, symbol: str, trades: list[SimTrade]) -> list[str]:
        arg = {"channel": "trades-all", "instId": symbol}
        return [orjson.dumps({"arg": arg, "data": [self._row(t)]}).decode() for t in trades]

    def malformed_frame(self) -> str:
        return (
            '{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",'
            '"tradeId":"1","px":"abc","sz":"1","side":"up","ts":"x"}]}'
        )

    def notice_frame(self) -> str:
        return orjson.dumps(
            {
                "event": "notice",
                "code": "64008",
                "msg": "The connection will soon be closed for a service upgrade. "
                "Please reconnect.",
            }
        ).decode()

    def idle_close(self) -> tuple[int, str]:
        return 4004, "No data received in 30s"
