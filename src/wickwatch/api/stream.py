"""``/api/v1/stream``: the browser's live WebSocket — the user's new alerts, feed status and live
1-second candles of the symbols it subscribes to.

Protocol (the UI's ``web/src/live/stream.ts``)::

    client → server  {"type":"subscribe","topics":["alerts","markets","candles:okx_spot:BTC-USDT"]}
                                                                  before the auth frame: in effect
                                                                  once "ready" comes
                     {"type":"auth","token":"<access token>"}     unless the token came with the
                                                                  handshake
                     {"type":"unsubscribe","topics":[…]}
                     {"type":"pong"}
    server → client  {"type":"ready","user_id":…,"expires_at":…}
                     {"type":"alert","data":{AlertPublic}}                    topic "alerts"
                     {"type":"market_status","data":{MarketStatus}}           topic "markets"
                     {"type":"candle","topic":"candles:<feed>:<SYMBOL>","data":{t,o,h,l,c,v}}
                     {"type":"ping"} · {"type":"reconnect"} · {"type":"error","code":…,"message":…}
    close codes      4401 token missing/invalid/expired (refresh, reconnect) · 4403 forbidden ·
                     1013 too slow (reconnect and reload) · 1012 server restarting ·
                     4429 too many open sockets of the account (reconnect later)

The token may also come with the handshake (subprotocols ``["bearer", token]`` or
``?access_token=``). It is checked at the start, the socket is closed with 4401 when it expires,
and the hub re-checks every socket's session every ``SESSION_CHECK_S`` seconds (one query for all
of them): a logout, a password change, "sign out everywhere" or a disabled account closes the
sockets of that session with 4401 within seconds, not at the end of the token's lifetime.

One :class:`StreamHub` per process holds one broadcast subscription per bus topic and fans out to
the connections: alerts only to their user's sockets, status and candles to the sockets that
subscribed. Each socket has a bounded queue: status and candle messages are coalesced (the newest
per feed / symbol wins) and never block anything; a socket whose alert queue overflows is closed
with 1013 (its client reconnects and reloads), and so is one that does not take a frame within
``SEND_TIMEOUT_S`` (a client that stopped reading: its TCP window is full). The hub tells the
collectors which symbols are watched (``candles.watch`` messages) so that they publish only
those candles.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocketState

from wickwatch.accounts.auth import WS_SUBPROTOCOL, websocket_token
from wickwatch.accounts.errors import Forbidden, Unauthorized
from wickwatch.accounts.ratelimit import address_key
from wickwatch.accounts.repository import SessionRepository
from wickwatch.accounts.service import AccountService, Authenticated
from wickwatch.alerts.events import WATCH, public_alert, watch_event
from wickwatch.bus import (
    ALERTS,
    CANDLES,
    STATUS,
    Bus,
    Subscription,
    compact,
    create_bus,
)
from wickwatch.config import ALL_MARKETS, Settings
from wickwatch.errors import WickwatchError
from wickwatch.markets.service import STALE_INTERVALS, feed_status
from wickwatch.storage.models import ExchangeStats

log = logging.getLogger(__name__)

router = APIRouter(tags=["stream"])

AUTH_TIMEOUT_S = 10.0
PING_INTERVAL_S = 25.0
IDLE_TIMEOUT_S = 75.0
ALERT_QUEUE = 200  #: alerts waiting for one socket before it counts as too slow
MAX_CANDLE_TOPICS = 50
WATCH_TTL_S = 30.0
WATCH_RENEW_S = 10.0
SESSION_CHECK_S = 5.0  #: how often the sessions behind open sockets are checked
SEND_TIMEOUT_S = 10.0  #: a frame the client does not take within this is a client too slow
GOODBYE_S = 1.0  #: the most a closing handshake may take before the connection is dropped
#: Frames a client may send before its auth frame (subscribes it wants applied at once); more is
#: refused: an unauthenticated socket must not make the server buffer without bound.
MAX_PENDING = 8
#: Open sockets one account may have on one API process (each is bounded; their number too).
MAX_SOCKETS_PER_USER = 20
#: Sockets one client address (an IPv6 /64) may have waiting for their auth frame at once, per
#: API process: each waits up to AUTH_TIMEOUT_S, so one host cannot hold thousands open.
MAX_UNAUTHENTICATED_PER_ADDRESS = 16
#: Largest frame the server reads (given to uvicorn): a client's frames are a few topics.
MAX_FRAME_BYTES = 64 * 1024

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_SLOW = 1013
CLOSE_TOO_MANY = 4429
CLOSE_RESTART = 1012

_SYMBOL = re.compile(r"^[A-Za-z0-9@_.\-/]{1,64}$")


def _candle_topic_ok(topic: str) -> bool:
    parts = topic.split(":", 2)
    return (
        len(parts) == 3
        and parts[0] == "candles"
        and parts[1] in ALL_MARKETS
        and bool(_SYMBOL.match(parts[2]))
    )


class StreamConnection:
    """One socket's subscriptions and outgoing queue (filled by the hub, drained by the socket)."""

    def __init__(self, user_id: int, session: tuple[str, int] | None = None) -> None:
        self.user_id = user_id
        #: (session id, token version) of the token it authenticated with
        self.session = session
        self.ended: str | None = None  #: why its session ended (closed with 4401)
        self.topics: set[str] = set()
        self.alerts: deque[bytes] = deque()
        self.latest: dict[str, bytes] = {}  #: coalesced: the newest status per feed / candle
        self.overflow = False
        self.ready = asyncio.Event()
        self.sent = 0
        self.coalesced = 0
        self.last_seen = time.monotonic()  #: when the client last sent anything

    def push_alert(self, frame: bytes) -> None:
        if len(self.alerts) >= ALERT_QUEUE:
            self.overflow = True
        else:
            self.alerts.append(frame)
        self.ready.set()

    def push_latest(self, key: str, frame: bytes) -> None:
        if key in self.latest:
            self.coalesced += 1
        self.latest[key] = frame
        self.ready.set()

    def take(self) -> list[bytes]:
        frames = list(self.alerts)
        self.alerts.clear()
        frames.extend(self.latest.values())
        self.latest.clear()
        return frames


#: the fields of a status row (``roles.persist.status_event``: an ``exchange_stats`` row)
_STATS_COLUMNS = frozenset(c.name for c in ExchangeStats.__table__.columns)


class StreamHub:
    """Fans the bus out to this process's sockets; one per app (:func:`get_hub`)."""

    def __init__(
        self,
        bus: Bus,
        *,
        own_bus: bool = False,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        session_check_s: float = SESSION_CHECK_S,
        status_interval_s: float = 5.0,
    ) -> None:
        self.bus = bus
        #: the collectors' status interval: a feed's row older than three of them is down
        self.status_interval_s = status_interval_s
        self.own_bus = own_bus
        self.sessionmaker = sessionmaker
        self.session_check_s = session_check_s
        self.connections: set[StreamConnection] = set()
        self.by_user: dict[int, set[StreamConnection]] = {}
        #: newest status frame per feed, sent to a socket when it subscribes to "markets"
        self.status: dict[str, bytes] = {}
        #: the collector's newest row per feed, aged by :meth:`_age_status`
        self._status_rows: dict[str, ExchangeStats] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._subscriptions: list[Subscription] = []
        self._started: asyncio.Task[None] | None = None
        self._watch_changed = asyncio.Event()
        self.closed = False

    async def start(self) -> None:
        """Subscribe to the bus (idempotent; concurrent callers share the one start)."""
        if self._started is None:
            self._started = asyncio.create_task(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        subscriptions = [
            (ALERTS, self._on_alert),
            (STATUS, self._on_status),
            (CANDLES, self._on_candle),
        ]
        for topic, handler in subscriptions:
            sub = self.bus.subscribe(topic, buffer=10_000)
            await sub.start()
            self._subscriptions.append(sub)
            self._tasks.append(asyncio.create_task(self._pump(sub, handler), name=f"hub.{topic}"))
        self._tasks.append(asyncio.create_task(self._announce_watch(), name="hub.watch"))
        self._tasks.append(asyncio.create_task(self._age_status(), name="hub.status_age"))
        if self.sessionmaker is not None:
            self._tasks.append(asyncio.create_task(self._check_sessions(), name="hub.sessions"))

    async def close(self) -> None:
        """Stop fanning out: the loops end by themselves (closed subscriptions, the flag), the
        sockets say ``reconnect`` and close with 1012."""
        self.closed = True
        for sub in self._subscriptions:
            sub.close()
        self._watch_changed.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=2.0)
            for task in late:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for conn in list(self.connections):
            conn.ready.set()  # their sockets notice ``closed`` and say goodbye
        if self.own_bus:
            await self.bus.close()

    # --- connections ---------------------------------------------------------------------

    def add(self, conn: StreamConnection) -> None:
        self.connections.add(conn)
        self.by_user.setdefault(conn.user_id, set()).add(conn)

    def remove(self, conn: StreamConnection) -> None:
        self.connections.discard(conn)
        mine = self.by_user.get(conn.user_id)
        if mine is not None:
            mine.discard(conn)
            if not mine:
                del self.by_user[conn.user_id]
        if any(t.startswith("candles:") for t in conn.topics):
            self._watch_changed.set()

    def subscribe(self, conn: StreamConnection, topics: list[str]) -> list[str]:
        """Add topics; returns the ones refused."""
        refused = []
        for topic in topics:
            if topic in ("alerts", "markets"):
                if topic == "markets" and topic not in conn.topics:
                    for key, frame in self.status.items():
                        conn.push_latest(f"status:{key}", frame)
                conn.topics.add(topic)
            elif _candle_topic_ok(topic):
                candles = sum(1 for t in conn.topics if t.startswith("candles:"))
                if topic not in conn.topics and candles >= MAX_CANDLE_TOPICS:
                    refused.append(topic)
                    continue
                conn.topics.add(topic)
                self._watch_changed.set()
            else:
                refused.append(topic)
        return refused

    def unsubscribe(self, conn: StreamConnection, topics: list[str]) -> None:
        for topic in topics:
            conn.topics.discard(topic)
            if topic.startswith("candles:"):
                self._watch_changed.set()

    def watched(self) -> set[str]:
        return {
            t.removeprefix("candles:")
            for conn in self.connections
            for t in conn.topics
            if t.startswith("candles:")
        }

    # --- bus → sockets -------------------------------------------------------------------

    async def _pump(self, sub: Subscription, handler: Callable[[dict[str, Any]], None]) -> None:
        try:
            async for message in sub:
                payload = message.payload
                if isinstance(payload, dict):
                    try:
                        handler(payload)
                    except Exception:
                        log.exception("stream: bad %s message", sub.topic)
        finally:
            sub.close()

    def _on_alert(self, event: dict[str, Any]) -> None:
        conns = self.by_user.get(event.get("user_id", -1))
        if not conns:
            return
        frame = compact(orjson.dumps({"type": "alert", "data": public_alert(event)}))
        for conn in conns:
            if "alerts" in conn.topics:
                conn.push_alert(frame)

    def _on_status(self, row: dict[str, Any]) -> None:
        stats = ExchangeStats(**{k: v for k, v in row.items() if k in _STATS_COLUMNS})
        if isinstance(stats.updated_at, str):
            stats.updated_at = datetime.fromisoformat(stats.updated_at)
        if stats.updated_at is None or stats.updated_at.tzinfo is None:
            return  # not a status row (every collector's carries its time)
        key = f"{stats.exchange}_{stats.market}"
        self._status_rows[key] = stats
        self._publish_status(key, stats)

    def _publish_status(self, key: str, stats: ExchangeStats) -> None:
        """The feed's status as ``GET /markets`` shows it (``active``/``degraded``/``down``,
        ``stale`` when its collector stopped reporting), so the two never disagree."""
        public = feed_status(
            stats,
            stats.exchange,
            stats.market,
            now=datetime.now(UTC),
            status_interval_s=self.status_interval_s,
        )
        frame = compact(
            orjson.dumps({"type": "market_status", "data": public.model_dump(mode="json")})
        )
        self.status[key] = frame
        for conn in self.connections:
            if "markets" in conn.topics:
                conn.push_latest(f"status:{key}", frame)

    async def _age_status(self) -> None:
        """A collector that died sends no "down": every status interval, a feed whose newest
        row went stale is sent again, now ``down`` (once: then it stays stale)."""
        stale: set[str] = set()
        while not self.closed:
            await asyncio.sleep(self.status_interval_s)
            limit = STALE_INTERVALS * self.status_interval_s
            now = datetime.now(UTC)
            for key, stats in list(self._status_rows.items()):
                if (now - stats.updated_at).total_seconds() <= limit:
                    stale.discard(key)
                elif key not in stale:
                    stale.add(key)
                    self._publish_status(key, stats)

    def _on_candle(self, event: dict[str, Any]) -> None:
        topic = f"candles:{event.get('key')}"
        frame: bytes | None = None
        for conn in self.connections:
            if topic in conn.topics:
                if frame is None:
                    data = {k: event[k] for k in ("t", "o", "h", "l", "c", "v") if k in event}
                    frame = compact(orjson.dumps({"type": "candle", "topic": topic, "data": data}))
                conn.push_latest(topic, frame)

    async def _check_sessions(self) -> None:
        """Close the sockets whose session ended (logout, password change, account disabled)."""
        assert self.sessionmaker is not None
        while not self.closed:
            await asyncio.sleep(self.session_check_s)
            held = {c.session for c in self.connections if c.session is not None}
            if not held or self.closed:
                continue
            try:
                async with self.sessionmaker() as session:
                    good = await SessionRepository(session).still_valid(sorted(held))
            except Exception as exc:  # the database is away: keep the sockets, check later
                log.debug("stream: sessions not checked: %s", exc)
                continue
            ended = held - good  # sockets opened during the query are judged next time
            for conn in list(self.connections):
                if conn.session in ended and conn.ended is None:
                    conn.ended = "this session has ended; sign in again"
                    conn.ready.set()

    async def _announce_watch(self) -> None:
        """Tell the collectors which symbols to publish, on change and every few seconds."""
        while not self.closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WATCH_RENEW_S):
                    await self._watch_changed.wait()
            self._watch_changed.clear()
            if self.closed:
                return
            keys = self.watched()
            if keys:
                try:
                    await self.bus.publish(WATCH, watch_event(keys, WATCH_TTL_S))
                except Exception as exc:  # renewed in seconds; the loop must live on
                    log.debug("watch list not published: %s", exc)
            await asyncio.sleep(0.2)  # debounce bursts of (un)subscribes


async def get_hub(app: FastAPI) -> StreamHub:
    """The app's hub: on ``app.state.bus`` when the process provides one (embedded roles), else
    on a bus of its own from the settings (``wickwatch api`` with Redis)."""
    hub: StreamHub | None = getattr(app.state, "stream_hub", None)
    if hub is None:
        bus: Bus | None = getattr(app.state, "bus", None)
        own = bus is None
        if bus is None:
            settings: Settings = app.state.settings
            bus = create_bus(str(settings.redis_url) if settings.redis_url else None)
        hub = StreamHub(
            bus,
            own_bus=own,
            sessionmaker=app.state.sessionmaker,
            session_check_s=SESSION_CHECK_S,
            status_interval_s=app.state.settings.status_interval_s,
        )
        app.state.stream_hub = hub
    await hub.start()
    return hub


# --- the endpoint ------------------------------------------------------------------------------


async def _authenticate(websocket: WebSocket, token: str) -> Authenticated:
    async with websocket.app.state.sessionmaker() as session:
        auth = await AccountService(session, websocket.app.state.security).authenticate(token)
        await session.commit()
        return auth


async def _send(websocket: WebSocket, message: dict[str, Any] | bytes) -> None:
    data = message if isinstance(message, bytes) else orjson.dumps(message)
    await websocket.send_text(data.decode())


async def _goodbye(websocket: WebSocket, code: int, reason: str, frame: dict[str, Any]) -> None:
    """Say why, then close — for at most ``GOODBYE_S``: a client that stopped reading must not
    hold the handler (its window is full, so neither frame may ever get through); after that
    the handler ends and the server drops the connection."""
    with contextlib.suppress(Exception):
        async with asyncio.timeout(GOODBYE_S):
            await _send(websocket, frame)
            await websocket.close(code, reason[:120])


async def _refuse(websocket: WebSocket, code: int, error: str, message: str) -> None:
    await _goodbye(websocket, code, message, {"type": "error", "code": error, "message": message})


@router.websocket("/stream")
async def stream(websocket: WebSocket) -> None:
    """Live alerts, feed status and candles (see the module documentation)."""
    offered = [str(p).strip() for p in websocket.scope.get("subprotocols", [])]
    await websocket.accept(subprotocol=WS_SUBPROTOCOL if WS_SUBPROTOCOL in offered else None)
    token = websocket_token(websocket)
    pending: list[dict[str, Any]] = []
    waiting = _unauthenticated(websocket.app)
    address = address_key(websocket.client.host if websocket.client else "")
    if waiting[address] >= MAX_UNAUTHENTICATED_PER_ADDRESS:
        await _refuse(
            websocket,
            CLOSE_TOO_MANY,
            "too_many_connections",
            "too many connections from your address are waiting to authenticate",
        )
        return
    waiting[address] += 1
    try:
        auth = await _authenticated(websocket, token, pending)
    finally:
        waiting[address] -= 1
        if not waiting[address]:
            del waiting[address]
    if auth is None:
        return
    hub = await get_hub(websocket.app)
    if len(hub.by_user.get(auth.user.id, ())) >= MAX_SOCKETS_PER_USER:
        await _refuse(
            websocket,
            CLOSE_TOO_MANY,
            "too_many_connections",
            f"at most {MAX_SOCKETS_PER_USER} live connections per account; close another tab",
        )
        return
    conn = StreamConnection(auth.user.id, (auth.session_id, auth.claims.token_version))
    hub.add(conn)
    websocket.state.user_id = auth.user.id
    expires = auth.claims.expires_at.timestamp()
    # The subscribes sent before the auth frame take effect before "ready": the browser reads
    # what it missed (GET /alerts?after_id=) on "ready", so an alert published after its read
    # must already reach this socket.
    for message in pending:
        await _handle(websocket, hub, conn, message)
    await _send(
        websocket,
        {
            "type": "ready",
            "user_id": auth.user.id,
            "expires_at": auth.claims.expires_at.isoformat(),
        },
    )
    receiver = asyncio.create_task(_receive(websocket, hub, conn))
    try:
        await _deliver(websocket, hub, conn, receiver, expires)
    finally:
        hub.remove(conn)
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)


async def _authenticated(
    websocket: WebSocket, token: str | None, pending: list[dict[str, Any]]
) -> Authenticated | None:
    """The socket's account, from the handshake's token or the auth frame (frames sent before
    it go to ``pending``); None once the socket was refused."""
    try:
        if token is None:
            async with asyncio.timeout(AUTH_TIMEOUT_S):
                while token is None:
                    first = _parse(await _receive_text(websocket))
                    if first is None:
                        continue
                    if first.get("type") == "auth" and isinstance(first.get("token"), str):
                        token = first["token"]
                    elif len(pending) < MAX_PENDING:
                        pending.append(first)  # subscribes sent before the auth frame
                    else:
                        raise TimeoutError
    except TimeoutError:
        await _refuse(websocket, CLOSE_UNAUTHORIZED, "unauthorized", "send the auth frame first")
        return None
    except WebSocketDisconnect:
        return None
    try:
        return await _authenticate(websocket, token)
    except Unauthorized as exc:
        await _refuse(websocket, CLOSE_UNAUTHORIZED, "unauthorized", exc.message)
    except Forbidden as exc:
        await _refuse(websocket, CLOSE_FORBIDDEN, "forbidden", exc.message)
    except WickwatchError as exc:  # rate limited
        await _refuse(websocket, CLOSE_TOO_SLOW, "rate_limited", exc.message)
    return None


def _unauthenticated(app: Any) -> Counter[str]:
    """Sockets waiting for their auth frame, per client address, on this process."""
    waiting: Counter[str] | None = getattr(app.state, "stream_unauthenticated", None)
    if waiting is None:
        waiting = app.state.stream_unauthenticated = Counter()
    return waiting


async def _receive_text(websocket: WebSocket) -> str | None:
    """The next frame's text; None for a binary frame (Starlette's ``receive_text`` raises a
    ``KeyError`` on one, which would end the handler with an error in the log)."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    return text if isinstance(text, str) else None


def _parse(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


async def _handle(
    websocket: WebSocket, hub: StreamHub, conn: StreamConnection, message: dict[str, Any]
) -> None:
    kind = message.get("type")
    topics = message.get("topics")
    names = [t for t in topics if isinstance(t, str)] if isinstance(topics, list) else []
    if kind == "subscribe":
        refused = hub.subscribe(conn, names)
        if refused:
            await _send(
                websocket,
                {"type": "error", "code": "unknown_topic", "message": ", ".join(refused[:10])},
            )
    elif kind == "unsubscribe":
        hub.unsubscribe(conn, names)
    elif kind in ("pong", "auth", "ping"):
        if kind == "ping":
            await _send(websocket, {"type": "pong"})
    else:
        await _send(websocket, {"type": "error", "code": "bad_request", "message": str(kind)})


async def _receive(websocket: WebSocket, hub: StreamHub, conn: StreamConnection) -> None:
    """Read the client's frames until it goes away; wakes the sender on the way out."""
    try:
        while True:
            text = await _receive_text(websocket)
            conn.last_seen = time.monotonic()
            message = _parse(text)
            if message is None:
                await _send(websocket, {"type": "error", "code": "bad_request", "message": "JSON"})
                continue
            await _handle(websocket, hub, conn, message)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        conn.ready.set()


async def _deliver(
    websocket: WebSocket,
    hub: StreamHub,
    conn: StreamConnection,
    receiver: asyncio.Task[None],
    expires: float,
) -> None:
    """Send queued frames, pings; close on expiry, overflow, idleness or hub shutdown."""
    next_ping = time.monotonic() + PING_INTERVAL_S
    while True:
        now = time.monotonic()
        wait = min(next_ping - now, expires - time.time(), 1.0)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, wait)):
                await conn.ready.wait()
        conn.ready.clear()
        if receiver.done() or websocket.client_state is not WebSocketState.CONNECTED:
            return
        if hub.closed:
            await _goodbye(websocket, CLOSE_RESTART, "server restarting", {"type": "reconnect"})
            return
        if conn.overflow:
            log.info("stream of user %d too slow; closing it", conn.user_id)
            await _goodbye(websocket, CLOSE_TOO_SLOW, "too slow", {"type": "reconnect"})
            return
        if time.time() >= expires:
            await _refuse(websocket, CLOSE_UNAUTHORIZED, "token_expired", "the token expired")
            return
        if conn.ended is not None:
            await _refuse(websocket, CLOSE_UNAUTHORIZED, "session_ended", conn.ended)
            return
        frames = conn.take()
        now = time.monotonic()
        if now >= next_ping:
            if now - conn.last_seen > IDLE_TIMEOUT_S:
                await _goodbye(websocket, 1001, "idle", {"type": "reconnect"})
                return
            frames.append(b'{"type":"ping"}')
            next_ping = now + PING_INTERVAL_S
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):
                for frame in frames:
                    await _send(websocket, frame)
        except TimeoutError:
            log.info("stream of user %d takes no frames; closing it", conn.user_id)
            await _goodbye(websocket, CLOSE_TOO_SLOW, "too slow", {"type": "reconnect"})
            return
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        conn.sent += len(frames)
