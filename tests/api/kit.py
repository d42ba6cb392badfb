"""Shared helpers for API and accounts tests: an app on a real database with a movable clock,
cheap argon2 parameters and generous rate limits, plus shortcuts to create users and sign in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.accounts.passwords import PasswordHasher
from wickwatch.accounts.schemas import UserCreate
from wickwatch.accounts.service import AccountService
from wickwatch.api.app import create_app
from wickwatch.config import Settings
from wickwatch.storage import migrate

PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-" + "x" * 32
API = "/api/v1"


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def cheap_passwords() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


TEST_SETTINGS: dict[str, Any] = {
    "secret_key": SECRET_KEY,
    "registration_mode": "open",
    "rate_limit_login_ip": "10000/minute",
    "rate_limit_register_ip": "10000/minute",
    "rate_limit_user": "10000/minute",
}


@dataclass
class Env:
    app: FastAPI
    client: httpx.AsyncClient
    clock: FakeClock
    settings: Settings
    counter: list[int] = field(default_factory=lambda: [0])

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        maker: async_sessionmaker[AsyncSession] = self.app.state.sessionmaker
        return maker

    def unique_email(self, stem: str = "user") -> str:
        self.counter[0] += 1
        return f"{stem}{self.counter[0]}@example.com"

    async def create_user(
        self, email: str | None = None, *, role: str = "user", password: str = PASSWORD
    ) -> tuple[int, str]:
        """A user made directly through the service; returns (id, email)."""
        email = email or self.unique_email(role)
        async with self.sessionmaker() as session:
            service = AccountService(session, self.app.state.security)
            user = await service.create_user(
                UserCreate(email=email, password=password, role=role)  # type: ignore[arg-type]
            )
            await session.commit()
            return user.id, email

    async def login(self, email: str, password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"{API}/auth/login", json={"email": email, "password": password, **extra}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def token(self, email: str, password: str = PASSWORD) -> str:
        body = await self.login(email, password, refresh_in="body")
        return str(body["access_token"])


@asynccontextmanager
async def running_app(
    database_url: str,
    tmp_path: Path,
    *,
    client_host: str = "127.0.0.1",
    base_url: str = "http://testserver",
    **overrides: Any,
) -> AsyncIterator[Env]:
    await migrate.upgrade(database_url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=database_url,
        **{**TEST_SETTINGS, **overrides},
    )
    clock = FakeClock()
    app = create_app(settings, clock=clock, passwords=cheap_passwords())
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, client=(client_host, 50000))
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield Env(app=app, client=client, clock=clock, settings=settings)


EnvFactory = Callable[..., Any]
