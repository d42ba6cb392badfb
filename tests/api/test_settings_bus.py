"""Settings changes reach every collector over the bus: ``PUT /settings`` and an admin's
disable / enable / role change / delete publish a ``settings`` message after the commit, and a
:class:`SettingsSync` whose periodic check is effectively off (an hour) applies it — so the change
arrived by the push, not by polling. A bus that fails never fails the request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.api.kit import API, Env, bearer
from wickwatch.bus import SETTINGS, Bus
from wickwatch.bus.memory import MemoryBus
from wickwatch.bus.redis import RedisBus
from wickwatch.detection import Detector
from wickwatch.roles.usersync import SettingsSync

DEADLINE_S = 15.0  #: generous: the machine may be loaded; the push normally lands in ms


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {DEADLINE_S} s: {what}"
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _collector_side(env: Env, bus: Bus) -> AsyncIterator[tuple[Detector, SettingsSync]]:
    """A detector kept current by a SettingsSync that only the bus can wake."""
    detector = Detector()
    sync = SettingsSync(detector, env.sessionmaker, bus, poll_s=3600.0)
    await sync.load_all()
    task = asyncio.create_task(sync.run())
    try:
        # subscribed before anything is published (broadcast: later subscribers miss messages)
        await _until(lambda: bus.stats()["subscribers"] >= 1, "the settings subscription")
        yield detector, sync
    finally:
        sync.stop()
        await asyncio.wait_for(task, DEADLINE_S)


async def _put_cooldown(env: Env, auth: dict[str, str], cooldown_s: int) -> dict[str, Any]:
    current = (await env.client.get(f"{API}/settings", headers=auth)).json()["document"]
    response = await env.client.put(
        f"{API}/settings", json={**current, "cooldown_s": cooldown_s}, headers=auth
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_put_settings_reaches_a_detector_through_the_memory_bus(env: Env) -> None:
    bus = MemoryBus()
    env.app.state.bus = bus
    user_id, email = await env.create_user()
    auth = bearer(await env.token(email))
    try:
        async with _collector_side(env, bus) as (detector, sync):
            before = detector.settings_of(user_id)
            assert before is not None and before.cooldown_s == 60

            saved = await _put_cooldown(env, auth, 7)

            def applied() -> bool:
                settings = detector.settings_of(user_id)
                return settings is not None and settings.cooldown_s == 7

            await _until(applied, "the new settings in the detector")
            assert sync.versions[user_id] == saved["version"]
    finally:
        await bus.close()


async def test_admin_disable_enable_and_delete_reach_the_detector(env: Env) -> None:
    bus = MemoryBus()
    env.app.state.bus = bus
    _, admin_email = await env.create_user(role="admin")
    admin = bearer(await env.token(admin_email))
    user_id, _ = await env.create_user()
    try:
        async with _collector_side(env, bus) as (detector, _sync):
            assert detector.settings_of(user_id) is not None
            off = await env.client.patch(
                f"{API}/admin/users/{user_id}", json={"is_active": False}, headers=admin
            )
            assert off.status_code == 200, off.text
            await _until(lambda: detector.settings_of(user_id) is None, "the disabled user gone")

            on = await env.client.patch(
                f"{API}/admin/users/{user_id}", json={"is_active": True}, headers=admin
            )
            assert on.status_code == 200, on.text
            await _until(lambda: detector.settings_of(user_id) is not None, "the user back")

            gone = await env.client.delete(f"{API}/admin/users/{user_id}", headers=admin)
            assert gone.status_code == 204, gone.text
            await _until(lambda: detector.settings_of(user_id) is None, "the deleted user gone")
    finally:
        await bus.close()


async def test_role_change_is_published(env: Env) -> None:
    bus = MemoryBus()
    env.app.state.bus = bus
    _, admin_email = await env.create_user(role="admin")
    admin = bearer(await env.token(admin_email))
    user_id, _ = await env.create_user()
    try:
        async with bus.subscribe(SETTINGS) as subscription:
            changed = await env.client.patch(
                f"{API}/admin/users/{user_id}", json={"role": "admin"}, headers=admin
            )
            assert changed.status_code == 200, changed.text
            message = await asyncio.wait_for(anext(subscription), DEADLINE_S)
            assert message.payload == {"user_id": user_id, "version": 0}
    finally:
        await bus.close()


async def test_a_failing_bus_does_not_fail_the_request(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    bus = MemoryBus()
    await bus.close()  # every publish now raises BusClosed
    env.app.state.bus = bus
    _, email = await env.create_user()
    auth = bearer(await env.token(email))
    with caplog.at_level(logging.WARNING, logger="wickwatch.api.events"):
        saved = await _put_cooldown(env, auth, 9)
    assert saved["document"]["cooldown_s"] == 9
    stored = (await env.client.get(f"{API}/settings", headers=auth)).json()
    assert stored["document"]["cooldown_s"] == 9
    assert any("not published on the bus" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
async def test_put_settings_reaches_another_process_over_redis(
    make_env: Any, redis_url: str
) -> None:
    """The API opens its own Redis bus from the settings; the collector side is another
    RedisBus instance (as in another process)."""
    env: Env = await make_env(redis_url=redis_url)
    user_id, email = await env.create_user()
    auth = bearer(await env.token(email))
    collector_bus = RedisBus(redis_url, read_block_ms=200)
    try:
        async with _collector_side(env, collector_bus) as (detector, _sync):
            await _put_cooldown(env, auth, 11)

            def applied() -> bool:
                settings = detector.settings_of(user_id)
                return settings is not None and settings.cooldown_s == 11

            await _until(applied, "the new settings in the other process's detector")
        assert env.app.state.own_bus is not None  # the API's own bus, closed by its lifespan
    finally:
        await collector_bus.close()


async def test_a_stored_document_that_does_not_validate_never_becomes_the_defaults(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """A document that no longer validates (a hand edit, a migration gone wrong) keeps the
    settings the detector had; a process that starts with it pauses the user. The defaults
    (3 % on every feed) would alert a user who had paused everything."""
    from sqlalchemy import update

    from wickwatch.storage.models import UserSettings as UserSettingsRow

    bus = MemoryBus()
    env.app.state.bus = bus
    user_id, email = await env.create_user()
    auth = bearer(await env.token(email))
    current = (await env.client.get(f"{API}/settings", headers=auth)).json()["document"]
    saved = await env.client.put(
        f"{API}/settings", json={**current, "enabled": False, "cooldown_s": 7}, headers=auth
    )
    assert saved.status_code == 200, saved.text
    try:
        async with _collector_side(env, bus) as (detector, sync):
            before = detector.settings_of(user_id)
            assert before is not None and not before.enabled and before.cooldown_s == 7
            async with env.sessionmaker() as session:
                await session.execute(
                    update(UserSettingsRow)
                    .where(UserSettingsRow.user_id == user_id)
                    .values(
                        document={**current, "cooldown_s": "a while"},
                        version=UserSettingsRow.version + 1,
                    )
                )
                await session.commit()
            with caplog.at_level(logging.ERROR, logger="wickwatch.roles.usersync"):
                await sync.reload({user_id}, periodic=False)
            assert detector.settings_of(user_id) is before
            assert "do not validate" in caplog.text and "keeping the previous" in caplog.text

        fresh = Detector()
        assert await SettingsSync(fresh, env.sessionmaker, None).load_all() >= 1
        paused = fresh.settings_of(user_id)
        assert paused is not None and not paused.enabled
        assert fresh.on_candles([]) == []
    finally:
        await bus.close()
