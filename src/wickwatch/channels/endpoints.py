"""``/api/v1/channels``: the signed-in user's delivery channels (others' are 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from wickwatch.accounts.auth import CurrentUser
from wickwatch.api.deps import DbSession, SecurityDep, object_id
from wickwatch.api.responses import error_responses
from wickwatch.channels.repository import ChannelRepository
from wickwatch.channels.schemas import (
    ChannelCreate,
    ChannelPublic,
    ChannelTestResult,
    ChannelUpdate,
    TelegramLink,
)
from wickwatch.channels.service import ChannelService

router = APIRouter(prefix="/channels", tags=["channels"], responses=error_responses(401, 429))

ChannelId = Annotated[int, object_id("Channel id.")]


def get_channel_service(session: DbSession, security: SecurityDep) -> ChannelService:
    return ChannelService(ChannelRepository(session), security.secrets, security=security)


Service = Annotated[ChannelService, Depends(get_channel_service)]


@router.get("")
async def list_channels(user: CurrentUser, service: Service) -> list[ChannelPublic]:
    """Your channels; secrets appear only masked."""
    return [service.public(c) for c in await service.list(user)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=error_responses(409, 422))
async def create_channel(data: ChannelCreate, user: CurrentUser, service: Service) -> ChannelPublic:
    """Add a channel: your own Telegram bot, an e-mail address (optionally your SMTP server) or
    a webhook. The secret is encrypted at rest and never shown again."""
    return service.public(await service.create(user, data))


@router.post("/telegram/link", status_code=status.HTTP_201_CREATED, responses=error_responses(503))
async def link_telegram(user: CurrentUser, service: Service) -> TelegramLink:
    """A one-time code (15 minutes) that links a Telegram chat to your account through the
    service's bot: open ``deep_link`` for a private chat, or send ``/start <code>`` in a group
    or channel where the bot is a member. 503 when this server has no service bot."""
    return await service.telegram_link(user)


@router.post("/{channel_id}/test", responses=error_responses(404, 422))
async def test_channel(
    channel_id: ChannelId, user: CurrentUser, service: Service
) -> ChannelTestResult:
    """Send a test message through this channel right now (at most 5 a minute). A channel that
    fails answers ``ok: false`` with the reason, not an error status."""
    return await service.send_test(user, channel_id)


@router.get("/{channel_id}", responses=error_responses(404, 422))
async def get_channel(channel_id: ChannelId, user: CurrentUser, service: Service) -> ChannelPublic:
    return service.public(await service.get(user, channel_id))


@router.patch("/{channel_id}", responses=error_responses(404, 422))
async def update_channel(
    channel_id: ChannelId, data: ChannelUpdate, user: CurrentUser, service: Service
) -> ChannelPublic:
    """Rename, pause/resume, change the configuration or replace the secret."""
    return service.public(await service.update(user, channel_id, data))


@router.delete(
    "/{channel_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404, 422)
)
async def delete_channel(channel_id: ChannelId, user: CurrentUser, service: Service) -> None:
    await service.delete(user, channel_id)
