"""Fixtures for delivery tests: the Telegram stand-in, users with channels, alert drafts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.notify.standin import TelegramStandIn
from wickwatch.storage.models import Channel, User

SERVICE_TOKEN = "111111:service-bot-token-for-tests"
OWN_TOKEN = "222222:users-own-bot-token-for-tests"


@dataclass(frozen=True)
class Draft:
    """Draft-like alert data (the shape detection's AlertDraft has)."""

    user_id: int
    exchange: str = "binance"
    market: str = "futures"
    symbol: str = "BTCUSDT"
    base: str = "BTC"
    quote: str = "USDT"
    ts_ms: int = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    window_s: int = 1
    direction: str = "up"
    delta_pct: float = 5.25
    wick_pct: float = 12.5
    volume_usd: float | Decimal | None = 1_234_567.0
    price: float | Decimal = Decimal("64123.5")
    rule: str = "group */*/*"
    strategy: str | None = None
    destinations: tuple[str, ...] = ("telegram",)
    series_count: int = 1
    folded_count: int = 0
    chart: bool = False
    template: str | None = None
    timezone: str = "UTC"


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn() as server:
        yield server


@dataclass
class World:
    """Creates users and channels in a test database."""

    sessionmaker: async_sessionmaker[AsyncSession]
    users: list[int] = field(default_factory=list)
    seen: dict[tuple[int, str, str, str, str, int], int] = field(default_factory=dict)

    async def user(self, email: str | None = None, locale: str = "en") -> int:
        async with self.sessionmaker() as session:
            user = User(
                email=email or f"user{len(self.users) + 1}@example.com",
                password_hash="x",
                locale=locale,
            )
            session.add(user)
            await session.commit()
            self.users.append(user.id)
            return user.id

    async def channel(
        self,
        user_id: int,
        kind: str,
        config: dict[str, Any],
        *,
        secret_ciphertext: str | None = None,
        enabled: bool = True,
    ) -> int:
        async with self.sessionmaker() as session:
            channel = Channel(
                user_id=user_id,
                kind=kind,
                name=f"{kind} {config}"[:120],
                config=config,
                secret_ciphertext=secret_ciphertext,
                enabled=enabled,
            )
            session.add(channel)
            await session.commit()
            return channel.id

    async def alerts(
        self, drafts: Sequence[Draft], destinations: Sequence[str] | None = None
    ) -> list[int]:
        """Enqueue drafts (one transaction each); returns the delivery ids."""
        from wickwatch.notify.repository import create_alert_with_deliveries

        ids: list[int] = []
        async with self.sessionmaker() as session:
            for draft in drafts:
                # Alerts are unique per user × symbol × second × rule: a repeated test draft is
                # a later spike (same second, next millisecond), not the same one again.
                key = (draft.user_id, draft.exchange, draft.market, draft.symbol, draft.rule)
                n = self.seen.get((*key, draft.ts_ms), 0)
                self.seen[(*key, draft.ts_ms)] = n + 1
                created = await create_alert_with_deliveries(
                    session, replace(draft, ts_ms=draft.ts_ms + n), destinations
                )
                assert created is not None
                ids.extend(d.id for d in created[1])
            await session.commit()
        return ids


@pytest.fixture
def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    return World(sessionmaker)


def plain_secret(ciphertext: str) -> str:
    """Test secret opener: "enc:<plain>" → "<plain>"."""
    if not ciphertext.startswith("enc:"):
        raise ValueError("cannot be decrypted")
    return ciphertext.removeprefix("enc:")


OpenSecret = Callable[[str], str]


def make_dispatcher(
    sessionmaker: async_sessionmaker[AsyncSession],
    notifiers: dict[str, Any],
    **config: Any,
) -> Any:
    """A dispatcher tuned for tests: fast polling and retries, no jitter, test secrets."""
    from wickwatch.notify.dispatcher import Dispatcher, DispatcherConfig

    settings: dict[str, Any] = {
        "poll_interval_s": 0.02,
        "retry_base_s": 0.05,
        "retry_max_s": 0.5,
        "jitter": 0.0,
        "lease_s": 10.0,
        **config,
    }
    worker_id = settings.pop("worker_id", None)
    charts = settings.pop("charts", None)
    return Dispatcher(
        sessionmaker,
        notifiers,
        config=DispatcherConfig(**settings),
        worker_id=worker_id,
        open_secret=plain_secret,
        charts=charts,
    )


async def deliveries(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Any]:
    """Every outbox row, by id."""
    from sqlalchemy import select

    from wickwatch.storage.models import AlertDelivery

    async with sessionmaker() as session:
        return list((await session.scalars(select(AlertDelivery).order_by(AlertDelivery.id))).all())


@asynccontextmanager
async def loopback_http(
    path: str, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> AsyncIterator[str]:
    """An HTTP server on 127.0.0.1 answering ``POST path`` with ``handler`` (a webhook
    receiver); yields the URL of ``path``."""
    app = web.Application()
    app.router.add_post(path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        await runner.cleanup()
