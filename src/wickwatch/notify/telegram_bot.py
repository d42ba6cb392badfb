"""The service bot's commands (aiogram Router, long polling).

* ``/start <code>`` — link this chat (private chat, group or channel) to the account that created
  the one-time code in wickwatch (``repository.create_link_code``; the deep link
  ``https://t.me/<bot>?start=<code>`` sends it). Codes are single-use and expire after 15 minutes.
* ``/stop`` / ``/resume`` — pause and resume alerts in this chat (the channel's ``enabled``). In a
  group only the chat's administrators may link it, pause, resume, mute or unmute
  (``getChatMember``; an anonymous admin writing as the group counts); anyone may ask
  ``/status`` and ``/help``.
* ``/status`` — which account the chat belongs to, paused or not, mutes, deliveries of the last
  24 hours; what the account watches (threshold groups, list sizes, strategies) and the last
  alerts this chat received, in the account's timezone (:mod:`wickwatch.notify.bot_status`).
* ``/mute SYMBOL 1h`` — no alerts for a coin (``BTC``) or symbol (``BTCUSDT``) for ``30m``, ``1h``,
  ``2d`` (at most 30 days); ``/unmute SYMBOL``; ``/mute`` alone lists the mutes.
* ``/help``.

A group that becomes a supergroup (a new chat id) keeps its links: the service messages about
the move rewrite its channels (:meth:`BotCommands.migrate`).

In channels the commands arrive as channel posts and work the same. Replies are English, or
Russian when the sender's Telegram language is Russian.

Exactly one process may poll a bot (Telegram answers a second ``getUpdates`` with 409); run it in
the dispatcher role (``python -m wickwatch.notify --bot``) or the embedded demo.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.filters import Command, CommandObject
from aiogram.types import BotCommand, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.notify import bot_status
from wickwatch.notify import repository as repo
from wickwatch.notify.base import Pacing
from wickwatch.notify.telegram import PACING_MARGIN_S, REQUEST_TIMEOUT_S, chat_pacing
from wickwatch.notify.templates import TEXT_LIMIT, truncate_html
from wickwatch.storage.expressions import dialect_of
from wickwatch.storage.models import Channel, User
from wickwatch.storage.statements import one_of
from wickwatch.storage.types import utcnow

log = logging.getLogger(__name__)

MAX_MUTE = timedelta(days=30)
_DURATION = re.compile(r"^(\d{1,5})\s*(m|min|h|d)?$", re.IGNORECASE)
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400}
_SYMBOL = re.compile(r"^[A-Za-z0-9@_.\-/]{1,64}$")

COMMANDS = (
    ("start", "Link this chat: /start <code>"),
    ("stop", "Pause alerts in this chat"),
    ("resume", "Resume alerts in this chat"),
    ("status", "What I watch, last alerts"),
    ("mute", "Mute a coin: /mute BTC 1h"),
    ("unmute", "Unmute a coin: /unmute BTC"),
    ("help", "How to use this bot"),
)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "help": (
            "<b>wickwatch</b> sends your spike alerts here.\n"
            "/start &lt;code&gt; — link this chat (get the code in wickwatch → Channels)\n"
            "/stop — pause alerts here, /resume — resume\n"
            "/status — what I watch, last alerts\n"
            "/mute BTC 1h — mute a coin or symbol (30m, 2h, 1d), /unmute BTC"
        ),
        "linked": "✅ Linked to {account}. Alerts will arrive here. /help",
        "bad_code": "This code is unknown, used or expired. Create a new one in wickwatch.",
        "no_code": "Send /start with the code shown in wickwatch → Channels → Telegram.",
        "channel_limit": (
            "Your account already has {limit} channels, the most it may have. Delete one in "
            "wickwatch → Channels, then send the same /start again."
        ),
        "unlinked": "This chat is not linked to a wickwatch account. /help",
        "admins_only": "Only the chat's administrators can do this.",
        "stopped": "⏸ Alerts paused in this chat. /resume to continue.",
        "resumed": "▶️ Alerts resumed in this chat.",
        "muted": "🔇 {symbol} muted until {until}.",
        "unmuted": "🔔 {symbol} unmuted.",
        "not_muted": "{symbol} was not muted.",
        "mute_usage": "Usage: /mute SYMBOL 1h (30m, 2h, 1d; at most 30d). /unmute SYMBOL",
        "no_mutes": "Nothing is muted. /mute BTC 1h",
        "mutes": "Muted: {list}",
        "status": "{account}: {state}. {mutes}\nLast 24 h: {counts}. Last delivery: {last}",
        "active": "active",
        "paused": "paused",
        "none": "none",
        # Deliveries (last 24 h) and the chat's last delivery, by their stored status.
        "status_pending": "pending",
        "status_claimed": "pending",
        "status_sending": "sending",
        "status_sent": "sent",
        "status_failed": "failed",
        "status_skipped": "skipped",
        "status_ok": "ok",
        "status_retrying": "retrying",
        "status_failing": "failing",
    },
    "ru": {
        "help": (
            "<b>wickwatch</b> присылает сюда ваши сигналы.\n"
            "/start &lt;код&gt; — привязать чат (код — в wickwatch → Каналы)\n"
            "/stop — приостановить, /resume — возобновить\n"
            "/status — что я отслеживаю, последние сигналы\n"
            "/mute BTC 1h — заглушить монету или пару (30m, 2h, 1d), /unmute BTC"
        ),
        "linked": "✅ Чат привязан к {account}. Сигналы будут приходить сюда. /help",
        "bad_code": "Код неизвестен, уже использован или устарел. Создайте новый в wickwatch.",
        "no_code": "Отправьте /start с кодом из wickwatch → Каналы → Telegram.",
        "channel_limit": (
            "В аккаунте уже {limit} каналов — это максимум. Удалите один в wickwatch → Каналы "
            "и отправьте тот же /start ещё раз."
        ),
        "unlinked": "Этот чат не привязан к аккаунту wickwatch. /help",
        "admins_only": "Это могут делать только администраторы чата.",
        "stopped": "⏸ Сигналы в этом чате приостановлены. /resume — возобновить.",
        "resumed": "▶️ Сигналы в этом чате возобновлены.",
        "muted": "🔇 {symbol} заглушён до {until}.",
        "unmuted": "🔔 {symbol} снова присылается.",
        "not_muted": "{symbol} не был заглушён.",
        "mute_usage": "Формат: /mute SYMBOL 1h (30m, 2h, 1d; не больше 30d). /unmute SYMBOL",
        "no_mutes": "Ничего не заглушено. /mute BTC 1h",
        "mutes": "Заглушены: {list}",
        "status": "{account}: {state}. {mutes}\nЗа 24 ч: {counts}. Последняя доставка: {last}",
        "active": "активен",
        "paused": "приостановлен",
        "none": "нет",
        "status_pending": "в очереди",
        "status_claimed": "в очереди",
        "status_sending": "отправляется",
        "status_sent": "доставлено",
        "status_failed": "не доставлено",
        "status_skipped": "пропущено",
        "status_ok": "успешно",
        "status_retrying": "повтор",
        "status_failing": "ошибка",
    },
}


def _lang(message: Message) -> str:
    user = message.from_user
    code = (user.language_code or "") if user else ""
    return "ru" if code.lower().startswith("ru") else "en"


def _t(message: Message, key: str, **values: Any) -> str:
    return TEXTS[_lang(message)][key].format(**values)


def _status_word(message: Message, status: str) -> str:
    """A stored status (``sent``, ``failing``…) in the reader's language; an unknown one as is."""
    return TEXTS[_lang(message)].get(f"status_{status}", status)


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def parse_duration(text: str) -> timedelta | None:
    match = _DURATION.match(text.strip())
    if not match:
        return None
    seconds = int(match.group(1)) * _UNITS[(match.group(2) or "h").lower()]
    if seconds <= 0 or seconds > MAX_MUTE.total_seconds():
        return None
    return timedelta(seconds=seconds)


def _active_mutes(config: dict[str, Any], now: datetime) -> dict[str, datetime]:
    mutes: dict[str, datetime] = {}
    raw = config.get("mutes")
    if not isinstance(raw, dict):
        return mutes
    for name, value in raw.items():
        try:
            until = datetime.fromisoformat(str(value))
        except ValueError:
            continue
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        if until > now:
            mutes[name] = until
    return mutes


Handler = Callable[[Message, CommandObject], Awaitable[None]]

#: Longest a reply waits for its chat's turn (alerts being sent to it); then it goes anyway:
#: a command must be answered, and a rare 429 is only the bot's.
MAX_REPLY_WAIT_S = 5.0
#: How long the chat stays reserved for a reply in flight (a bot that died mid-request frees
#: it after this).
REPLY_HOLD_S = REQUEST_TIMEOUT_S + PACING_MARGIN_S


async def _take_turn(session: AsyncSession, pacing: Pacing) -> int | None:
    """Take the chat's lane as the dispatchers do (:func:`repository.acquire_slot`), waiting up
    to :data:`MAX_REPLY_WAIT_S`, then the bot's next slot, and sleep until it. Returns the lane's
    reservation to settle after the answer, or None when the lane stayed busy."""
    give_up_at = time.time() + MAX_REPLY_WAIT_S
    lane, interval_s, hold_s = pacing.lane, pacing.interval_s, pacing.hold_s
    while True:
        now_ms = int(time.time() * 1000)
        busy = await repo.acquire_slot(
            session, lane, interval_s=interval_s, hold_s=hold_s, now_ms=now_ms
        )
        if busy is None:
            reserved: int | None = now_ms + repo.slot_span_ms(interval_s, hold_s)
            break
        await session.commit()
        if time.time() >= give_up_at:
            log.info("chat lane %s still busy after %g s: replying anyway", lane, MAX_REPLY_WAIT_S)
            reserved = None
            break
        await asyncio.sleep(min(max(busy / 1000 - time.time(), 0.01), 0.25))
    at_ms = now_ms
    for key, interval in pacing.shared:
        at_ms = await repo.reserve_slot(
            session, key, interval_s=interval, now_ms=at_ms, commit=False
        )
    await session.commit()
    delay = at_ms / 1000 - time.time()
    if delay > 0:
        await asyncio.sleep(delay)
    return reserved


class BotCommands:
    """The handlers, bound to a database; :meth:`router` registers them for messages and
    channel posts."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock

    def router(self) -> Router:
        router = Router(name="wickwatch-commands")
        handlers: dict[str, Handler] = {
            "start": self.start,
            "stop": self.stop,
            "resume": self.resume,
            "status": self.status,
            "mute": self.mute,
            "unmute": self.unmute,
            "help": self.help,
        }
        for name, handler in handlers.items():
            router.message.register(handler, Command(name))
            router.channel_post.register(handler, Command(name))
        router.message.register(self.migrate, F.migrate_to_chat_id)
        router.message.register(self.migrate, F.migrate_from_chat_id)
        return router

    async def migrate(self, message: Message) -> None:
        """A group became a supergroup, which has a new chat id: Telegram says so in both chats
        (``migrate_to_chat_id`` in the old one, ``migrate_from_chat_id`` in the new one). The
        chat's channels follow it, or its commands would answer "not linked" and a new link
        would be a second channel sending every alert twice."""
        if message.migrate_to_chat_id is not None:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id is not None:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        async with self.sessionmaker() as session:
            moved = await repo.migrate_chat(session, old, new)
            await session.commit()
        if moved:
            log.info("Telegram chat %s became supergroup %s: %d channel(s) moved", old, new, moved)

    async def _reply(self, message: Message, text: str) -> None:
        """Answer in the chat's turn: a reply is a message like an alert, so it takes the same
        send slots the dispatchers share (the chat's lane, the bot's 30 a second). A reply right
        after an alert would otherwise break Telegram's one message a second per chat."""
        if message.bot is None:
            await message.answer(text, parse_mode="HTML")
            return
        pacing = chat_pacing(message.bot.token, {"chat_id": message.chat.id}, hold_s=REPLY_HOLD_S)
        lane, interval = pacing.lane, pacing.interval_s
        async with self.sessionmaker() as session:
            reserved_ms = await _take_turn(session, pacing)
            next_at = time.time() + interval
            try:
                await message.answer(text, parse_mode="HTML")
                next_at = time.time() + interval
            except TelegramRetryAfter as exc:  # the chat waits, alerts too
                next_at = time.time() + max(float(exc.retry_after), interval)
                raise
            finally:
                if reserved_ms is not None:
                    await repo.settle_slot(
                        session, lane, reserved_ms=reserved_ms, next_ms=int(next_at * 1000)
                    )

    async def _may_change(self, message: Message) -> bool:
        """Whether the sender may change what this chat receives: anyone in a private chat or a
        channel (only admins post there); in a group, its administrators."""
        chat = message.chat
        if chat.type not in ("group", "supergroup"):
            return True
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True  # an anonymous administrator writes as the group itself
        if message.from_user is None or message.bot is None:
            return False
        try:
            member = await message.bot.get_chat_member(chat.id, message.from_user.id)
        except TelegramAPIError as exc:
            log.warning("admin check in chat %s failed: %s", chat.id, exc)
            return False
        return member.status in ("creator", "administrator")

    async def _refuse_non_admin(self, message: Message) -> bool:
        """Replies and returns True when the sender may not change this chat's alerts."""
        if await self._may_change(message):
            return False
        await self._reply(message, _t(message, "admins_only"))
        return True

    async def _chat_channels(self, session: AsyncSession, message: Message) -> list[Channel]:
        return await repo.chat_channels(session, message.chat.id)

    async def start(self, message: Message, command: CommandObject) -> None:
        code = (command.args or "").strip()
        if not code:
            await self._reply(message, _t(message, "no_code"))
            return
        # Linking turns the chat's alerts on: in a group only its administrators may, or any
        # member could undo a pause with a code of their own. Refused before the code is
        # redeemed, so the code stays usable by an administrator.
        if await self._refuse_non_admin(message):
            return
        chat = message.chat
        title = chat.title or chat.username or chat.full_name or str(chat.id)
        async with self.sessionmaker() as session:
            try:
                channel = await repo.redeem_link_code(
                    session,
                    code,
                    chat_id=chat.id,
                    chat_type=chat.type,
                    title=title,
                    now=self.clock(),
                )
            except repo.ChannelLimitReached as limit:
                await session.rollback()
                await self._reply(message, _t(message, "channel_limit", limit=limit.args[0]))
                return
            if channel is None:
                await session.rollback()
                await self._reply(message, _t(message, "bad_code"))
                return
            user = await session.get(User, channel.user_id)
            await session.commit()
        account = mask_email(user.email) if user else "?"
        log.info("Telegram chat %s linked to user %s", chat.id, channel.user_id)
        await self._reply(message, _t(message, "linked", account=escape(account)))

    async def _set_enabled(self, message: Message, enabled: bool) -> None:
        if await self._refuse_non_admin(message):
            return
        async with self.sessionmaker() as session:
            channels = await self._chat_channels(session, message)
            if not channels:
                await self._reply(message, _t(message, "unlinked"))
                return
            for channel in channels:
                channel.enabled = enabled
            await session.commit()
        await self._reply(message, _t(message, "resumed" if enabled else "stopped"))

    async def stop(self, message: Message, command: CommandObject) -> None:
        await self._set_enabled(message, False)

    async def resume(self, message: Message, command: CommandObject) -> None:
        await self._set_enabled(message, True)

    async def status(self, message: Message, command: CommandObject) -> None:
        now = self.clock()
        lines: list[str] = []
        async with self.sessionmaker() as session:
            channels = await self._chat_channels(session, message)
            if not channels:
                await self._reply(message, _t(message, "unlinked"))
                return
            emails = dict(
                (
                    await session.execute(
                        select(User.id, User.email).where(
                            one_of(User.id, {c.user_id for c in channels}, dialect_of(session))
                        )
                    )
                ).all()
            )
            lang = _lang(message)
            for channel in channels:
                settings = await bot_status.user_settings(session, channel.user_id)
                alerts = await bot_status.last_alerts(session, [channel.id])
                counts = await repo.delivery_counts(
                    session, [channel.id], since=now - timedelta(days=1)
                )
                mutes = _active_mutes(dict(channel.config or {}), now)
                mute_text = (
                    _t(
                        message,
                        "mutes",
                        list=", ".join(
                            f"{k} → {bot_status.local_time(v, settings.timezone)}"
                            for k, v in mutes.items()
                        ),
                    )
                    if mutes
                    else _t(message, "no_mutes")
                )
                last = (
                    _status_word(message, channel.last_status)
                    if channel.last_status
                    else _t(message, "none")
                )
                if channel.last_error and channel.last_status != "ok":
                    last += f" ({channel.last_error[:200]})"
                lines.append(
                    _t(
                        message,
                        "status",
                        account=escape(mask_email(emails.get(channel.user_id, ""))),
                        state=_t(message, "active" if channel.enabled else "paused"),
                        mutes=escape(mute_text),
                        counts=escape(
                            ", ".join(
                                f"{_status_word(message, k)} {v}" for k, v in sorted(counts.items())
                            )
                            or _t(message, "none")
                        ),
                        last=escape(last),
                    )
                )
                lines.append("\n".join(bot_status.rules_summary(settings, lang)))
                lines.append(
                    "\n".join(bot_status.last_alerts_summary(alerts, settings.timezone, lang))
                )
        await self._reply(message, truncate_html("\n\n".join(lines), TEXT_LIMIT))

    async def mute(self, message: Message, command: CommandObject) -> None:
        args = (command.args or "").split()
        if args and await self._refuse_non_admin(message):
            return
        now = self.clock()
        async with self.sessionmaker() as session:
            channels = await self._chat_channels(session, message)
            if not channels:
                await self._reply(message, _t(message, "unlinked"))
                return
            # Times are shown in the timezone of the account the chat belongs to (the first
            # one when several accounts share a group).
            timezone = (await bot_status.user_settings(session, channels[0].user_id)).timezone
            if not args:
                mutes: dict[str, datetime] = {}
                for channel in channels:
                    mutes.update(_active_mutes(dict(channel.config or {}), now))
                text = (
                    _t(
                        message,
                        "mutes",
                        list=", ".join(
                            f"{k} → {bot_status.local_time(v, timezone)}" for k, v in mutes.items()
                        ),
                    )
                    if mutes
                    else _t(message, "no_mutes")
                )
                await self._reply(message, escape(text))
                return
            duration = parse_duration(args[1]) if len(args) > 1 else timedelta(hours=1)
            symbol = args[0].upper()
            if duration is None or len(args) > 2 or not _SYMBOL.match(symbol):
                await self._reply(message, escape(_t(message, "mute_usage")))
                return
            until = now + duration
            for channel in channels:
                config = dict(channel.config or {})
                mutes_now = {k: v.isoformat() for k, v in _active_mutes(config, now).items()}
                mutes_now[symbol] = until.isoformat()
                channel.config = {**config, "mutes": mutes_now}
            await session.commit()
        await self._reply(
            message,
            escape(
                _t(message, "muted", symbol=symbol, until=bot_status.local_time(until, timezone))
            ),
        )

    async def unmute(self, message: Message, command: CommandObject) -> None:
        args = (command.args or "").split()
        if len(args) != 1:
            await self._reply(message, escape(_t(message, "mute_usage")))
            return
        if await self._refuse_non_admin(message):
            return
        symbol = args[0].upper()
        found = False
        async with self.sessionmaker() as session:
            channels = await self._chat_channels(session, message)
            if not channels:
                await self._reply(message, _t(message, "unlinked"))
                return
            for channel in channels:
                config = dict(channel.config or {})
                mutes = dict(config.get("mutes") or {})
                if mutes.pop(symbol, None) is not None:
                    found = True
                    channel.config = {**config, "mutes": mutes}
            await session.commit()
        key = "unmuted" if found else "not_muted"
        await self._reply(message, escape(_t(message, key, symbol=symbol)))

    async def help(self, message: Message, command: CommandObject) -> None:
        await self._reply(message, _t(message, "help"))


_usernames: dict[tuple[str, str], str] = {}


async def bot_username(token: str, api_url: str = "https://api.telegram.org") -> str:
    """The bot's ``@username`` (without the ``@``) from ``getMe``, asked once per process: deep
    links ``https://t.me/<username>?start=<code>`` need it."""
    key = (token, api_url)
    cached = _usernames.get(key)
    if cached is not None:
        return cached
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url), timeout=15)
    try:
        me = await Bot(token, session=session).get_me()
    finally:
        await session.close()
    if not me.username:
        raise RuntimeError("the bot has no username")
    _usernames[key] = me.username
    return me.username


class TelegramBot:
    """The service bot's long-polling loop: ``await start()`` … ``await stop()``."""

    def __init__(
        self,
        token: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        api_url: str = "https://api.telegram.org",
        polling_timeout: int = 30,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.bot = Bot(
            token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url), timeout=60)
        )
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(BotCommands(sessionmaker, clock=clock).router())
        self.polling_timeout = polling_timeout
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS])
        await self.bot.delete_webhook(drop_pending_updates=False)
        self._task = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                handle_signals=False,
                close_bot_session=True,
                polling_timeout=self.polling_timeout,
            ),
            name="telegram-bot-polling",
        )

    async def stop(self) -> None:
        if self._task is None:  # never polled (start failed): its HTTP session is closed here
            await self.bot.session.close()
            return
        try:
            await self.dispatcher.stop_polling()
        except RuntimeError:  # polling had not started yet
            self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
