"""Alembic environment: runs migrations on the async engine of the configured database.

Called two ways: by :mod:`wickwatch.storage.migrate` (which hands over an open connection in
``config.attributes["connection"]``, so it works inside a running event loop), or by the plain
``alembic`` command from the repository root (which opens its own engine from the settings).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from wickwatch.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_with_connection(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    from wickwatch.config import get_settings
    from wickwatch.storage.database import create_engine

    url = config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url
    engine = create_engine(url, command_timeout_s=None)  # a migration may take long
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_with_connection)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

existing = config.attributes.get("connection")
if existing is not None:
    run_with_connection(existing)
else:
    asyncio.run(_run_online())
