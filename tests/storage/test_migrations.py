"""The schema exists only through migrations, and the migrations agree with the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from wickwatch.storage import create_engine, migrate
from wickwatch.storage.models import Base

EXPECTED_TABLES = {
    "users",
    "user_settings",
    "alerts",
    "alert_deliveries",
    "price_alerts",
    "price_history_1m",
    "error_log",
    "exchange_stats",
    "auth_sessions",
    "refresh_tokens",
    "invites",
    "channels",
    "notify_rate_slots",
    "telegram_link_codes",
    "spike_history",
    "spike_charts",
    "market_spikes",
    "spike_candles_1s",
}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    await migrate.upgrade(database_url)
    assert await _tables(database_url) == EXPECTED_TABLES
    assert await migrate.current(database_url) == migrate.head_revision()

    await migrate.downgrade(database_url, "base")
    assert await _tables(database_url) == set()
    assert await migrate.current(database_url) is None

    await migrate.upgrade(database_url)
    assert await _tables(database_url) == EXPECTED_TABLES


async def test_models_and_migrations_agree(database_url: str) -> None:
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []


async def test_compare_detects_a_model_the_migrations_lack(database_url: str) -> None:
    """The agreement test above can fail: a table missing from the migrations is reported."""
    from sqlalchemy import Column, Integer, MetaData, Table

    await migrate.upgrade(database_url)
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table("not_migrated", metadata, Column("id", Integer, primary_key=True))
    engine = create_engine(database_url)

    def diff(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert [d[0] for d in differences] == ["add_table"]  # type: ignore[index]


async def test_plain_url_gets_the_async_driver(database_url: str) -> None:
    """``postgresql://…`` / ``sqlite://…`` as an operator writes them work like the driver form."""
    from sqlalchemy.engine import make_url

    plain = make_url(database_url).set(drivername=database_url.split("+")[0])
    plain_url = plain.render_as_string(hide_password=False)
    await migrate.upgrade(plain_url)
    assert await _tables(plain_url) == EXPECTED_TABLES
    assert create_engine(plain_url).url.drivername == make_url(database_url).drivername


async def test_roles_start_on_a_newer_schema_and_refuse_an_older_one(
    database_url: str, tmp_path: Path
) -> None:
    """A rolling upgrade migrates first, then replaces the roles: an old role restarted in
    between (a crash, another machine) must carry on — migrations keep old code working on the
    new schema — while a database behind the code is refused. SQLite is migrated in place."""
    from tests.roles.kit import role_settings
    from wickwatch.roles.runtime import RoleError, open_database

    settings = role_settings(database_url, tmp_path)
    if settings.is_sqlite:
        engine, _ = await open_database(settings)
        await engine.dispose()
        assert await migrate.current(database_url) == migrate.head_revision()
        return
    with pytest.raises(RoleError, match="run `wickwatch db upgrade` first"):
        await open_database(settings)  # empty: behind
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:  # what a newer release's migration leaves
            await connection.execute(text("UPDATE alembic_version SET version_num = 'f00d99'"))
    finally:
        await engine.dispose()
    engine, _ = await open_database(settings)
    await engine.dispose()


async def test_two_upgrades_at_once_both_succeed(database_url: str) -> None:
    """`docker compose up` on two machines runs the one-shot migration twice at once (on
    PostgreSQL; an embedded SQLite file has one process, which upgrades it at start, again and
    again)."""
    import asyncio

    if database_url.startswith("sqlite"):
        for _ in range(2):
            await migrate.upgrade(database_url)
    else:
        await asyncio.gather(migrate.upgrade(database_url), migrate.upgrade(database_url))
    assert await migrate.current(database_url) == migrate.head_revision()
    assert await _tables(database_url) == EXPECTED_TABLES


async def test_the_spike_history_key_migration_keeps_one_record_per_spike(
    database_url: str,
) -> None:
    """Records a restarted collector wrote twice count once after the upgrade."""
    await migrate.upgrade(database_url, "0009")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (email, password_hash, role, is_active, locale, "
                    "token_version, created_at) VALUES ('dup@example.com', 'x', "
                    "'user', true, 'en', 0, CURRENT_TIMESTAMP)"
                )
            )
            user_id = await connection.scalar(text("SELECT id FROM users"))
            for ts in (1000, 1000, 1000, 2000):
                await connection.execute(
                    text(
                        "INSERT INTO spike_history (user_id, source, exchange, market, symbol, "
                        "ts_ms) VALUES (:u, 'Серия', 'binance', 'spot', 'BTCUSDT', :ts)"
                    ),
                    {"u": user_id, "ts": ts},
                )
        await migrate.upgrade(database_url)
        async with engine.connect() as connection:
            kept = (await connection.execute(text("SELECT ts_ms FROM spike_history"))).all()
        assert sorted(ts for (ts,) in kept) == [1000, 2000]
    finally:
        await engine.dispose()
