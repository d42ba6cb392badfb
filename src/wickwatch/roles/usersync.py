"""Keeps a detector's users in step with the database.

At start every active user's rules document is loaded (a user who never saved one has the
defaults, as the settings API shows them). Afterwards a user is reloaded when

* a ``settings`` bus message names them (``{"user_id": 42, "version": 7}``; published by whoever
  changes settings — immediate), or
* the periodic check (every ``poll_s``) sees a different ``user_settings.version``, a user that
  appeared, was disabled or deleted — so changes are picked up within ``poll_s`` even when
  nobody publishes on the bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import ClassVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.bus import SETTINGS, Bus, BusError
from wickwatch.detection import Detector, UserSettings
from wickwatch.detection.schemas import stored_settings
from wickwatch.roles.history import DbSpikeHistory
from wickwatch.storage.expressions import dialect_of
from wickwatch.storage.models import User
from wickwatch.storage.models import UserSettings as UserSettingsRow
from wickwatch.storage.statements import one_of

log = logging.getLogger(__name__)


async def follow_users(
    bus: Bus | None, topic: str, request: Callable[[Iterable[int]], None]
) -> None:
    """Hand the user named by each ``{"user_id": 42, …}`` message of ``topic`` to ``request``;
    resubscribe when the bus fails, return when it is closed (or there is none)."""
    if bus is None:
        return
    while True:
        try:
            async with bus.subscribe(topic) as subscription:
                async for message in subscription:
                    payload = message.payload
                    user_id = payload.get("user_id") if isinstance(payload, dict) else None
                    if isinstance(user_id, int):
                        request([user_id])
            return  # the bus was closed
        except BusError as exc:
            log.warning("%s subscription lost (%s); resubscribing", topic, exc)
            await asyncio.sleep(1.0)


class UserSync:
    """What keeps per-user data of a collector current: users named on :attr:`topic` are
    reloaded at once (:meth:`request`), and every ``poll_s`` a periodic check runs, so changes
    arrive even when nobody publishes. Subclasses implement :meth:`reload`."""

    topic: ClassVar[str]
    what: ClassVar[str]

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], bus: Bus | None, *, poll_s: float
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.poll_s = poll_s
        self.reloads = 0
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        self._stopping = False

    def request(self, user_ids: Iterable[int]) -> None:
        """Reload these users soon (a bus message said they changed)."""
        self._dirty.update(user_ids)
        self._wake.set()

    def stop(self) -> None:
        """End :meth:`run` after the reload in progress."""
        self._stopping = True
        self._wake.set()

    async def reload(self, users: set[int], *, periodic: bool) -> None:
        """Apply the changes of ``users`` (named on the bus); ``periodic``: check everyone."""
        raise NotImplementedError

    async def run(self) -> None:
        """Follow the bus and check every ``poll_s`` until :meth:`stop`."""
        listener = asyncio.create_task(
            follow_users(self.bus, self.topic, self.request), name=f"{self.topic}-listener"
        )
        loop = asyncio.get_running_loop()
        next_check = loop.time() + self.poll_s
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, next_check - loop.time())):
                        await self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                periodic = loop.time() >= next_check
                if periodic:
                    next_check = loop.time() + self.poll_s
                users, self._dirty = self._dirty, set()
                try:
                    await self.reload(users, periodic=periodic)
                except Exception as exc:
                    self._dirty |= users
                    log.warning("%s reload failed: %s", self.what, exc)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)


class SettingsSync(UserSync):
    """Loads users' settings into ``detector`` and keeps them current."""

    topic = SETTINGS
    what = "settings"

    def __init__(
        self,
        detector: Detector,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: Bus | None,
        *,
        poll_s: float = 5.0,
    ) -> None:
        super().__init__(sessionmaker, bus, poll_s=poll_s)
        self.detector = detector
        #: user id → settings version applied (0: the defaults, no stored document)
        self.versions: dict[int, int] = {}

    async def load_all(self) -> int:
        """Apply every active user's document; returns how many users."""
        await self._sync(full=True)
        return len(self.versions)

    async def reload(self, users: set[int], *, periodic: bool) -> None:
        # The check compares every user's version (one small query): on a push too.
        await self._sync(full=False, dirty=users)

    async def _sync(self, *, full: bool, dirty: set[int] | None = None) -> None:
        dirty = dirty or set()
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(User.id, UserSettingsRow.version)
                    .outerjoin(UserSettingsRow, UserSettingsRow.user_id == User.id)
                    .where(User.is_active)
                )
            ).all()
            current = {int(uid): int(version or 0) for uid, version in rows}
            changed = [
                uid
                for uid, version in current.items()
                if full or uid in dirty or self.versions.get(uid) != version
            ]
            documents: dict[int, object] = {}
            if changed:
                for uid, document in (
                    await session.execute(
                        select(UserSettingsRow.user_id, UserSettingsRow.document).where(
                            one_of(UserSettingsRow.user_id, changed, dialect_of(session))
                        )
                    )
                ).all():
                    documents[int(uid)] = document
        for uid in changed:
            self.detector.update_user(uid, self._parse(uid, documents.get(uid)))
            self.versions[uid] = current[uid]
        gone = [uid for uid in self.versions if uid not in current]
        for uid in gone:
            self.detector.remove_user(uid)
            del self.versions[uid]
            history = self.detector.history
            if isinstance(history, DbSpikeHistory):
                history.forget_user(uid)
        if not full and (changed or gone):
            self.reloads += len(changed) + len(gone)
            log.info("settings reloaded: %d users changed, %d removed", len(changed), len(gone))

    def _parse(self, user_id: int, document: object) -> UserSettings:
        """The user's stored document; no document is the defaults (a new user). One that does
        not validate (a hand edit, a migration gone wrong) keeps what the user had, or pauses
        them: the defaults would alert a user who had paused everything or switched feeds off."""
        if document is None:
            return UserSettings()
        try:
            return stored_settings(document)
        except ValidationError as exc:
            previous = self.detector.settings_of(user_id)
            if previous is not None:
                log.error(
                    "stored settings of user %d do not validate (%d errors); keeping the previous",
                    user_id,
                    exc.error_count(),
                )
                return previous
            log.error(
                "stored settings of user %d do not validate (%d errors); their alerts are paused "
                "until the settings are saved again",
                user_id,
                exc.error_count(),
            )
            return UserSettings(enabled=False)
