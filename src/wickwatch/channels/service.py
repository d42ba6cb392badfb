"""Channels of one user: create, list, change, delete. Secrets are encrypted before they reach
the database, re-encrypted with the current key whenever the channel is saved, and leave only
masked (``123456:••••wxyz``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from wickwatch.accounts.crypto import SecretBox, SecretKeyError, mask_secret
from wickwatch.accounts.errors import InvalidInput
from wickwatch.channels.repository import ChannelRepository
from wickwatch.channels.schemas import (
    ChannelPublic,
    ChannelUpdate,
    EmailChannelCreate,
    TelegramChannelCreate,
    WebhookChannelCreate,
    check_secret,
    config_document,
    parse_config,
)
from wickwatch.errors import Conflict, NotFound
from wickwatch.storage.models import Channel, User
from wickwatch.storage.types import utcnow

log = logging.getLogger(__name__)

MAX_CHANNELS_PER_USER = 20
#: Keys the notify domain keeps in a channel's config itself; an update preserves them.
SERVER_KEYS = {"telegram": ("mutes", "chat_type")}


class ChannelService:
    def __init__(self, repository: ChannelRepository, box: SecretBox) -> None:
        self.channels = repository
        self.box = box

    def public(self, channel: Channel) -> ChannelPublic:
        masked = None
        if channel.secret_ciphertext:
            try:
                masked = mask_secret(self.box.decrypt(channel.secret_ciphertext))
            except SecretKeyError:
                masked = "••••"
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
            if data.secret is None and _needs_secret(channel):
                raise InvalidInput("body.secret", f"a {channel.kind} channel needs its secret")
            channel.secret_ciphertext = (
                self.box.encrypt(data.secret.get_secret_value()) if data.secret else None
            )
        elif channel.secret_ciphertext:
            channel.secret_ciphertext = self.box.rotate(channel.secret_ciphertext)
        if "name" in changes and data.name is not None:
            channel.name = data.name
        if "enabled" in changes and data.enabled is not None:
            channel.enabled = data.enabled
        channel.updated_at = utcnow()
        await self.channels.flush()
        return channel

    async def delete(self, user: User, channel_id: int) -> None:
        await self.get(user, channel_id)
        await self.channels.delete(channel_id, user.id)
        log.info("user %d deleted channel %d", user.id, channel_id)


def _current(channel: Channel) -> BaseModel | None:
    try:
        return parse_config(channel.kind, dict(channel.config or {}))
    except ValidationError:
        return None


def _needs_secret(channel: Channel) -> bool:
    return channel.kind == "webhook" or (
        channel.kind == "telegram" and (channel.config or {}).get("bot") == "own"
    )
