"""Telegram delivery through aiogram 3: the service's own bot or the user's own bot.

Channel configuration (``channels.config`` of kind ``telegram``)::

    {"chat_id": 123456789 | -100123… | "@channel", "bot": "service" | "own",
     "chat_type": "private" | "group" | "supergroup" | "channel", "title": "…",
     "mutes": {"BTC": "2026-01-01T12:00:00+00:00", …}}

``bot: own`` sends with the user's own bot, whose token is the channel's encrypted secret;
otherwise the service bot (``WICKWATCH_TELEGRAM_BOT_TOKEN``) sends. Chats are linked to the
service bot with ``/start <code>`` (:mod:`wickwatch.notify.telegram_bot`).

Flood limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)
are kept by the dispatcher from :meth:`TelegramNotifier.pacing`: one message per second per
private chat, one per three seconds per group or channel (20 per minute), 30 per second per bot —
across every dispatcher process. Alerts that pile up while a chat waits are folded into one
digest. A 429 answer (``retry_after``) defers the chat and nothing is lost.

The bot's slots are reserved in the database before a send, but a busy process (a transaction
that starts a hundred chats at once, a chart being drawn) reaches some of them late, and sends
whose slots have passed would all leave together: 30 per second holds on average, not in every
second. So each process also spaces its own requests of one bot ``BOT_INTERVAL_S`` apart in
real time, just before they leave (:meth:`TelegramNotifier.pace_bot`).

Telegram has no idempotency key. The dispatcher commits ``sending`` before the request and
``sent`` right after it, so only a crash between Telegram accepting the message and that commit
can make the message appear twice (see :mod:`wickwatch.notify.dispatcher`).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Self

from wickwatch.config import Settings
from wickwatch.notify.base import Delivery, Notifier, Outcome, Pacing, SendResult
from wickwatch.notify.templates import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    AlertLike,
    Rendered,
    html_to_text,
    truncate_html,
)

if TYPE_CHECKING:  # aiogram takes seconds to import: only dispatchers load it, not enqueuers
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.exceptions import TelegramAPIError

log = logging.getLogger(__name__)

# Telegram counts a chat's messages as they arrive; slots are reserved before the request goes
# out, so scheduling and network jitter between two dispatchers can bring two sends closer than
# their slots were. The margin keeps arrivals at least the limit apart.
PACING_MARGIN_S = 0.15
PRIVATE_INTERVAL_S = 1.0 + PACING_MARGIN_S  #: one message per second per private chat
GROUP_INTERVAL_S = 3.0 + PACING_MARGIN_S  #: 20 messages per minute per group / channel
BOT_INTERVAL_S = 1 / 28  #: 30 messages per second per bot, with a margin for network jitter
REQUEST_TIMEOUT_S = 15.0
_MAX_BOTS = 1000


def chat_ref(value: Any) -> int | str:
    """A chat id as Telegram takes it: a number, or ``@username`` of a public channel."""
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text if text.startswith("@") else f"@{text}"


def is_private(config: Mapping[str, Any]) -> bool:
    kind = config.get("chat_type")
    if kind:
        return bool(kind == "private")
    chat = chat_ref(config.get("chat_id", ""))
    return isinstance(chat, int) and chat > 0


def bot_id(token: str) -> str:
    """A bot's public id: the part of its token before the colon."""
    return token.partition(":")[0]


@functools.lru_cache(maxsize=4096)
def bot_key(token: str) -> str:
    """A bot's name in pacing keys: its public id and a digest of the whole token. The id alone
    is public, so another user's channel with a made-up token of the same id would share (and
    fold into) the real bot's chats and rate, and its failing token would fail their alerts."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    return f"{bot_id(token)}.{digest}"


def chat_pacing(token: str, config: Mapping[str, Any], *, hold_s: float) -> Pacing:
    """The send slots of one chat of one bot: its lane (one message at a time, Telegram's
    interval for the chat) and the bot's 30 a second. Alerts (:meth:`TelegramNotifier.pacing`)
    and the service bot's replies (``telegram_bot``) take the same ones."""
    owner = bot_key(token) if token else "none"
    interval = PRIVATE_INTERVAL_S if is_private(config) else GROUP_INTERVAL_S
    return Pacing(
        lane=f"tg:{owner}:{config.get('chat_id')}",
        interval_s=interval,
        shared=((f"tgbot:{owner}", BOT_INTERVAL_S),),
        hold_s=hold_s,
    )


class TelegramNotifier(Notifier):
    slug = "telegram"
    foldable = True

    def __init__(
        self,
        *,
        service_token: str | None = None,
        api_url: str = "https://api.telegram.org",
        timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        # Load aiogram's types now (seconds of CPU): on the first send it would stall the
        # dispatcher's event loop and every delivery behind it.
        import aiogram.methods
        import aiogram.types  # noqa: F401
        from aiogram.client.telegram import TelegramAPIServer

        self.service_token = service_token
        self.api = TelegramAPIServer.from_base(api_url)
        self.timeout_s = timeout_s
        self._session: AiohttpSession | None = None
        self._bots: dict[str, Bot] = {}
        #: Bot key → (its turn, when this process may start its next request, ``monotonic``).
        self._bot_gates: dict[str, tuple[asyncio.Lock, list[float]]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        token = settings.telegram_bot_token
        return cls(
            service_token=token.get_secret_value() if token else None,
            api_url=settings.telegram_api_url,
        )

    @staticmethod
    def destination(config: Mapping[str, Any]) -> str:
        who = "own bot" if config.get("bot") == "own" else "bot"
        return f"{config.get('title') or config.get('chat_id')} ({who})"

    def token_for(self, delivery: Delivery) -> str | None:
        if delivery.config.get("bot") == "own":
            return delivery.secret
        return self.service_token

    def bot(self, token: str) -> Bot:
        """One aiogram ``Bot`` per token, all on one HTTP session."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession

        bot = self._bots.get(token)
        if bot is None:
            if self._session is None:
                self._session = AiohttpSession(api=self.api, timeout=self.timeout_s)
            if len(self._bots) >= _MAX_BOTS:
                self._bots.pop(next(iter(self._bots)))
            bot = Bot(token, session=self._session)
            self._bots[token] = bot
        return bot

    def pacing(self, delivery: Delivery) -> Pacing | None:
        # The chat stays reserved for as long as a request may take: a slow answer must not
        # let another dispatcher send to the chat meanwhile (a second message inside the
        # chat's interval is a 429, and repeated ones lengthen Telegram's flood wait). A chat
        # of a dispatcher that died mid-request is free again after this.
        token = self.token_for(delivery) or ""
        return chat_pacing(token, delivery.config, hold_s=self.timeout_s + PACING_MARGIN_S)

    async def pace_bot(self, token: str) -> None:
        """Wait until this process may start another request of this bot: one at a time, each
        ``BOT_INTERVAL_S`` after the previous one was let go (measured when it was, so a stalled
        event loop delays the next request instead of letting several out together)."""
        key = bot_key(token)
        gate = self._bot_gates.get(key)
        if gate is None:
            if len(self._bot_gates) >= _MAX_BOTS:
                self._bot_gates = {k: g for k, g in self._bot_gates.items() if g[0].locked()}
            gate = self._bot_gates[key] = (asyncio.Lock(), [0.0])
        lock, next_at = gate
        async with lock:
            wait = next_at[0] - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            next_at[0] = time.monotonic() + BOT_INTERVAL_S

    async def send(self, delivery: Delivery, alert: AlertLike, rendered: Rendered) -> SendResult:
        from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
        from aiogram.utils.token import TokenValidationError

        token = self.token_for(delivery)
        if not token:
            if delivery.config.get("bot") == "own":
                return SendResult.failed("the channel has no bot token")
            return SendResult.failed("the service Telegram bot is not configured")
        if delivery.config.get("chat_id") in (None, ""):
            return SendResult.failed("the channel has no chat id")
        try:
            bot = self.bot(token)
        except TokenValidationError:
            return SendResult.failed("the bot token is malformed")
        chat = chat_ref(delivery.config["chat_id"])
        try:
            await self.pace_bot(token)
            return await self._send(bot, chat, rendered, html=True)
        except TelegramBadRequest as exc:
            if "parse entities" in exc.message:  # never expected: templates are validated
                log.warning("Telegram rejected the HTML of delivery %d: %s", delivery.id, exc)
                try:
                    await self.pace_bot(token)
                    return await self._send(bot, chat, rendered, html=False)
                except TelegramAPIError as again:
                    return self._failure(again)
            if rendered.photo is not None and _photo_refused(exc.message):
                # A group may let members write but not post media: the alert still goes, as
                # text without its chart (and the text's limit, no longer the caption's).
                log.info("chat %s takes no photos (%s): sending text", chat, exc.message)
                try:
                    await self.pace_bot(token)
                    return await self._send(bot, chat, replace(rendered, photo=None), html=True)
                except TelegramAPIError as again:
                    return self._failure(again)
            return self._failure(exc)
        except TelegramAPIError as exc:
            return self._failure(exc)

    async def _send(
        self, bot: Bot, chat: int | str, rendered: Rendered, *, html: bool
    ) -> SendResult:
        from aiogram.types import BufferedInputFile, LinkPreviewOptions

        mode = "HTML" if html else None
        limit = CAPTION_LIMIT if rendered.photo is not None else TEXT_LIMIT
        text = truncate_html(rendered.html, limit) if html else _plain(rendered.html, limit)
        if rendered.photo is not None:
            photo = BufferedInputFile(rendered.photo, filename="chart.png")
            message = await bot.send_photo(chat, photo, caption=text, parse_mode=mode)
        else:
            message = await bot.send_message(
                chat,
                text,
                parse_mode=mode,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        return SendResult.sent(str(message.message_id))

    @staticmethod
    def _failure(exc: TelegramAPIError) -> SendResult:
        from aiogram.exceptions import (
            TelegramBadRequest,
            TelegramForbiddenError,
            TelegramMigrateToChat,
            TelegramNetworkError,
            TelegramNotFound,
            TelegramRetryAfter,
            TelegramUnauthorizedError,
        )

        text = f"Telegram: {exc.message}"
        if isinstance(exc, TelegramRetryAfter):
            return SendResult.throttled(float(exc.retry_after), text)
        if isinstance(exc, TelegramMigrateToChat):  # a group became a supergroup
            return SendResult(
                Outcome.RETRY,
                error=f"chat moved to {exc.migrate_to_chat_id}",
                retry_after=0.0,
                config_update={"chat_id": exc.migrate_to_chat_id, "chat_type": "supergroup"},
            )
        if isinstance(
            exc,
            TelegramBadRequest
            | TelegramForbiddenError
            | TelegramUnauthorizedError
            | TelegramNotFound,
        ):
            return SendResult.failed(text)  # chat gone, bot blocked or kicked, token revoked
        if isinstance(exc, TelegramNetworkError):
            return SendResult.retry(text)
        return SendResult.retry(text)  # 5xx, conflicts, anything new

    async def aclose(self) -> None:
        self._bots.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None


#: Telegram's answers to a photo the chat does not take, or cannot take as sent (the text of
#: the alert would still be accepted).
_PHOTO_REFUSALS = ("not enough rights to send photos", "PHOTO_", "IMAGE_PROCESS_FAILED")


def _photo_refused(description: str) -> bool:
    return any(refusal.lower() in description.lower() for refusal in _PHOTO_REFUSALS)


def _plain(html_text: str, limit: int) -> str:
    """The message as plain text within ``limit``: cut after the conversion, which writes each
    link's address out (a caption of 1,016 characters of HTML was 1,106 of text)."""
    text = html.escape(html_to_text(html_text), quote=False)
    return html.unescape(truncate_html(text, limit))
