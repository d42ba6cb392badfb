"""Hyperliquid simulator: ``/ws`` ``trades`` subscriptions and the ``POST /info`` API (``meta``,
``spotMeta``, ``recentTrades``), one market per instance (perps: coins ``BTC``; spot: the first
pair under its legacy name ``<BASE>/USDC``, the others ``@<index>``).

Enforced like Hyperliquid, per simulator (= per IP): 1000 subscriptions and 2000 client messages
a minute over all connections, 100 open connections, one subscription per message; a connection
the server has sent nothing to for 60 s is closed. Answers: ``subscriptionResponse`` echoing the
subscription, ``{"channel": "error", "data": "Invalid subscription {…}"}``, ``Already subscribed:
{…}``; ``{"method": "ping"}`` → ``{"channel": "pong"}``.

Each subscription starts with a snapshot of the latest :attr:`HyperliquidSimulator.recent_size`
trades, and ``recentTrades`` returns as many (newest first, as the real endpoint): a longer gap
cannot be recovered.
Trade ids are random (unique, not ordered). ``POST /info`` is served on its own port
(:attr:`endpoints` ``rest_url``): the generic simulator routes GET only.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from typing import Any, ClassVar

import orjson
from aiohttp import web

from wickwatch.market.connectors.config import Endpoints
from wickwatch.market.simulators._market import SimInstrument, SimTrade
from wickwatch.market.simulators.base import ExchangeSimulator, SimConfig, SimLimits, SimSession


def _hl_limits() -> SimLimits:
    return SimLimits(streams_per_connection=1000, args_per_request=1, idle_timeout_s=60.0)


class HyperliquidSimulator(ExchangeSimulator):
    exchange: ClassVar[str] = "hyperliquid"
    ws_path = "/ws"
    default_limits: ClassVar[dict[str, SimLimits]] = {
        "spot": _hl_limits(),
        "futures": _hl_limits(),
    }

    #: Trades in the subscribe snapshot and in ``recentTrades``.
    recent_size: int = 10
    #: Per-IP limits (the simulator is one IP): subscriptions over all connections, client
    #: messages per ``message_window_s`` over all connections, open connections.
    max_subscriptions: int = 1000
    messages_per_window: int = 2000
    message_window_s: float = 60.0
    max_connections: int = 100

    def __init__(self, market: str, config: SimConfig | None = None) -> None:
        self._names: dict[str, str] = {}  # base → spot pair name
        super().__init__(market, config)
        self._messages: deque[float] = deque()
        #: ``/info`` requests answered, per ``type``.
        self.served: Counter[str] = Counter()
        self._info_runner: web.AppRunner | None = None
        self.info_port = 0

    # -- instruments --

    def adapt_instrument(self, inst: SimInstrument) -> SimInstrument:
        if self.market == "spot":
            index = len(self._names)
            self._names[inst.base] = f"{inst.base}/USDC" if index == 0 else f"@{index}"
        return SimInstrument(inst.base, "USDC", inst.decimals, inst.price)

    def symbol_of(self, inst: SimInstrument) -> str:
        return self._names[inst.base] if self.market == "spot" else inst.base

    def make_id(self, symbol: str, num: int, rng: Any) -> str:
        return str(rng.randrange(10**14, 10**15))

    def _sz_decimals(self, inst: SimInstrument) -> int:
        # Price decimals allowed: 6 - szDecimals (perps), 8 - szDecimals (spot).
        return max(0, (8 if self.market == "spot" else 6) - inst.decimals)

    # -- lifecycle: POST /info on its own port --

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints(
            rest_url=f"http://127.0.0.1:{self.info_port}",
            ws_url=f"ws://127.0.0.1:{self.port}{self.ws_path}",
        )

    async def start(self) -> HyperliquidSimulator:
        app = web.Application()
        app.router.add_post("/info", self._info)
        self._info_runner = web.AppRunner(app, access_log=None)
        await self._info_runner.setup()
        site = web.TCPSite(self._info_runner, "127.0.0.1", 0)
        await site.start()
        self.info_port = int(self._info_runner.addresses[0][1])
        await super().start()
        return self

    async def stop(self) -> None:
        await super().stop()
        if self._info_runner is not None:
            await self._info_runner.cleanup()

    # -- REST --

    def rest_routes(self) -> list[tuple[str, Any]]:
        return []

    def rate_limited_body(self) -> bytes:
        return b"null"

    async def _info(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        window = self.config.rest_window_s
        while self.rest_requests and now - self.rest_requests[0] > window:
            self.rest_requests.popleft()
        if len(self.rest_requests) >= self.config.rest_per_window:
            self.rest_limited += 1
            return web.Response(status=429, body=self.rate_limited_body())
        self.rest_requests.append(now)
        try:
            body = await request.json(loads=orjson.loads)
            kind = body["type"]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return web.Response(status=422, text="Failed to deserialize the JSON body")
        self.served[str(kind)] += 1
        if kind == "meta" and self.market != "spot":
            result: Any = self._meta()
        elif kind == "spotMeta" and self.market == "spot":
            result = self._spot_meta()
        elif kind == "recentTrades":
            down = self.history_unavailable()
            if down is not None:
                return down
            coin = str(body.get("coin", ""))
            result = self.history_payload(coin, self.log.latest(coin, self.recent_size))
        else:
            return web.Response(status=422, text="Failed to deserialize the JSON body")
        return web.Response(body=orjson.dumps(result), content_type="application/json")

    def _meta(self) -> dict[str, Any]:
        universe = []
        for symbol, inst in sorted(self.instruments.items()):
            row: dict[str, Any] = {
                "name": symbol,
                "szDecimals": self._sz_decimals(inst),
                "maxLeverage": 50,
            }
            if not self.trading[symbol]:
                row.update(isDelisted=True, onlyIsolated=True)
            universe.append(row)
        return {"universe": universe, "marginTables": []}

    def _spot_meta(self) -> dict[str, Any]:
        tokens: list[dict[str, Any]] = [
            {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0, "isCanonical": True}
        ]
        universe = []
        for position, (base, name) in enumerate(self._names.items()):
            inst = self.instruments[name]
            tokens.append(
                {
                    "name": base,
                    "szDecimals": self._sz_decimals(inst),
                    "weiDecimals": 8,
                    "index": position + 1,
                    "isCanonical": position == 0,
                }
            )
            if self.trading[name]:  # spot has no delisted flag: a pair leaves the universe
                universe.append(
                    {
                        "name": name,
                        "tokens": [position + 1, 0],
                        "index": position,
                        "isCanonical": position == 0,
                    }
                )
        return {"tokens": tokens, "universe": universe}

    def history_payload(self, symbol: str, trades: list[SimTrade]) -> Any:
        """``trades`` as ``WsTrade`` rows, in the order given (``recentTrades``: newest first)."""
        return [self._row(t) for t in trades]

    def _row(self, t: SimTrade) -> dict[str, Any]:
        return {
            "coin": t.symbol,
            "side": "B" if t.side == "buy" else "A",
            "px": t.price,
            "sz": t.size,
            "time": t.ts_ms,
            "hash": f"0x{int(t.trade_id):064x}",
            "tid": int(t.trade_id),
            "users": [f"0x{t.num:040x}", f"0x{t.num + 1:040x}"],
        }

    # -- WebSocket --

    async def on_open(self, session: SimSession) -> None:
        if len(self.sessions) > self.max_connections:
            self.violations.append(f"session {session.id}: over {self.max_connections} connections")
            await self._close(session, 1008, "Too many connections")

    async def _send(self, session: SimSession, channel: str, data: Any) -> None:
        await session.send(orjson.dumps({"channel": channel, "data": data}).decode())

    async def on_message(self, session: SimSession, text: str) -> None:
        now = time.monotonic()
        self._messages.append(now)
        while self._messages and now - self._messages[0] > self.message_window_s:
            self._messages.popleft()
        if len(self._messages) > self.messages_per_window:
            window = self.message_window_s
            self.violations.append(f"over {self.messages_per_window} messages per {window}s")
            await self._send(session, "error", "Too many messages sent: rate limit exceeded")
            return
        try:
            msg = orjson.loads(text)
            method = msg["method"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await self._send(session, "error", f"Invalid message {text[:200]}")
            return
        if method == "ping":
            await session.send('{"channel":"pong"}')
            return
        sub = msg.get("subscription")
        if method not in ("subscribe", "unsubscribe") or not isinstance(sub, dict):
            await self._send(session, "error", f"Invalid message {text[:200]}")
            return
        quoted = orjson.dumps(sub).decode()
        coin = sub.get("coin")
        if sub.get("type") != "trades" or not isinstance(coin, str):
            await self._send(session, "error", f"Invalid subscription {quoted}")
            return
        self.count_sub_op(session, 1)
        if method == "unsubscribe":
            if coin not in session.subscribed:
                await self._send(session, "error", f"Already unsubscribed: {quoted}")
                return
            session.subscribed.discard(coin)
            await self._send(session, "subscriptionResponse", msg)
            return
        if coin in session.subscribed:
            await self._send(session, "error", f"Already subscribed: {quoted}")
            return
        total = sum(len(s.subscribed) for s in self.sessions)
        if total >= self.max_subscriptions:
            self.violations.append(f"over {self.max_subscriptions} subscriptions")
            await self._send(
                session,
                "error",
                f"Cannot track more than {self.max_subscriptions} total subscriptions",
            )
            return
        if self.check_args(session, 1) is not None or not self.subscribable(coin):
            await self._send(session, "error", f"Invalid subscription {quoted}")
            return
        session.subscribed.add(coin)
        await self._send(session, "subscriptionResponse", msg)
        recent = list(reversed(self.log.latest(coin, self.recent_size)))
        if recent:
            await self._send(session, "trades", [self._row(t) for t in recent])

    def trade_frames(self, symbol: str, trades: list[SimTrade]) -> list[str]:
        return [
            orjson.dumps({"channel": "trades", "data": [self._row(t) for t in trades]}).decode()
        ]

    def malformed_frame(self) -> str:
        return (
            '{"channel":"trades","data":[{"coin":"BTC","side":"X","px":"abc","sz":"1",'
            '"time":"x","tid":1}]}'
        )
