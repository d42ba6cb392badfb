"""SQL of the settings document (one row per user in ``user_settings``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.storage.models import UserSettings as UserSettingsRow


class SettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> UserSettingsRow | None:
        result = await self.session.execute(
            select(UserSettingsRow)
            .where(UserSettingsRow.user_id == user_id)
            .execution_options(populate_existing=True)  # see writes made with UPDATE
        )
        return result.scalar_one_or_none()

    async def version(self, user_id: int) -> int:
        """The stored document's version (0: none stored, the defaults apply)."""
        result = await self.session.execute(
            select(UserSettingsRow.version).where(UserSettingsRow.user_id == user_id)
        )
        return int(result.scalar_one_or_none() or 0)

    async def insert(self, user_id: int, document: dict[str, Any]) -> UserSettingsRow:
        row = UserSettingsRow(user_id=user_id, document=document, version=1)
        self.session.add(row)
        await self.session.flush()
        return row

    async def replace(self, user_id: int, document: dict[str, Any], version: int) -> bool:
        """Store ``document`` as version ``version + 1`` if the row is still at ``version``."""
        result = await self.session.execute(
            update(UserSettingsRow)
            .where(UserSettingsRow.user_id == user_id, UserSettingsRow.version == version)
            .values(document=document, version=version + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
