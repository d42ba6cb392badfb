"""Telegram delivery with the real aiogram client against the Bot API stand-in."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import (
    OWN_TOKEN,
    SERVICE_TOKEN,
    Draft,
    World,
    deliveries,
    make_dispatcher,
)
from wickwatch.notify.dispatcher import Dispatcher
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.notify.templates import visible_length
from wickwatch.storage.models import Channel

TEMPLATE = "<b>{symbol}</b> {delta_formatted} {exchange_market_short}"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
async def telegram(standin: TelegramStandIn) -> AsyncIterator[TelegramNotifier]:
    notifier = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    yield notifier
    await notifier.aclose()


async def _running(dispatcher: Dispatcher) -> asyncio.Task[None]:
    return asyncio.create_task(dispatcher.run())


async def _stop(dispatcher: Dispatcher, task: asyncio.Task[None]) -> None:
    dispatcher.stop()
    await asyncio.wait_for(task, 20)


async def test_an_alert_reaches_the_linked_chat_exactly(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    channel = await world.channel(user, "telegram", {"chat_id": 1001, "bot": "service"})
    [delivery_id] = await world.alerts([Draft(user_id=user, template=TEMPLATE)])

    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    assert await dispatcher.run_once() == 1

    [call] = standin.messages()
    assert call.method == "sendMessage"
    assert call.token == SERVICE_TOKEN
    assert call.chat_id == "1001"
    assert call.text == "<b>BTCUSDT</b> +5.25% BN-F"
    assert call.parse_mode == "HTML"
    assert call.photo is None
    [row] = await deliveries(sessionmaker)
    assert (row.id, row.status, row.attempts, row.locked_by) == (delivery_id, "sent", 1, None)
    assert row.sent_at is not None and row.last_error is None
    async with sessionmaker() as session:
        stored = await session.get(Channel, channel)
        assert stored is not None and stored.last_status == "ok"
    assert standin.violations == []


async def test_the_users_own_bot_sends_with_its_token(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    await world.channel(
        user,
        "telegram",
        {"chat_id": "@my_alerts", "bot": "own"},
        secret_ciphertext=f"enc:{OWN_TOKEN}",
    )
    await world.alerts([Draft(user_id=user, template="{symbol}")])
    await make_dispatcher(sessionmaker, {"telegram": telegram}).run_once()
    [call] = standin.messages()
    assert (call.token, call.chat_id, call.text) == (OWN_TOKEN, "@my_alerts", "BTCUSDT")


async def test_a_chart_goes_as_a_photo_with_a_caption(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 1001})
    await world.alerts([Draft(user_id=user, template=TEMPLATE + " " + "x" * 2000, chart=True)])

    async def chart(alert: object) -> bytes:
        return PNG

    await make_dispatcher(sessionmaker, {"telegram": telegram}, charts=chart).run_once()
    [call] = standin.messages()
    assert call.method == "sendPhoto"
    assert call.photo == PNG
    assert call.parse_mode == "HTML"
    assert call.caption is not None and call.caption.startswith("<b>BTCUSDT</b> +5.25% BN-F")
    assert visible_length(call.caption) == 1024 and call.caption.endswith("…")


async def test_a_chart_alert_to_a_group_that_forbids_photos_arrives_as_text(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": -1005555, "chat_type": "supergroup"})
    await world.alerts([Draft(user_id=user, template=TEMPLATE + " " + "x" * 2000, chart=True)])
    # The group lets members (the bot is one) write text, not photos.
    standin.fail_next(
        method="sendPhoto",
        status=400,
        description="Bad Request: not enough rights to send photos to the chat",
        count=100,
    )

    async def chart(alert: object) -> bytes:
        return PNG

    await make_dispatcher(sessionmaker, {"telegram": telegram}, charts=chart).run_once()
    [call] = standin.messages(-1005555)
    assert call.method == "sendMessage" and call.photo is None
    assert call.text is not None and call.text.startswith("<b>BTCUSDT</b> +5.25% BN-F")
    assert visible_length(call.text) > 1024  # a text's limit, not a caption's
    [row] = await deliveries(sessionmaker)
    assert row.status == "sent", row.last_error


async def test_429_retry_after_is_honoured_and_not_counted(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 1001})
    await world.alerts([Draft(user_id=user, template="{symbol}")])
    standin.fail_next(method="sendMessage", retry_after=1)

    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        await standin.wait_for_messages(1, within_s=10)
    finally:
        await _stop(dispatcher, task)
    refused, accepted = standin.calls_to("sendMessage")
    assert refused.status == 429 and accepted.ok
    assert accepted.at - refused.at >= 1.0
    [row] = await deliveries(sessionmaker)
    assert (row.status, row.attempts) == ("sent", 1)


async def test_messages_to_one_chat_are_paced_and_other_chats_are_not_held_up(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 3 s slot: a message held up behind chat 1001 would wait ~3 s, so "not held up" can
    # allow a loaded machine 2.5 s for the insert, the wake-up, the claim and the send.
    monkeypatch.setattr("wickwatch.notify.telegram.PRIVATE_INTERVAL_S", 3.0)
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 1001})
    other = await world.user()
    await world.channel(other, "telegram", {"chat_id": 2002})
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        for i in range(3):  # one alert at a time, each after the previous one went out
            await world.alerts([Draft(user_id=user, template=f"{{symbol}} #{i}")])
            dispatcher.wake()
            await standin.wait_for_messages(i + 1, chat_id=1001)
            started = time.monotonic()
            await world.alerts([Draft(user_id=other, template=f"{{symbol}} other #{i}")])
            dispatcher.wake()
            await standin.wait_for_messages(i + 1, chat_id=2002)
            assert time.monotonic() - started < 2.5  # not queued behind chat 1001
    finally:
        await _stop(dispatcher, task)
    sends = standin.messages(1001)
    assert [c.text for c in sends] == ["BTCUSDT #0", "BTCUSDT #1", "BTCUSDT #2"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
    assert all(gap >= 3.0 for gap in gaps), gaps
    assert standin.violations == []


async def test_groups_get_at_most_twenty_messages_a_minute(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": -1001234, "chat_type": "supergroup"})
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        await world.alerts([Draft(user_id=user, template="first")])
        dispatcher.wake()
        await standin.wait_for_messages(1)
        await world.alerts([Draft(user_id=user, template="second")])
        dispatcher.wake()
        await standin.wait_for_messages(2, within_s=10)
    finally:
        await _stop(dispatcher, task)
    first, second = standin.messages()
    assert second.at - first.at >= 3.0  # 20 per minute


async def test_a_burst_is_folded_into_one_digest(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The burst must arrive while the chat waits for its next slot: on a slow machine the
    # insert, the wake-up and the claim took longer than the 1.15 s of a private chat, the chat
    # was idle again and the burst's first alert went alone (as it should). A 4 s slot keeps
    # the test about folding, not about the machine's speed.
    monkeypatch.setattr("wickwatch.notify.telegram.PRIVATE_INTERVAL_S", 4.0)
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 1001})
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        await world.alerts([Draft(user_id=user, template="{symbol} alone")])
        dispatcher.wake()
        await standin.wait_for_messages(1)
        burst = [
            replace(Draft(user_id=user), symbol=f"C{i}USDT", base=f"C{i}", ts_ms=1_767_225_601_000)
            for i in range(25)
        ]
        await world.alerts(burst)  # arrive while the chat waits for its next second
        dispatcher.wake()
        await standin.wait_for_messages(2, within_s=10)
        await asyncio.sleep(1.5)  # nothing else follows
    finally:
        await _stop(dispatcher, task)
    first, digest = standin.messages()
    assert first.text == "BTCUSDT alone"
    assert digest.text is not None and digest.text.startswith("⚡ <b>25 alerts</b>\n")
    assert all(f"C{i}USDT" in digest.text for i in range(25))
    assert digest.at - first.at >= 3.95  # one (patched) private-chat slot after the first
    rows = await deliveries(sessionmaker)
    assert [r.status for r in rows] == ["sent"] * 26
    assert standin.violations == []


async def test_another_users_token_of_the_same_bot_id_shares_nothing_with_its_chats(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bot's id is public and a private chat's id is its user's id: another user's own-bot
    channel with a made-up token of the service bot's id and the victim's chat must not share
    the victim's chat lane. It did, and a digest went out with whichever token came first:
    the victim's alerts failed as unauthorized (or the attacker's reached the victim)."""
    monkeypatch.setattr("wickwatch.notify.telegram.PRIVATE_INTERVAL_S", 4.0)
    standin.tokens = {SERVICE_TOKEN}
    victim, attacker = await world.user("victim@example.com"), await world.user("a@example.com")
    await world.channel(victim, "telegram", {"chat_id": 1001, "bot": "service"})
    made_up = SERVICE_TOKEN.partition(":")[0] + ":" + "A" * 35
    await world.channel(
        attacker, "telegram", {"chat_id": 1001, "bot": "own"}, secret_ciphertext=f"enc:{made_up}"
    )
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        await world.alerts([Draft(user_id=victim, template="{symbol} first")])
        dispatcher.wake()
        await standin.wait_for_messages(1)
        # While the victim's chat waits for its next slot: the attacker's alert, then hers.
        await world.alerts([replace(Draft(user_id=attacker), symbol="ETHUSDT", base="ETH")])
        await world.alerts([replace(Draft(user_id=victim), symbol="SOLUSDT", base="SOL")])
        dispatcher.wake()
        for _ in range(300):
            rows = await deliveries(sessionmaker)
            if all(r.status in ("sent", "failed") for r in rows):
                break
            await asyncio.sleep(0.05)
    finally:
        await _stop(dispatcher, task)
    status = {r.user_id: r.status for r in await deliveries(sessionmaker) if r.user_id != victim}
    assert [r.status for r in await deliveries(sessionmaker) if r.user_id == victim] == [
        "sent",
        "sent",
    ]
    assert status == {attacker: "failed"}  # its token is refused, in its own lane
    texts = [m.text or "" for m in standin.messages()]
    assert len(texts) == 2 and "SOLUSDT" in texts[1] and "ETHUSDT" not in " ".join(texts)
    assert all(m.token == SERVICE_TOKEN for m in standin.messages())


async def test_a_blocked_bot_fails_at_once_and_tells_admin_and_user(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await world.user()
    channel = await world.channel(user, "telegram", {"chat_id": 1001})
    await world.alerts([Draft(user_id=user)])
    standin.blocked_chats.add("1001")
    with caplog.at_level("ERROR", logger="wickwatch.notify.dispatcher"):
        await make_dispatcher(sessionmaker, {"telegram": telegram}).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error == "Telegram: Forbidden: bot was blocked by the user"
    async with sessionmaker() as session:
        stored = await session.get(Channel, channel)
        assert stored is not None and stored.last_status == "failing"
        assert stored.last_error == row.last_error
    assert any("failed after 1 attempts" in r.getMessage() for r in caplog.records)


async def test_a_group_that_became_a_supergroup_is_followed(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    channel = await world.channel(user, "telegram", {"chat_id": -4242, "chat_type": "group"})
    await world.alerts([Draft(user_id=user, template="{symbol}")])
    standin.fail_next(
        status=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1009999,
    )
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        await standin.wait_for_messages(1, within_s=10)
    finally:
        await _stop(dispatcher, task)
    [call] = standin.messages()
    assert call.chat_id == "-1009999"
    async with sessionmaker() as session:
        stored = await session.get(Channel, channel)
        assert stored is not None and stored.config["chat_id"] == -1009999


async def test_a_group_linked_again_as_a_supergroup_keeps_one_channel_and_gets_alerts_once(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    old = await world.channel(user, "telegram", {"chat_id": -4242, "chat_type": "group"})
    await world.alerts([Draft(user_id=user, template="{symbol}")])
    # The user linked the supergroup the group became before its alert went out.
    new = await world.channel(user, "telegram", {"chat_id": -1009999, "chat_type": "supergroup"})
    standin.fail_next(
        chat_id=-4242,
        status=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        migrate_to_chat_id=-1009999,
        count=100,
    )
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        await standin.wait_for_messages(1, chat_id=-1009999, within_s=10)
        await world.alerts([Draft(user_id=user, template="{symbol}", symbol="ETHUSDT")])
        await standin.wait_for_messages(2, chat_id=-1009999, within_s=10)
        await asyncio.sleep(1.5)
    finally:
        await _stop(dispatcher, task)
    assert [m.text for m in standin.messages(-1009999)] == ["BTCUSDT", "ETHUSDT"]
    async with sessionmaker() as session:
        assert await session.get(Channel, old) is None
        kept = await session.get(Channel, new)
        assert kept is not None and kept.config["chat_id"] == -1009999
    assert {row.channel_id for row in await deliveries(sessionmaker)} == {new}


async def test_server_errors_are_retried_with_backoff_then_given_up(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 1001})
    await world.alerts([Draft(user_id=user)])
    standin.fail_next(status=500, count=100)
    dispatcher = make_dispatcher(
        sessionmaker, {"telegram": telegram}, max_attempts=3, retry_base_s=0.2
    )
    task = await _running(dispatcher)
    try:
        for _ in range(200):
            rows = await deliveries(sessionmaker)
            if rows[0].status == "failed":
                break
            await asyncio.sleep(0.05)
    finally:
        await _stop(dispatcher, task)
    [row] = await deliveries(sessionmaker)
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error == "gave up after 3 attempts: Telegram: Internal Server Error"
    first, second, third = standin.calls_to("sendMessage")
    assert second.at - first.at >= 0.2 - 0.02  # base
    assert third.at - second.at >= 0.4 - 0.02  # doubled


async def test_a_hundred_chats_at_once_stay_within_thirty_messages_a_second_per_bot(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    standin: TelegramStandIn,
    telegram: TelegramNotifier,
) -> None:
    chats = 100
    users = [await world.user() for _ in range(chats)]
    for i, user in enumerate(users):
        await world.channel(user, "telegram", {"chat_id": 20_000 + i, "chat_type": "private"})
    dispatcher = make_dispatcher(sessionmaker, {"telegram": telegram})
    task = await _running(dispatcher)
    try:
        await world.alerts([Draft(user_id=u, template=f"{{symbol}} to {u}") for u in users])
        dispatcher.wake()
        await standin.wait_for_messages(chats, within_s=30)
        await asyncio.sleep(0.5)  # nothing more follows
    finally:
        await _stop(dispatcher, task)

    sends = standin.messages()
    assert len(sends) == chats  # each chat got its one alert, in full (no digest), once
    assert sorted(int(c.chat_id or 0) for c in sends) == list(range(20_000, 20_000 + chats))
    assert all(c.token == SERVICE_TOKEN and c.text and " to " in c.text for c in sends)
    assert standin.violations == []  # the stand-in's own per-bot and per-chat accounting
    arrivals = sorted(c.at for c in standin.calls_to("sendMessage"))
    busiest = max(
        sum(1 for t in arrivals[i:] if t - start < 1.0) for i, start in enumerate(arrivals)
    )
    assert busiest <= 30, f"{busiest} messages within one second"
    # Paced, not serialised: the bot's budget is used (100 at ≤ 30/s take 3–4 s; one chat a
    # second would take 100 s). The upper bound leaves room for a loaded CI machine.
    assert 2.3 <= arrivals[-1] - arrivals[0] < 20.0, arrivals[-1] - arrivals[0]
    rows = await deliveries(sessionmaker)
    assert [r.status for r in rows] == ["sent"] * chats


async def test_a_library_error_quoting_the_bot_url_stores_no_token(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """aiohttp quotes the request URL — ``…/bot<token>/sendMessage`` — in some errors (here a
    redirect loop), and aiogram passes the text on: what is stored as the delivery's and the
    channel's last error (shown to the user, logged) has the token masked."""
    from aiohttp import web

    token = "7012345678:AAEhBOweik6ad9r_Q9NJZlH5rXGPYd7Jq0o"  # the real tokens' shape

    async def loop_back(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", loop_back)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    notifier = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=f"http://127.0.0.1:{port}")
    try:
        user = await world.user()
        channel = await world.channel(
            user, "telegram", {"chat_id": 1001, "bot": "own"}, secret_ciphertext=f"enc:{token}"
        )
        await world.alerts([Draft(user_id=user, template="{symbol}")])
        await make_dispatcher(sessionmaker, {"telegram": notifier}).run_once()
    finally:
        await notifier.aclose()
        await runner.cleanup()
    [row] = await deliveries(sessionmaker)
    async with sessionmaker() as session:
        stored = await session.get(Channel, channel)
        assert stored is not None
        channel_error = stored.last_error
    bot_id, secret = token.split(":", 1)
    assert row.last_error and "Redirect" in row.last_error  # the error is kept, readable
    assert secret not in row.last_error and secret not in (channel_error or "")
    assert f"bot{bot_id}:***/sendMessage" in row.last_error
