"""Outbox storage: enqueue alerts with their deliveries, claim due deliveries under a lease,
record outcomes, pace sends across processes, and link Telegram chats with one-time codes.

Every state change of a delivery is one short transaction, guarded by ``locked_by`` so that a
dispatcher that lost its lease cannot overwrite the work of the one that took over (see
:mod:`wickwatch.notify.dispatcher` for the protocol and why it neither loses nor duplicates).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.channels.service import MAX_CHANNELS_PER_USER
from wickwatch.notify.templates import AlertLike
from wickwatch.storage.expressions import dialect_of, insert_for
from wickwatch.storage.models import (
    Alert,
    AlertDelivery,
    Channel,
    NotifyRateSlot,
    TelegramLinkCode,
    User,
)
from wickwatch.storage.models.alert import SPIKE
from wickwatch.storage.statements import one_of, power_of_two_batches
from wickwatch.storage.types import utcnow

PENDING = "pending"
CLAIMED = "claimed"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
SKIPPED = "skipped"
#: Rows a dispatcher holds under a lease.
HELD = (CLAIMED, SENDING)

#: Channels that have no outbox row: the browser reads the alerts table and the live bus.
NOT_IN_OUTBOX = frozenset({"browser"})

AD = AlertDelivery


# --- enqueue ---------------------------------------------------------------------------------


class DraftLike(AlertLike, Protocol):
    """What :func:`create_alert_with_deliveries` reads (a detection ``AlertDraft`` fits): what
    a message is rendered from, plus whose alert it is and which rule fired."""

    @property
    def user_id(self) -> int: ...
    @property
    def window_s(self) -> int: ...
    @property
    def rule(self) -> str: ...


def _decimal(value: float | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def _decimal_or_none(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else _decimal(value)


def _describe(kind: str, config: Mapping[str, Any]) -> str:
    from wickwatch.notify.registry import NOTIFIER_TYPES

    notifier = NOTIFIER_TYPES.get(kind)
    text = notifier.destination(config) if notifier is not None else ""
    return (text or kind)[:255]


#: The columns of ``ux_alerts_dedup``: one alert per user × market × second × kind × rule.
DEDUP_KEY = ("user_id", "exchange", "market", "symbol", "ts_ms", "kind", "rule")


async def create_alert_with_deliveries(
    session: AsyncSession,
    draft: DraftLike,
    destinations: Iterable[str] | None = None,
    *,
    channels: Sequence[Channel] | None = None,
) -> tuple[Alert, list[AlertDelivery]] | None:
    """Add the alert and one pending delivery per enabled channel of each destination kind
    (``telegram``, ``email``, ``webhook``) in the caller's transaction; the caller commits.

    Idempotent: when an alert with the same :data:`DEDUP_KEY` is already stored (another
    collector, or this one before a restart, wrote the same spike) nothing is added and None is
    returned — the database's unique index decides, so it holds across processes.

    ``destinations`` defaults to ``draft.destinations``; ``channels`` may pass the user's channels
    already loaded (otherwise they are read). ``browser`` gets no outbox row: the alert row is
    what the browser shows. Kind, template, timezone and chart flag are taken from the draft when
    it has them, so the message is rendered as the user configured it when the alert fired.
    """
    kinds = list(destinations if destinations is not None else getattr(draft, "destinations", ()))
    wanted = {k for k in kinds if k not in NOT_IN_OUTBOX}
    if channels is None and wanted:
        channels = list(
            (
                await session.scalars(
                    select(Channel)
                    .where(Channel.user_id == draft.user_id, Channel.kind.in_(wanted))
                    .order_by(Channel.id)
                )
            ).all()
        )
    [created] = await create_alerts_with_deliveries(
        session, [(draft, channels or ())], destinations=[kinds]
    )
    return created


async def create_alerts_with_deliveries(
    session: AsyncSession,
    items: Sequence[tuple[DraftLike, Sequence[Channel]]],
    *,
    destinations: Sequence[Iterable[str]] | None = None,
) -> list[tuple[Alert, list[AlertDelivery]] | None]:
    """:func:`create_alert_with_deliveries` for many alerts at once, each with its user's
    channels (already loaded): ``INSERT … ON CONFLICT DO NOTHING RETURNING`` for the alerts
    and an insert for their deliveries, in a few batches whatever their number. A spike that
    matches thousands of users is thousands of alerts; one statement per alert would hold
    SQLite's write lock for seconds on a busy event loop. Returns, per item, the alert with its
    deliveries, or None where the alert was stored already (or repeats an earlier item)."""
    if not items:
        return []
    now = utcnow()
    rows = [_alert_values(draft, now) for draft, _ in items]
    statement = (
        insert_for(session)(Alert)
        .on_conflict_do_nothing(index_elements=[getattr(Alert, c) for c in DEDUP_KEY])
        .returning(Alert)
    )
    stored = {
        tuple(getattr(alert, c) for c in DEDUP_KEY): alert
        for batch in power_of_two_batches(rows)  # few statement texts: storage.statements
        for alert in (await session.scalars(statement, batch)).all()
    }
    created: list[tuple[int, Alert, int]] = []  #: item, its alert, its number of deliveries
    delivery_rows: list[dict[str, Any]] = []
    for i, (draft, channels) in enumerate(items):
        alert = stored.pop(tuple(rows[i][c] for c in DEDUP_KEY), None)
        if alert is None:  # stored before, or a repeat of an earlier item of this call
            continue
        kinds = destinations[i] if destinations is not None else getattr(draft, "destinations", ())
        wanted = {k for k in kinds if k not in NOT_IN_OUTBOX}
        before = len(delivery_rows)
        delivery_rows.extend(
            {
                "alert_id": alert.id,
                "user_id": draft.user_id,
                "channel": channel.kind,
                "channel_id": channel.id,
                "destination": _describe(channel.kind, channel.config or {}),
                "idempotency_key": uuid.uuid4().hex,
                "status": PENDING,
                "attempts": 0,
                "created_at": now,
            }
            for channel in channels
            if channel.kind in wanted and channel.enabled and channel.user_id == draft.user_id
        )
        created.append((i, alert, len(delivery_rows) - before))
    by_key: dict[str, AlertDelivery] = {}
    if delivery_rows:  # matched back by their unique key
        statement = insert(AlertDelivery).returning(AlertDelivery)
        by_key = {
            d.idempotency_key: d
            for batch in power_of_two_batches(delivery_rows)
            for d in await session.scalars(statement, batch)
        }
    results: list[tuple[Alert, list[AlertDelivery]] | None] = [None] * len(items)
    taken = 0
    for i, alert, count in created:
        keys = (row["idempotency_key"] for row in delivery_rows[taken : taken + count])
        results[i] = (alert, [by_key[key] for key in keys])
        taken += count
    return results


def _alert_values(draft: DraftLike, now: datetime) -> dict[str, Any]:
    return {
        "user_id": draft.user_id,
        "kind": getattr(draft, "kind", SPIKE),
        "exchange": draft.exchange,
        "market": draft.market,
        "symbol": draft.symbol,
        "base": draft.base,
        "quote": draft.quote,
        "ts_ms": draft.ts_ms,
        "window_s": draft.window_s,
        "direction": draft.direction,
        "delta_pct": float(draft.delta_pct),
        "wick_pct": float(draft.wick_pct),
        "volume_usd": _decimal_or_none(draft.volume_usd),
        "price": _decimal(draft.price),
        "rule": draft.rule[:120],
        "strategy": draft.strategy[:120] if draft.strategy else None,
        "series_count": draft.series_count,
        "folded_count": draft.folded_count,
        "template": getattr(draft, "template", None),
        "timezone": getattr(draft, "timezone", None),
        "chart": bool(getattr(draft, "chart", False)),
        "created_at": now,
    }


# --- claim and outcomes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    """A delivery this dispatcher now holds, with what it needs to send it."""

    id: int
    alert_id: int
    user_id: int
    channel: str
    channel_id: int | None
    destination: str
    idempotency_key: str
    #: ``sending`` when a dispatcher died after starting to send it (it may have arrived).
    status: str
    attempts: int
    alert: Alert
    channel_row: Channel | None
    locale: str


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(AD.status == PENDING, or_(AD.next_attempt_at.is_(None), AD.next_attempt_at <= now)),
        and_(AD.status.in_(HELD), or_(AD.locked_until.is_(None), AD.locked_until < now)),
    )


async def claim(
    session: AsyncSession,
    *,
    worker: str,
    now: datetime,
    lease_s: float,
    limit: int,
    channels: Iterable[str] | None = None,
    channel_ids: Iterable[int] | None = None,
) -> list[ClaimedRow]:
    """Take up to ``limit`` due deliveries (oldest first) under a lease until ``now + lease_s``.

    Due: ``pending`` whose ``next_attempt_at`` has come, or held by a dispatcher whose lease ran
    out. PostgreSQL locks the chosen rows with ``FOR UPDATE SKIP LOCKED`` (concurrent claimers
    take disjoint rows without waiting); SQLite runs the same single ``UPDATE … WHERE id IN
    (SELECT …) RETURNING`` under its database write lock. Either way, one statement both checks
    that a row is due and takes it, so two dispatchers never hold the same row. A row taken over
    from ``sending`` keeps that status, so the new holder knows it may already have been sent.
    Only rows of ``channels`` (the plugins this dispatcher runs) are taken, and of
    ``channel_ids`` when given (the rest of a digest's rows). Commits.
    """
    condition = _due(now)
    if channels is not None:
        condition = and_(AD.channel.in_(list(channels)), condition)
    if channel_ids is not None:
        condition = and_(one_of(AD.channel_id, set(channel_ids), dialect_of(session)), condition)
    # A plain read first: idle pollers then never take SQLite's write lock (nor row locks).
    if (await session.execute(select(AD.id).where(condition).limit(1))).first() is None:
        await session.commit()
        return []
    due = (
        select(AD.id)
        .where(condition)
        .order_by(AD.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    statement = (
        update(AD)
        .where(AD.id.in_(select(due.c.id)))
        .values(
            status=func.coalesce(
                func.nullif(AD.status, PENDING), CLAIMED
            ),  # pending → claimed; claimed/sending stay
            locked_by=worker,
            locked_until=now + timedelta(seconds=lease_s),
        )
        .returning(
            AD.id,
            AD.alert_id,
            AD.user_id,
            AD.channel,
            AD.channel_id,
            AD.destination,
            AD.idempotency_key,
            AD.status,
            AD.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    rows = sorted((await session.execute(statement)).all(), key=lambda r: r.id)
    if not rows:
        await session.commit()
        return []
    dialect = dialect_of(session)
    alerts = {
        a.id: a
        for a in await session.scalars(
            select(Alert).where(one_of(Alert.id, {r.alert_id for r in rows}, dialect))
        )
    }
    channel_ids = {r.channel_id for r in rows if r.channel_id is not None}
    channel_rows: dict[int, Channel] = {}
    if channel_ids:
        for c in await session.scalars(
            select(Channel).where(one_of(Channel.id, channel_ids, dialect))
        ):
            channel_rows[c.id] = c
    locales = dict(
        (
            await session.execute(
                select(User.id, User.locale).where(
                    one_of(User.id, {r.user_id for r in rows}, dialect)
                )
            )
        ).all()
    )
    await session.commit()
    return [
        ClaimedRow(
            id=r.id,
            alert_id=r.alert_id,
            user_id=r.user_id,
            channel=r.channel,
            channel_id=r.channel_id,
            destination=r.destination,
            idempotency_key=r.idempotency_key,
            status=r.status,
            attempts=r.attempts,
            alert=alerts[r.alert_id],
            channel_row=channel_rows.get(r.channel_id) if r.channel_id is not None else None,
            locale=locales.get(r.user_id, "en"),
        )
        for r in rows
    ]


async def mark_sending(
    session: AsyncSession, ids: Sequence[int], *, worker: str, lease_until: datetime
) -> set[int]:
    """The point of no return before a send: the rows this worker still holds become
    ``sending`` (one more attempt) in a committed transaction; returns those ids. Rows whose
    lease another dispatcher took over are not returned and must not be sent."""
    if not ids:
        return set()
    result = await session.execute(
        update(AD)
        .where(one_of(AD.id, ids, dialect_of(session)), AD.locked_by == worker, AD.status.in_(HELD))
        .values(status=SENDING, attempts=AD.attempts + 1, locked_until=lease_until)
        .returning(AD.id)
        .execution_options(synchronize_session=False)
    )
    owned = set(result.scalars().all())
    await session.commit()
    return owned


async def mark_sent(session: AsyncSession, ids: Sequence[int], *, now: datetime) -> int:
    """Sent is the truth whoever holds the row now: a dispatcher that took the row over is then
    refused at :func:`mark_sending` and does not send it again."""
    if not ids:
        return 0
    result = await session.execute(
        update(AD)
        .where(one_of(AD.id, ids, dialect_of(session)), AD.status.in_(HELD))
        .values(
            status=SENT,
            sent_at=now,
            locked_by=None,
            locked_until=None,
            next_attempt_at=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def mark_retry(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    worker: str,
    next_attempt_at: datetime,
    error: str | None,
) -> int:
    """Back to ``pending`` until ``next_attempt_at``, lease released."""
    if not ids:
        return 0
    values: dict[str, Any] = {
        "status": PENDING,
        "next_attempt_at": next_attempt_at,
        "locked_by": None,
        "locked_until": None,
    }
    if error is not None:
        values["last_error"] = error[:2000]
    result = await session.execute(
        update(AD)
        .where(one_of(AD.id, ids, dialect_of(session)), AD.locked_by == worker, AD.status.in_(HELD))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def mark_final(
    session: AsyncSession,
    ids: Sequence[int],
    *,
    worker: str | None,
    status: str,
    error: str,
) -> int:
    """``failed`` or ``skipped`` with the reason; ``worker=None`` for rows nobody holds."""
    if not ids:
        return 0
    condition = AD.locked_by == worker if worker is not None else AD.locked_by.is_(None)
    result = await session.execute(
        update(AD)
        .where(one_of(AD.id, ids, dialect_of(session)), condition, AD.status.in_((*HELD, PENDING)))
        .values(status=status, last_error=error[:2000], locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def unsend(
    session: AsyncSession, ids: Sequence[int], *, worker: str, take_back_attempt: bool = True
) -> int:
    """``sending`` back to ``claimed`` and (unless ``take_back_attempt`` is false) the attempt
    taken back: the receiver answered that it delivered nothing (throttled), so the rows are
    provably unsent again. The caller commits."""
    if not ids:
        return 0
    result = await session.execute(
        update(AD)
        .where(
            one_of(AD.id, ids, dialect_of(session)), AD.locked_by == worker, AD.status == SENDING
        )
        .values(status=CLAIMED, attempts=AD.attempts - 1 if take_back_attempt else AD.attempts)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def extend_leases(
    session: AsyncSession, ids: Sequence[int], *, worker: str, until: datetime
) -> set[int]:
    """Renew the lease of rows this worker still holds; returns those ids. Commits."""
    if not ids:
        return set()
    result = await session.execute(
        update(AD)
        .where(one_of(AD.id, ids, dialect_of(session)), AD.locked_by == worker, AD.status.in_(HELD))
        .values(locked_until=until)
        .returning(AD.id)
        .execution_options(synchronize_session=False)
    )
    owned = set(result.scalars().all())
    await session.commit()
    return owned


async def expire_abandoned(
    session: AsyncSession, *, now: datetime, max_attempts: int
) -> list[tuple[int, int, str, int]]:
    """Give up rows whose dispatcher died while sending their last allowed attempt (outcome
    unknown); returns ``(id, user_id, channel, attempts)`` of each. Commits."""
    result = await session.execute(
        update(AD)
        .where(
            AD.status == SENDING,
            AD.locked_until < now,
            AD.attempts >= max_attempts,
        )
        .values(
            status=FAILED,
            locked_by=None,
            locked_until=None,
            last_error="the dispatcher stopped while sending the last attempt; outcome unknown",
        )
        .returning(AD.id, AD.user_id, AD.channel, AD.attempts)
        .execution_options(synchronize_session=False)
    )
    rows = [(r.id, r.user_id, r.channel, r.attempts) for r in result]
    await session.commit()
    return rows


async def set_channel_status(
    session: AsyncSession,
    channel_ids: Iterable[int],
    *,
    status: str,
    error: str | None,
    now: datetime,
) -> None:
    """What the user sees on the channel: ``ok`` / ``retrying`` / ``failing`` and the last
    error (``updated_at`` is the user's edit time and stays)."""
    ids = sorted(set(channel_ids))
    if not ids:
        return
    await session.execute(
        update(Channel)
        .where(one_of(Channel.id, ids, dialect_of(session)))
        .values(
            last_status=status,
            last_status_at=now,
            last_error=None if error is None else error[:2000],
            updated_at=Channel.updated_at,
        )
        .execution_options(synchronize_session=False)
    )


async def update_channel_config(
    session: AsyncSession, channel_id: int, changes: Mapping[str, Any]
) -> None:
    """Apply a receiver's correction (a group's new supergroup id) to the channel. A service-bot
    chat the user has another channel for already is merged into that one
    (:func:`merge_channel`): two channels of one chat send every alert twice."""
    channel = await session.get(Channel, channel_id)
    if channel is None:
        return
    if "chat_id" in changes and _is_service_chat(channel):
        twin = await _users_chat_channel(session, channel.user_id, changes["chat_id"])
        if twin is not None and twin.id != channel.id:
            await merge_channel(session, channel, into=twin)
            return
    channel.config = {**(channel.config or {}), **changes}


def _is_service_chat(channel: Channel) -> bool:
    return channel.kind == "telegram" and (channel.config or {}).get("bot", "service") == "service"


async def _users_chat_channel(
    session: AsyncSession, user_id: int, chat_id: int | str
) -> Channel | None:
    """The user's service-bot channel of this chat, if any."""
    return next((c for c in await chat_channels(session, chat_id) if c.user_id == user_id), None)


async def merge_channel(session: AsyncSession, channel: Channel, *, into: Channel) -> None:
    """Delete ``channel``, a second channel of the chat ``into`` delivers to: its deliveries
    (pending ones and the history /status counts) and link codes move over, and ``into`` keeps
    its own state (paused or not, mutes: the chat's latest). The caller commits."""
    await session.execute(
        update(AD)
        .where(AD.channel_id == channel.id)
        .values(channel_id=into.id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(TelegramLinkCode)
        .where(TelegramLinkCode.channel_id == channel.id)
        .values(channel_id=into.id)
        .execution_options(synchronize_session=False)
    )
    await session.delete(channel)
    await session.flush()


async def migrate_chat(session: AsyncSession, old_chat: int, new_chat: int) -> int:
    """A group became a supergroup (Telegram's ``migrate_to_chat_id``): every service-bot
    channel of the old chat now delivers to the new one, merged into the user's channel of the
    new chat when there is one. Returns how many channels moved. The caller commits."""
    moved = 0
    for channel in await chat_channels(session, old_chat):
        twin = await _users_chat_channel(session, channel.user_id, new_chat)
        if twin is not None:
            await merge_channel(session, channel, into=twin)
        else:
            channel.config = {
                **(channel.config or {}),
                "chat_id": new_chat,
                "chat_type": "supergroup",
            }
            await session.flush()
        moved += 1
    return moved


# --- pacing across processes -----------------------------------------------------------------


def slot_span_ms(interval_s: float, hold_s: float = 0.0) -> int:
    """How far one reservation moves a key's next slot."""
    return max(1, round((interval_s + hold_s) * 1000))


async def reserve_slot(
    session: AsyncSession,
    key: str,
    *,
    interval_s: float,
    now_ms: int,
    hold_s: float = 0.0,
    commit: bool = True,
) -> int:
    """Reserve the next send slot of ``key``: returns its time (epoch ms, ≥ ``now_ms``) and moves
    the key's next free slot ``interval_s`` (plus ``hold_s``) after it, in one atomic upsert.

    ``hold_s`` keeps the key for the request in flight: nobody else gets a slot until the holder
    reports when the receiver answered (:func:`settle_slot`) or the hold runs out."""
    interval_ms = slot_span_ms(interval_s, hold_s)
    insert = insert_for(session)
    greatest = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
    statement = (
        insert(NotifyRateSlot)
        .values(key=key, next_ms=now_ms + interval_ms)
        .on_conflict_do_update(
            index_elements=[NotifyRateSlot.key],
            set_={"next_ms": greatest(NotifyRateSlot.next_ms, now_ms) + interval_ms},
        )
        .returning(NotifyRateSlot.next_ms)
    )
    next_ms = int((await session.execute(statement)).scalar_one())
    if commit:
        await session.commit()
    return next_ms - interval_ms


async def defer_slot(
    session: AsyncSession, key: str, *, not_before_ms: int, commit: bool = True
) -> None:
    """Nothing under ``key`` before ``not_before_ms`` (a receiver's ``retry_after``, or one
    interval after the request that actually went out)."""
    insert = insert_for(session)
    greatest = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
    await session.execute(
        insert(NotifyRateSlot)
        .values(key=key, next_ms=not_before_ms)
        .on_conflict_do_update(
            index_elements=[NotifyRateSlot.key],
            set_={"next_ms": greatest(NotifyRateSlot.next_ms, not_before_ms)},
        )
    )
    if commit:
        await session.commit()


async def acquire_slot(
    session: AsyncSession, key: str, *, interval_s: float, hold_s: float, now_ms: int
) -> int | None:
    """Take ``key`` now if its next slot has come: it is then reserved until ``now_ms +
    interval_s + hold_s`` (the holder settles it when the receiver answers, see
    :func:`settle_slot`) and None is returned. Otherwise nothing changes and the time (epoch ms)
    the key is busy until is returned. The caller commits."""
    span = slot_span_ms(interval_s, hold_s)
    inserted = await session.execute(
        insert_for(session)(NotifyRateSlot)
        .values(key=key, next_ms=now_ms + span)
        .on_conflict_do_nothing(index_elements=[NotifyRateSlot.key])
        .returning(NotifyRateSlot.key)
    )
    if inserted.first() is not None:
        return None
    taken = await session.execute(
        update(NotifyRateSlot)
        .where(NotifyRateSlot.key == key, NotifyRateSlot.next_ms <= now_ms)
        .values(next_ms=now_ms + span)
        .returning(NotifyRateSlot.key)
        .execution_options(synchronize_session=False)
    )
    if taken.first() is not None:
        return None
    busy = await session.scalar(select(NotifyRateSlot.next_ms).where(NotifyRateSlot.key == key))
    return int(busy) if busy is not None else now_ms


async def settle_slot(
    session: AsyncSession, key: str, *, reserved_ms: int, next_ms: int, commit: bool = True
) -> None:
    """The holder of the reservation that set ``key`` to ``reserved_ms`` reports the real next
    slot: replaced when nobody reserved after it, otherwise only ever moved later."""
    greatest = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
    await session.execute(
        update(NotifyRateSlot)
        .where(NotifyRateSlot.key == key)
        .values(
            next_ms=case(
                (NotifyRateSlot.next_ms == reserved_ms, next_ms),
                else_=greatest(NotifyRateSlot.next_ms, next_ms),
            )
        )
        .execution_options(synchronize_session=False)
    )
    if commit:
        await session.commit()


async def purge_slots(session: AsyncSession, *, before_ms: int) -> int:
    """Forget slots of keys idle since ``before_ms``. Commits."""
    result = await session.execute(delete(NotifyRateSlot).where(NotifyRateSlot.next_ms < before_ms))
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- Telegram chat linking -------------------------------------------------------------------

LINK_CODE_TTL = timedelta(minutes=15)


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


async def purge_link_codes(session: AsyncSession, *, before: datetime) -> int:
    """Delete link codes that expired before ``before`` (used or not); the caller commits."""
    result = await session.execute(
        delete(TelegramLinkCode).where(TelegramLinkCode.expires_at < before)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def create_link_code(
    session: AsyncSession,
    user_id: int,
    *,
    now: datetime | None = None,
    ttl: timedelta = LINK_CODE_TTL,
) -> str:
    """A fresh one-time code for ``/start <code>`` (only its hash is stored). The caller commits.
    Shown to the user as ``https://t.me/<bot>?start=<code>`` or for groups ``/start <code>``."""
    now = now or utcnow()
    code = secrets.token_urlsafe(12)
    session.add(TelegramLinkCode(code_hash=_hash_code(code), user_id=user_id, expires_at=now + ttl))
    await session.flush()
    return code


class ChannelLimitReached(Exception):
    """The account has as many channels as it may (the limit the API keeps too)."""


async def redeem_link_code(
    session: AsyncSession,
    code: str,
    *,
    chat_id: int,
    chat_type: str,
    title: str,
    now: datetime | None = None,
) -> Channel | None:
    """Link the chat to the code's user: creates (or re-enables) their service-bot Telegram
    channel for this chat and uses the code up. None when the code is unknown, used or expired;
    :class:`ChannelLimitReached` (roll back) when a new channel would pass the account's limit.
    The caller commits."""
    now = now or utcnow()
    claimed = await session.execute(
        update(TelegramLinkCode)
        .where(
            TelegramLinkCode.code_hash == _hash_code(code),
            TelegramLinkCode.used_at.is_(None),
            TelegramLinkCode.expires_at > now,
        )
        .values(used_at=now)
        .returning(TelegramLinkCode.user_id)
        .execution_options(synchronize_session=False)
    )
    user_id = claimed.scalar_one_or_none()
    if user_id is None:
        return None
    existing = [
        c
        for c in await session.scalars(
            select(Channel).where(Channel.user_id == user_id, Channel.kind == "telegram")
        )
        if (c.config or {}).get("bot", "service") == "service"
        and str((c.config or {}).get("chat_id")) == str(chat_id)
    ]
    config = {"chat_id": chat_id, "chat_type": chat_type, "bot": "service", "title": title}
    if not existing:
        count = await session.scalar(
            select(func.count()).select_from(Channel).where(Channel.user_id == user_id)
        )
        if (count or 0) >= MAX_CHANNELS_PER_USER:
            # The caller rolls back: the code stays unused for after the user deletes one.
            raise ChannelLimitReached(MAX_CHANNELS_PER_USER)
    if existing:
        channel = existing[0]
        channel.config = {**(channel.config or {}), **config}
        channel.enabled = True
    else:
        channel = Channel(
            user_id=user_id,
            kind="telegram",
            name=(f"Telegram: {title}" if title else f"Telegram {chat_id}")[:120],
            config=config,
            enabled=True,
        )
        session.add(channel)
    await session.flush()
    await session.execute(
        update(TelegramLinkCode)
        .where(TelegramLinkCode.code_hash == _hash_code(code))
        .values(channel_id=channel.id)
        .execution_options(synchronize_session=False)
    )
    return channel


async def chat_channels(session: AsyncSession, chat_id: int | str) -> list[Channel]:
    """Every service-bot Telegram channel (of any user) that delivers to ``chat_id``.

    Filtered by the chat in SQL (the id as text: stored as a JSON number or string): anybody can
    message the bot, and loading every user's Telegram channel per command would let a chatty
    group slow the whole bot down."""
    chat = cast(Channel.config["chat_id"].as_string(), String)
    rows = await session.scalars(
        select(Channel).where(Channel.kind == "telegram", chat == str(chat_id))
    )
    return [
        c
        for c in rows
        if (c.config or {}).get("bot", "service") == "service"
        and str((c.config or {}).get("chat_id")) == str(chat_id)
    ]


async def delivery_counts(
    session: AsyncSession, channel_ids: Sequence[int], *, since: datetime
) -> dict[str, int]:
    """Deliveries of these channels since ``since`` by status."""
    if not channel_ids:
        return {}
    rows = await session.execute(
        select(AD.status, func.count())
        .where(one_of(AD.channel_id, channel_ids, dialect_of(session)), AD.created_at >= since)
        .group_by(AD.status)
    )
    return {status: int(n) for status, n in rows.all()}
