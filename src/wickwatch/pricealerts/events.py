"""Tell the collectors that a user's price alerts changed, once the change has committed.

The message (``price_alerts`` topic, :func:`wickwatch.alerts.events.price_alerts_event`) goes
out as a background task of the response, i.e. after the request's transaction committed, so a
collector that reloads on it reads the new rows. A bus that is down never fails the request: the
collectors' periodic reload (``WICKWATCH_SETTINGS_POLL_S``) still picks the change up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from fastapi import BackgroundTasks, FastAPI

from wickwatch.alerts.events import price_alerts_event
from wickwatch.api.events import PUBLISH_TIMEOUT_S, app_bus
from wickwatch.bus import PRICE_ALERTS

log = logging.getLogger(__name__)


async def publish_price_alerts_changed(app: FastAPI, user_id: int) -> bool:
    """Publish that ``user_id``'s price alerts changed; True when published, never raises."""
    try:
        bus = app_bus(app)
        if bus is None:
            return False
        async with asyncio.timeout(PUBLISH_TIMEOUT_S):
            await bus.publish(PRICE_ALERTS, price_alerts_event(user_id), key=str(user_id))
    except Exception as exc:
        log.warning(
            "price alerts change of user %d not published on the bus (%s: %s); collectors "
            "pick it up at their next periodic reload",
            user_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def after_commit(app: FastAPI, tasks: BackgroundTasks) -> Callable[[int], None]:
    """A ``PriceAlertService`` ``on_change`` that publishes after the response."""

    def changed(user_id: int) -> None:
        tasks.add_task(publish_price_alerts_changed, app, user_id)

    return changed
