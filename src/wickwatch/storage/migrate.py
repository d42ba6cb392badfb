"""Schema changes, only through Alembic: upgrade, downgrade and current revision.

The functions are async so the embedded mode can upgrade at start inside its event loop; the CLI
wraps them with ``asyncio.run``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from wickwatch.storage.database import create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def is_known_revision(revision: str) -> bool:
    """Whether ``revision`` is one of this code's migrations (an unknown one is newer code's)."""
    try:
        return (
            ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision)
            is not None
        )
    except Exception:  # alembic: "Can't locate revision"
        return False


#: The advisory lock migrations hold on PostgreSQL ("wickwatch" in ASCII, as a bigint).
MIGRATION_LOCK_KEY = 0x7769636B7761746368 & 0x7FFFFFFFFFFFFFFF


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


async def _run(url: str, action: str, revision: str) -> None:
    config = alembic_config(url)
    engine = create_engine(url, command_timeout_s=None)  # a migration may take long

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Two `db upgrade` at once (compose started on two machines): the second waits
                # here, then finds the database migrated and does nothing.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the newest)."""
    await _run(url, "upgrade", revision)


async def downgrade(url: str, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` removes every table)."""
    await _run(url, "downgrade", revision)


async def current(url: str) -> str | None:
    """The revision the database is at, or None for an empty database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
