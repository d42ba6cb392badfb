""" "Send test": one message through a channel's real plugin, right away and outside the outbox.

The user presses the button to learn whether the channel works, so the answer is the plugin's
own verdict — ``ok`` or a short human-readable reason (bad token, SMTP refused, webhook 500) —
never an exception, and never a secret: the channel's secret and the operator's credentials are
masked out of every reason before it leaves.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wickwatch.config import Settings
from wickwatch.notify.base import Delivery, Notifier, Outcome
from wickwatch.notify.templates import Rendered, alert_payload, html_to_text
from wickwatch.storage.models import Alert

log = logging.getLogger(__name__)

#: Longest a test may take (the slowest plugin times out after 20 s).
TEST_TIMEOUT_S = 30.0
MASK = "••••"

TEXTS = {
    "en": (
        "Test message",
        "✅ <b>wickwatch</b>: this channel works. Your spike alerts will arrive here.",
    ),
    "ru": (
        "Тестовое сообщение",
        "✅ <b>wickwatch</b>: канал работает. Сигналы будут приходить сюда.",
    ),
}


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    detail: str | None = None


def sample_alert() -> Alert:
    """A made-up alert for the webhook body of a test (never stored)."""
    return Alert(
        exchange="binance",
        market="spot",
        symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        ts_ms=int(time.time() * 1000),
        window_s=1,
        direction="up",
        delta_pct=0.0,
        wick_pct=0.0,
        volume_usd=Decimal(0),
        price=Decimal(0),
        rule="test",
        strategy=None,
        series_count=1,
        folded_count=0,
    )


def probe_message(locale: str) -> Rendered:
    subject, body = TEXTS["ru" if locale.lower().startswith("ru") else "en"]
    text = html_to_text(body)
    return Rendered(
        html=body,
        text=text,
        subject=subject,
        payload={"type": "test", "text": text, "alert": alert_payload(sample_alert(), text)},
    )


def _secrets(settings: Settings, secret: str | None) -> list[str]:
    values = [secret]
    for configured in (settings.telegram_bot_token, settings.smtp_password):
        values.append(configured.get_secret_value() if configured is not None else None)
    return [v for v in values if v and len(v) >= 4]


def scrub(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, MASK)
    return text


async def send_test(
    settings: Settings,
    *,
    kind: str,
    channel_id: int,
    user_id: int,
    config: Mapping[str, Any],
    secret: str | None,
    locale: str = "en",
    notifier: Notifier | None = None,
) -> ProbeResult:
    """Send a test message through the channel now; ``notifier`` defaults to the plugin built from
    ``settings`` (closed afterwards)."""
    from wickwatch.notify.registry import NOTIFIER_TYPES

    own = notifier is None
    if notifier is None:
        if kind == "telegram":  # aiogram's first import takes seconds: not on the event loop
            await asyncio.to_thread(importlib.import_module, "aiogram.types")
        notifier = NOTIFIER_TYPES[kind].from_settings(settings)
    key = uuid.uuid4().hex
    delivery = Delivery(
        id=0,
        alert_id=0,
        user_id=user_id,
        channel=kind,
        destination=notifier.destination(config),
        idempotency_key=key,
        attempts=0,
        channel_id=channel_id,
        config=dict(config),
        secret=secret,
        locale=locale,
    )
    hidden = _secrets(settings, secret)
    try:
        async with asyncio.timeout(TEST_TIMEOUT_S):
            result = await notifier.send(delivery, sample_alert(), probe_message(locale))
    except TimeoutError:
        return ProbeResult(False, f"no answer within {TEST_TIMEOUT_S:g} s")
    except Exception as exc:  # a plugin bug: the user still gets an answer
        log.warning("test of %s channel %d raised %s", kind, channel_id, type(exc).__name__)
        return ProbeResult(False, scrub(f"unexpected error: {type(exc).__name__}", hidden))
    finally:
        if own:
            try:
                await notifier.aclose()
            except Exception as exc:
                log.debug("closing the %s test plugin: %s", kind, exc)
    if result.outcome is Outcome.SENT:
        return ProbeResult(True, None)
    reason = result.error or result.outcome.value
    if result.outcome is Outcome.THROTTLED and result.retry_after is not None:
        reason += f" (retry after {result.retry_after:g} s)"
    return ProbeResult(False, scrub(reason, hidden)[:500])
