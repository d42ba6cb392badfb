"""``/api/v1/settings``: the signed-in user's whole rules document."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from wickwatch.accounts.auth import CurrentUser
from wickwatch.accounts.errors import InvalidInput
from wickwatch.api.deps import DbSession, SecurityDep, SettingsDep
from wickwatch.api.events import SettingsEventsDep
from wickwatch.api.responses import error_responses
from wickwatch.detection.schemas import UserSettings
from wickwatch.usersettings.dryrun import DryRunRequest, DryRunResult, dry_run
from wickwatch.usersettings.repository import SettingsRepository
from wickwatch.usersettings.service import SettingsEnvelope, SettingsService

router = APIRouter(prefix="/settings", tags=["settings"], responses=error_responses(401, 429))

_ETAG = re.compile(r'^(?:W/)?"v(\d{1,18})"$')


def get_settings_service(session: DbSession) -> SettingsService:
    return SettingsService(SettingsRepository(session))


Service = Annotated[SettingsService, Depends(get_settings_service)]


def _etag(version: int) -> str:
    return f'"v{version}"'


@router.get("")
async def get_settings(user: CurrentUser, service: Service, response: Response) -> SettingsEnvelope:
    """Your rules document (defaults, version 0, until you save one). The `ETag` is the version;
    send it back as `If-Match` when saving."""
    envelope = await service.get(user)
    response.headers["ETag"] = _etag(envelope.version)
    return envelope


@router.put("", responses=error_responses(412, 422))
async def put_settings(
    document: UserSettings,
    user: CurrentUser,
    service: Service,
    response: Response,
    events: SettingsEventsDep,
    if_match: Annotated[
        str | None,
        Header(
            max_length=40,
            description='The `ETag` you read (`"v3"`): refuse to overwrite a newer version (412).',
        ),
    ] = None,
) -> SettingsEnvelope:
    """Replace the whole document. Invalid documents are a 422 naming the field. Detection uses
    the new rules within a second (every collector is told over the bus)."""
    expected = None
    if if_match is not None and if_match.strip() != "*":
        matched = _ETAG.match(if_match.strip())
        if matched is None:
            raise InvalidInput("header.if-match", 'expected an ETag like "v3"')
        expected = int(matched.group(1))
    envelope = await service.replace(user, document, expected)
    events.changed(user.id, envelope.version)
    response.headers["ETag"] = _etag(envelope.version)
    return envelope


@router.post("/dry-run", responses=error_responses(422, 429))
async def dry_run_settings(
    body: DryRunRequest,
    user: CurrentUser,
    session: DbSession,
    request: Request,
    security: SecurityDep,
    settings: SettingsDep,
) -> DryRunResult:
    """What a draft would have sent: replays the market spikes stored in the last `hours` hours
    (every complete 1-second candle that moved at least `floor_pct`) through the real detector
    with the draft's rules, de-duplication and cooldown, and counts the alerts. Nothing is saved
    or sent.

    Limits: moves below `floor_pct` are not stored, so rules asking for less see only the
    larger ones; rules with a window of more than 1 s are evaluated on the stored seconds only
    (the quiet seconds between two stored spikes are missing); series conditions count the
    spikes of the replay only. At most 200,000 stored seconds are replayed — the newest;
    `truncated` says when the period held more. An invalid draft is a 422 naming the field.
    A user's second run while the first is going, or a run while the server's few slots are
    busy, is a 429 with `Retry-After` (not queued)."""
    return await dry_run(
        request.app,
        session,
        body,
        now_ms=int(security.now().timestamp() * 1000),
        floor_pct=settings.spike_floor_pct,
        user_id=user.id,
    )
