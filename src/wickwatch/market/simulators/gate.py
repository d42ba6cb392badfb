"""Gate v4 simulator: spot ``/ws/v4/`` (``spot.trades``) and USDT futures ``/v4/ws/usdt``
(``futures.trades``), currency pairs / contracts and the trades REST.

Protocol as Gate: one answer per request carrying its ``id``; a request naming an unknown pair is
refused whole (``{"error": {"code": 2, "message": "unknown currency pair X"}}``);
``spot.ping`` / ``futures.ping`` are answered with ``*.pong``; a request whose ``time`` is more
than 60 s off is refused. Gate documents no WebSocket rate limits: the simulator enforces the
:class:`SimLimits` it is given (none by default, apart from 100 connections per 5 minutes).

Futures sizes are signed contracts (negative: the taker sold) of ``quanto_multiplier`` base units;
one update carries a tick's trades of a contract (spot: one trade per update, as Gate sends).
REST pages newest first: spot ``last_id`` + ``reverse=true`` goes back in time, futures ``from`` /
``to`` (seconds) bound the page.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, ClassVar

import orjson
from aiohttp import web

from wickwatch.market.simulators._market import SimInstrument, SimTrade
from wickwatch.market.simulators.base import ExchangeSimulator, SimLimits, SimSession

_MULTIPLIERS = (0.0001, 0.001, 0.01, 0.1, 10.0, 100.0)  # not 1: sizes stay integers


def _gate_limits() -> SimLimits:
    return SimLimits(streams_per_connection=100_000, connects_per_window=100)


class GateSimulator(ExchangeSimulator):
    exchange: ClassVar[str] = "gate"
    default_limits: ClassVar[dict[str, SimLimits]] = {
        "spot": _gate_limits(),
        "futures": _gate_limits(),
    }

    def __init__(self, market: str, config: Any = None) -> None:
        super().__init__(market, config)
        #: Trade REST requests answered, per path.
        self.served: Counter[str] = Counter()
        self.prefix = "spot" if market == "spot" else "futures"
        self.ws_path = "/ws/v4/" if market == "spot" else "/v4/ws/usdt"

    # -- instruments --

    def adapt_instrument(self, inst: SimInstrument) -> SimInstrument:
        if self.market == "spot":
            return inst
        size = min(_MULTIPLIERS, key=lambda m: abs(m * inst.price - 5))
        return SimInstrument(inst.base, inst.quote, inst.decimals, inst.price, size)

    def symbol_of(self, inst: SimInstrument) -> str:
        return f"{inst.base}_{inst.quote}"

    def make_id(self, symbol: str, num: int, rng: Any) -> str:
        # Growing, not consecutive (one id sequence over every pair of the market).
        return str(3_000_000_000 + num * 40 + rng.randrange(40))

    # -- REST --

    def rest_routes(self) -> list[tuple[str, Any]]:
        if self.market == "spot":
            return [
                ("/api/v4/spot/currency_pairs", self._pairs),
                ("/api/v4/spot/trades", self._spot_trades),
            ]
        return [
            ("/api/v4/futures/usdt/contracts", self._contracts),
            ("/api/v4/futures/usdt/trades", self._futures_trades),
        ]

    def rate_limited_body(self) -> bytes:
        return b'{"label":"TOO_MANY_REQUESTS","message":"Request Rate limit Exceeded"}'

    def _invalid(self, label: str, message: str) -> web.Response:
        body = orjson.dumps({"label": label, "message": message})
        return web.Response(status=400, body=body, content_type="application/json")

    def _pairs(self, request: web.Request) -> Any:
        return [
            {
                "id": symbol,
                "base": inst.base,
                "quote": inst.quote,
                "fee": "0.2",
                "min_base_amount": "0.0001",
                "min_quote_amount": "1",
                "amount_precision": 4,
                "precision": inst.decimals,
                "trade_status": "tradable" if self.trading[symbol] else "untradable",
                "sell_start": 0,
                "buy_start": 0,
            }
            for symbol, inst in sorted(self.instruments.items())
        ]

    def _contracts(self, request: web.Request) -> Any:
        return [
            {
                "name": symbol,
                "type": "direct",
                "quanto_multiplier": format(inst.contract_size, "f").rstrip("0").rstrip("."),
                "order_price_round": inst.tick,
                "mark_price_round": inst.tick,
                "in_delisting": not self.trading[symbol],
                "status": "trading" if self.trading[symbol] else "delisting",
            }
            for symbol, inst in sorted(self.instruments.items())
        ]

    def _limit(self, request: web.Request) -> int:
        return max(1, min(1000, int(request.query.get("limit", "100"))))

    def _spot_trades(self, request: web.Request) -> Any:
        self.served[request.path] += 1
        down = self.history_unavailable()
        if down is not None:
            return down
        symbol = request.query.get("currency_pair", "")
        if symbol not in self.instruments:
            return self._invalid("INVALID_CURRENCY_PAIR", f"Invalid currency pair {symbol}")
        limit = self._limit(request)
        rows = self.log.all(symbol)
        if "last_id" in request.query:
            bound = int(request.query["last_id"])
            if request.query.get("reverse", "false") == "true":
                rows = [t for t in rows if int(t.trade_id) < bound][-limit:]
            else:
                rows = [t for t in rows if int(t.trade_id) > bound][:limit]
        else:
            rows = rows[-limit:]
        return self.history_payload(symbol, rows)

    def _futures_trades(self, request: web.Request) -> Any:
        self.served[request.path] += 1
        down = self.history_unavailable()
        if down is not None:
            return down
        symbol = request.query.get("contract", "")
        if symbol not in self.instruments:
            return self._invalid("CONTRACT_NOT_FOUND", f"Contract {symbol} not found")
        limit = self._limit(request)
        rows = self.log.all(symbol)
        if "from" in request.query:
            start = int(request.query["from"]) * 1000
            rows = [t for t in rows if t.ts_ms >= start]
        if "to" in request.query:
            end = int(request.query["to"]) * 1000
            rows = [t for t in rows if t.ts_ms <= end]
        return self.history_payload(symbol, rows[-limit:])

    def history_payload(self, symbol: str, trades: list[SimTrade]) -> Any:
        """Newest first, like Gate."""
        if self.market == "spot":
            return [
                {
                    "id": t.trade_id,
                    "create_time": str(t.ts_ms // 1000),
                    "create_time_ms": self._ms_text(t),
                    "currency_pair": symbol,
                    "side": t.side,
                    "amount": t.size,
                    "price": t.price,
                    "sequence_id": str(t.num),
                }
                for t in reversed(trades)
            ]
        return [
            {
                "id": int(t.trade_id),
                "create_time": round(t.ts_ms / 1000.0, 3),
                "contract": symbol,
                "size": self._signed(t),
                "price": t.price,
            }
            for t in reversed(trades)
        ]

    @staticmethod
    def _ms_text(t: SimTrade) -> str:
        # Gate writes milliseconds with a fraction ("1606292218213.4578"); stay below .999
        return f"{t.ts_ms}.{(t.num * 37) % 1000:03d}"

    @staticmethod
    def _signed(t: SimTrade) -> int:
        size = int(t.size)
        return size if t.side == "buy" else -size

    # -- WebSocket --

    def _answer(self, msg: dict[str, Any], **fields: Any) -> str:
        now_ms = int(time.time() * 1000)
        out: dict[str, Any] = {"time": now_ms // 1000, "time_ms": now_ms}
        if msg.get("id") is not None:
            out["id"] = msg["id"]
        out.update(fields)
        return orjson.dumps(out).decode()

    async def _error(self, session: SimSession, msg: dict[str, Any], code: int, text: str) -> None:
        await session.send(
            self._answer(
                msg,
                channel=msg.get("channel", ""),
                event=msg.get("event", ""),
                error={"code": code, "message": text},
                result=None,
            )
        )

    async def on_message(self, session: SimSession, text: str) -> None:
        try:
            msg = orjson.loads(text)
            if not isinstance(msg, dict):
                raise TypeError("not an object")
            channel = msg["channel"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await self._error(session, {}, 1, "invalid argument struct")
            return
        if channel == f"{self.prefix}.ping":
            await session.send(
                self._answer(msg, channel=f"{self.prefix}.pong", event="", result=None)
            )
            return
        event = msg.get("event")
        if channel != f"{self.prefix}.trades" or event not in ("subscribe", "unsubscribe"):
            await self._error(session, msg, 2, f"unknown channel {channel} or event {event}")
            return
        sent = msg.get("time")
        if not isinstance(sent, int) or abs(sent - time.time()) > 60:
            await self._error(session, msg, 2, "invalid argument: time")
            return
        payload = msg.get("payload")
        if not isinstance(payload, list) or not all(isinstance(p, str) for p in payload):
            await self._error(session, msg, 1, "invalid argument struct")
            return
        self.count_sub_op(session, len(payload))
        if event == "subscribe":
            why = self.check_args(session, len(set(payload) - session.subscribed))
            if why is not None:
                await self._error(session, msg, 2, f"subscription limit: {why}")
                return
            bad = [p for p in payload if not self.subscribable(p)]
            if bad:
                what = "currency pair" if self.market == "spot" else "contract"
                await self._error(session, msg, 2, f"unknown {what} {bad[0]}")
                return
            session.subscribed.update(payload)
        else:
            session.subscribed.difference_update(payload)
        await session.send(
            self._answer(
                msg,
                conn_id=f"sim{session.id}",
                channel=channel,
                event=event,
                payload=payload,
                result={"status": "success"},
            )
        )

    def trade_frames(self, symbol: str, trades: list[SimTrade]) -> list[str]:
        now_ms = int(time.time() * 1000)
        head = {"time": now_ms // 1000, "time_ms": now_ms}
        if self.market == "spot":
            return [
                orjson.dumps(
                    {
                        **head,
                        "channel": "spot.trades",
                        "event": "update",
                        "result": {
                            "id": int(t.trade_id),
                            "create_time": t.ts_ms // 1000,
                            "create_time_ms": self._ms_text(t),
                            "side": t.side,
                            "currency_pair": symbol,
                            "amount": t.size,
                            "price": t.price,
                            "range": f"{t.num}-{t.num}",
                        },
                    }
                ).decode()
                for t in trades
            ]
        rows = [
            {
                "size": self._signed(t),
                "id": int(t.trade_id),
                "create_time": t.ts_ms // 1000,
                "create_time_ms": t.ts_ms,
                "price": t.price,
                "contract": symbol,
            }
            for t in trades
        ]
        frame = {**head, "channel": "futures.trades", "event": "update", "result": rows}
        return [orjson.dumps(frame).decode()]

    def malformed_frame(self) -> str:
        if self.market == "spot":
            return (
                '{"time":1,"time_ms":1,"channel":"spot.trades","event":"update","result":'
                '{"id":"x","create_time_ms":"abc","side":"up","currency_pair":"BTC_USDT",'
                '"amount":"1","price":"1"}}'
            )
        return (
            '{"time":1,"time_ms":1,"channel":"futures.trades","event":"update","result":'
            '[{"size":"x","id":1,"create_time_ms":"abc","price":"1","contract":"BTC_USDT"}]}'
        )

    def notice_frame(self) -> str:
        now_ms = int(time.time() * 1000)
        return orjson.dumps(
            {
                "time": now_ms // 1000,
                "time_ms": now_ms,
                "channel": f"{self.prefix}.system",
                "event": "update",
                "result": {
                    "type": "upgrade",
                    "msg": "The connection will soon be closed for a service upgrade. "
                    "Please reconnect.",
                },
            }
        ).decode()
