"""``/api/v1/stream`` on a real server and socket: authentication, per-user alerts, feed status,
live candles (and the watch list it tells the collectors), slow and expired clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from tests.api.kit import PASSWORD, cheap_passwords
from tests.roles.kit import role_settings
from wickwatch.accounts.schemas import UserCreate
from wickwatch.accounts.service import AccountService
from wickwatch.alerts.events import WATCH
from wickwatch.api import stream
from wickwatch.api.app import create_app
from wickwatch.bus import ALERTS, CANDLES, STATUS
from wickwatch.bus.memory import MemoryBus
from wickwatch.roles.runtime import ApiServer
from wickwatch.storage import migrate

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


async def test_market_status_and_live_candles(served: Served) -> None:
    _, token = await served.user("charts@example.com")
    watch = served.bus.subscribe(WATCH)
    await watch.start()
    status_row = {"exchange": "okx", "market": "spot", "status": "up", "trades_per_s": 3.0}
    topic = "candles:binance_futures:BTCUSDT"
    async with served.socket(token, topics=["markets", topic, "candles:nowhere:X"]) as ws:
        refused = await receive(ws)
        assert refused["type"] == "error" and refused["code"] == "unknown_topic"
        await served.bus.publish(STATUS, status_row)
        assert await receive(ws) == {"type": "market_status", "data": status_row}
        async with served.socket(token, topics=["markets"]) as late:  # gets the latest at once
            assert (await receive(late))["data"] == status_row
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
