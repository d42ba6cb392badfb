"""The service bot's commands: aiogram long-polling the stand-in, chat linking with codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import SERVICE_TOKEN, Draft, World, deliveries, make_dispatcher
from wickwatch.notify.repository import create_link_code
from wickwatch.notify.standin import Call, TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.notify.telegram_bot import TelegramBot, parse_duration
from wickwatch.storage.models import Channel


@pytest.fixture
async def bot(
    standin: TelegramStandIn, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[TelegramBot]:
    service = TelegramBot(SERVICE_TOKEN, sessionmaker, api_url=standin.url, polling_timeout=1)
    await service.start()
    yield service
    await service.stop()


async def _code(world: World, user: int) -> str:
    async with world.sessionmaker() as session:
        code = await create_link_code(session, user)
        await session.commit()
    return code


async def _say(standin: TelegramStandIn, chat_id: int, text: str, **kwargs: object) -> Call:
    before = len(standin.messages(chat_id))
    standin.push_message(chat_id=chat_id, text=text, **kwargs)  # type: ignore[arg-type]
    replies = await standin.wait_for_messages(before + 1, chat_id=chat_id, within_s=10)
    return replies[-1]


async def _channels(sessionmaker: async_sessionmaker[AsyncSession]) -> list[Channel]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Channel).order_by(Channel.id))).all())


async def test_startup_registers_the_command_menu(
    bot: TelegramBot, standin: TelegramStandIn
) -> None:
    [commands] = standin.calls_to("setMyCommands")
    assert '"command":"start"' in commands.params["commands"].replace(" ", "")
    assert standin.calls_to("deleteWebhook")


async def test_start_links_a_private_chat_once(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await world.user("alice@example.com")
    code = await _code(world, user)
    reply = await _say(standin, 5551, f"/start {code}")
    assert reply.text == "✅ Linked to a***@example.com. Alerts will arrive here. /help"
    [channel] = await _channels(sessionmaker)
    assert (channel.user_id, channel.kind, channel.enabled) == (user, "telegram", True)
    assert channel.config == {
        "chat_id": 5551,
        "chat_type": "private",
        "bot": "service",
        "title": "Tester",
    }
    again = await _say(standin, 5551, f"/start {code}")  # single use
    assert again.text is not None and "unknown, used or expired" in again.text
    assert len(await _channels(sessionmaker)) == 1


async def test_expired_and_unknown_codes_are_refused(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await world.user()
    async with sessionmaker() as session:
        old = await create_link_code(session, user, now=datetime.now(UTC) - timedelta(hours=1))
        await session.commit()
    for text in (f"/start {old}", "/start not-a-code"):
        reply = await _say(standin, 5552, text)
        assert reply.text is not None and "unknown, used or expired" in reply.text
    reply = await _say(standin, 5552, "/start")
    assert reply.text is not None and "code" in reply.text
    assert await _channels(sessionmaker) == []


async def test_groups_and_channels_can_be_linked(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await world.user()
    await _say(
        standin, -1001111, f"/start@standin_111111_bot {await _code(world, user)}", title="Traders"
    )
    await _say(
        standin, -1002222, f"/start {await _code(world, user)}", chat_type="channel", title="Feed"
    )
    group, channel = await _channels(sessionmaker)
    assert group.config["chat_type"] == "supergroup" and group.config["title"] == "Traders"
    assert group.name == "Telegram: Traders"
    assert channel.config["chat_type"] == "channel" and channel.config["chat_id"] == -1002222


async def test_stop_resume_mute_and_status(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await world.user("bob@example.com")
    await _say(standin, 777, f"/start {await _code(world, user)}")

    reply = await _say(standin, 777, "/mute btc 2h")
    assert reply.text is not None and reply.text.startswith("🔇 BTC muted until ")
    [channel] = await _channels(sessionmaker)
    until = datetime.fromisoformat(channel.config["mutes"]["BTC"])
    assert timedelta(hours=1, minutes=59) < until - datetime.now(UTC) <= timedelta(hours=2)

    # A muted coin is skipped, another one is delivered
    notifier = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    try:
        await world.alerts(
            [
                Draft(user_id=user),
                Draft(user_id=user, symbol="ETHUSDT", base="ETH", template="{symbol}"),
            ]
        )
        await make_dispatcher(sessionmaker, {"telegram": notifier}).run_once()
        muted, sent = await deliveries(sessionmaker)
        assert muted.status == "skipped" and (muted.last_error or "").startswith("muted until ")
        assert sent.status == "sent"
        assert standin.messages(777)[-1].text == "ETHUSDT"

        reply = await _say(standin, 777, "/mute")
        assert reply.text is not None and "BTC" in reply.text
        reply = await _say(standin, 777, "/mute BTC forever")
        assert reply.text is not None and reply.text.startswith("Usage:")
        reply = await _say(standin, 777, "/unmute btc")
        assert reply.text == "🔔 BTC unmuted."

        reply = await _say(standin, 777, "/stop")
        assert reply.text is not None and reply.text.startswith("⏸")
        [channel] = await _channels(sessionmaker)
        assert channel.enabled is False
        await world.alerts([Draft(user_id=user, symbol="XRPUSDT", base="XRP")])
        await make_dispatcher(sessionmaker, {"telegram": notifier}).run_once()
        assert len(await deliveries(sessionmaker)) == 2  # a paused channel gets no delivery

        reply = await _say(standin, 777, "/status")
        assert reply.text is not None
        assert "b***@example.com: paused." in reply.text and "sent 1" in reply.text

        reply = await _say(standin, 777, "/resume")
        assert reply.text == "▶️ Alerts resumed in this chat."
        [channel] = await _channels(sessionmaker)
        assert channel.enabled is True
    finally:
        await notifier.aclose()


async def test_help_and_an_unlinked_chat(bot: TelegramBot, standin: TelegramStandIn) -> None:
    reply = await _say(standin, 999, "/help")
    assert reply.parse_mode == "HTML" and reply.text is not None and "/mute BTC 1h" in reply.text
    reply = await _say(standin, 999, "/stop")
    assert reply.text == "This chat is not linked to a wickwatch account. /help"
    russian = await _say(standin, 998, "/status")  # language from the sender's profile: en
    assert russian.text is not None


async def test_replies_in_russian_for_russian_users(
    bot: TelegramBot, standin: TelegramStandIn
) -> None:
    standin.push_update(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 4242, "type": "private", "first_name": "Иван"},
                "from": {"id": 4242, "is_bot": False, "first_name": "Иван", "language_code": "ru"},
                "text": "/stop",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            }
        }
    )
    [reply] = await standin.wait_for_messages(1, chat_id=4242)
    assert reply.text == "Этот чат не привязан к аккаунту wickwatch. /help"


def test_mute_durations() -> None:
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2") == timedelta(hours=2)
    assert parse_duration("1d") == timedelta(days=1)
    assert parse_duration("31d") is None and parse_duration("0h") is None
    assert parse_duration("soon") is None


async def test_bot_stops_cleanly_while_polling(bot: TelegramBot) -> None:
    await asyncio.sleep(0.2)


async def test_in_a_group_only_administrators_change_the_alerts(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    group = -1003333
    creator, admin, member = 501, 502, 900
    standin.chat_admins[str(group)] = [creator, admin]
    user = await world.user()
    await _say(standin, group, f"/start {await _code(world, user)}", user_id=creator, title="Desk")

    for command in ("/stop", "/mute BTC 1h", "/unmute BTC"):
        reply = await _say(standin, group, command, user_id=member)
        assert reply.text == "Only the chat's administrators can do this."
    [channel] = await _channels(sessionmaker)
    assert channel.enabled is True and "mutes" not in channel.config
    status = await _say(standin, group, "/status", user_id=member)  # reading is for everyone
    assert status.text is not None and ": active." in status.text
    checked = {c.params["user_id"] for c in standin.calls_to("getChatMember")}
    assert checked == {str(member)}

    reply = await _say(standin, group, "/stop", user_id=admin)
    assert reply.text is not None and reply.text.startswith("⏸")
    [channel] = await _channels(sessionmaker)
    assert channel.enabled is False

    # An anonymous administrator writes as the group itself.
    before = len(standin.messages(group))
    chat = {"id": group, "type": "supergroup", "title": "Desk"}
    standin.push_update(
        {
            "message": {
                "message_id": 9001,
                "date": int(datetime.now(UTC).timestamp()),
                "chat": chat,
                "sender_chat": chat,
                "from": {"id": 1087968824, "is_bot": True, "first_name": "Group"},
                "text": "/resume",
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
            }
        }
    )
    [*_, reply] = await standin.wait_for_messages(before + 1, chat_id=group, within_s=10)
    assert reply.text == "▶️ Alerts resumed in this chat."
    [channel] = await _channels(sessionmaker)
    assert channel.enabled is True
