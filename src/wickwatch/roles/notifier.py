"""The notifier role: the outbox dispatcher (Telegram, e-mail, webhook) and the service bot.

The dispatcher polls the outbox every ``WICKWATCH_DELIVERY_POLL_INTERVAL_S``; an ``alerts`` bus
message (or, in one process, the collector's callback) wakes it at once. Any number of notifiers
may run against one database (leases keep them apart), each for all channels or some
(``channels``); one process at a time runs the Telegram bot's long polling (``bot=True``, and only
when ``WICKWATCH_TELEGRAM_BOT_TOKEN`` is set; on PostgreSQL a second one waits for the first's
lock, roles/lease.py).

Stopping: no new claims; due deliveries are given up to the shutdown timeout to go out (a
stopping demo still sends the alerts it just made), sends in flight finish, and what was claimed
but not started is handed back to the outbox for the next dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.bus import ALERTS, Bus, BusError
from wickwatch.config import Settings
from wickwatch.notify.base import Notifier
from wickwatch.notify.dispatcher import Dispatcher
from wickwatch.notify.registry import build_notifiers
from wickwatch.notify.repository import PENDING
from wickwatch.notify.telegram_bot import TelegramBot
from wickwatch.roles.lease import AdvisoryLeases
from wickwatch.storage.models import AlertDelivery
from wickwatch.storage.types import utcnow

log = logging.getLogger(__name__)

#: The advisory lock of the bot's long polling.
BOT_LEASE = "telegram_bot"
#: Pauses between attempts to start the service bot: the first, and the longest.
BOT_RETRY_S = 5.0
BOT_RETRY_MAX_S = 300.0


class NotifierRole:
    """``start()`` … ``stop()``; ``wake`` is the collector's ``on_alerts`` callback."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: Bus | None,
        *,
        bot: bool = True,
        channels: Sequence[str] | None = None,
        notifiers: dict[str, Notifier] | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.bus = bus
        if notifiers is None:
            notifiers = build_notifiers(settings, channels)
        self.notifiers = notifiers
        self.dispatcher = Dispatcher.from_settings(settings, sessionmaker, self.notifiers)
        token = settings.telegram_bot_token
        self.bot: TelegramBot | None = None
        if bot and token is not None and token.get_secret_value():
            self.bot = TelegramBot(
                token.get_secret_value(), sessionmaker, api_url=settings.telegram_api_url
            )
        self._run: asyncio.Task[None] | None = None
        self._listen: asyncio.Task[None] | None = None
        self._bot_start: asyncio.Task[None] | None = None
        #: pause before the next attempt to start the service bot (doubles up to BOT_RETRY_MAX_S)
        self.bot_retry_s = BOT_RETRY_S
        #: PostgreSQL: one process polls for the bot at a time (roles/lease.py)
        self._leases = (
            AdvisoryLeases.for_database(settings, sessionmaker) if self.bot is not None else None
        )

    @property
    def sent(self) -> int:
        return self.dispatcher.sent

    @property
    def failed(self) -> int:
        return self.dispatcher.failed

    def wake(self, _events: Any = None) -> None:
        self.dispatcher.wake()

    async def start(self) -> None:
        self._run = asyncio.create_task(self.dispatcher.run(), name="notifier.dispatcher")
        if self.bus is not None:
            self._listen = asyncio.create_task(self._follow_alerts(), name="notifier.alerts")
        if self.bot is not None and self._leases is None:
            if not await self._try_bot():  # embedded: polling once start() returns, if it can
                self._bot_start = asyncio.create_task(
                    self._start_bot(tried=True), name="notifier.bot"
                )
        elif self.bot is not None:
            self._bot_start = asyncio.create_task(self._start_bot(), name="notifier.bot")

    async def _start_bot(self, *, tried: bool = False) -> None:
        """Start the bot's polling, trying again with growing pauses while Telegram (or the
        network) refuses: a failure at start used to leave the bot off until a restart."""
        if self._leases is not None:
            await self._leases.acquire(BOT_LEASE)
        pause = self.bot_retry_s
        if not tried and await self._try_bot():
            return
        while True:
            await asyncio.sleep(pause)
            if await self._try_bot():
                return
            pause = min(pause * 2, BOT_RETRY_MAX_S)

    async def _try_bot(self) -> bool:
        assert self.bot is not None
        try:
            await self.bot.start()
        except Exception as exc:
            log.error("the Telegram service bot could not start: %s; trying again", exc)
            await self.bot.stop()
            return False
        log.info("Telegram service bot polling %s", self.settings.telegram_api_url)
        return True

    async def _follow_alerts(self) -> None:
        assert self.bus is not None
        while True:
            try:
                async with self.bus.subscribe(ALERTS, buffer=100) as subscription:
                    async for _ in subscription:
                        self.dispatcher.wake()
                return
            except BusError as exc:
                log.warning("alerts subscription lost (%s); resubscribing", exc)
                await asyncio.sleep(1.0)

    async def due(self) -> int:
        """Deliveries of this dispatcher's channels that are due now."""
        async with self.sessionmaker() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(AlertDelivery)
                .where(
                    AlertDelivery.status == PENDING,
                    AlertDelivery.channel.in_(list(self.notifiers)),
                    or_(
                        AlertDelivery.next_attempt_at.is_(None),
                        AlertDelivery.next_attempt_at <= utcnow(),
                    ),
                )
            )
        return int(count or 0)

    async def stop(self, timeout_s: float | None = None) -> None:
        """Send what is due (within ``timeout_s``), then stop the dispatcher and the bot."""
        timeout_s = timeout_s if timeout_s is not None else self.settings.shutdown_timeout_s
        deadline = time.monotonic() + timeout_s
        if self._run is not None and not self._run.done():
            self.dispatcher.wake()
            while time.monotonic() < deadline:
                try:
                    if await self.due() == 0 and self.dispatcher.held == 0:
                        break
                except Exception as exc:
                    log.warning("outbox check at shutdown failed: %s", exc)
                    break
                await asyncio.sleep(0.1)
            else:
                log.warning("shutdown: deliveries still due; they stay in the outbox")
            self.dispatcher.stop()
            await asyncio.gather(self._run, return_exceptions=True)
        if self._listen is not None:
            self._listen.cancel()
            await asyncio.gather(self._listen, return_exceptions=True)
        if self._bot_start is not None:
            self._bot_start.cancel()
            await asyncio.gather(self._bot_start, return_exceptions=True)
        if self.bot is not None:
            await self.bot.stop()
        if self._leases is not None:
            await self._leases.close()
        for notifier in self.notifiers.values():
            try:
                await notifier.aclose()
            except Exception as exc:
                log.debug("closing %s: %s", notifier.slug, exc)
        log.info("notifier stopped: %d sent, %d failed", self.sent, self.failed)
