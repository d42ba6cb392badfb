"""WebSocket authentication (real server, real socket) and the purge of ended sessions."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket
from sqlalchemy import func, select

from tests.api.kit import API, Env
from wickwatch.accounts.auth import WS_SUBPROTOCOL, WebSocketAuth
from wickwatch.accounts.service import AccountService
from wickwatch.storage.models import AuthSession, RefreshToken


async def test_ended_sessions_are_purged(env: Env) -> None:
    _, email = await env.create_user()
    tokens = await env.login(email, refresh_in="body")
    for _ in range(3):
        refreshed = await env.client.post(
            f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        tokens = refreshed.json()
    await env.login(email, refresh_in="body")  # a second session, logged out below
    other = await env.login(email, refresh_in="body")
    await env.client.post(f"{API}/auth/logout", json={"refresh_token": other["refresh_token"]})

    async def counts() -> tuple[int, int]:
        async with env.sessionmaker() as session:
            sessions = await session.scalar(select(func.count()).select_from(AuthSession))
            refresh = await session.scalar(select(func.count()).select_from(RefreshToken))
            return int(sessions or 0), int(refresh or 0)

    async def purge() -> tuple[int, int]:
        async with env.sessionmaker() as session:
            purged = await AccountService(session, env.app.state.security).purge_sessions()
            await session.commit()
            return purged

    assert await counts() == (3, 6)
    assert await purge() == (0, 0)
    env.clock.advance(timedelta(days=8).total_seconds())  # the logout is over a week old
    assert await purge() == (1, 0)
    env.clock.advance(env.settings.refresh_token_ttl_s)  # now everything expired long ago
    assert await purge() == (2, 0)  # their refresh tokens go with them (cascade)
    assert await counts() == (0, 0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _serve(app: FastAPI) -> AsyncIterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.02)
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def ws_url(env: Env) -> AsyncIterator[str]:
    async def whoami(websocket: WebSocket, auth: WebSocketAuth) -> None:
        offered = websocket.scope.get("subprotocols", [])
        await websocket.accept(subprotocol=WS_SUBPROTOCOL if WS_SUBPROTOCOL in offered else None)
        await websocket.send_json({"user_id": auth.user.id, "email": auth.user.email})
        await websocket.close()

    env.app.add_api_websocket_route("/ws-test", whoami)
    async with _serve(env.app) as url:  # the app's lifespan is already running (env fixture)
        yield f"{url}/ws-test"


async def _receive(url: str, **kwargs: Any) -> Any:
    import json

    import websockets

    async with websockets.connect(url, **kwargs) as websocket:
        return json.loads(await websocket.recv())


async def test_websocket_needs_a_valid_access_token(env: Env, ws_url: str) -> None:
    import websockets

    user_id, email = await env.create_user()
    token = await env.token(email)
    by_protocol = await _receive(ws_url, subprotocols=[WS_SUBPROTOCOL, token])
    assert by_protocol == {"user_id": user_id, "email": email}
    by_query = await _receive(f"{ws_url}?access_token={token}")
    assert by_query["user_id"] == user_id

    for bad in ({}, {"subprotocols": [WS_SUBPROTOCOL, "garbage"]}):
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            await _receive(ws_url, **bad)
        assert refused.value.response.status_code == 403

    await env.client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"})
    with pytest.raises(websockets.exceptions.InvalidStatus):
        await _receive(ws_url, subprotocols=[WS_SUBPROTOCOL, token])
