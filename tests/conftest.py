"""Shared fixtures: real-data location, database URLs for every backend, Redis.

Under ``CI=true`` a missing service or ``../shared/realdata`` is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

REPO_ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail under CI, when a prerequisite (service, data) is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)", pytrace=False)
    pytest.skip(reason)


def _realdata_dir() -> Path:
    configured = os.environ.get("WICKWATCH_REALDATA_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata_dir() -> Path:
    """``../shared/realdata`` (third-party exchange recordings, read in place, never copied)."""
    path = _realdata_dir()
    require(path.is_dir(), f"real exchange recordings not found at {path}")
    return path


# --- databases -------------------------------------------------------------------------------

POSTGRES_ADMIN_URL = os.environ.get(
    "WICKWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def _postgres_reachable() -> str | None:
    import asyncpg

    try:
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await connection.close()
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each backend: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    problem = await _postgres_reachable()
    require(problem is None, f"PostgreSQL at {POSTGRES_ADMIN_URL} not reachable: {problem}")
    name = f"wickwatch_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database of each backend, schema built by the Alembic migrations."""
    from wickwatch.storage import create_engine, migrate

    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    from wickwatch.storage import create_sessionmaker

    return create_sessionmaker(engine)


# --- redis -----------------------------------------------------------------------------------

REDIS_URL = os.environ.get("WICKWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The local Redis (database 15, flushed before and after the test)."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, redis.ConnectionError) as exc:
        await client.aclose()
        require(False, f"Redis at {REDIS_URL} not reachable: {exc}")
    await client.flushdb()
    try:
        yield REDIS_URL
    finally:
        await client.flushdb()
        await client.aclose()
