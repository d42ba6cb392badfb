"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQLite is tuned for one busy process: WAL so readers never block the writer, foreign keys ON (SQLite
ignores them otherwise, and user deletion relies on ``ON DELETE CASCADE``) and a busy timeout so a
second writer waits instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from wickwatch.config import ASYNC_DRIVERS

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite's own lower() folds ASCII only: case-insensitive searches (users, error log)
    # missed "Иван" for "иван" where PostgreSQL finds it. Python's lower() folds what
    # PostgreSQL's does (no expression index uses lower() here).
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: PostgreSQL: how long connecting, and one statement, may take. Without them a network
#: partition or a failover (no clean close) leaves a transaction waiting until TCP gives up,
#: ~15 minutes, long after the database is back: alert writing and shutdown wait with it.
PG_CONNECT_TIMEOUT_S = 10.0
PG_COMMAND_TIMEOUT_S = 60.0


def create_engine(
    url: str, *, echo: bool = False, command_timeout_s: float | None = PG_COMMAND_TIMEOUT_S
) -> AsyncEngine:
    """An async engine for ``url`` (a plain ``postgresql://`` or ``sqlite://`` gets the async
    driver); SQLite files get their directory created and the pragmas."""
    parsed = make_url(url)
    parsed = parsed.set(drivername=ASYNC_DRIVERS.get(parsed.drivername, parsed.drivername))
    # hide_parameters: a failed statement's values (a password hash, a channel's encrypted
    # secret, e-mail addresses) stay out of its error message, which is logged and shown in
    # the operator's error log.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        if parsed.drivername.endswith("+asyncpg"):
            kwargs["connect_args"] = {
                "timeout": PG_CONNECT_TIMEOUT_S,
                "command_timeout": command_timeout_s,
            }
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no implicit lazy reloads)."""
    return async_sessionmaker(engine, expire_on_commit=False)
