"""One collector per feed, one notifier polling for the bot: the second waits until the first
lets go (PostgreSQL advisory locks; embedded SQLite has one process and needs none)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import role_settings
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.roles.collector import Collector
from wickwatch.roles.lease import AdvisoryLeases
from wickwatch.roles.notifier import NotifierRole
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
    assert isinstance(collector.leases, AdvisoryLeases)
    engines = [create_engine(database_url) for _ in range(2)]
    first, second = (AdvisoryLeases(e, retry_s=0.05, check_s=0.1) for e in engines)
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
        third = AdvisoryLeases(engines[0], retry_s=0.05)
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


async def test_one_notifier_at_a_time_polls_for_the_bot(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """Telegram serves one long poll per bot: a second notifier started with the bot waits for
    the first one's lock, and polls once the first has stopped."""
    async with TelegramStandIn() as standin:
        settings = role_settings(database_url, tmp_path, telegram_api_url=standin.url)
        first = NotifierRole(settings, sessionmaker, None)
        second = NotifierRole(settings, sessionmaker, None)
        if database_url.startswith("sqlite"):
            assert first._leases is None  # embedded: one process
            return
        assert second._leases is not None
        second._leases.retry_s = 0.05
        await first.start()
        try:
            assert first._bot_start is not None
            await asyncio.wait_for(first._bot_start, 10)
            await second.start()
            await asyncio.sleep(0.5)
            assert second._bot_start is not None and not second._bot_start.done()
        finally:
            await first.stop(2.0)
        try:
            await asyncio.wait_for(second._bot_start, 10)
            assert second.bot is not None
        finally:
            await second.stop(2.0)
