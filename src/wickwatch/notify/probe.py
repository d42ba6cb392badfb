""" "Send test": one message through a channel's real plugin, right away and outside the outbox.

The user presses the button to learn whether the channel works, so the answer is the plugin's
own verdict — ``ok`` or a short human-readable reason (bad token, SMTP refused, webhook 500) —
never an exception, and never a secret: the channel's secret and the operator's credentials are
masked out of every reason before it leaves.

Given a database session, a test takes its turn like an alert: it waits for the chat's and the
bot's send slots that every dispatcher shares (a test pressed just after an alert, or twice in a
row, would otherwise break Telegram's one-message-a-second per chat and earn the bot a flood
wait), and a ``retry_after`` it is answered with holds the dispatchers off the chat too. A chat
still busy after :data:`MAX_TURN_WAIT_S`, or held off by a receiver's ``retry_after``, is not
waited for: the user is told when to try.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.config import Settings
from wickwatch.notify import repository as repo
from wickwatch.notify.base import Delivery, Notifier, Outcome, Pacing, SendResult
from wickwatch.notify.templates import Rendered, alert_payload, html_to_text
from wickwatch.storage.models import Alert

log = logging.getLogger(__name__)

#: Longest a test may take (the slowest plugin times out after 20 s).
TEST_TIMEOUT_S = 30.0
MASK = "••••"
#: Longest a test waits for its chat's turn (alerts being sent to it, a flood wait).
MAX_TURN_WAIT_S = 5.0

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
    session: AsyncSession | None = None,
) -> ProbeResult:
    """Send a test message through the channel now; ``notifier`` defaults to the plugin built from
    ``settings`` (closed afterwards). With ``session`` the send takes the channel's turn in the
    send slots the dispatchers share (committed at once: no connection is held while sending)."""
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

    async def attempt(delivery: Delivery) -> SendResult:
        pacing = notifier.pacing(delivery) if session is not None else None
        if pacing is None or pacing.fold_all:  # a digest lane orders digests, not messages
            return await notifier.send(delivery, sample_alert(), probe_message(locale))
        assert session is not None
        return await _send_in_turn(session, pacing, notifier, delivery, locale)

    try:
        async with asyncio.timeout(TEST_TIMEOUT_S):
            result = await attempt(delivery)
            if result.config_update:
                # The receiver moved (a group became a supergroup, a new chat id): stored, as
                # the dispatcher does, or every test would fail the same way; and tried once
                # more at the new place, in that chat's turn.
                if session is not None:
                    await repo.update_channel_config(session, channel_id, result.config_update)
                    await session.commit()
                moved = {**delivery.config, **result.config_update}
                delivery = replace(delivery, config=moved, destination=notifier.destination(moved))
                result = await attempt(delivery)
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


async def _send_in_turn(
    session: AsyncSession, pacing: Pacing, notifier: Notifier, delivery: Delivery, locale: str
) -> SendResult:
    """Take the lane like the dispatcher does (:func:`repository.acquire_slot`, the shared bot
    slots after it), send, and settle the lane one interval after the answer — or after the
    receiver's ``retry_after``. Throttled, without sending, when the lane stays busy longer than
    the wait allowed."""
    give_up_at = time.time() + MAX_TURN_WAIT_S
    # A lane reserved for a request in flight looks busy for its whole hold (the sender
    # settles it as soon as the answer is in): only a lane deferred beyond that — a receiver's
    # retry_after — is not waited for at all.
    longest_hold_s = pacing.interval_s + pacing.hold_s
    while True:
        now_ms = int(time.time() * 1000)
        busy = await repo.acquire_slot(
            session, pacing.lane, interval_s=pacing.interval_s, hold_s=pacing.hold_s, now_ms=now_ms
        )
        if busy is None:
            break
        await session.commit()
        now = time.time()
        if busy / 1000 - now > longest_hold_s or now >= give_up_at:
            wait = math.ceil(busy / 1000 - now)
            return SendResult.throttled(wait, "alerts are being sent to this chat")
        await asyncio.sleep(min(max(busy / 1000 - now, 0.01), 0.1))
    reserved_ms = now_ms + repo.slot_span_ms(pacing.interval_s, pacing.hold_s)
    at_ms = now_ms
    for key, interval in pacing.shared:
        at_ms = await repo.reserve_slot(
            session, key, interval_s=interval, now_ms=at_ms, commit=False
        )
    await session.commit()
    next_at = time.time() + pacing.interval_s
    try:
        delay = at_ms / 1000 - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        result = await notifier.send(delivery, sample_alert(), probe_message(locale))
        pause = pacing.interval_s
        if result.outcome is Outcome.THROTTLED:
            pause = max(result.retry_after or 1.0, pause)
        next_at = time.time() + pause
        return result
    finally:
        # Shielded: a test cancelled by its timeout still hands the lane back (it would
        # otherwise stay held for the whole hold, delaying the chat's alerts).
        await asyncio.shield(_settle(session, pacing.lane, reserved_ms, next_at))


async def _settle(session: AsyncSession, lane: str, reserved_ms: int, next_at: float) -> None:
    try:
        await repo.settle_slot(session, lane, reserved_ms=reserved_ms, next_ms=int(next_at * 1000))
    except Exception as exc:  # the hold runs out by itself
        log.warning("the test could not hand its chat's send slot back: %s", type(exc).__name__)
        await session.rollback()
