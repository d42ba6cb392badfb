"""What the API tells the other processes over the bus once a change has committed.

Today: a user's rules changed or the user was disabled, enabled, deleted or changed role — a
``settings`` message (:func:`wickwatch.alerts.events.settings_event`) so that every collector's
:class:`~wickwatch.roles.usersync.SettingsSync` reloads that user within a second instead of at
its next periodic check.

The bus is ``app.state.bus`` when the process runs other roles too (``wickwatch all``, the demo);
a standalone ``wickwatch api`` with Redis opens its own (closed by the app's lifespan); without
Redis and without other roles nobody could hear the message, so nothing is published.

Messages go out as background tasks of the response, i.e. after the request's transaction
committed (a collector that reloads on the message reads the new row, never the old one). A bus
that is down or slow never fails or delays the request: the failure is logged as a warning and
the collectors' periodic check (``WICKWATCH_SETTINGS_POLL_S``) still picks the change up.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI, Request

from wickwatch.alerts.events import settings_event
from wickwatch.bus import SETTINGS, Bus, create_bus
from wickwatch.config import Settings

log = logging.getLogger(__name__)

#: Longest a publish may take before it is given up (the request has been answered already).
PUBLISH_TIMEOUT_S = 2.0


def app_bus(app: FastAPI) -> Bus | None:
    """The bus this app publishes on (see the module documentation); None when there is none."""
    bus: Bus | None = getattr(app.state, "bus", None) or getattr(app.state, "own_bus", None)
    if bus is None:
        settings: Settings = app.state.settings
        if settings.redis_url is None:
            return None
        bus = create_bus(str(settings.redis_url))
        app.state.own_bus = bus
    return bus


async def close_own_bus(app: FastAPI) -> None:
    """Close the bus :func:`app_bus` opened for this app (lifespan end)."""
    bus: Bus | None = getattr(app.state, "own_bus", None)
    if bus is not None:
        app.state.own_bus = None
        await bus.close()


async def publish_settings_changed(app: FastAPI, user_id: int, version: int | None) -> bool:
    """Publish that ``user_id``'s settings are at ``version`` (None: the user is gone or
    disabled). True when published; never raises."""
    try:
        bus = app_bus(app)
        if bus is None:
            return False
        async with asyncio.timeout(PUBLISH_TIMEOUT_S):
            await bus.publish(SETTINGS, settings_event(user_id, version), key=str(user_id))
    except Exception as exc:
        log.warning(
            "settings change of user %d not published on the bus (%s: %s); collectors pick it "
            "up at their next periodic check",
            user_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


class SettingsEvents:
    """Queues ``settings`` messages to be published after the response (see module docs)."""

    def __init__(self, app: FastAPI, tasks: BackgroundTasks) -> None:
        self.app = app
        self.tasks = tasks

    def changed(self, user_id: int, version: int | None) -> None:
        self.tasks.add_task(publish_settings_changed, self.app, user_id, version)


def get_settings_events(request: Request, tasks: BackgroundTasks) -> SettingsEvents:
    return SettingsEvents(request.app, tasks)


SettingsEventsDep = Annotated[SettingsEvents, Depends(get_settings_events)]
