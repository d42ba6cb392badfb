"""Channel plugins by slug; the dispatcher looks them up here (and nowhere branches on a name)."""

from __future__ import annotations

from collections.abc import Iterable

from wickwatch.config import Settings
from wickwatch.notify.base import Notifier
from wickwatch.notify.email import EmailNotifier
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.notify.webhook import WebhookNotifier

NOTIFIER_TYPES: dict[str, type[Notifier]] = {
    cls.slug: cls for cls in (TelegramNotifier, EmailNotifier, WebhookNotifier)
}


def build_notifiers(settings: Settings, only: Iterable[str] | None = None) -> dict[str, Notifier]:
    """One configured plugin per channel (or per slug in ``only``)."""
    wanted = set(only) if only is not None else set(NOTIFIER_TYPES)
    return {
        slug: cls.from_settings(settings) for slug, cls in NOTIFIER_TYPES.items() if slug in wanted
    }
