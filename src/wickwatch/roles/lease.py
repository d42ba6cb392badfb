"""One collector per feed, one Telegram poller: PostgreSQL advisory locks by name.

Two collectors on one feed (a second replica, a rolling update that starts the new one before
the old one stops, ``--markets`` overlapping on two machines) would double everything: minutes
merged twice into the price history, alerts from both when they detect in different seconds,
two writers of the feed's status and price-band state. So a collector collects a feed only
while it holds the feed's lock; a second one waits (and takes the feed over when the first
stops or dies: PostgreSQL releases a session's locks when its connection ends).

The notifier's service bot takes one too (``telegram_bot``): Telegram serves one long poll per
bot, and two notifiers started with the bot would take each other's updates away (409).

The locks live on one dedicated connection. If that connection is lost (the database restarts)
the locks go with it; the holder notices at its next check (every ``check_s``) and takes them
again. Should a waiting collector have taken one first, the former holder is told
(``on_lost``): it stops its feed and waits to take it back, so the two collect it at the same
time for at most ``check_s``. SQLite (embedded: one process) needs none.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from wickwatch.config import Settings

log = logging.getLogger(__name__)

#: First key of the two-integer advisory locks of feeds (``"ww"`` in ASCII).
LOCK_CLASS = 0x7777


def lock_key(name: str) -> int:
    """The second key of ``name``'s lock: a signed 32-bit CRC of the name."""
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


class AdvisoryLeases:
    """What this process may run alone: feeds, the bot (PostgreSQL advisory locks on one
    connection)."""

    @classmethod
    def for_database(
        cls, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> AdvisoryLeases | None:
        """Leases on ``sessionmaker``'s PostgreSQL engine; None on SQLite (one process)."""
        engine = sessionmaker.kw.get("bind")
        if settings.is_sqlite or not isinstance(engine, AsyncEngine):
            return None
        return cls(engine)

    def __init__(self, engine: AsyncEngine, *, retry_s: float = 5.0, check_s: float = 10.0) -> None:
        self.engine = engine
        self.retry_s = retry_s
        self.check_s = check_s
        self.held: set[str] = set()
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def _conn(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self.engine.connect()
        return self._connection

    async def _try(self, name: str) -> bool:
        async with self._lock:
            connection = await self._conn()
            got = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": LOCK_CLASS, "k": lock_key(name)}
            )
            await connection.commit()  # session-level lock: kept after the transaction
        if got:
            self.held.add(name)
        return bool(got)

    async def acquire(self, name: str) -> None:
        """Return once this process holds ``name``'s lock (waiting while another holds it)."""
        told = False
        while True:
            try:
                if await self._try(name):
                    if told:
                        log.warning("%s: taken over; collecting it now", name)
                    return
                if not told:
                    log.warning("%s: another process runs it; waiting to take it over", name)
                    told = True
            except Exception as exc:  # the database is away: try again
                await self._drop_connection()
                log.warning("%s: feed lock not taken (%s); trying again", name, exc)
            await asyncio.sleep(self.retry_s)

    async def watch(self, on_lost: Callable[[str], Awaitable[None]] | None = None) -> None:
        """Until cancelled: check now and then that the locks are still held (they end with
        the connection, e.g. when the database restarts) and take lost ones again; a lock
        another process took meanwhile is no longer held, and ``on_lost`` is awaited with its
        name (the caller stops what it ran and may :meth:`acquire` it again)."""
        while True:
            await asyncio.sleep(self.check_s)
            if not self.held:
                continue
            try:
                async with self._lock:
                    connection = await self._conn()
                    rows = await connection.execute(
                        text(
                            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' "
                            "AND classid = :c AND pid = pg_backend_pid() AND granted"
                        ),
                        {"c": LOCK_CLASS},
                    )
                    mine = {int(r[0]) for r in rows}
                    await connection.commit()
            except Exception as exc:
                await self._drop_connection()
                log.warning("feed locks could not be checked (%s)", exc)
                continue
            for name in sorted(self.held):
                if lock_key(name) & 0xFFFFFFFF in mine:
                    continue
                try:
                    again = await self._try(name)
                except Exception as exc:
                    log.warning("%s: feed lock not taken again (%s)", name, exc)
                    continue
                if not again:
                    self.held.discard(name)
                    log.error(
                        "%s: lock lost with its database connection and taken by another "
                        "process; leaving it to that one",
                        name,
                    )
                    if on_lost is not None:
                        try:
                            await on_lost(name)
                        except Exception:
                            log.exception("%s: could not hand over", name)

    async def _drop_connection(self) -> None:
        """Close the connection for real (a pooled one would keep its session, and the locks,
        alive in the pool)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
            finally:
                await connection.close()

    async def close(self) -> None:
        """Release every lock (closing the connection ends the session that holds them)."""
        self.held.clear()
        async with self._lock:
            await self._drop_connection()
