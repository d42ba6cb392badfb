"""Channels of one user: create, list, change, delete, link a Telegram chat, send a test. Secrets
are encrypted before they reach the database, re-encrypted with the current key whenever the
channel is saved, and leave only masked (``123456:••••wxyz``)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from limits import parse_many
from pydantic import BaseModel, SecretStr, ValidationError

from wickwatch.accounts.crypto import MASK, SecretBox, SecretKeyError, mask_secret
from wickwatch.accounts.errors import InvalidInput
from wickwatch.channels.repository import ChannelRepository
from wickwatch.channels.schemas import (
    ChannelPublic,
    ChannelTestResult,
    ChannelUpdate,
    EmailChannelCreate,
    TelegramChannelCreate,
    TelegramLink,
    WebhookChannelCreate,
    WebhookConfig,
    check_secret,
    config_document,
    parse_config,
)
from wickwatch.errors import Conflict, NotFound, ServiceUnavailable
from wickwatch.storage.models import Channel, User
from wickwatch.storage.types import utcnow

if TYPE_CHECKING:
    from wickwatch.accounts.security import Security

log = logging.getLogger(__name__)

MAX_CHANNELS_PER_USER = 20
#: Keys the notify domain keeps in a channel's config itself; an update preserves them.
SERVER_KEYS = {"telegram": ("mutes", "chat_type")}
#: "Send test" per user: each one is a real message (and a real request to someone's server).
TEST_RATE_LIMIT = parse_many("5/minute")


class ChannelService:
    def __init__(
        self, repository: ChannelRepository, box: SecretBox, *, security: Security | None = None
    ) -> None:
        self.channels = repository
        self.box = box
        self.security = security

    def _security(self) -> Security:
        if self.security is None:
            raise RuntimeError("this operation needs the security context")
        return self.security

    def public(self, channel: Channel) -> ChannelPublic:
        masked = None
        if channel.secret_ciphertext:
            try:
                secret = self.box.decrypt(channel.secret_ciphertext)
                # A password shows nothing of itself (a token's last 4 characters identify it,
                # a password's would be a third of a short one given away).
                masked = MASK if channel.kind == "email" else mask_secret(secret)
            except SecretKeyError:
                masked = MASK
        return ChannelPublic(
            id=channel.id,
            kind=channel.kind,
            name=channel.name,
            config=dict(channel.config or {}),
            enabled=channel.enabled,
            secret_set=channel.secret_ciphertext is not None,
            secret_masked=masked,
            last_status=channel.last_status,
            last_status_at=channel.last_status_at,
            last_error=channel.last_error,
            created_at=channel.created_at,
            updated_at=channel.updated_at,
        )

    async def list(self, user: User) -> Sequence[Channel]:
        return await self.channels.list_for_user(user.id)

    async def get(self, user: User, channel_id: int) -> Channel:
        channel = await self.channels.get_for_user(channel_id, user.id)
        if channel is None:
            raise NotFound("no such channel")
        return channel

    async def create(
        self, user: User, data: TelegramChannelCreate | EmailChannelCreate | WebhookChannelCreate
    ) -> Channel:
        if await self.channels.count_for_user(user.id) >= MAX_CHANNELS_PER_USER:
            raise Conflict(f"at most {MAX_CHANNELS_PER_USER} channels per account")
        if isinstance(data, WebhookChannelCreate):
            await self._check_webhook_target(str(data.config.url))
        if isinstance(data, TelegramChannelCreate):
            self._check_not_service_bot(data.secret)
        now = utcnow()
        channel = Channel(
            user_id=user.id,
            kind=data.kind,
            name=data.name,
            config=config_document(data.kind, data.config),
            secret_ciphertext=(
                self.box.encrypt(data.secret.get_secret_value()) if data.secret else None
            ),
            enabled=data.enabled,
            created_at=now,
            updated_at=now,
        )
        await self.channels.add(channel)
        log.info("user %d added %s channel %d", user.id, channel.kind, channel.id)
        return channel

    async def update(self, user: User, channel_id: int, data: ChannelUpdate) -> Channel:
        channel = await self.get(user, channel_id)
        changes = data.model_fields_set
        smtp_before = _smtp_login(channel.config)
        config_model = None
        if "config" in changes and data.config is not None:
            if channel.kind == "telegram" and (channel.config or {}).get("bot", "service") != "own":
                raise InvalidInput(
                    "body.config", "a chat linked to the service bot is changed in Telegram"
                )
            try:
                config_model = parse_config(channel.kind, data.config)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in ("body", "config", *first["loc"]))
                raise InvalidInput(where, str(first["msg"])) from None
            if isinstance(config_model, WebhookConfig):
                await self._check_webhook_target(str(config_model.url))
            kept = {
                k: v
                for k, v in (channel.config or {}).items()
                if k in SERVER_KEYS.get(channel.kind, ())
            }
            channel.config = {**config_document(channel.kind, config_model), **kept}
        if "secret" in changes:
            try:
                check_secret(channel.kind, config_model or _current(channel), data.secret)
            except ValueError as exc:
                raise InvalidInput("body.secret", str(exc).removeprefix("secret: ")) from None
            if channel.kind == "telegram":
                self._check_not_service_bot(data.secret)
            if data.secret is None and _needs_secret(channel):
                raise InvalidInput("body.secret", f"a {channel.kind} channel needs its secret")
            channel.secret_ciphertext = (
                self.box.encrypt(data.secret.get_secret_value()) if data.secret else None
            )
        elif channel.secret_ciphertext and channel.kind == "email" and config_model is not None:
            # The password belongs to the server it was entered for: it never follows the
            # channel to another host, port, user or to a connection without STARTTLS.
            smtp_after = _smtp_login(channel.config)
            if smtp_after is None:
                channel.secret_ciphertext = None  # no own server any more: nothing to log in to
            elif smtp_after != smtp_before:
                raise InvalidInput(
                    "body.secret", "the SMTP server changed: enter its password again"
                )
        if "secret" not in changes and channel.secret_ciphertext:
            # unreadable with the configured keys: kept as it is; it must be entered again
            with contextlib.suppress(SecretKeyError):
                channel.secret_ciphertext = self.box.rotate(channel.secret_ciphertext)
        if "name" in changes and data.name is not None:
            channel.name = data.name
        if "enabled" in changes and data.enabled is not None:
            channel.enabled = data.enabled
        channel.updated_at = utcnow()
        await self.channels.flush()
        return channel

    def _check_not_service_bot(self, secret: SecretStr | None) -> None:
        """An own-bot token never names the service's bot: its chats are linked with
        ``/start``, and its token is the operator's."""
        from wickwatch.notify.telegram import bot_id

        service = self.security.settings.telegram_bot_token if self.security else None
        if secret is None or service is None or not service.get_secret_value():
            return
        if bot_id(secret.get_secret_value()) == bot_id(service.get_secret_value()):
            raise InvalidInput(
                "body.secret", "this is the service's bot: link a chat to it with /start instead"
            )

    async def _check_webhook_target(self, url: str) -> None:
        """422 now for a URL every send would refuse (a private, loopback or link-local host,
        literal or resolved), unless the operator allows such targets — the same check the
        webhook plugin makes before each call."""
        from wickwatch.notify.webhook import target_problem

        allow = self.security is not None and self.security.settings.webhook_allow_private
        problem = await target_problem(url, allow_private=allow)
        if problem:
            raise InvalidInput("body.config.url", f"webhook target refused: {problem}")

    async def delete(self, user: User, channel_id: int) -> None:
        await self.get(user, channel_id)
        await self.channels.delete(channel_id, user.id)
        log.info("user %d deleted channel %d", user.id, channel_id)

    async def telegram_link(self, user: User) -> TelegramLink:
        """A one-time ``/start`` code for the service bot and its deep link."""
        from wickwatch.notify.repository import LINK_CODE_TTL, create_link_code

        settings = self._security().settings
        token = settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ServiceUnavailable("the service Telegram bot is not configured on this server")
        try:
            # aiogram's first import takes seconds: not on the event loop
            bot = await asyncio.to_thread(importlib.import_module, "wickwatch.notify.telegram_bot")
            username: str = await bot.bot_username(
                token.get_secret_value(), settings.telegram_api_url
            )
        except Exception as exc:
            log.warning("the service bot's username is unknown: %s", type(exc).__name__)
            raise ServiceUnavailable("the Telegram service bot cannot be reached") from None
        now = utcnow()
        code = await create_link_code(self.channels.session, user.id, now=now)
        return TelegramLink(
            code=code,
            deep_link=f"https://t.me/{username}?start={code}",
            expires_at=now + LINK_CODE_TTL,
            expires_in_s=int(LINK_CODE_TTL.total_seconds()),
        )

    async def send_test(self, user: User, channel_id: int) -> ChannelTestResult:
        """Send a test message through the channel's real plugin now (not via the outbox), in
        the channel's turn among the alerts being sent (Telegram's per-chat limits)."""
        from wickwatch.notify.probe import send_test

        channel = await self.get(user, channel_id)
        security = self._security()
        await security.limiter.hit(TEST_RATE_LIMIT, "channel-test", str(user.id), what="tests")
        secret = None
        if channel.secret_ciphertext:
            try:
                secret = self.box.decrypt(channel.secret_ciphertext)
            except SecretKeyError:
                return ChannelTestResult(
                    ok=False, detail="the channel's secret cannot be read; enter it again"
                )
        # The send may take its whole timeout (30 s): the database connection goes back to the
        # pool first, or a few slow tests would hold every connection of the API.
        await self.channels.session.commit()
        result = await send_test(
            security.settings,
            kind=channel.kind,
            channel_id=channel.id,
            user_id=user.id,
            config=dict(channel.config or {}),
            secret=secret,
            locale=user.locale or "en",
            session=self.channels.session,
        )
        log.info(
            "user %d tested %s channel %d: ok=%s", user.id, channel.kind, channel.id, result.ok
        )
        return ChannelTestResult(ok=result.ok, detail=result.detail)


def _current(channel: Channel) -> BaseModel | None:
    try:
        return parse_config(channel.kind, dict(channel.config or {}))
    except ValidationError:
        return None


def _smtp_login(config: dict[str, Any] | None) -> tuple[str, int, str | None, bool, bool] | None:
    """Where an e-mail channel's password is sent: its own server's host, port, user, STARTTLS
    and TLS (None without an own server). A change of any asks for the password again, which
    ``schemas.check_secret`` then refuses for a connection in clear text."""
    smtp = (config or {}).get("smtp")
    if not isinstance(smtp, dict):
        return None
    host = str(smtp.get("host", "")).lower().rstrip(".")
    port = int(smtp.get("port", 587))
    tls = smtp.get("tls")
    implicit_tls = port == 465 if tls is None else bool(tls)  # as schemas.SmtpConfig
    return host, port, smtp.get("username"), bool(smtp.get("starttls", True)), implicit_tls


def _needs_secret(channel: Channel) -> bool:
    return channel.kind == "webhook" or (
        channel.kind == "telegram" and (channel.config or {}).get("bot") == "own"
    )
