"""E-mail digest: a channel's alerts collected in the outbox and sent as one mail per period,
exactly once even when a dispatcher dies or restarts (against aiosmtpd on loopback)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import Draft, World, deliveries, make_dispatcher
from tests.notify.test_email import Mailbox, _notifier, mailbox  # noqa: F401 - the fixture
from wickwatch.notify import repository as repo
from wickwatch.notify.email import digest_boundary
from wickwatch.storage.models import Alert, AlertDelivery
from wickwatch.storage.types import utcnow


async def _end_the_period(sessionmaker: async_sessionmaker[AsyncSession], ids: list[int]) -> None:
    """Time passes: the alerts were made a period earlier and their rows are due now."""
    async with sessionmaker() as session:
        for alert in await session.scalars(select(Alert)):
            alert.created_at -= timedelta(minutes=15)
        await session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id.in_(ids))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()


def test_periods_are_aligned_to_the_clock() -> None:
    at = datetime(2026, 1, 1, 10, 7, 30, tzinfo=UTC)
    assert digest_boundary(at, 15) == datetime(2026, 1, 1, 10, 15, tzinfo=UTC)
    assert digest_boundary(at, 60) == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    assert digest_boundary(at, 1440) == datetime(2026, 1, 2, tzinfo=UTC)
    assert digest_boundary(datetime(2026, 1, 1, 10, 15, tzinfo=UTC), 15) == datetime(
        2026, 1, 1, 10, 30, tzinfo=UTC
    )


async def test_alerts_of_a_period_arrive_as_one_mail_exactly_once(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],  # noqa: F811
) -> None:
    box, port = mailbox
    user = await world.user()
    await world.channel(user, "email", {"address": "digest@example.com", "digest_minutes": 15})
    await world.channel(user, "email", {"address": "now@example.com"})
    await world.alerts(
        [
            Draft(user_id=user, symbol="BTCUSDT", delta_pct=3.0, ts_ms=1_767_225_600_000),
            Draft(user_id=user, symbol="ETHUSDT", base="ETH", delta_pct=9.5),
            Draft(user_id=user, symbol="BTCUSDT", delta_pct=4.0, ts_ms=1_767_225_660_000),
        ],
        destinations=("email",),
    )

    await make_dispatcher(sessionmaker, {"email": _notifier(port)}, worker_id="one").run_once()

    assert [e.rcpt_tos for e, _m in box.messages] == [["now@example.com"]] * 3
    collected = [r for r in await deliveries(sessionmaker) if r.destination == "digest@example.com"]
    assert [r.status for r in collected] == ["pending"] * 3
    assert {r.attempts for r in collected} == {0}
    async with sessionmaker() as session:
        created = (await session.get(Alert, collected[0].alert_id)).created_at  # type: ignore[union-attr]
    boundary = digest_boundary(created, 15)
    assert {r.next_attempt_at for r in collected} == {boundary}
    assert timedelta(0) < boundary - created <= timedelta(minutes=15)

    await _end_the_period(sessionmaker, [r.id for r in collected])
    # A dispatcher claims the due rows and dies before sending: its lease runs out.
    async with sessionmaker() as session:
        claimed = await repo.claim(
            session, worker="dead", now=utcnow(), lease_s=0.3, limit=10, channels=["email"]
        )
    assert len(claimed) == 3
    await asyncio.sleep(0.5)

    restarted = make_dispatcher(sessionmaker, {"email": _notifier(port)}, worker_id="two")
    await restarted.run_once()
    await restarted.run_once()

    digests = [m for e, m in box.messages if e.rcpt_tos == ["digest@example.com"]]
    assert len(digests) == 1
    [mail] = digests
    assert mail["Subject"] == "[wickwatch] 3 alerts: BTCUSDT, ETHUSDT"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    lines = plain.splitlines()
    assert lines[0] == "⚡ 3 alerts"
    assert [line.split()[2] for line in lines[1:]] == ["BTCUSDT", "ETHUSDT", "BTCUSDT"]
    assert ["+3.00%" in lines[1], "+9.50%" in lines[2], "+4.00%" in lines[3]] == [True] * 3
    assert "ETHUSDT" in html.get_content()
    assert {r.status for r in await deliveries(sessionmaker)} == {"sent"}
    assert len(box.messages) == 4


async def test_a_single_alert_of_a_period_is_a_normal_mail(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],  # noqa: F811
) -> None:
    box, port = mailbox
    user = await world.user()
    await world.channel(user, "email", {"address": "digest@example.com", "digest_minutes": 5})
    ids = await world.alerts([Draft(user_id=user)], destinations=("email",))
    dispatcher = make_dispatcher(sessionmaker, {"email": _notifier(port)})
    await dispatcher.run_once()
    assert box.messages == []

    await _end_the_period(sessionmaker, ids)
    await dispatcher.run_once()

    [(_envelope, mail)] = box.messages
    assert mail["Subject"] == "[wickwatch] BTCUSDT +5.25% on Binance Futures"


async def test_a_busy_period_is_one_mail_with_every_alert(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    mailbox: tuple[Mailbox, int],  # noqa: F811
) -> None:
    """121 alerts in a period came as three mails of 50, 50 and 21 (the Telegram digest's
    size), and a mail listed about 40 lines, the rest as "and N more" (Telegram's length)."""
    box, port = mailbox
    user = await world.user(locale="ru")
    await world.channel(user, "email", {"address": "digest@example.com", "digest_minutes": 15})
    drafts = [
        Draft(user_id=user, symbol=f"C{i}USDT", base=f"C{i}", ts_ms=1_767_225_600_000 + i * 1000)
        for i in range(121)
    ]
    await world.alerts(drafts, destinations=("email",))
    await _end_the_period(sessionmaker, [r.id for r in await deliveries(sessionmaker)])
    dispatcher = make_dispatcher(sessionmaker, {"email": _notifier(port)}, worker_id="one")
    for _ in range(3):
        await dispatcher.run_once()
    assert len(box.messages) == 1
    [(_envelope, mail)] = box.messages
    assert mail["Subject"].startswith("[wickwatch] Сигналов: 121 — ")
    text = mail.get_body(("plain",))
    assert text is not None
    lines = text.get_content().splitlines()
    assert len(lines) == 122 and "C120USDT" in lines[-1]
    assert {r.status for r in await deliveries(sessionmaker)} == {"sent"}
