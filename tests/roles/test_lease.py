"""One collector per feed: the second collector configured for a feed waits until the first
lets it go (PostgreSQL advisory locks; embedded SQLite has one process and needs none)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import role_settings
from wickwatch.roles.collector import Collector
from wickwatch.roles.lease import FeedLeases
from wickwatch.storage import create_engine


async def test_a_feed_is_collected_by_one_collector_at_a_time(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    collector = Collector(
        role_settings(database_url, tmp_path), sessionmaker, None, markets=["binance_spot"]
    )
    if database_url.startswith("sqlite"):
        assert collector.leases is None
        return
    assert isinstance(collector.leases, FeedLeases)
    engines = [create_engine(database_url) for _ in range(2)]
    first, second = (FeedLeases(e, retry_s=0.05, check_s=0.1) for e in engines)
    try:
        await first.acquire("binance_spot")
        await asyncio.wait_for(second.acquire("okx_spot"), 5)  # another feed is free
        waiting = asyncio.create_task(second.acquire("binance_spot"))
        await asyncio.sleep(0.5)
        assert not waiting.done()  # the first collector still has it
        await first.close()  # it stopped (or died: its connection ended)
        await asyncio.wait_for(waiting, 5)
        assert second.held == {"okx_spot", "binance_spot"}

        # The database dropped the holder's connection: its next check takes the locks again.
        watch = asyncio.create_task(second.watch())
        async with engines[0].connect() as admin:
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND classid = 30583 AND granted"
                )
            )
            await admin.commit()
        third = FeedLeases(engines[0], retry_s=0.05)
        await asyncio.sleep(0.6)
        took = asyncio.create_task(third.acquire("binance_spot"))
        await asyncio.sleep(0.3)
        assert not took.done()  # retaken by the second before anyone else could
        took.cancel()
        watch.cancel()
        await third.close()
    finally:
        for leases in (first, second):
            await leases.close()
        for engine in engines:
            await engine.dispose()
