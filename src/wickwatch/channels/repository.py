"""SQL of the channels domain; every query is scoped to the owning user."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.storage.models import Channel


class ChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_for_user(self, user_id: int) -> Sequence[Channel]:
        result = await self.session.execute(
            select(Channel).where(Channel.user_id == user_id).order_by(Channel.id)
        )
        return result.scalars().all()

    async def count_for_user(self, user_id: int) -> int:
        result = await self.session.execute(
            select(func.count()).select_from(Channel).where(Channel.user_id == user_id)
        )
        return int(result.scalar_one())

    async def get_for_user(self, channel_id: int, user_id: int) -> Channel | None:
        result = await self.session.execute(
            select(Channel).where(Channel.id == channel_id, Channel.user_id == user_id)
        )
        return result.scalar_one_or_none()

    async def add(self, channel: Channel) -> Channel:
        self.session.add(channel)
        await self.session.flush()
        return channel

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, channel_id: int, user_id: int) -> None:
        await self.session.execute(
            delete(Channel).where(Channel.id == channel_id, Channel.user_id == user_id)
        )
