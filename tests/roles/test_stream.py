"""``/api/v1/stream`` on a real server and socket: authentication, per-user alerts, feed status,
live candles (and the watch list it tells the collectors), slow and expired clients."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.api.kit import PASSWORD, cheap_passwords
from tests.roles.kit import role_settings
from tests.seed import feed_row
from wickwatch.accounts.schemas import UserCreate
from wickwatch.accounts.service import AccountService
from wickwatch.alerts.events import WATCH
from wickwatch.api import stream
from wickwatch.api.app import create_app
from wickwatch.bus import ALERTS, CANDLES, STATUS
from wickwatch.bus.memory import MemoryBus
from wickwatch.roles.runtime import ApiServer
from wickwatch.storage import migrate
from wickwatch.storage.models import ExchangeStats

LIMITS = {
    "rate_limit_login_ip": "10000/minute",
    "rate_limit_user": "10000/minute",
}


@dataclass
class Served:
    server: ApiServer
    bus: MemoryBus
    http: aiohttp.ClientSession

    @property
    def ws_url(self) -> str:
        return self.server.url.replace("http://", "ws://") + "/api/v1/stream"

    async def user(self, email: str) -> tuple[int, str]:
        """Create a user and sign in; returns (id, access token)."""
        app = self.server.app
        async with app.state.sessionmaker() as session:
            service = AccountService(session, app.state.security)
            user = await service.create_user(
                UserCreate(email=email, password=PASSWORD)  # type: ignore[arg-type]
            )
            await session.commit()
        async with self.http.post(
            f"{self.server.url}/api/v1/auth/login",
            json={"email": email, "password": PASSWORD, "refresh_in": "body"},
        ) as response:
            assert response.status == 200, await response.text()
            body = await response.json()
        return user.id, str(body["access_token"])

    @asynccontextmanager
    async def socket(
        self, token: str | None, *, how: str = "frame", topics: list[str] | None = None
    ) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        url, protocols = self.ws_url, ()
        if how == "query" and token:
            url += f"?access_token={token}"
        elif how == "subprotocol" and token:
            protocols = ("bearer", token)  # type: ignore[assignment]
        async with self.http.ws_connect(url, protocols=protocols) as ws:
            if how == "frame" and token:
                await ws.send_str(orjson.dumps({"type": "auth", "token": token}).decode())
            if token:
                ready = await receive(ws)
                assert ready["type"] == "ready", ready
            if topics:
                await ws.send_str(orjson.dumps({"type": "subscribe", "topics": topics}).decode())
                await asyncio.sleep(0.1)
            yield ws


async def receive(ws: aiohttp.ClientWebSocketResponse, within_s: float = 5.0) -> dict[str, Any]:
    message = await ws.receive(timeout=within_s)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    value: dict[str, Any] = orjson.loads(message.data)
    return value


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'stream.db'}"
    await migrate.upgrade(url)
    settings = role_settings(url, tmp_path, **LIMITS)
    app = create_app(settings, passwords=cheap_passwords())
    bus = MemoryBus()
    app.state.bus = bus
    server = ApiServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Served(server, bus, http)
    finally:
        hub = getattr(app.state, "stream_hub", None)
        if hub is not None:
            await hub.close()
        await server.stop()
        await bus.close()


def alert(user_id: int, alert_id: int, symbol: str = "BTCUSDT") -> dict[str, Any]:
    return {"id": alert_id, "user_id": user_id, "symbol": symbol, "delta_pct": 2.5}


async def test_alerts_go_to_their_user_only(served: Served) -> None:
    a_id, a_token = await served.user("a@example.com")
    b_id, b_token = await served.user("b@example.com")
    async with (
        served.socket(a_token, how="frame", topics=["alerts"]) as a,
        served.socket(b_token, how="subprotocol", topics=["alerts"]) as b,
        served.socket(a_token, how="query") as a_quiet,  # not subscribed to alerts
    ):
        assert b.protocol == "bearer"
        await served.bus.publish(ALERTS, alert(a_id, 1), key="1")
        await served.bus.publish(ALERTS, alert(b_id, 2, "ETHUSDT"), key="2")
        got_a = await receive(a)
        assert got_a == {"type": "alert", "data": {"id": 1, "symbol": "BTCUSDT", "delta_pct": 2.5}}
        got_b = await receive(b)
        assert got_b["data"]["id"] == 2 and "user_id" not in got_b["data"]
        await a_quiet.send_str('{"type":"ping"}')
        assert (await receive(a_quiet))["type"] == "pong"  # nothing queued before it


async def test_an_alert_right_after_ready_reaches_a_client_that_subscribed_before_auth(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser sends its topics, then the auth frame, and reads what it missed (GET
    /alerts?after_id=) once "ready" comes: an alert published after that read must come over
    the socket, or it is in neither. So "ready" means subscribed, even on a server slow to
    take the subscription (here 0.2 s)."""
    handle = stream._handle

    async def slow_handle(*args: Any) -> None:
        await asyncio.sleep(0.2)
        await handle(*args)

    monkeypatch.setattr(stream, "_handle", slow_handle)
    user_id, token = await served.user("gap@example.com")
    async with served.http.ws_connect(served.ws_url) as ws:
        await ws.send_str(orjson.dumps({"type": "subscribe", "topics": ["alerts"]}).decode())
        await ws.send_str(orjson.dumps({"type": "auth", "token": token}).decode())
        assert (await receive(ws))["type"] == "ready"
        await served.bus.publish(ALERTS, alert(user_id, 101), key="101")
        assert await receive(ws, within_s=2.0) == {
            "type": "alert",
            "data": {"id": 101, "symbol": "BTCUSDT", "delta_pct": 2.5},
        }


async def test_no_or_bad_token_is_4401(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "AUTH_TIMEOUT_S", 0.3)
    async with served.http.ws_connect(served.ws_url) as ws:
        await ws.send_str(orjson.dumps({"type": "auth", "token": "not-a-token"}).decode())
        error = await receive(ws)
        assert error["type"] == "error" and error["code"] == "unauthorized"
        closed = await ws.receive(timeout=5)
        assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4401
    async with served.http.ws_connect(served.ws_url) as ws:  # never sends the auth frame
        assert (await receive(ws))["code"] == "unauthorized"
        assert (await ws.receive(timeout=5)).data == 4401


async def test_frames_before_auth_are_bounded_and_binary_frames_are_harmless(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    """An unauthenticated client cannot make the server buffer without bound (a few frames wait
    for the auth frame, more close the socket; a frame over 64 KiB is refused by the server),
    and a binary frame is a bad frame, not an exception in the log."""
    async with served.http.ws_connect(served.ws_url) as ws:
        for n in range(stream.MAX_PENDING + 1):
            await ws.send_str(orjson.dumps({"type": "subscribe", "n": n}).decode())
        assert (await receive(ws))["code"] == "unauthorized"
        assert (await ws.receive(timeout=5)).data == 4401
    async with served.http.ws_connect(served.ws_url) as ws:
        await ws.send_str(
            orjson.dumps({"type": "x", "pad": "A" * (stream.MAX_FRAME_BYTES)}).decode()
        )
        closed = await ws.receive(timeout=5)
        assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 1009  # message too big
    _, token = await served.user("bin@example.com")
    with caplog.at_level("ERROR"):
        async with served.http.ws_connect(served.ws_url) as ws:
            await ws.send_bytes(b"\x00")  # before the auth frame: ignored
            await ws.send_str(orjson.dumps({"type": "auth", "token": token}).decode())
            assert (await receive(ws))["type"] == "ready"
            await ws.send_bytes(b"\x00")  # after it: a bad frame, the socket stays
            assert (await receive(ws))["code"] == "bad_request"
            await ws.send_str('{"type":"ping"}')
            assert (await receive(ws))["type"] == "pong"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_an_account_has_a_bounded_number_of_open_sockets(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each socket is bounded, and so is how many one account keeps open (here 2): one more is
    closed with 4429 until another goes; other accounts are not affected."""
    monkeypatch.setattr(stream, "MAX_SOCKETS_PER_USER", 2)
    _, a_token = await served.user("many@example.com")
    _, b_token = await served.user("other@example.com")
    async with served.socket(a_token), served.socket(a_token) as second:
        async with served.http.ws_connect(served.ws_url) as third:
            await third.send_str(orjson.dumps({"type": "auth", "token": a_token}).decode())
            assert (await receive(third))["code"] == "too_many_connections"
            assert (await third.receive(timeout=5)).data == 4429
        async with served.socket(b_token):
            pass  # another account: welcome
        await second.close()
        await asyncio.sleep(0.2)
        async with served.socket(a_token):
            pass  # one went away: room again


async def test_an_address_has_a_bounded_number_of_sockets_waiting_to_authenticate(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each socket waits for its auth frame at most AUTH_TIMEOUT_S; one address may keep only
    a few waiting at once (here 3): one more is closed with 4429; one that authenticated no
    longer counts."""
    monkeypatch.setattr(stream, "MAX_UNAUTHENTICATED_PER_ADDRESS", 3)
    _, token = await served.user("waiting@example.com")
    async with contextlib.AsyncExitStack() as stack:
        waiting = [await stack.enter_async_context(served.http.ws_connect(served.ws_url))]
        waiting += [await stack.enter_async_context(served.http.ws_connect(served.ws_url))]
        waiting += [await stack.enter_async_context(served.http.ws_connect(served.ws_url))]
        async with served.http.ws_connect(served.ws_url) as fourth:
            assert (await receive(fourth))["code"] == "too_many_connections"
            assert (await fourth.receive(timeout=5)).data == 4429
        await waiting[0].send_str(orjson.dumps({"type": "auth", "token": token}).decode())
        assert (await receive(waiting[0]))["type"] == "ready"
        async with served.http.ws_connect(served.ws_url) as fifth:  # room again
            await fifth.send_str(orjson.dumps({"type": "auth", "token": token}).decode())
            assert (await receive(fifth))["type"] == "ready"


async def test_market_status_and_live_candles(served: Served) -> None:
    _, token = await served.user("charts@example.com")
    watch = served.bus.subscribe(WATCH)
    await watch.start()
    status_row = status_event("okx", "spot", datetime.now(UTC), trades_per_s=3.0)
    topic = "candles:binance_futures:BTCUSDT"
    async with served.socket(token, topics=["markets", topic, "candles:nowhere:X"]) as ws:
        refused = await receive(ws)
        assert refused["type"] == "error" and refused["code"] == "unknown_topic"
        await served.bus.publish(STATUS, status_row)
        frame = await receive(ws)
        assert frame["type"] == "market_status"
        # as GET /markets shows it: "up" is "active"
        status = frame["data"]
        assert (status["exchange"], status["status"], status["trades_per_s"]) == (
            "okx",
            "active",
            3.0,
        )
        async with served.socket(token, topics=["markets"]) as late:  # gets the latest at once
            assert (await receive(late))["data"]["trades_per_s"] == 3.0
        async with asyncio.timeout(5):
            announced = (await anext(watch)).payload
        assert announced["keys"] == ["binance_futures:BTCUSDT"] and announced["ttl_s"] > 0
        candle = {"key": "binance_futures:BTCUSDT", "t": 1000, "o": 1, "h": 2, "l": 0.5, "c": 1.5}
        await served.bus.publish(CANDLES, {**candle, "v": 3, "complete": True})
        await served.bus.publish(CANDLES, {**candle, "key": "binance_futures:ETHUSDT"})
        got = await receive(ws)
        assert got == {
            "type": "candle",
            "topic": topic,
            "data": {"t": 1000, "o": 1, "h": 2, "l": 0.5, "c": 1.5, "v": 3},
        }
        await ws.send_str(orjson.dumps({"type": "unsubscribe", "topics": ["markets"]}).decode())
        await asyncio.sleep(0.1)
        await served.bus.publish(STATUS, {**status_row, "status": "degraded"})
        await ws.send_str('{"type":"ping"}')
        assert (await receive(ws))["type"] == "pong"


def status_event(exchange: str, market: str, at: datetime, **values: Any) -> dict[str, Any]:
    """A collector's status message (``roles.persist.status_event``): its feed's row."""
    row = feed_row(exchange, market, at, **values)
    event = {c.name: getattr(row, c.name) for c in ExchangeStats.__table__.columns}
    event["updated_at"] = at.isoformat()
    return event


async def test_a_feed_whose_collector_stopped_reporting_is_down_on_the_stream_too(
    served: Served,
) -> None:
    """A collector that dies sends no "down": GET /markets shows its feed down once the row is
    three status intervals old, and the stream must say the same — to an open page (pushed as
    the row ages) and to one that opens later (not the cached "up")."""
    _, token = await served.user("markets@example.com")
    async with served.socket(token, topics=["markets"]) as open_page:
        await served.bus.publish(STATUS, status_event("okx", "spot", datetime.now(UTC)))
        assert (await receive(open_page))["data"]["status"] == "active"
        # no more reports (status interval 0.3 s): the open page is told it is down
        aged = await receive(open_page)
        assert (aged["data"]["status"], aged["data"]["stale"]) == ("down", True)
    async with served.socket(token, topics=["markets"]) as later:
        frame = await receive(later)
    assert (frame["data"]["status"], frame["data"]["stale"]) == ("down", True)
    async with served.http.get(
        f"{served.server.url}/api/v1/markets", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        rest = {(f["exchange"], f["market"]): f for f in await response.json()}
    assert rest[("okx", "spot")]["status"] == "down"


async def test_a_slow_socket_is_closed_and_asked_to_reconnect(served: Served) -> None:
    uid, token = await served.user("slow@example.com")
    async with served.socket(token, topics=["alerts"]) as ws:
        hub = served.server.app.state.stream_hub
        (conn,) = hub.by_user[uid]
        for i in range(stream.ALERT_QUEUE + 5):  # more than its queue, all at once
            hub._on_alert(alert(uid, i))
        assert conn.overflow
        assert (await receive(ws))["type"] == "reconnect"
        closed = await ws.receive(timeout=5)
        assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == stream.CLOSE_TOO_SLOW
    assert uid not in hub.by_user


def test_status_and_candles_are_coalesced() -> None:
    conn = stream.StreamConnection(1)
    conn.push_latest("status:okx_spot", b"1")
    conn.push_latest("candles:okx_spot:BTC", b"2")
    conn.push_latest("status:okx_spot", b"3")
    conn.push_alert(b"a")
    assert conn.take() == [b"a", b"3", b"2"] and conn.coalesced == 1
    assert conn.take() == []


async def test_an_expired_token_closes_the_socket(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'expiry.db'}"
    await migrate.upgrade(url)
    app = create_app(
        role_settings(url, tmp_path, access_token_ttl_s=3, **LIMITS), passwords=cheap_passwords()
    )
    server = ApiServer(app, "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as http:
            served = Served(server, MemoryBus(), http)
            _, token = await served.user("brief@example.com")
            async with served.socket(token, how="query", topics=["alerts"]) as ws:
                error = await receive(ws, within_s=6)
                assert error["code"] == "token_expired"
                assert (await ws.receive(timeout=5)).data == stream.CLOSE_UNAUTHORIZED
            await served.bus.close()
    finally:
        hub = getattr(app.state, "stream_hub", None)
        if hub is not None:
            await hub.close()  # the hub made its own (in-memory) bus and closes it
        await server.stop()


async def _login(served: Served, email: str) -> str:
    async with served.http.post(
        f"{served.server.url}/api/v1/auth/login",
        json={"email": email, "password": PASSWORD, "refresh_in": "body"},
    ) as response:
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])


async def _post(served: Served, path: str, token: str, body: Any = None) -> int:
    async with served.http.post(
        f"{served.server.url}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        return response.status


async def test_ending_a_session_closes_its_sockets_within_seconds(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Logout closes the sockets of that session (not the user's other sessions); a password
    change ends every session, and with them every socket — without waiting for the token to
    expire."""
    monkeypatch.setattr(stream, "SESSION_CHECK_S", 0.2)
    _, laptop = await served.user("two@example.com")
    phone = await _login(served, "two@example.com")
    _, bystander = await served.user("other@example.com")
    async with (
        served.socket(laptop, topics=["alerts"]) as on_laptop,
        served.socket(phone, topics=["alerts"]) as on_phone,
        served.socket(bystander, topics=["alerts"]) as on_other,
    ):
        assert await _post(served, "/auth/logout", laptop) == 204
        error = await receive(on_laptop, within_s=5)
        assert (error["type"], error["code"]) == ("error", "session_ended")
        assert (await on_laptop.receive(timeout=5)).data == stream.CLOSE_UNAUTHORIZED

        await asyncio.sleep(0.5)  # a few checks later the other session is still served
        await on_phone.send_str('{"type":"ping"}')
        got = await receive(on_phone)
        assert got["type"] == "pong", got

        change = {"current_password": PASSWORD, "new_password": "another long passphrase 2"}
        assert await _post(served, "/auth/password", phone, change) in (200, 204)
        assert (await receive(on_phone, within_s=5))["code"] == "session_ended"
        assert (await on_phone.receive(timeout=5)).data == stream.CLOSE_UNAUTHORIZED

        await on_other.send_str('{"type":"ping"}')
        assert (await receive(on_other))["type"] == "pong"


async def test_a_client_that_stops_reading_is_dropped_and_delays_nobody(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that no longer reads (its TCP window full, so the server's sends block) is
    dropped after SEND_TIMEOUT_S; meanwhile another user's socket gets its alerts at once."""
    monkeypatch.setattr(stream, "SEND_TIMEOUT_S", 1.0)
    for server_socket in served.server.server.servers[0].sockets:  # accepted sockets inherit it
        server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    stuck_uid, stuck_token = await served.user("stuck@example.com")
    other_uid, other_token = await served.user("fine@example.com")
    _, writer = await _raw_websocket(served, stuck_token)
    try:
        await _send_masked(writer, {"type": "subscribe", "topics": ["alerts"]})
        async with served.socket(other_token, topics=["alerts"]) as fine:
            hub = served.server.app.state.stream_hub
            for _ in range(50):  # the stuck client's subscription has arrived
                if any("alerts" in c.topics for c in hub.by_user.get(stuck_uid, ())):
                    break
                await asyncio.sleep(0.05)
            deadline = asyncio.get_running_loop().time() + 20
            n = 0
            while stuck_uid in hub.by_user:  # ~1 MB of alerts the stuck client never reads
                assert asyncio.get_running_loop().time() < deadline, "the stuck client stayed"
                for _ in range(50):
                    n += 1
                    hub._on_alert(alert(stuck_uid, n, symbol="S" * 60))
                hub._on_alert(alert(other_uid, n))
                got = await receive(fine, within_s=1.0)  # never delayed by the stuck one
                assert got["type"] == "alert" and got["data"]["id"] == n
                await asyncio.sleep(0.05)
            assert n >= 500, "the test never filled the stuck client's window"
    finally:
        writer.transport.abort()


async def _raw_websocket(
    served: Served, token: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket client that reads nothing after the handshake, with a tiny receive buffer."""
    port = served.server.port
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=1024)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /api/v1/stream?access_token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def _send_masked(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    """One masked text frame (RFC 6455 §5.3: a client masks what it sends)."""
    payload = orjson.dumps(message)
    mask = os.urandom(4)
    assert len(payload) < 126
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    await writer.drain()
