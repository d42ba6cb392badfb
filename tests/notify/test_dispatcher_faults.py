"""The dispatcher when receivers throttle and the database fails at the wrong moment: no row is
held for ever, no receiver hammered, no chat starves the others."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import (
    SERVICE_TOKEN,
    Draft,
    World,
    deliveries,
    loopback_http,
    make_dispatcher,
)
from tests.notify.test_email import Mailbox, _notifier, mailbox  # noqa: F401 - the fixture
from tests.notify.test_email_digest import _end_the_period
from wickwatch.notify import dispatcher as dispatcher_module
from wickwatch.notify import repository as repo
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.notify.webhook import WebhookNotifier
from wickwatch.storage.types import utcnow


async def _until(check: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        await asyncio.sleep(0.1)


async def test_a_database_failure_after_a_telegram_429_does_not_hold_the_row_for_ever(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Telegram answers 429 and writing the chat's next slot fails past the retries: the rows
    in hand are let go (their lease ends, a claim sends them), not renewed while the process
    lives."""
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 1001, "bot": "service"})
    telegram = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    standin.fail_next(retry_after=1)
    real_settle = repo.settle_slot
    down = True

    async def settle_slot(session: AsyncSession, key: str, **kw: Any) -> None:
        if down and kw.get("commit", True):
            raise OperationalError("UPDATE notify_rate_slots", {}, Exception("database is locked"))
        await real_settle(session, key, **kw)

    monkeypatch.setattr(repo, "settle_slot", settle_slot)
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram}, lease_s=3.0)
    await world.alerts([Draft(user_id=user)])
    runner = asyncio.create_task(dispatcher.run())
    try:
        await _until(lambda: _now(len(standin.calls) >= 1), 10, "the throttled first attempt")
        await asyncio.sleep(4.0)  # the write's retries give up meanwhile
        down = False

        async def sent() -> bool:
            return [d.status for d in await deliveries(sessionmaker)] == ["sent"]

        await _until(sent, 20, "the delivery sent after the lease ran out")
        assert len(standin.messages(1001)) == 1
        assert dispatcher.held == 0
    finally:
        dispatcher.stop()
        await runner
        await telegram.aclose()


@pytest.fixture
async def throttling_webhook() -> AsyncIterator[tuple[str, list[float]]]:
    """A receiver that answers every request ``429 Retry-After: 0``; the request times."""
    hits: list[float] = []

    async def handle(request: web.Request) -> web.Response:
        hits.append(time.monotonic())
        return web.Response(status=429, headers={"Retry-After": "0"})

    async with loopback_http("/services/T0001/B0002/{token}", handle) as url:
        yield url.replace("{token}", "s3cr3t-path-token"), hits


async def test_a_webhook_that_always_throttles_is_neither_hammered_nor_retried_for_ever(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    throttling_webhook: tuple[str, list[float]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Also: the give-up is logged with the webhook's origin only (its path is a credential,
    as Slack's and Discord's are)."""
    url, hits = throttling_webhook
    user = await world.user()
    await world.channel(user, "webhook", {"url": url})
    await world.alerts([Draft(user_id=user, destinations=("webhook",))])
    webhook = WebhookNotifier(allow_private=True, timeout_s=5)
    dispatcher = make_dispatcher(
        sessionmaker, {"webhook": webhook}, poll_interval_s=0.05, max_attempts=3
    )
    runner = asyncio.create_task(dispatcher.run())
    try:
        await asyncio.sleep(3.5)
        # "Retry-After: 0" waits the shortest retry (1 s), not a busy loop
        assert 2 <= len(hits) <= 5
        [row] = await deliveries(sessionmaker)
        assert row.status == "pending" and row.attempts == 0  # a fresh alert: not counted
        # An hour later the receiver still throttles: now each answer counts, the row fails
        monkeypatch.setattr(dispatcher_module, "THROTTLED_FREE_S", 0.0)

        async def failed() -> bool:
            return [d.status for d in await deliveries(sessionmaker)] == ["failed"]

        with caplog.at_level("ERROR", logger="wickwatch.notify.dispatcher"):
            await _until(failed, 15, "the delivery given up")
        [row] = await deliveries(sessionmaker)
        assert row.attempts == 3 and "429" in (row.last_error or "")
        [gave_up] = [r.getMessage() for r in caplog.records if "failed after" in r.getMessage()]
        assert "http://127.0.0.1:" in gave_up and "s3cr3t" not in gave_up
    finally:
        dispatcher.stop()
        await runner
        await webhook.aclose()


async def test_a_chat_told_to_wait_long_hands_its_rows_back_and_others_are_served(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], standin: TelegramStandIn
) -> None:
    """Telegram's retry_after of 120 s for one group: what that chat gets meanwhile goes back
    to the outbox, due then, instead of filling the dispatcher's in-flight budget while the
    lane sleeps; another user's chat is served at once."""
    noisy, other = await world.user(), await world.user()
    await world.channel(noisy, "telegram", {"chat_id": -1001, "bot": "service"})
    await world.channel(other, "telegram", {"chat_id": 2002, "bot": "service"})
    telegram = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    standin.fail_next(chat_id=-1001, retry_after=120)
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram}, max_inflight=5, batch_size=5)
    runner = asyncio.create_task(dispatcher.run())
    try:
        await world.alerts([Draft(user_id=noisy)])
        await asyncio.sleep(1.5)
        await world.alerts([Draft(user_id=noisy, symbol=f"S{i}USDT") for i in range(6)])
        await asyncio.sleep(1.5)
        await world.alerts([Draft(user_id=other)])

        async def served() -> bool:
            return len(standin.messages(2002)) == 1

        await _until(served, 10, "the other user's chat served")
        rows = [d for d in await deliveries(sessionmaker) if d.status != "sent"]
        assert len(rows) == 7 and {d.status for d in rows} == {"pending"}
        later = utcnow() + timedelta(seconds=100)
        assert all(d.next_attempt_at is not None and d.next_attempt_at > later for d in rows)
        assert dispatcher.held == 0
        assert standin.messages(-1001) == []
    finally:
        dispatcher.stop()
        await runner
        await telegram.aclose()


async def _now(value: bool) -> bool:
    return value


async def test_a_digest_retried_after_a_temporary_refusal_stays_one_digest(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],  # noqa: F811
) -> None:
    """A greylisting server answers 451 to the digest: its ten alerts are retried together
    (one delay for the message, jitter and all) and arrive as one mail, not several."""
    box, port = mailbox
    box.greylist.add("digest@example.com")
    user = await world.user()
    await world.channel(user, "email", {"address": "digest@example.com", "digest_minutes": 15})
    ids = await world.alerts(
        [Draft(user_id=user, ts_ms=1_767_225_600_000 + n * 1000) for n in range(10)],
        destinations=("email",),
    )
    await _end_the_period(sessionmaker, ids)
    dispatcher = make_dispatcher(
        sessionmaker, {"email": _notifier(port)}, retry_base_s=1.0, jitter=0.5
    )
    runner = asyncio.create_task(dispatcher.run())
    try:

        async def refused_once() -> bool:
            rows = await deliveries(sessionmaker)
            return all(d.status == "pending" and d.attempts == 1 for d in rows)

        await _until(refused_once, 10, "the digest refused once")
        box.greylist.clear()

        async def sent() -> bool:
            return {d.status for d in await deliveries(sessionmaker)} == {"sent"}

        await _until(sent, 15, "the digest sent")
    finally:
        dispatcher.stop()
        await runner
    assert len(box.messages) == 1
