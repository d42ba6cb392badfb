"""Loopback exchange simulators: small aiohttp servers on 127.0.0.1 speaking a venue's protocol.

An :class:`ExchangeSimulator` serves

* REST: the instrument list and the trade history (for backfill) in the venue's JSON shape,
  answering 429 when asked more often than ``SimConfig.rest_per_window``;
* one WebSocket endpoint with the venue's subscribe / ack / error / ping messages, enforcing the
  venue's limits (streams per connection, args per request, message rate, connections per
  window) with the venue's error frame or close code, and recording every breach in
  :attr:`ExchangeSimulator.violations`;
* trades from a seeded :class:`SyntheticMarket` (or :meth:`ExchangeSimulator.emit` for given
  ones), logged server side so that REST returns exactly what was streamed.

Fault injection (tests, demo): :meth:`drop_all`, :meth:`stall`, :meth:`send_malformed`,
:meth:`reject`, :meth:`close_all_with_limit`, :meth:`send_notice`, :attr:`rest_down`,
:meth:`delist` / :meth:`relist`. A venue subclass implements the ``_venue hooks``.

Usage::

    async with BinanceSimulator("futures", SimConfig(symbols=50, seed=7)) as sim:
        feed = Feed(BinanceFutures, sink, endpoints=sim.endpoints)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson
from aiohttp import WSMsgType, web

from wickwatch.market.connectors.config import Endpoints
from wickwatch.market.simulators._market import (
    SimInstrument,
    SimTrade,
    SyntheticMarket,
    TradeLog,
    make_instruments,
)


@dataclass(frozen=True, slots=True)
class SimLimits:
    """Limits the simulator enforces (defaults: the venue's documented ones)."""

    streams_per_connection: int = 1024
    args_per_request: int | None = None
    messages_per_s: int | None = None
    subscribe_ops_per_hour: int | None = None
    connects_per_window: int | None = None
    connect_window_s: float = 300.0
    #: Close a connection that got nothing from us and sent nothing for this long.
    idle_timeout_s: float | None = None


@dataclass
class SimConfig:
    symbols: int = 20
    seed: int = 1
    trades_per_s: float = 2.0  #: average per symbol
    tick_s: float = 0.05
    burst_prob: float = 0.002
    wick_prob: float = 0.0005
    generate: bool = True  #: run the synthetic generator (False: only :meth:`emit`)
    limits: SimLimits | None = None  #: None: the venue's defaults
    rest_per_window: int = 1000  #: REST requests answered per ``rest_window_s`` (then 429)
    rest_window_s: float = 1.0
    server_ping_s: float | None = None  #: None: the venue's default
    log_keep: int = 2_000  #: trades kept per symbol for REST (bounds memory in long demo runs)
    quote: str = "USDT"


@dataclass(eq=False)
class SimSession:
    """One client WebSocket connection."""

    id: int
    ws: web.WebSocketResponse
    request: web.Request
    subscribed: set[str] = field(default_factory=set)  #: symbols
    received: deque[float] = field(default_factory=deque)  #: message times (rate check)
    sub_ops: deque[float] = field(default_factory=deque)
    subscribe_log: list[tuple[float, int]] = field(default_factory=list)  #: (time, args) per op
    stalled: bool = False
    last_io: float = field(default_factory=time.monotonic)
    closed: bool = False

    async def send(self, text: str) -> None:
        if self.closed or self.stalled:
            return
        try:
            await self.ws.send_str(text)
            self.last_io = time.monotonic()
        except (ConnectionError, RuntimeError):
            self.closed = True


class ExchangeSimulator:
    """Base of the venue simulators. Subclasses set ``exchange`` and implement the hooks."""

    exchange: ClassVar[str]
    ws_path: str = "/ws"  #: path of the WebSocket endpoint (per instance where it varies)
    limit_close_code: ClassVar[int] = 1008
    default_limits: ClassVar[dict[str, SimLimits]] = {}
    default_server_ping_s: ClassVar[float | None] = None

    def __init__(self, market: str, config: SimConfig | None = None) -> None:
        self.market = market
        self.config = cfg = config or SimConfig()
        self.limits = cfg.limits or self.default_limits.get(market, SimLimits())
        self.instruments: dict[str, SimInstrument] = {}
        self.trading: dict[str, bool] = {}
        for inst in make_instruments(cfg.symbols, cfg.seed, cfg.quote):
            inst = self.adapt_instrument(inst)
            self.instruments[self.symbol_of(inst)] = inst
            self.trading[self.symbol_of(inst)] = True
        self.market_gen = SyntheticMarket(
            self.instruments,
            cfg.seed,
            trades_per_s=cfg.trades_per_s,
            burst_prob=cfg.burst_prob,
            wick_prob=cfg.wick_prob,
            ids=self.make_id,
        )
        self.log = TradeLog(keep=cfg.log_keep)
        self.sessions: list[SimSession] = []
        self.violations: list[str] = []
        self.connects: list[float] = []
        self.rest_requests: deque[float] = deque()
        self.rest_limited = 0
        self.rest_down = False  #: fault: trade history answers 503
        self.rejected: set[str] = set()  #: fault: subscriptions to these symbols are refused
        self.generating = cfg.generate  #: the synthetic generator runs (``pause``/``resume``)
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    # -- lifecycle --

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints(rest_url=self.base_url, ws_url=f"ws://127.0.0.1:{self.port}{self.ws_path}")

    async def start(self) -> ExchangeSimulator:
        app = web.Application()
        app.router.add_get(self.ws_path, self._ws_handler)
        for path, handler in self.rest_routes():
            app.router.add_get(path, self._rest_wrapper(handler))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._task = asyncio.create_task(self._generate(), name=f"sim.{self.exchange}")
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for session in list(self.sessions):
            with contextlib.suppress(Exception):
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> ExchangeSimulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- trades --

    def symbols(self) -> list[str]:
        return sorted(self.instruments)

    def pause(self) -> None:
        """Stop generating trades (connections stay up)."""
        self.generating = False

    def resume(self) -> None:
        self.generating = True

    async def emit_new(self, symbol: str, count: int = 1) -> list[SimTrade]:
        """Generate, log and stream ``count`` trades of ``symbol`` now."""
        trades = self.market_gen.make(symbol, time.time_ns() // 1_000_000, count)
        await self.emit(trades)
        return trades

    async def emit(self, trades: Iterable[SimTrade]) -> None:
        """Log and stream given trades (in order)."""
        batch = list(trades)
        for trade in batch:
            self.log.append(trade)
        await self._broadcast(batch)

    async def _generate(self) -> None:
        tick = self.config.tick_s
        last = time.monotonic()
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if not self.generating:
                last = now
                self._check_idle(now)
                continue
            live = [s for s in self.instruments if self.trading[s]]
            trades = self.market_gen.step(time.time_ns() // 1_000_000, now - last, live)
            last = now
            for trade in trades:
                self.log.append(trade)
            await self._broadcast(trades)
            self._check_idle(now)

    async def _broadcast(self, trades: list[SimTrade]) -> None:
        if not trades or not self.sessions:
            return
        wanted: set[str] = set()
        for session in self.sessions:
            if not session.stalled:
                wanted |= session.subscribed
        by_symbol: dict[str, list[SimTrade]] = {}
        for trade in trades:
            if trade.symbol in wanted:
                by_symbol.setdefault(trade.symbol, []).append(trade)
        frames = {sym: self.trade_frames(sym, rows) for sym, rows in by_symbol.items()}
        for session in list(self.sessions):
            if session.stalled or session.closed:
                continue
            for sym in session.subscribed & frames.keys():
                for frame in frames[sym]:
                    await session.send(frame)

    def _check_idle(self, now: float) -> None:
        idle = self.limits.idle_timeout_s
        if idle is None:
            return
        for session in list(self.sessions):
            if not session.closed and now - session.last_io > idle:
                session.closed = True
                self.violations.append(f"session {session.id}: idle for {idle}s")
                asyncio.get_running_loop().create_task(self._close(session, *self.idle_close()))

    # -- faults --

    async def drop_all(self) -> None:
        """Cut every connection abruptly (TCP reset, no close frame)."""
        for session in list(self.sessions):
            if session.closed:
                continue
            session.closed = True
            transport = session.request.transport
            if transport is not None:
                transport.abort()
            else:  # no transport to cut: close without waiting for the peer's answer
                asyncio.get_running_loop().create_task(self._close(session, 1001, "going away"))

    def stall(self, on: bool = True) -> None:
        """Existing connections stop sending anything (data, acks, pongs) but stay open."""
        for session in self.sessions:
            session.stalled = on

    async def close_all_with_limit(self) -> None:
        """Close every connection with the venue's "limit exceeded" close code."""
        for session in list(self.sessions):
            await self._close(session, self.limit_close_code, "Too many requests")

    async def send_malformed(self) -> None:
        """Send one malformed trade frame on every connection."""
        for session in list(self.sessions):
            await session.send(self.malformed_frame())

    async def send_notice(self) -> None:
        """Send the venue's "closing for maintenance" notice, where it has one."""
        frame = self.notice_frame()
        if frame is not None:
            for session in list(self.sessions):
                await session.send(frame)

    def reject(self, symbol: str) -> None:
        """Subscriptions to ``symbol`` are refused from now on."""
        self.rejected.add(symbol)

    def delist(self, symbol: str) -> None:
        self.trading[symbol] = False

    def relist(self, symbol: str) -> None:
        self.trading[symbol] = True

    # -- WebSocket --

    async def _close(self, session: SimSession, code: int, message: str) -> None:
        session.closed = True
        with contextlib.suppress(Exception):
            await session.ws.close(code=code, message=message.encode())

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        lim = self.limits
        if lim.connects_per_window is not None:
            recent = [t for t in self.connects if now - t < lim.connect_window_s]
            if len(recent) >= lim.connects_per_window:
                self.violations.append(
                    f"connect: over {lim.connects_per_window}/{lim.connect_window_s}s"
                )
                return web.Response(status=429, text="too many connections")
        self.connects.append(now)
        ping = self.config.server_ping_s or self.default_server_ping_s
        ws = web.WebSocketResponse(autoping=True, heartbeat=ping)
        await ws.prepare(request)
        session = SimSession(next(self._ids), ws, request)
        self.sessions.append(session)
        await self.on_open(session)
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                session.last_io = t = time.monotonic()
                if lim.messages_per_s is not None:
                    session.received.append(t)
                    while session.received and t - session.received[0] > 1.0:
                        session.received.popleft()
                    if len(session.received) > lim.messages_per_s:
                        self.violations.append(
                            f"session {session.id}: over {lim.messages_per_s} msg/s"
                        )
                        await self._close(session, self.limit_close_code, "Too many requests")
                        break
                if session.stalled:
                    continue
                await self.on_message(session, msg.data)
        finally:
            session.closed = True
            with contextlib.suppress(ValueError):
                self.sessions.remove(session)
        return ws

    def count_sub_op(self, session: SimSession, args: int) -> bool:
        """Record a subscribe/unsubscribe op; False (and a violation) when over the hourly cap."""
        now = time.monotonic()
        session.subscribe_log.append((now, args))
        cap = self.limits.subscribe_ops_per_hour
        if cap is None:
            return True
        session.sub_ops.append(now)
        while session.sub_ops and now - session.sub_ops[0] > 3600:
            session.sub_ops.popleft()
        if len(session.sub_ops) > cap:
            self.violations.append(f"session {session.id}: over {cap} subscribe ops/hour")
            return False
        return True

    def check_args(self, session: SimSession, count: int) -> str | None:
        """Why a subscribe of ``count`` more streams breaks a limit (recorded), else None."""
        lim = self.limits
        if lim.args_per_request is not None and count > lim.args_per_request:
            why = f"args size {count} exceeds {lim.args_per_request}"
        elif len(session.subscribed) + count > lim.streams_per_connection:
            total = len(session.subscribed) + count
            why = f"too many streams: {total} > {lim.streams_per_connection}"
        else:
            return None
        self.violations.append(f"session {session.id}: {why}")
        return why

    def subscribable(self, symbol: str) -> bool:
        return symbol in self.instruments and self.trading[symbol] and symbol not in self.rejected

    # -- REST --

    def _rest_wrapper(self, handler: Any) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            now = time.monotonic()
            window = self.config.rest_window_s
            while self.rest_requests and now - self.rest_requests[0] > window:
                self.rest_requests.popleft()
            if len(self.rest_requests) >= self.config.rest_per_window:
                self.rest_limited += 1
                return web.Response(
                    status=429, body=self.rate_limited_body(), content_type="application/json"
                )
            self.rest_requests.append(now)
            result = handler(request)
            if isinstance(result, web.StreamResponse):
                return result
            return web.Response(body=orjson.dumps(result), content_type="application/json")

        return wrapped

    def history_unavailable(self) -> web.Response | None:
        if self.rest_down:
            return web.Response(status=503, text="service unavailable")
        return None

    # -- venue hooks --

    def adapt_instrument(self, inst: SimInstrument) -> SimInstrument:
        return inst

    def symbol_of(self, inst: SimInstrument) -> str:
        raise NotImplementedError

    def make_id(self, symbol: str, num: int, rng: Any) -> str:
        return str(num)

    def rest_routes(self) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def rate_limited_body(self) -> bytes:
        return b'{"msg":"Too many requests"}'

    async def on_open(self, session: SimSession) -> None:
        """Called when a client connected (venues that greet, or push snapshots, do it here)."""

    async def on_message(self, session: SimSession, text: str) -> None:
        raise NotImplementedError

    def trade_frames(self, symbol: str, trades: list[SimTrade]) -> list[str]:
        raise NotImplementedError

    def history_payload(self, symbol: str, trades: list[SimTrade]) -> Any:
        """``trades`` (oldest first) as the venue's REST trade-history answer."""
        raise NotImplementedError

    def malformed_frame(self) -> str:
        raise NotImplementedError

    def notice_frame(self) -> str | None:
        return None

    def idle_close(self) -> tuple[int, str]:
        return 1000, "idle"
