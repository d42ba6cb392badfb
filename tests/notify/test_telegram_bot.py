"""The service bot's commands: aiogram long-polling the stand-in, chat linking with codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import SERVICE_TOKEN, Draft, World, deliveries, make_dispatcher
from wickwatch.channels.service import MAX_CHANNELS_PER_USER
from wickwatch.detection.schemas import Strategy, ThresholdGroup, UserSettings
from wickwatch.notify.repository import chat_channels, create_link_code, purge_link_codes
from wickwatch.notify.standin import Call, TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.notify.telegram_bot import TelegramBot, parse_duration
from wickwatch.notify.templates import visible_length
from wickwatch.storage.models import Channel, TelegramLinkCode
from wickwatch.usersettings.repository import SettingsRepository


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


async def test_start_keeps_the_accounts_channel_limit_and_the_code_for_later(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await world.user()
    made = [
        await world.channel(user, "telegram", {"chat_id": 10_000 + n, "bot": "service"})
        for n in range(MAX_CHANNELS_PER_USER)
    ]
    code = await _code(world, user)
    reply = await _say(standin, 6001, f"/start {code}")
    assert reply.text == (
        "Your account already has 20 channels, the most it may have. "
        "Delete one in wickwatch → Channels, then send the same /start again."
    )
    assert len(await _channels(sessionmaker)) == MAX_CHANNELS_PER_USER
    # A chat already linked is no new channel: linking it again still works at the limit.
    reply = await _say(standin, 10_000, f"/start {await _code(world, user)}")
    assert reply.text is not None and reply.text.startswith("✅")

    async with sessionmaker() as session:
        await session.delete(await session.get(Channel, made[-1]))
        await session.commit()
    reply = await _say(standin, 6001, f"/start {code}")  # the refused code was kept
    assert reply.text is not None and reply.text.startswith("✅")
    assert len(await _channels(sessionmaker)) == MAX_CHANNELS_PER_USER


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
    standin.chat_admins["-1001111"] = [501]  # only a group's administrators link it
    await _say(
        standin,
        -1001111,
        f"/start@standin_111111_bot {await _code(world, user)}",
        user_id=501,
        title="Traders",
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


async def test_a_command_answered_right_after_an_alert_waits_for_the_chats_turn(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await world.user()
    await _say(standin, 5553, f"/start {await _code(world, user)}")
    await asyncio.sleep(1.2)  # the link's own reply is not what this is about
    standin.violations.clear()
    telegram = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    try:
        await world.alerts([Draft(user_id=user, template="{symbol}")])
        await make_dispatcher(sessionmaker, {"telegram": telegram}).run_once()
        # The user reacts to the alert at once: "/mute BTC 1h".
        reply = await _say(standin, 5553, "/mute BTC 1h")
        assert reply.text is not None and reply.text.startswith("🔇")
    finally:
        await telegram.aclose()
    alert, answer = standin.messages(5553)[-2:]
    assert alert.text == "BTCUSDT"
    assert answer.at - alert.at >= 1.0
    assert standin.violations == [], [v.rule for v in standin.violations]


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


async def test_status_in_russian_says_how_deliveries_went_in_russian(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    chat, user = 4343, await world.user()

    async def russian(text: str) -> Call:
        before = len(standin.messages(chat))
        sender = {"id": chat, "is_bot": False, "first_name": "Иван", "language_code": "ru"}
        command = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}}
        message |= {"from": sender, "text": text, "entities": [command]}
        standin.push_update({"message": message})
        [*_, reply] = await standin.wait_for_messages(before + 1, chat_id=chat, within_s=10)
        return reply

    await russian(f"/start {await _code(world, user)}")
    standin.blocked_chats.add(str(chat))  # the user blocked the bot for a while: a failure
    telegram = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    try:
        await world.alerts([Draft(user_id=user, template="{symbol}")])
        await make_dispatcher(sessionmaker, {"telegram": telegram}).run_once()
    finally:
        await telegram.aclose()
    standin.blocked_chats.clear()

    reply = await russian("/status")
    assert reply.text is not None
    first = reply.text.split("\n\n")[0]
    assert "За 24 ч: не доставлено 1. Последняя доставка: ошибка (Telegram:" in first
    for english in ("failed", "failing", "sent", "retrying", "pending", "skipped"):
        assert english not in first.split(), f"{english!r} in the Russian reply: {first!r}"


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
    assert checked == {str(creator), str(member)}  # the creator when linking the group

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


async def test_a_plain_member_cannot_link_a_group_and_undo_its_admins_pause(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    group = -1003334
    creator, member = 501, 900
    standin.chat_admins[str(group)] = [creator]
    owner = await world.user()
    await _say(standin, group, f"/start {await _code(world, owner)}", user_id=creator)
    reply = await _say(standin, group, "/stop", user_id=creator)
    assert reply.text is not None and reply.text.startswith("⏸")

    # A member links the paused group to an account of their own: refused, nothing turns on.
    other = await world.user()
    code = await _code(world, other)
    reply = await _say(standin, group, f"/start {code}", user_id=member)
    assert reply.text == "Only the chat's administrators can do this."
    [channel] = await _channels(sessionmaker)
    assert channel.user_id == owner and channel.enabled is False

    # The refused code was not used up: an administrator may still link with it.
    reply = await _say(standin, group, f"/start {code}", user_id=creator)
    assert reply.text is not None and reply.text.startswith("✅")
    assert {c.user_id for c in await _channels(sessionmaker)} == {owner, other}


async def test_a_group_that_became_a_supergroup_stays_linked(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    old, new = -4242, -1009999
    standin.chat_admins[str(old)] = standin.chat_admins[str(new)] = [501]
    user = await world.user()
    await _say(standin, old, f"/start {await _code(world, user)}", user_id=501, title="Desk")
    # The group is upgraded: Telegram tells the bot in both chats.
    sender = {"id": 501, "is_bot": False, "first_name": "A"}
    for chat, moved in (
        ({"id": old, "type": "group", "title": "Desk"}, {"migrate_to_chat_id": new}),
        ({"id": new, "type": "supergroup", "title": "Desk"}, {"migrate_from_chat_id": old}),
    ):
        standin.push_update(
            {"message": {"message_id": 7001, "date": 1, "chat": chat, "from": sender, **moved}}
        )
    for _ in range(200):  # updates are handled concurrently: the move lands first
        if (await _channels(sessionmaker))[0].config["chat_id"] == new:
            break
        await asyncio.sleep(0.05)

    status = await _say(standin, new, "/status", user_id=501)
    assert status.text is not None and ": active." in status.text
    [channel] = await _channels(sessionmaker)
    assert channel.config["chat_id"] == new and channel.config["chat_type"] == "supergroup"
    # Linking the supergroup again does not make a second channel (every alert twice).
    await _say(standin, new, f"/start {await _code(world, user)}", user_id=501)
    assert [c.id for c in await _channels(sessionmaker)] == [channel.id]


async def _store_settings(
    sessionmaker: async_sessionmaker[AsyncSession], user: int, document: UserSettings
) -> None:
    async with sessionmaker() as session:
        await SettingsRepository(session).insert(user, document.model_dump(mode="json"))
        await session.commit()


async def test_mute_times_are_in_the_accounts_timezone(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A Moscow trader muting a coin reads when it ends on Moscow's clock, not UTC's."""
    user = await world.user("dana@example.com")
    await _say(standin, 780, f"/start {await _code(world, user)}")
    await _store_settings(sessionmaker, user, UserSettings(timezone="Europe/Moscow"))

    reply = await _say(standin, 780, "/mute ETH 3h")
    [channel] = await _channels(sessionmaker)
    until = datetime.fromisoformat(channel.config["mutes"]["ETH"])
    moscow = until.astimezone(timezone(timedelta(hours=3)))
    assert reply.text == f"🔇 ETH muted until {moscow:%Y-%m-%d %H:%M} MSK."

    listed = await _say(standin, 780, "/mute")
    assert listed.text == f"Muted: ETH → {moscow:%Y-%m-%d %H:%M} MSK"
    status = await _say(standin, 780, "/status")
    assert status.text is not None and f"ETH → {moscow:%Y-%m-%d %H:%M} MSK" in status.text


async def test_status_says_what_is_watched_and_the_last_alerts(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    user = await world.user("carol@example.com")
    await _say(standin, 779, f"/start {await _code(world, user)}")
    await _store_settings(
        sessionmaker,
        user,
        UserSettings(
            thresholds=[
                ThresholdGroup(
                    exchange="binance",
                    market="futures",
                    quote="USDT",
                    min_delta_pct=1.5,
                    min_volume_usd=50_000,
                    min_wick_pct=2,
                    window_s=3,
                ),
                ThresholdGroup(name="Alts & <memes>", market="spot", enabled=False),
                ThresholdGroup(min_delta_pct=3, min_volume_usd=20_000, window_s=5),
            ],
            whitelist=["BTC", "ETHUSDT@binance_futures"],
            blacklist=["LUNA", "PEPE", "USTC"],
            strategies=[Strategy(name="Dumps"), Strategy(name="Old", enabled=False)],
            timezone="Europe/Moscow",
        ),
    )
    empty = await _say(standin, 779, "/status")
    assert empty.text is not None and "No alerts here yet." in empty.text

    # Seven alerts reach the chat (one alone, the rest folded into a digest): the last five
    # are listed, newest first, in the user's timezone (Moscow, UTC+3).
    start = 1_767_225_600_000  # 2026-01-01T00:00:00Z
    drafts = [
        Draft(
            user_id=user,
            symbol=f"S{i}USDT",
            base=f"S{i}",
            ts_ms=start + i * 60_000,
            direction="down" if i == 5 else "up",
            delta_pct=7.5 if i == 5 else 5.25,
        )
        for i in range(7)
    ]
    notifier = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    try:
        await world.alerts(drafts)
        await make_dispatcher(sessionmaker, {"telegram": notifier}).run_once()
    finally:
        await notifier.aclose()
    assert [d.status for d in await deliveries(sessionmaker)] == ["sent"] * 7

    reply = await _say(standin, 779, "/status")
    assert reply.parse_mode == "HTML" and reply.text is not None
    text = reply.text
    assert text.startswith("c***@example.com: active.")
    watching = (
        "<b>Watching</b>\n"
        "• Binance futures, USDT: Δ ≥ 1.5% · vol ≥ $50.00K · wick ≥ 2% · 3 s\n"
        "• Alts &amp; &lt;memes&gt; (any exchange spot, any quote): off\n"
        "• any exchange spot+futures, any quote: Δ ≥ 3% · vol ≥ $20.00K · wick ≥ 0% · 5 s\n"
        "Whitelist: 2 · blacklist: 3\n"
        "Strategies: Dumps\n"
    )
    assert watching in text
    last = text[text.index("<b>Last alerts</b>") :]
    assert last.splitlines() == [
        "<b>Last alerts</b> (Europe/Moscow)",
        "🟢 <b>S6USDT</b> Binance Futures +5.25% up · 01-01 03:06:00",
        "🔴 <b>S5USDT</b> Binance Futures -7.50% down · 01-01 03:05:00",
        "🟢 <b>S4USDT</b> Binance Futures +5.25% up · 01-01 03:04:00",
        "🟢 <b>S3USDT</b> Binance Futures +5.25% up · 01-01 03:03:00",
        "🟢 <b>S2USDT</b> Binance Futures +5.25% up · 01-01 03:02:00",
    ]

    # In Russian for a Russian-speaking sender.
    before = len(standin.messages(779))
    standin.push_update(
        {
            "message": {
                "message_id": 77,
                "date": 0,
                "chat": {"id": 779, "type": "private", "first_name": "Карина"},
                "from": {"id": 779, "is_bot": False, "first_name": "Карина", "language_code": "ru"},
                "text": "/status",
                "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
            }
        }
    )
    *_, russian = await standin.wait_for_messages(before + 1, chat_id=779)
    assert russian.text is not None
    assert "<b>Отслеживаю</b>\n• Binance фьючерсы, USDT: Δ ≥ 1.5% · объём ≥ $50.00K" in russian.text
    assert "Белый список: 2 · чёрный список: 3\nСтратегии: Dumps" in russian.text
    assert "<b>Последние сигналы</b> (Europe/Moscow)" in russian.text
    assert "🔴 <b>S5USDT</b> Binance Фьючерсы -7.50% падение · 01-01 03:05:00" in russian.text


async def test_status_stays_within_telegrams_limit(
    bot: TelegramBot,
    standin: TelegramStandIn,
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    long_name = "<b>" + "x" * 70  # escaped, never markup
    for _ in range(3):  # three accounts linked to one chat: three summaries
        user = await world.user()
        await _say(standin, 780, f"/start {await _code(world, user)}")
        await _store_settings(
            sessionmaker,
            user,
            UserSettings(
                thresholds=[
                    ThresholdGroup(name=f"{long_name}{i}", quote=f"Q{i}") for i in range(30)
                ],
                strategies=[Strategy(name=f"{'s' * 75}{i:03d}") for i in range(60)],
            ),
        )
    reply = await _say(standin, 780, "/status")  # the stand-in refuses invalid or long HTML
    assert reply.text is not None and visible_length(reply.text) <= 4096
    assert reply.text.endswith("…")  # cut at a safe place
    assert "… and 22 more groups" in reply.text and "&lt;b&gt;xxx" in reply.text
    assert "+50" in reply.text  # strategies beyond the tenth are counted


async def test_expired_link_codes_are_purged(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Each "link Telegram" click stores a code: expired ones do not stay forever."""
    user = await world.user()
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        for age in (timedelta(days=3), timedelta(days=2), timedelta(minutes=1)):
            await create_link_code(session, user, now=now - age)
        await session.commit()
    async with sessionmaker() as session:
        assert await purge_link_codes(session, before=now - timedelta(days=1)) == 2
        await session.commit()
        left = await session.scalar(select(func.count()).select_from(TelegramLinkCode))
    assert left == 1


async def test_a_chats_channels_are_found_by_its_id_alone(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The bot's commands act on the channels of the chat they came from: the id stored as a
    number or as text, never a chat whose id merely shares digits, another kind or an own bot."""
    user = await world.user()
    configs: list[tuple[str, dict[str, object]]] = [
        ("telegram", {"chat_id": 5551, "bot": "service"}),
        ("telegram", {"chat_id": "5551"}),
        ("telegram", {"chat_id": 55510, "bot": "service"}),
        ("telegram", {"chat_id": 555, "bot": "service"}),
        ("telegram", {"chat_id": -5551, "bot": "service"}),
        ("telegram", {"chat_id": 5551, "bot": "own"}),
        ("webhook", {"chat_id": 5551, "url": "https://example.com/hook"}),
    ]
    async with sessionmaker() as session:
        for kind, config in configs:
            session.add(Channel(user_id=user, kind=kind, name=kind, config=config))
        await session.commit()
        found = await chat_channels(session, 5551)
        assert sorted(str(c.config["chat_id"]) for c in found) == ["5551", "5551"]
        assert [c.config["chat_id"] for c in await chat_channels(session, -5551)] == [-5551]
        assert await chat_channels(session, 42) == []
