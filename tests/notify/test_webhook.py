"""Webhook delivery: signed JSON to a receiver on loopback, retries, de-duplication, SSRF guard."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.abc import ResolveResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import Draft, World, deliveries, loopback_http, make_dispatcher
from wickwatch.notify.base import Delivery, Outcome
from wickwatch.notify.templates import render_alert
from wickwatch.notify.webhook import (
    MAX_ANSWER_BYTES,
    BlockedTarget,
    GuardedResolver,
    WebhookNotifier,
    address_problem,
    url_problem,
    verify,
)
from wickwatch.storage.models import Channel

SECRET = "webhook-signing-secret-0123456789"


@dataclass
class Receiver:
    """A webhook receiver as a user would write one: verifies, then drops repeated keys."""

    secret: str = SECRET
    #: Statuses to answer before accepting, in order (the request is processed all the same
    #: when ``process_anyway``: a lost response).
    script: list[int] = field(default_factory=list)
    process_anyway: bool = False
    retry_after: str | None = None
    #: Seconds to think before answering, per request in order (a slow receiver).
    delays: list[float] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0
    url: str = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = dict(request.headers)
        self.requests.append(
            {"headers": headers, "body": body, "path": request.path, "at": time.monotonic()}
        )
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        timestamp = headers.get("X-Wickwatch-Timestamp", "")
        if not verify(self.secret, timestamp, body, headers.get("X-Wickwatch-Signature", "")):
            return web.Response(status=401)
        key = headers["Idempotency-Key"]
        status = self.script.pop(0) if self.script else 200
        if status >= 300 and not self.process_anyway:
            extra = {"Retry-After": self.retry_after} if self.retry_after else {}
            if 300 <= status < 400:
                extra["Location"] = "http://169.254.169.254/latest/meta-data/"
            return web.Response(status=status, headers=extra)
        if key in self.processed:
            self.duplicates += 1
        else:
            self.processed[key] = orjson.loads(body)
        return web.Response(status=status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    async with loopback_http("/hook", recv.handle) as url:
        recv.url = url
        yield recv


@pytest.fixture
async def webhook() -> AsyncIterator[WebhookNotifier]:
    notifier = WebhookNotifier(allow_private=True, timeout_s=5)
    yield notifier
    await notifier.aclose()


async def _setup(world: World, url: str) -> tuple[int, list[int]]:
    user = await world.user()
    channel = await world.channel(user, "webhook", {"url": url}, secret_ciphertext=f"enc:{SECRET}")
    ids = await world.alerts([Draft(user_id=user, destinations=("webhook",))])
    return channel, ids


async def test_signed_alert_json_with_idempotency_key(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    webhook: WebhookNotifier,
) -> None:
    _channel, [delivery_id] = await _setup(world, receiver.url)
    await make_dispatcher(sessionmaker, {"webhook": webhook}).run_once()

    [request] = receiver.requests
    headers = request["headers"]
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent"
    assert headers["Idempotency-Key"] == row.idempotency_key
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Wickwatch-Signature"].startswith("sha256=")
    assert verify(
        SECRET, headers["X-Wickwatch-Timestamp"], request["body"], headers["X-Wickwatch-Signature"]
    )
    assert not verify(
        "wrong", headers["X-Wickwatch-Timestamp"], request["body"], headers["X-Wickwatch-Signature"]
    )
    document = orjson.loads(request["body"])
    assert document["idempotency_key"] == row.idempotency_key
    assert document["delivery_id"] == delivery_id
    assert document["type"] == "alert"
    alert = document["alert"]
    assert alert["symbol"] == "BTCUSDT" and alert["exchange"] == "binance"
    assert alert["price"] == "64123.5" and alert["delta_pct"] == 5.25
    assert alert["link"] == "https://www.binance.com/en/futures/BTCUSDT"
    assert alert["text"].startswith("⚡ BTCUSDT +5.25% up · Binance Futures")


async def test_a_lost_response_is_retried_and_the_receiver_drops_the_repeat(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    webhook: WebhookNotifier,
) -> None:
    receiver.script = [503]
    receiver.process_anyway = True  # it processed the alert, then the answer got lost
    await _setup(world, receiver.url)
    dispatcher = make_dispatcher(sessionmaker, {"webhook": webhook})
    task = asyncio.create_task(dispatcher.run())
    try:
        for _ in range(200):
            if (await deliveries(sessionmaker))[0].status == "sent":
                break
            await asyncio.sleep(0.02)
    finally:
        dispatcher.stop()
        await task
    first, second = receiver.requests
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    assert len(receiver.processed) == 1 and receiver.duplicates == 1
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent" and row.attempts == 2


async def test_429_retry_after_is_honoured(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    webhook: WebhookNotifier,
) -> None:
    receiver.script = [429]
    receiver.retry_after = "1"
    await _setup(world, receiver.url)
    dispatcher = make_dispatcher(sessionmaker, {"webhook": webhook})
    task = asyncio.create_task(dispatcher.run())
    try:
        for _ in range(300):
            if len(receiver.processed) == 1:
                break
            await asyncio.sleep(0.02)
    finally:
        dispatcher.stop()
        await task
    assert len(receiver.requests) == 2
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent" and row.attempts == 1  # the throttled try is not counted


@pytest.mark.parametrize(
    ("status", "reason"), [(410, "HTTP 410"), (302, "redirects are not followed")]
)
async def test_permanent_answers_fail_without_retry(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    webhook: WebhookNotifier,
    status: int,
    reason: str,
) -> None:
    receiver.script = [status]
    await _setup(world, receiver.url)
    await make_dispatcher(sessionmaker, {"webhook": webhook}).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "failed" and reason in (row.last_error or "")
    assert len(receiver.requests) == 1  # the redirect was not followed


async def test_an_unreachable_receiver_is_retried(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    webhook: WebhookNotifier,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await _setup(world, f"http://127.0.0.1:{port}/hook")
    await make_dispatcher(sessionmaker, {"webhook": webhook}).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "pending" and row.attempts == 1
    assert "webhook unreachable" in (row.last_error or "")
    assert row.next_attempt_at is not None


async def test_a_slow_receiver_times_out_and_is_retried_until_it_answers_in_time(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    receiver.delays = [2.0]  # the first call takes longer than the timeout, the second does not
    notifier = WebhookNotifier(allow_private=True, timeout_s=0.5)
    channel, [delivery_id] = await _setup(world, receiver.url)
    dispatcher = make_dispatcher(sessionmaker, {"webhook": notifier}, retry_base_s=0.6)
    try:
        started = time.monotonic()
        await dispatcher.run_once()
        waited = time.monotonic() - started
        [row] = await deliveries(sessionmaker)
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "webhook timed out")
        assert 0.5 <= waited < 1.9  # gave up at the timeout, did not wait for the answer
        async with sessionmaker() as session:
            stored = await session.get(Channel, channel)
            assert stored is not None and stored.last_status == "retrying"
            assert stored.last_error == "webhook timed out"
        assert await dispatcher.run_once() == 0  # not before the back-off

        await asyncio.sleep(0.65)
        assert await dispatcher.run_once() == 1
    finally:
        await notifier.aclose()
    [row] = await deliveries(sessionmaker)
    assert (row.id, row.status, row.attempts) == (delivery_id, "sent", 2)
    first, second = receiver.requests
    assert second["at"] - first["at"] >= 0.5 + 0.6  # the timeout, then the back-off
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    assert first["body"] == second["body"]  # the same alert, so the receiver can drop a repeat
    assert list(receiver.processed) == [row.idempotency_key]
    async with sessionmaker() as session:
        stored = await session.get(Channel, channel)
        assert stored is not None and stored.last_status == "ok"


# --- server-side request forgery ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://192.168.0.10/hook", "private"),
        ("http://172.16.5.5/hook", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://[ff02::1]/hook", "multicast"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://[2002:7f00:1::1]/hook", "loopback"),  # 6to4 of 127.0.0.1
        ("http://[2002:a00:1::1]/hook", "private"),  # 6to4 of 10.0.0.1
        ("http://[64:ff9b::a9fe:a9fe]/hook", "link-local"),  # NAT64 of 169.254.169.254
        ("http://100.64.0.1/hook", "not a public address"),
        ("ftp://example.com/hook", "https://"),
        ("http://user:pw@example.com/hook", "credentials"),
    ],
)
def test_non_public_targets_are_refused(url: str, reason: str) -> None:
    problem = url_problem(url, allow_private=False)
    assert problem is not None and reason in problem, problem


def test_public_targets_and_names_pass_the_static_check() -> None:
    assert url_problem("https://93.184.216.34/hook", allow_private=False) is None
    assert url_problem("https://hooks.example.com/x", allow_private=False) is None  # at connect
    assert address_problem("1.1.1.1") is None and address_problem("2606:4700::1111") is None
    assert address_problem("2002:808:808::1") is None  # 6to4 of a public address
    assert address_problem("64:ff9b::808:808") is None  # NAT64 of a public address
    assert url_problem("http://127.0.0.1/hook", allow_private=True) is None


async def test_names_resolving_to_any_private_address_are_refused() -> None:
    class Fake(GuardedResolver):
        def __init__(self, addresses: list[str]) -> None:
            super().__init__(allow_private=False)
            self.addresses = addresses

            class Inner:
                async def resolve(self, host: str, port: int, family: int) -> list[ResolveResult]:
                    return [
                        ResolveResult(
                            hostname=host,
                            host=a,
                            port=port,
                            family=socket.AF_INET,
                            proto=0,
                            flags=0,
                        )
                        for a in addresses
                    ]

                async def close(self) -> None:
                    return None

            self._inner = Inner()  # type: ignore[assignment]

    assert len(await Fake(["93.184.216.34"]).resolve("ok.example", 443)) == 1
    refused = r"rebind\.example resolves to 10\.0\.0\.7 is a private"
    with pytest.raises(BlockedTarget, match=refused):
        await Fake(["93.184.216.34", "10.0.0.7"]).resolve("rebind.example", 443)


async def test_the_guard_refuses_at_send_time(receiver: Receiver) -> None:
    notifier = WebhookNotifier(allow_private=False, timeout_s=5)
    port = receiver.url.split(":")[2].split("/")[0]
    delivery = _direct(f"http://localhost:{port}/hook")
    alert = Draft(user_id=1)
    try:
        named = await notifier.send(delivery, alert, render_alert(alert, None))
        literal = await notifier.send(
            Delivery(**{**_fields(delivery), "config": {"url": receiver.url}}),
            alert,
            render_alert(alert, None),
        )
    finally:
        await notifier.aclose()
    assert named.outcome is Outcome.FAILED
    assert named.error is not None and "localhost resolves to" in named.error
    assert literal.outcome is Outcome.FAILED and "loopback" in (literal.error or "")
    assert receiver.requests == []


def _direct(url: str) -> Delivery:
    """A delivery to ``url`` for calling the notifier directly (no outbox)."""
    return Delivery(
        id=1, alert_id=1, user_id=1, channel="webhook", destination="", idempotency_key="k",
        attempts=0, config={"url": url}, secret=SECRET,
    )  # fmt: skip


def _fields(delivery: Delivery) -> dict[str, Any]:
    return {name: getattr(delivery, name) for name in delivery.__dataclass_fields__}


@pytest.mark.parametrize(
    ("retry_after", "waits_a_day"), [("1e20", True), ("inf", True), ("nan", False), ("-5", False)]
)
async def test_an_absurd_retry_after_is_bounded_and_loses_no_other_outcome(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    webhook: WebhookNotifier,
    retry_after: str,
    waits_a_day: bool,
) -> None:
    """A receiver may answer 429 with any ``Retry-After``: a huge or infinite one waits a day
    (the longest honoured), an unreadable or negative one is the usual back-off — and the
    outcomes recorded beside it (another alert, delivered in the same round) are kept, not
    dropped and sent again after the lease."""
    receiver.script = [429]
    receiver.retry_after = retry_after
    await _setup(world, receiver.url)
    await _setup(world, receiver.url)
    dispatcher = make_dispatcher(sessionmaker, {"webhook": webhook})
    task = asyncio.create_task(dispatcher.run())
    wanted = 1 if waits_a_day else 2
    try:
        for _ in range(300):
            if len(receiver.processed) == wanted:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
    finally:
        dispatcher.stop()
        await task
    rows = await deliveries(sessionmaker)
    assert len(receiver.processed) == wanted and receiver.duplicates == 0
    assert len(receiver.requests) == wanted + 1  # one 429, then each delivered alert once
    if not waits_a_day:
        assert [row.status for row in rows] == ["sent", "sent"]
        return
    [waiting] = [row for row in rows if row.status != "sent"]
    assert sorted(row.status for row in rows) == ["pending", "sent"]
    wait = waiting.next_attempt_at.replace(tzinfo=None) - datetime.now(UTC).replace(tzinfo=None)
    assert timedelta(hours=23, minutes=59) < wait <= timedelta(days=1)


async def test_an_endless_answer_is_not_read_into_memory() -> None:
    """The URL is the user's: a receiver that streams its answer without end gets its 200 taken
    as sent, having had at most a little more than ``MAX_ANSWER_BYTES`` read from it."""
    written = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal written
        await request.read()
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        chunk = b"A" * 65536
        with contextlib.suppress(ConnectionError):
            while written < 1 << 30:
                await response.write(chunk)
                written += len(chunk)
        return response

    notifier = WebhookNotifier(allow_private=True, timeout_s=20)
    alert = Draft(user_id=1)
    try:
        async with loopback_http("/hook", endless) as url:
            result = await notifier.send(_direct(url), alert, render_alert(alert, None))
    finally:
        await notifier.aclose()
    assert result.outcome is Outcome.SENT, result
    assert written < 64 * MAX_ANSWER_BYTES  # the server stopped when we hung up, far from 1 GiB


async def test_a_short_retry_after_on_a_5xx_does_not_use_up_the_attempts_of_a_short_outage(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A receiver in a 2.5 s outage answers ``503`` with ``Retry-After: 1`` (what many load
    balancers send). The dispatcher's own back-off (2 s, 4 s) would reach it after the outage;
    honouring "1" as the whole delay spent all 3 attempts inside the outage and failed the
    alert for good. (A 429's Retry-After counts no attempt and is still honoured.)"""
    first: list[float] = []
    received: list[float] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        now = time.monotonic()
        first[:] = first or [now]
        received.append(now - first[0])
        if now - first[0] < 2.5:
            return web.Response(status=503, headers={"Retry-After": "1"})
        return web.Response(status=200)

    notifier = WebhookNotifier(allow_private=True, timeout_s=5)
    async with loopback_http("/hook", handler) as url:
        await _setup(world, url)
        dispatcher = make_dispatcher(
            sessionmaker, {"webhook": notifier}, max_attempts=3, retry_base_s=2.0, retry_max_s=60
        )
        task = asyncio.create_task(dispatcher.run())
        try:
            for _ in range(500):
                [row] = await deliveries(sessionmaker)
                if row.status in ("sent", "failed"):
                    break
                await asyncio.sleep(0.02)
        finally:
            dispatcher.stop()
            await task
            await notifier.aclose()
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent", (row.status, row.last_error, received)


async def test_a_stop_hands_back_rows_that_waited_for_a_send_slot_and_never_went_out(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """``_send_batch`` commits ``sending`` (attempt + 1) for the whole batch, then each send
    waits for one of ``concurrency`` slots. At a stop, ``_drain`` cancels what is still waiting
    and hands back only rows not ``sending``: a row that never left stays ``sending`` — a
    "possible repeat" with an attempt spent, and on its last attempt ``expire_abandoned``
    fails it ("outcome unknown") although no request was ever made."""
    slow, fast = Receiver(delays=[8.0]), Receiver()
    notifier = WebhookNotifier(allow_private=True, timeout_s=10)
    async with (
        loopback_http("/hook", slow.handle) as slow_url,
        loopback_http("/hook", fast.handle) as fast_url,
    ):
        await _setup(world, slow_url)  # claimed first: takes the only send slot
        await _setup(world, fast_url)
        dispatcher = make_dispatcher(
            sessionmaker, {"webhook": notifier}, concurrency=1, max_attempts=1, lease_s=2.0
        )
        task = asyncio.create_task(dispatcher.run())
        for _ in range(200):
            if slow.requests:
                break
            await asyncio.sleep(0.02)
        dispatcher.stop()  # a deploy: drains for max(5 s, lease / 2), then cancels
        await task
        _slow_row, fast_row = await deliveries(sessionmaker)
        left = (fast_row.status, fast_row.attempts)
        await asyncio.sleep(2.5)  # the lease runs out; another dispatcher starts
        await make_dispatcher(
            sessionmaker, {"webhook": notifier}, max_attempts=1, lease_s=2.0
        ).run_once()
        await notifier.aclose()
    _slow_row, fast_row = await deliveries(sessionmaker)
    # never sent, so it should have been handed back ("pending", 0) and now be delivered
    assert (left, fast_row.status, len(fast.requests)) == (("pending", 0), "sent", 1), (
        fast_row.last_error
    )


@pytest.mark.parametrize("host", ["１２７.０.０.１", "127。0。0。1", "①②⑦.0.0.1"])
async def test_unicode_forms_of_a_loopback_literal_are_refused_at_send_time(
    receiver: Receiver, host: str
) -> None:
    """yarl (IDNA/UTS46) turns these hosts into the literal 127.0.0.1, and aiohttp never asks
    the resolver for a literal address: the guard in GuardedResolver was skipped, and
    url_problem() saw only a "name". (The API's URL type normalises them before saving; a
    stored config that never went through it was exposed.)"""
    notifier = WebhookNotifier(allow_private=False, timeout_s=5)
    port = receiver.url.split(":")[2].split("/")[0]
    alert = Draft(user_id=1)
    try:
        result = await notifier.send(
            _direct(f"http://{host}:{port}/hook"), alert, render_alert(alert, None)
        )
    finally:
        await notifier.aclose()
    assert receiver.requests == []  # the loopback receiver must never be called
    assert result.outcome is Outcome.FAILED
