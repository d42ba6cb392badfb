"""Dependencies every router uses: the database unit of work and the security context.

``DbSession`` is one session per request, committed when the endpoint returns normally and rolled
back when it raises; the commit happens before the response is sent (``scope="function"``), so a
client never sees success for a write that did not commit. Repositories may ``flush`` but never
commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.accounts.security import Security
from wickwatch.config import Settings

#: Largest id a BIGINT column holds; larger path ids are a 422, never a database error.
MAX_ID = 2**63 - 1


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


def get_security(request: Request) -> Security:
    security: Security = request.app.state.security
    return security


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
SecurityDep = Annotated[Security, Depends(get_security)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def object_id(description: str = "Object id.") -> object:
    """``Path`` bounds for integer ids: ``user_id: Annotated[int, object_id()]``."""
    return Path(ge=1, le=MAX_ID, description=description)
