"""Storage behaves the same on SQLite and PostgreSQL: cascades, exact numbers, UTC times."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import POSTGRES_ADMIN_URL, _postgres_reachable, require
from wickwatch.storage.models import (
    Alert,
    AlertDelivery,
    PriceAlert,
    PriceCandle1m,
    User,
    UserSettings,
)


def _user(email: str = "trader@example.com") -> User:
    return User(email=email, password_hash="x")


def _alert(user: User, **overrides: object) -> Alert:
    values: dict[str, object] = {
        "user": None,
        "exchange": "binance",
        "market": "spot",
        "symbol": "BTCUSDT",
        "base": "BTC",
        "quote": "USDT",
        "ts_ms": 1_723_075_200_000,
        "direction": "up",
        "delta_pct": 3.5,
        "wick_pct": 60.0,
        "volume_usd": Decimal("125000.5"),
        "price": Decimal("61234.5"),
        "rule": "binance spot USDT",
    }
    values.pop("user")
    values.update(overrides)
    return Alert(user_id=user.id, **values)


async def _count(session: AsyncSession, model: type[object]) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_deleting_a_user_deletes_their_data(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        keep, gone = _user("keep@example.com"), _user("gone@example.com")
        session.add_all([keep, gone])
        await session.flush()
        for owner in (keep, gone):
            session.add(UserSettings(user_id=owner.id, document={"cooldown_s": 60}))
            alert = _alert(owner)
            session.add(alert)
            await session.flush()
            session.add(
                AlertDelivery(
                    alert_id=alert.id,
                    user_id=owner.id,
                    channel="telegram",
                    destination="123",
                    idempotency_key=f"{alert.id}:telegram:123",
                )
            )
            session.add(
                PriceAlert(
                    user_id=owner.id,
                    coin="BTC",
                    exchange="binance",
                    market="spot",
                    symbol="BTCUSDT",
                    min_price=Decimal("50000"),
                    max_price=Decimal("70000"),
                )
            )
        await session.commit()
        gone_id = gone.id

    async with sessionmaker() as session:
        # A bulk DELETE, so only the database's ON DELETE CASCADE can remove the children.
        await session.execute(text("DELETE FROM users WHERE id = :id"), {"id": gone_id})
        await session.commit()

    async with sessionmaker() as session:
        for model in (UserSettings, Alert, AlertDelivery, PriceAlert):
            assert await _count(session, model) == 1, model.__name__
        owners = {
            row
            for model in (UserSettings, Alert, AlertDelivery, PriceAlert)
            for row in (await session.execute(select(model.user_id))).scalars()  # type: ignore[attr-defined]
        }
        assert gone_id not in owners


async def test_foreign_keys_are_enforced(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        session.add(UserSettings(user_id=987_654, document={}))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_prices_and_volumes_keep_every_digit(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    tiny, huge = Decimal("0.00000001"), Decimal("1000000000000.00000001")
    async with sessionmaker() as session:
        session.add(
            PriceCandle1m(
                exchange="gate",
                market="spot",
                symbol="PEPE_USDT",
                ts_ms=1_723_075_200_000,
                open=tiny,
                high=Decimal("0.00000123"),
                low=tiny,
                close=Decimal("0.00000099"),
                volume=huge,
                quote_volume=Decimal("12345678901234.123456789012"),
                trades=42,
            )
        )
        await session.commit()
    async with sessionmaker() as session:
        candle = (await session.execute(select(PriceCandle1m))).scalar_one()
        assert candle.open == tiny
        assert candle.volume == huge
        assert candle.quote_volume == Decimal("12345678901234.123456789012")
        assert isinstance(candle.close, Decimal)


async def test_times_are_stored_and_returned_as_utc(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    moscow = timezone(timedelta(hours=3))
    local = datetime(2026, 11, 22, 10, 30, tzinfo=moscow)
    async with sessionmaker() as session:
        user = _user()
        user.last_login_at = local
        session.add(user)
        await session.commit()
    async with sessionmaker() as session:
        stored = (await session.execute(select(User))).scalar_one()
        assert stored.last_login_at == local
        assert stored.last_login_at is not None
        assert stored.last_login_at.tzinfo is UTC
        assert stored.last_login_at.hour == 7
        assert stored.created_at.tzinfo is UTC


async def test_naive_datetimes_are_refused(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        user = _user()
        user.last_login_at = datetime(2026, 11, 22, 10, 30)
        session.add(user)
        with pytest.raises(StatementError, match="timezone-aware"):
            await session.commit()


async def test_a_postgresql_statement_that_hangs_is_cut_and_reads_as_an_outage() -> None:
    """A partition or failover leaves no clean close: without a command timeout a transaction
    would wait ~15 minutes for TCP. The cut statement is a timeout (the API answers 503)."""
    from wickwatch.api.app import database_unavailable
    from wickwatch.storage import create_engine

    problem = await _postgres_reachable()
    require(problem is None, f"PostgreSQL at {POSTGRES_ADMIN_URL} not reachable: {problem}")
    engine = create_engine(POSTGRES_ADMIN_URL, command_timeout_s=0.5)
    started = time.monotonic()
    try:
        async with engine.connect() as connection:
            with pytest.raises(Exception) as caught:
                await connection.execute(text("SELECT pg_sleep(30)"))
    finally:
        await engine.dispose()
    assert time.monotonic() - started < 10
    assert database_unavailable(caught.value), repr(caught.value)


async def test_a_failed_statement_does_not_quote_its_values(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A database error's message is logged and shown in the operator's error log: the values
    of the statement (a password hash, an encrypted secret, an e-mail) must not be in it."""
    async with sessionmaker() as session:
        session.add(_user("a@example.com"))
        await session.commit()
    async with sessionmaker() as session:
        twin = _user("a@example.com")
        twin.password_hash = "$argon2id$v=19$secret-hash"
        session.add(twin)
        with pytest.raises(IntegrityError) as failed:
            await session.commit()
    assert "secret-hash" not in str(failed.value)
