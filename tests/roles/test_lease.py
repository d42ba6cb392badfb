"""One collector per feed, one notifier polling for the bot: the second waits until the first
lets go (PostgreSQL advisory locks; embedded SQLite has one process and needs none)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.roles.kit import quiet_market, role_settings
from wickwatch.market.connectors.feed import FeedConfig
from wickwatch.market.simulators import BinanceSimulator
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
            held = "FROM pg_locks WHERE locktype = 'advisory' AND classid = 30583 AND granted"
            dropped = list((await admin.execute(text(f"SELECT pid {held}"))).scalars())
            await admin.execute(text(f"SELECT pg_terminate_backend(pid) {held}"))
            await admin.commit()
        assert dropped
        third = AdvisoryLeases(engines[0], retry_s=0.05)

        async def retaken() -> bool:  # nobody but the second is asking for the locks
            async with engines[0].connect() as admin:
                granted = await admin.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND classid = 30583 AND granted AND NOT pid = ANY(:dropped)"
                    ),
                    {"dropped": dropped},
                )
            return bool(granted == 2)

        for _ in range(200):  # the second's watch retakes both (a few checks of 0.1 s)
            if await retaken():
                break
            await asyncio.sleep(0.05)
        assert await retaken(), "the second did not take its locks again"
        assert second.held == {"okx_spot", "binance_spot"}
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


async def test_a_collector_that_lost_its_feed_to_another_stops_it_and_waits(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """The database dropped the first collector's lock connection and the waiting second one
    took the feed: the first stops collecting it (two would store every minute twice) and
    waits to take it back; only the collector that runs a feed reports its status."""
    if database_url.startswith("sqlite"):  # one process: no leases, every feed is its own
        embedded = Collector(role_settings(database_url, tmp_path), sessionmaker, None)
        assert embedded.leases is None and embedded._runs("binance_spot")
        return
    async with BinanceSimulator("spot", quiet_market(seed=5)) as sim:

        def collector(name: str) -> Collector:
            c = Collector(
                role_settings(database_url, tmp_path / name),
                sessionmaker,
                None,
                markets=["binance_spot"],
                endpoints={"binance_spot": sim.endpoints},
                feed_config=FeedConfig(status_window_s=5),
            )
            assert c.leases is not None
            c.leases.retry_s, c.leases.check_s = 0.05, 0.2
            return c

        first, second = collector("first"), collector("second")
        await first.start()
        try:
            assert await first.wait_live(15.0)
            await second.start()
            try:
                await asyncio.sleep(0.5)
                assert [(s.exchange, s.market) for s in first.snapshots()] == [("binance", "spot")]
                assert second.snapshots() == []  # waiting: not its status to write
                async with sessionmaker() as session:  # the database drops the first's lock
                    await session.execute(
                        text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE "
                             "locktype = 'advisory' AND classid = 30583 AND granted")
                    )  # fmt: skip
                    await session.commit()
                assert await second.wait_live(15.0)  # the second took it over...

                def let_go() -> bool:  # no longer reported, and its feed stopped (or remade)
                    state = first.feeds["binance_spot"].state.value
                    return first.snapshots() == [] and state in ("new", "stopped")

                for _ in range(200):  # ...and the first, at its next check, lets go
                    if let_go():
                        break
                    await asyncio.sleep(0.05)
                assert first.snapshots() == []
                assert first.feeds["binance_spot"].state.value in ("new", "stopped")
                assert [(s.exchange, s.market) for s in second.snapshots()] == [("binance", "spot")]
            finally:
                await second.stop()
            # the second stopped: the first takes the feed back
            assert await first.wait_live(15.0)
            assert [(s.exchange, s.market) for s in first.snapshots()] == [("binance", "spot")]
        finally:
            await first.stop()


async def test_the_service_bot_keeps_trying_when_telegram_refuses_its_start(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """Telegram (or the way to it) fails the bot's first calls: the notifier tries again with
    growing pauses and polls once Telegram answers, instead of running without its bot until a
    restart."""
    async with TelegramStandIn() as standin:
        standin.fail_next(method="setMyCommands", status=502, count=2)
        settings = role_settings(database_url, tmp_path, telegram_api_url=standin.url)
        role = NotifierRole(settings, sessionmaker, None)
        role.bot_retry_s = 0.05
        await role.start()
        try:
            assert role._bot_start is not None
            await asyncio.wait_for(role._bot_start, 10)
            assert len(standin.calls_to("setMyCommands")) == 3
            for _ in range(100):  # polling starts by asking who the bot is
                if standin.calls_to("getMe"):
                    break
                await asyncio.sleep(0.05)
            assert standin.calls_to("getMe"), [c.method for c in standin.calls]
        finally:
            await role.stop(2.0)
