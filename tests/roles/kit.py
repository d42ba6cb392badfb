"""Helpers for the role tests: settings for a test database, users with rules and channels,
simulators with quiet synthetic markets (no natural wicks or bursts), waiting for conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.config import Settings
from wickwatch.detection import ThresholdGroup, UserSettings
from wickwatch.market.simulators import SimConfig
from wickwatch.storage.models import Base, Channel, User
from wickwatch.storage.models import UserSettings as UserSettingsRow

SECRET_KEY = "role-tests-secret-key-" + "x" * 32
BOT_TOKEN = "123456:role-tests-service-bot"


def role_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings with short timers for a collector/notifier under test."""
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "database_url": database_url,
        "secret_key": SECRET_KEY,
        "status_interval_s": 0.3,
        "settings_poll_s": 0.3,
        "delivery_poll_interval_s": 0.05,
        "delivery_lease_s": 10.0,
        "shutdown_timeout_s": 10.0,
        "telegram_bot_token": BOT_TOKEN,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def quiet_market(symbols: int = 4, seed: int = 1, trades_per_s: float = 6.0) -> SimConfig:
    """A market that never moves 1.5 % by itself: wicks come only when a test injects them."""
    return SimConfig(
        symbols=symbols, seed=seed, trades_per_s=trades_per_s, wick_prob=0.0, burst_prob=0.0
    )


def spike_rules(**extra: Any) -> UserSettings:
    """1.5 % within 2 s, any volume, to the browser and Telegram, no cooldown."""
    return UserSettings(
        thresholds=[ThresholdGroup(min_delta_pct=1.5, min_volume_usd=0.0, window_s=2)],
        cooldown_s=0,
        destinations=["browser", "telegram"],
        **extra,
    )


async def add_user(
    sessionmaker: async_sessionmaker[AsyncSession],
    email: str,
    rules: UserSettings | None = None,
    *,
    telegram_chat: int | None = None,
    active: bool = True,
) -> int:
    async with sessionmaker() as session:
        user = User(email=email, password_hash="-", role="user", is_active=active)
        session.add(user)
        await session.flush()
        if rules is not None:
            session.add(
                UserSettingsRow(user_id=user.id, document=rules.model_dump(mode="json"), version=1)
            )
        if telegram_chat is not None:
            session.add(
                Channel(
                    user_id=user.id,
                    kind="telegram",
                    name="Telegram",
                    config={"chat_id": telegram_chat, "chat_type": "private", "bot": "service"},
                    enabled=True,
                )
            )
        await session.commit()
        return user.id


async def count(
    sessionmaker: async_sessionmaker[AsyncSession], model: type[Base], *where: Any
) -> int:
    async with sessionmaker() as session:
        value = await session.scalar(select(func.count()).select_from(model).where(*where))
        return int(value or 0)


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s}s")
        await asyncio.sleep(0.05)
