"""Read and replace a user's settings document, with optimistic concurrency: each write bumps
``version``; a writer that names the version it read (``If-Match``) fails with 412 when someone
else wrote in between, instead of silently overwriting it."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from wickwatch.detection.schemas import STORED, UserSettings, stored_settings
from wickwatch.errors import WickwatchError
from wickwatch.storage.models import User
from wickwatch.usersettings.repository import SettingsRepository

log = logging.getLogger(__name__)


class PreconditionFailed(WickwatchError):
    status_code = 412
    code = "version_mismatch"


class SettingsEnvelope(BaseModel):
    """The document with its version (also sent as the ``ETag``)."""

    version: int
    updated_at: datetime | None
    document: UserSettings


class SettingsService:
    def __init__(self, repository: SettingsRepository) -> None:
        self.settings = repository

    async def get(self, user: User) -> SettingsEnvelope:
        row = await self.settings.get(user.id)
        if row is None:
            return SettingsEnvelope(version=0, updated_at=None, document=UserSettings())
        try:
            document = stored_settings(row.document)
        except ValidationError:
            log.error("stored settings of user %d no longer validate; showing defaults", user.id)
            document = UserSettings()
        # validated again as a stored document: a model's checks run on a nested instance too
        return SettingsEnvelope.model_validate(
            {"version": row.version, "updated_at": row.updated_at, "document": document},
            context=STORED,
        )

    async def replace(
        self, user: User, document: UserSettings, expected_version: int | None
    ) -> SettingsEnvelope:
        stored = document.model_dump(mode="json")
        row = await self.settings.get(user.id)
        current = 0 if row is None else row.version
        if expected_version is not None and expected_version != current:
            raise PreconditionFailed(
                f"the settings changed meanwhile (version {current}); reload and try again",
                details={"current_version": current},
            )
        if row is None:
            try:
                await self.settings.insert(user.id, stored)
            except IntegrityError:
                # another first save of this user won the race (two tabs): same as a version
                # conflict; the request's transaction is rolled back with the error
                raise PreconditionFailed(
                    "the settings changed meanwhile (version 1); reload and try again",
                    details={"current_version": 1},
                ) from None
        elif not await self.settings.replace(user.id, stored, current):
            raise PreconditionFailed("the settings changed meanwhile; reload and try again")
        log.info("user %d saved settings version %d", user.id, current + 1)
        return await self.get(user)
