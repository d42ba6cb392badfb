"""One WebSocket connection of a feed: connect, subscribe (paced, batched, acknowledged), read,
keep alive, watch for silence, reconnect with back-off.

The reader's work ends at ``parser.parse_frame`` and the feed's ``on_trades`` (de-duplication and
the sink call) — or, on the fast path, at ``parser.feed_frame`` handing each trade to the feed's
``add_raw`` — nothing slower happens on this path.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections import deque
from typing import TYPE_CHECKING

import aiohttp

from wickwatch.market.candles import monotonic_epoch_ms
from wickwatch.market.connectors._pacing import Backoff, WindowLimiter
from wickwatch.market.connectors._state import ConnState, check_conn_move
from wickwatch.market.connectors.base import (
    Ack,
    Control,
    Ignored,
    Pong,
    Rejected,
    ServerNotice,
)
from wickwatch.market.types import MalformedFrame, Trade

if TYPE_CHECKING:
    from wickwatch.market.connectors.feed import Feed

_req_ids = itertools.count(1)


def now_ms() -> int:
    """Receive times: epoch ms that never step (see :func:`monotonic_epoch_ms`)."""
    return monotonic_epoch_ms()


class _Closed(Exception):
    """Internal: why a session ended."""

    def __init__(self, reason: str, *, limited: bool = False, planned: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limited = limited
        self.planned = planned


class Connection:
    """Carries a set of stream names over one WebSocket, reconnecting until stopped."""

    def __init__(self, feed: Feed, index: int, names: set[str]) -> None:
        self.feed = feed
        self.id = f"{feed.name}.ws.{index}"
        self.log = feed.logger(self.id)
        self.state = ConnState.NEW
        self.wanted: set[str] = set(names)  #: names this connection should carry
        self.subscribed: set[str] = set()  #: names the venue acknowledged on this session
        self._ops: deque[tuple[str, tuple[str, ...]]] = deque()  # ("sub"|"unsub", names)
        self._pending: dict[str, tuple[str, set[str], float]] = {}  # req id → (op, names, sent)
        self._wake = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        cfg, limits = feed.config, feed.limits
        self._backoff = Backoff(cfg.backoff_base_s, cfg.backoff_max_s)
        self._messages = WindowLimiter.scaled(
            limits.messages_per_window, limits.message_window_s, cfg.pacing_margin
        )
        self._sub_ops: WindowLimiter | None = None
        if limits.subscribe_ops_per_window:
            self._sub_ops = WindowLimiter.scaled(
                limits.subscribe_ops_per_window, limits.subscribe_ops_window_s, cfg.pacing_margin
            )
        self.connected_at = 0.0  # monotonic, current session
        self.live_since: float | None = None
        self.last_recv = 0.0
        self.last_sent = 0.0
        self.last_ping = 0.0
        self.alive_ms = 0  # wall clock ms of the last frame received
        self.sessions = 0
        lifetime = limits.max_lifetime_s
        self._lifetime: float | None = None  # when the feed starts a replacement
        self._hard_lifetime: float | None = None  # when we close anyway
        if lifetime is not None:
            margin = cfg.lifetime_margin_s
            self._lifetime = max(lifetime * 0.5, lifetime - margin - random.random() * margin)
            self._hard_lifetime = lifetime - margin * 0.1

    # -- control from the feed --

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self._run(), name=self.id)
        return self._task

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 2.0)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.state is not ConnState.STOPPED:
            self._move(ConnState.STOPPED)

    def add(self, names: set[str]) -> None:
        new = names - self.wanted
        self.wanted |= new
        if new and self._ws is not None:
            self._ops.append(("sub", tuple(sorted(new))))
            self._wake.set()

    def remove(self, names: set[str]) -> None:
        gone = names & self.wanted
        self.wanted -= gone
        live = gone & self.subscribed
        self.subscribed -= gone
        if live and self._ws is not None:
            self._ops.append(("unsub", tuple(sorted(live))))
            self._wake.set()

    @property
    def room(self) -> int:
        return self.feed.limits.streams_per_connection - len(self.wanted)

    @property
    def lifetime_due(self) -> bool:
        return (
            self._lifetime is not None
            and self.state is ConnState.LIVE
            and time.monotonic() - self.connected_at >= self._lifetime
        )

    # -- state --

    def _move(self, new: ConnState) -> None:
        check_conn_move(self.state, new, self.id)
        old, self.state = self.state, new
        self.feed.on_state(self, old, new)

    # -- the loop --

    async def _run(self) -> None:
        cfg = self.feed.config
        while not self._stopping:
            self._move(ConnState.CONNECTING)
            outcome = await self._session()
            if self._stopping:
                break
            self._move(ConnState.BACKOFF)
            stable = self.live_since is not None and (
                time.monotonic() - self.live_since >= cfg.stable_after_s
            )
            if stable or outcome.planned:
                self._backoff.reset()
            floor = cfg.limit_cooldown_s if outcome.limited else 0.0
            delay = 0.0 if outcome.planned else self._backoff.next_delay(floor)
            self.log.warning("closed (%s); reconnecting in %.2fs", outcome.reason, delay)
            self.feed.on_down(self, outcome.reason)
            if delay:
                await asyncio.sleep(delay)
        if self.state is not ConnState.STOPPED:
            self._move(ConnState.STOPPED)

    async def _session(self) -> _Closed:
        feed = self.feed
        url = feed.venue.connect_url()
        await feed.connect_limiter.acquire()
        self.live_since = None
        try:
            ws = await feed.session.ws_connect(
                url,
                autoping=True,
                heartbeat=None,
                max_msg_size=0,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=2.0),
            )
        except aiohttp.WSServerHandshakeError as exc:
            limited = exc.status in (418, 429)
            if limited:
                feed.status.limit_errors += 1
            return _Closed(f"handshake refused: HTTP {exc.status}", limited=limited)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return _Closed(f"connect failed: {type(exc).__name__}: {exc}")
        self._ws = ws
        self.sessions += 1
        now = time.monotonic()
        self.connected_at = self.last_recv = self.last_sent = self.last_ping = now
        self.alive_ms = now_ms()
        feed.tap("connect", self.id, url)
        self.subscribed.clear()
        self._pending.clear()
        self._ops.clear()
        if self.wanted:
            self._ops.append(("sub", tuple(sorted(self.wanted))))
        self.log.info("connected to %s, subscribing %d streams", url, len(self.wanted))
        self._move(ConnState.SUBSCRIBING)
        self._check_live()
        reader = asyncio.create_task(self._reader(ws), name=f"{self.id}.reader")
        writer = asyncio.create_task(self._writer(ws), name=f"{self.id}.writer")
        outcome = _Closed("stopped")
        try:
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            finished = done.pop()
            if finished.cancelled():
                outcome = _Closed("cancelled")
            elif (error := finished.exception()) is not None:
                # A send on a socket that just broke (ConnectionResetError …): a drop like any
                # other, not the end of the connection's task.
                outcome = _Closed(f"socket error: {type(error).__name__}: {error}")
            else:
                outcome = finished.result()
        finally:
            for task in (reader, writer):
                task.cancel()
            for task in (reader, writer):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if not ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 2.0)
            self._ws = None
            if not self._stopping:
                feed.tap("closed", self.id, outcome.reason)
        return outcome

    async def _reader(self, ws: aiohttp.ClientWebSocketResponse) -> _Closed:
        feed = self.feed
        parse = feed.parser.parse_frame
        fast = feed.feed_frame
        on_trades = feed.on_trades
        tapping = feed.tapping
        while True:
            msg = await ws.receive()
            self.last_recv = time.monotonic()
            recv = now_ms()
            kind = msg.type
            if kind is aiohttp.WSMsgType.TEXT or kind is aiohttp.WSMsgType.BINARY:
                # Only a frame proves the stream was whole until now: a reset read late (a busy
                # loop) would date a symbol's gap after trades it lost.
                self.alive_ms = recv
                data = msg.data
                if tapping:
                    feed.tap("received", self.id, data, recv)
                try:
                    if fast is not None:
                        # Trades go to feed.add_raw as they are decoded; None: not a trade frame.
                        trades: list[Trade] | None = None if fast(data, recv, feed) is None else []
                    else:
                        trades = parse(data, recv)
                except MalformedFrame as exc:
                    control = self._control(data)
                    if control is None or isinstance(control, Ignored):
                        feed.on_malformed(self, data, exc)
                        continue
                    trades = None
                except Exception as exc:  # a parser bug must not take the feed down
                    feed.on_malformed(self, data, exc)
                    continue
                else:
                    control = None if trades is not None else self._control(data)
                if trades:
                    on_trades(trades)
                elif trades is None:
                    if control is None:
                        feed.on_malformed(self, data, MalformedFrame("unrecognised frame"))
                    else:
                        closed = self._handle(control)
                        if closed is not None:
                            return closed
            elif kind in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
            ):
                code = ws.close_code
                limited = code in feed.venue.limit_close_codes
                if limited:
                    feed.status.limit_errors += 1
                extra = f" {msg.extra}" if msg.extra else ""
                return _Closed(f"server closed, code {code}{extra}", limited=limited)
            elif kind is aiohttp.WSMsgType.ERROR:
                return _Closed(f"socket error: {ws.exception()!r}")

    def _control(self, data: str | bytes) -> Control | None:
        try:
            return self.feed.venue.read_control(data)
        except Exception:
            return None

    def _handle(self, control: Control) -> _Closed | None:
        if isinstance(control, Ack):
            self._acked(control)
        elif isinstance(control, Rejected):
            return self._rejected(control)
        elif isinstance(control, ServerNotice):
            self.log.info("server notice: %s", control.reason)
            return _Closed(f"server notice: {control.reason}", planned=True)
        elif isinstance(control, Pong | Ignored):
            pass
        return None

    def _acked(self, ack: Ack) -> None:
        entry = self._pending.get(ack.req_id) if ack.req_id is not None else None
        if entry is None:
            if ack.names is None:
                return
            # Per-stream ack without our id: find the request that carries these names.
            for req_id, (_op, names, _sent) in self._pending.items():
                if names & set(ack.names):
                    entry, ack = (_op, names, _sent), Ack(req_id, ack.names)
                    break
            if entry is None:
                return
        op, names, _sent = entry
        done = set(names) if ack.names is None else names & set(ack.names)
        names -= done
        if op == "sub":
            self.subscribed |= done & self.wanted
            self.feed.on_subscribed(self, done & self.wanted)
        if not names:
            self._pending.pop(ack.req_id or "", None)
        self._check_live()

    def _rejected(self, rej: Rejected) -> _Closed | None:
        feed = self.feed
        if rej.limit:
            feed.status.limit_errors += 1
            self.log.error("venue refused a request for a limit: %s", rej.reason)
            return _Closed(f"limit: {rej.reason}", limited=True)
        entry = self._pending.get(rej.req_id) if rej.req_id is not None else None
        if rej.names:
            candidates = set(rej.names)
            if entry is not None:
                entry[1].difference_update(candidates)
                if rej.final and entry[1] and entry[0] == "sub":
                    self._ops.appendleft(("sub", tuple(sorted(entry[1]))))
                    self._wake.set()
                if rej.final or not entry[1]:
                    self._pending.pop(rej.req_id or "", None)
        elif entry is not None:
            self._pending.pop(rej.req_id or "", None)
            candidates = set(entry[1])
        else:
            self.log.warning("rejection matching no request: %s", rej.reason)
            return None
        if entry is not None and entry[0] == "unsub":
            self.log.warning("unsubscribe refused: %s", rej.reason)
            self._check_live()
            return None
        candidates &= self.wanted
        if len(candidates) == 1:
            name = candidates.pop()
            self.wanted.discard(name)
            feed.on_rejected(self, name, rej.reason)
        elif candidates:
            # The venue refused a batch without naming the culprit: retry each half.
            ordered = sorted(candidates)
            half = len(ordered) // 2
            self.log.info("batch of %d refused (%s); narrowing down", len(ordered), rej.reason)
            self._ops.appendleft(("sub", tuple(ordered[half:])))
            self._ops.appendleft(("sub", tuple(ordered[:half])))
            self._wake.set()
        self._check_live()
        return None

    def _check_live(self) -> None:
        if self.state is ConnState.SUBSCRIBING and not self._ops and not self._pending:
            if self.wanted - self.subscribed:
                return
            self.live_since = time.monotonic()
            self._move(ConnState.LIVE)

    # -- writer: paced subscribe ops, keep-alive, ack timeouts, watchdog --

    def _next_batch(self) -> tuple[str, tuple[str, ...]] | None:
        limits = self.feed.limits
        while self._ops:
            op, names = self._ops.popleft()
            if op == "sub":
                names = tuple(n for n in names if n in self.wanted)
            if not names:
                continue
            take = min(len(names), limits.args_per_request)
            if limits.max_request_chars is not None:
                venue = self.feed.venue
                while take > 1 and venue.request_chars(names[:take]) > limits.max_request_chars:
                    take = max(1, take // 2)
            if take < len(names):
                self._ops.appendleft((op, names[take:]))
            return op, names[:take]
        return None

    async def _send(self, ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
        await self._messages.acquire()
        await ws.send_str(text)
        self.last_sent = time.monotonic()
        if self.feed.tapping:
            self.feed.tap("sent", self.id, text)

    async def _writer(self, ws: aiohttp.ClientWebSocketResponse) -> _Closed:
        cfg = self.feed.config
        venue = self.feed.venue
        tick = max(0.01, min(1.0, cfg.ping_interval_s / 4, cfg.silence_s / 4))
        ping = venue.ping_message()
        while True:
            batch = self._next_batch()
            if batch is not None:
                op, names = batch
                if self._sub_ops is not None:
                    await self._sub_ops.acquire()
                req_id = str(next(_req_ids))
                self._pending[req_id] = (op, set(names), time.monotonic())
                if op == "sub":
                    text = venue.subscribe_message(names, req_id)
                else:
                    text = venue.unsubscribe_message(names, req_id)
                await self._send(ws, text)
                continue
            now = time.monotonic()
            if ping is not None:
                since = now - (
                    self.last_ping if venue.ping_always else max(self.last_recv, self.last_ping)
                )
                if since >= cfg.ping_interval_s:
                    self.last_ping = now
                    await self._send(ws, ping)
            for req_id, (kind, waiting, sent) in list(self._pending.items()):
                if now - sent > cfg.ack_timeout_s:
                    self.log.warning(
                        "no answer to %s of %d streams; assuming accepted", kind, len(waiting)
                    )
                    self._acked(Ack(req_id))
            silent = now - self.last_recv
            if silent > cfg.silence_s:
                self.feed.status.reason = f"{self.id} silent"
                return _Closed(f"silent for {silent:.1f}s (watchdog)")
            if self._hard_lifetime is not None and now - self.connected_at >= self._hard_lifetime:
                return _Closed("connection lifetime reached", planned=True)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), tick)
