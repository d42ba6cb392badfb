"""Fixtures of the fault tests: a PostgreSQL cluster and a Redis server of their own, which the
tests may stop and restart (the machine's shared ones are never touched). A missing server binary
skips locally and fails under ``CI=true``."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.faults.harness import PrivatePostgres, PrivateRedis, postgres_bindir


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """One cluster per session (``initdb`` takes seconds); each test gets a database of its own."""
    bindir = postgres_bindir()
    require(bindir is not None, "PostgreSQL server binaries (initdb, pg_ctl) not found")
    assert bindir is not None
    if os.geteuid() == 0:
        require(shutil.which("runuser") is not None, "runuser is needed to run postgres as root")
    server = PrivatePostgres(bindir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def fault_database_url(private_postgres: PrivatePostgres) -> str:
    """A new database on the private cluster (started again if a failed test left it down)."""
    if not private_postgres.running:
        private_postgres.start()
    return private_postgres.create_database()


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    require(binary is not None, "redis-server not found")
    assert binary is not None
    server = PrivateRedis(binary, tmp_path / "redis")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
