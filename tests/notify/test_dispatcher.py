"""The outbox: enqueueing, exclusive claims with leases, take-over, outcomes, concurrency."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.notify.conftest import SERVICE_TOKEN, Draft, World, deliveries, make_dispatcher
from wickwatch.config import Settings
from wickwatch.notify import repository as repo
from wickwatch.notify.base import Delivery, Notifier, SendResult
from wickwatch.notify.dispatcher import secret_opener
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.notify.templates import AlertLike, Rendered
from wickwatch.storage.models import Alert, AlertDelivery, Channel
from wickwatch.storage.types import utcnow


class Recorder(Notifier):
    """Counts sends per idempotency key; optionally slow and flaky."""

    slug = "webhook"

    def __init__(self, *, delay_s: float = 0.0, fail_every: int = 0) -> None:
        self.sends: Counter[str] = Counter()
        self.delay_s = delay_s
        self.fail_every = fail_every
        self.calls = 0

    async def send(self, delivery: Delivery, alert: AlertLike, rendered: Rendered) -> SendResult:
        self.calls += 1
        if self.delay_s:
            await asyncio.sleep(random.uniform(0, self.delay_s))
        if self.fail_every and self.calls % self.fail_every == 0:
            return SendResult.retry("flaky")
        self.sends[delivery.idempotency_key] += 1
        return SendResult.sent()


async def _webhook_user(world: World) -> int:
    user = await world.user()
    await world.channel(user, "webhook", {"url": "https://hooks.example.com/x"})
    return user


async def test_enqueue_writes_the_alert_and_one_row_per_enabled_channel(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await world.user()
    chat = await world.channel(user, "telegram", {"chat_id": 1})
    await world.channel(user, "telegram", {"chat_id": 2}, enabled=False)
    mail = await world.channel(user, "email", {"address": "a@example.com"})
    await world.channel(user, "webhook", {"url": "https://x.example/"})
    stranger = await world.user()
    await world.channel(stranger, "email", {"address": "b@example.com"})

    draft = Draft(user_id=user, template="{symbol}!", timezone="Asia/Tokyo", chart=True)
    async with sessionmaker() as session:
        await repo.create_alert_with_deliveries(session, draft, ["browser", "telegram", "email"])
        await session.rollback()  # nothing without the caller's commit
    assert await deliveries(sessionmaker) == []

    async with sessionmaker() as session:
        created = await repo.create_alert_with_deliveries(
            session, draft, ["browser", "telegram", "email"]
        )
        await session.commit()
    assert created is not None
    alert = created[0]
    stored = await deliveries(sessionmaker)
    assert [(r.channel, r.channel_id, r.status, r.attempts) for r in stored] == [
        ("telegram", chat, "pending", 0),
        ("email", mail, "pending", 0),
    ]
    assert stored[0].destination == "1 (bot)" and stored[1].destination == "a@example.com"
    assert len({r.idempotency_key for r in stored}) == 2
    assert all(r.alert_id == alert.id and r.user_id == user for r in stored)
    async with sessionmaker() as session:
        row = await session.get(Alert, alert.id)
        assert row is not None
        assert (row.template, row.timezone, row.chart) == ("{symbol}!", "Asia/Tokyo", True)
        assert str(row.price) == "64123.5" and row.symbol == "BTCUSDT"


async def test_many_alerts_are_enqueued_in_a_few_statements(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """A spike matched by many users is written in a few statements for the alerts and their
    deliveries (not two per alert: that held SQLite's write lock for seconds); alerts
    stored before and repeats inside the batch get nothing."""
    users = [await world.user() for _ in range(120)]
    chats = {uid: await world.channel(uid, "telegram", {"chat_id": uid}) for uid in users[:100]}
    async with sessionmaker() as session:
        before = await repo.create_alert_with_deliveries(session, Draft(user_id=users[0]))
        await session.commit()
    assert before is not None
    async with sessionmaker() as session:
        channels = {
            uid: list((await session.scalars(select(Channel).where(Channel.user_id == uid))).all())
            for uid in users
        }
    items = [(Draft(user_id=uid), channels[uid]) for uid in users]
    items.append((Draft(user_id=users[5]), channels[users[5]]))  # the same spike again
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    engine = sessionmaker.kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessionmaker() as session:
            created = await repo.create_alerts_with_deliveries(session, items)
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    # alerts and deliveries, each in batches of 2ᵏ rows (storage.statements): 121 alerts are
    # 64 + 32 + 16 + 8 + 1, 99 deliveries 64 + 32 + 2 + 1 — a few statements, not one per alert
    assert statements.count("INSERT") <= bin(121).count("1") + bin(99).count("1"), statements
    assert created[0] is None and created[-1] is None  # stored before / repeated
    made = [c for c in created if c is not None]
    assert len(made) == 119
    assert {alert.user_id for alert, _ in made} == set(users[1:])
    stored = await deliveries(sessionmaker)
    assert len(stored) == 1 + 99  # users[0]'s earlier alert and users[1:100]'s chats
    by_alert = {alert.id: (alert.user_id, ds) for alert, ds in made}
    for row in stored:
        if row.alert_id == before[0].id:
            continue
        uid, ds = by_alert[row.alert_id]
        assert (row.user_id, row.channel_id) == (uid, chats[uid])
        assert [d.id for d in ds] == [row.id]


async def test_enqueue_accepts_detections_alert_draft(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    from wickwatch.detection.drafts import AlertDraft

    user = await world.user()
    await world.channel(user, "telegram", {"chat_id": 1})
    draft = AlertDraft(
        user_id=user, exchange="okx", market="spot", symbol="ETH-USDT", base="ETH",
        quote="USDT", ts_ms=1_767_225_600_000, window_s=5, direction="down", delta_pct=3.5,
        wick_pct=40.0, volume_usd=None, price=2500.25, rule="group okx/spot/*", strategy=None,
        destinations=("browser", "telegram"), series_count=1, folded_count=2, chart=False,
        template="{symbol} {delta_formatted}", timezone="UTC",
    )  # fmt: skip
    async with sessionmaker() as session:
        created = await repo.create_alert_with_deliveries(session, draft)
        await session.commit()
    assert created is not None
    alert, [row] = created
    # An unknown USD volume stays unknown (NULL), never a made-up 0.
    assert (alert.direction, alert.folded_count, alert.volume_usd) == ("down", 2, None)
    assert row.channel == "telegram"


async def test_claims_are_exclusive_between_concurrent_claimers(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _webhook_user(world)
    ids = await world.alerts([Draft(user_id=user, destinations=("webhook",))] * 60)

    async def claimer(name: str) -> list[int]:
        taken: list[int] = []
        while True:
            async with sessionmaker() as session:
                rows = await repo.claim(session, worker=name, now=utcnow(), lease_s=30, limit=7)
            if not rows:
                return taken
            taken.extend(r.id for r in rows)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(claimer(f"w{i}") for i in range(4)))
    flat = [i for r in results for i in r]
    assert sorted(flat) == sorted(ids)  # every row once, no row twice
    rows = await deliveries(sessionmaker)
    assert {r.status for r in rows} == {"claimed"}
    owner = {i: f"w{n}" for n, taken in enumerate(results) for i in taken}
    assert all(r.locked_by == owner[r.id] for r in rows)


async def test_an_expired_lease_is_taken_over_and_the_old_holder_is_refused(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _webhook_user(world)
    [row_id] = await world.alerts([Draft(user_id=user, destinations=("webhook",))])
    start = utcnow()  # the clock is passed in, so a slow machine cannot expire the lease early
    async with sessionmaker() as session:
        [held] = await repo.claim(session, worker="a", now=start, lease_s=30, limit=10)
    assert held.status == "claimed"
    async with sessionmaker() as session:  # still leased
        later = start + timedelta(seconds=29)
        assert await repo.claim(session, worker="b", now=later, lease_s=30, limit=10) == []
    async with sessionmaker() as session:
        expired = start + timedelta(seconds=31)
        [taken] = await repo.claim(session, worker="b", now=expired, lease_s=30, limit=10)
    assert taken.id == row_id and taken.status == "claimed"
    async with sessionmaker() as session:
        assert await repo.mark_sending(session, [row_id], worker="a", lease_until=utcnow()) == set()
        owned = await repo.mark_sending(
            session, [row_id], worker="b", lease_until=utcnow() + timedelta(seconds=30)
        )
    assert owned == {row_id}


async def test_a_row_abandoned_while_sending_says_so_and_sent_wins(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _webhook_user(world)
    [row_id] = await world.alerts([Draft(user_id=user, destinations=("webhook",))])
    async with sessionmaker() as session:
        await repo.claim(session, worker="a", now=utcnow(), lease_s=30, limit=1)
        await repo.mark_sending(session, [row_id], worker="a", lease_until=utcnow())
    await asyncio.sleep(0.01)
    async with sessionmaker() as session:
        [taken] = await repo.claim(session, worker="b", now=utcnow(), lease_s=30, limit=1)
    assert taken.status == "sending" and taken.attempts == 1  # it may have arrived
    async with sessionmaker() as session:  # the original sender finishes late
        assert await repo.mark_sent(session, [row_id], now=utcnow()) == 1
        await session.commit()
    async with sessionmaker() as session:  # so the new holder does not send it again
        assert await repo.mark_sending(session, [row_id], worker="b", lease_until=utcnow()) == set()
    [row] = await deliveries(sessionmaker)
    assert (row.status, row.attempts, row.locked_by) == ("sent", 1, None)


async def test_retries_back_off_and_give_up(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    class Down(Recorder):
        async def send(
            self, delivery: Delivery, alert: AlertLike, rendered: Rendered
        ) -> SendResult:
            self.calls += 1
            return SendResult.retry("connection refused")

    user = await _webhook_user(world)
    await world.alerts([Draft(user_id=user, destinations=("webhook",))])
    down = Down()
    dispatcher = make_dispatcher(sessionmaker, {"webhook": down}, retry_base_s=10, retry_max_s=600)
    backoff = [dispatcher.backoff(n) for n in (1, 2, 3, 4, 20)]
    assert backoff == [10, 20, 40, 80, 600]  # doubling, capped
    dispatcher = make_dispatcher(sessionmaker, {"webhook": down}, max_attempts=4, retry_base_s=0.01)
    outcomes_before = _webhook_outcomes()
    with caplog.at_level("ERROR", logger="wickwatch.notify.dispatcher"):
        for _ in range(4):
            await dispatcher.run_once()
            [row] = await deliveries(sessionmaker)
            if row.status == "pending":
                assert row.next_attempt_at is not None and row.next_attempt_at > row.created_at
                await asyncio.sleep(0.1)
    [row] = await deliveries(sessionmaker)
    assert (row.status, row.attempts, down.calls) == ("failed", 4, 4)
    assert row.last_error == "gave up after 4 attempts: connection refused"
    after = _webhook_outcomes()
    assert {k: after[k] - outcomes_before[k] for k in after} == {"retry": 3, "failed": 1, "sent": 0}
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "failed after 4 attempts: connection refused" in record.getMessage()
    assert record.__dict__["delivery_id"] == row.id
    async with sessionmaker() as session:
        channel = await session.get(Channel, row.channel_id)
        assert channel is not None and channel.last_status == "failing"


def _webhook_outcomes() -> dict[str, float]:
    """``wickwatch_deliveries_total`` of the webhook channel, by outcome (the /metrics figures)."""
    return {
        outcome: REGISTRY.get_sample_value(
            "wickwatch_deliveries_total", {"channel": "webhook", "outcome": outcome}
        )
        or 0.0
        for outcome in ("retry", "failed", "sent")
    }


async def test_jitter_spreads_retries() -> None:
    from wickwatch.notify.dispatcher import Dispatcher, DispatcherConfig

    dispatcher = Dispatcher(None, {}, config=DispatcherConfig(retry_base_s=10, jitter=0.2))  # type: ignore[arg-type]
    delays = {round(dispatcher.backoff(3), 3) for _ in range(50)}
    assert len(delays) > 10 and all(32 <= d <= 48 for d in delays)


async def test_paused_deleted_and_unreadable_channels_are_settled_without_sending(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    user = await world.user()
    paused = await world.channel(user, "webhook", {"url": "https://a.example/"})
    deleted = await world.channel(user, "webhook", {"url": "https://b.example/"})
    await world.channel(user, "webhook", {"url": "https://c.example/"}, secret_ciphertext="garbage")
    await world.alerts([Draft(user_id=user, destinations=("webhook",))])
    async with sessionmaker() as session:
        await session.execute(update(Channel).where(Channel.id == paused).values(enabled=False))
        channel = await session.get(Channel, deleted)
        await session.delete(channel)
        await session.commit()
    recorder = Recorder()
    with caplog.at_level("ERROR"):
        await make_dispatcher(sessionmaker, {"webhook": recorder}).run_once()
    rows = await deliveries(sessionmaker)
    assert [(r.status, r.last_error) for r in rows] == [
        ("skipped", "the channel is paused"),
        ("skipped", "the channel was deleted"),
        ("failed", "the channel's secret is unreadable: cannot be decrypted"),
    ]
    assert recorder.calls == 0
    assert any("unreadable" in r.getMessage() for r in caplog.records)


async def test_rows_of_a_dead_dispatcher_are_sent_after_its_lease(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await _webhook_user(world)
    await world.alerts([Draft(user_id=user, destinations=("webhook",))] * 5)
    async with sessionmaker() as session:  # a dispatcher claims and dies
        dead = await repo.claim(session, worker="dead", now=utcnow(), lease_s=30, limit=3)
    recorder = Recorder()
    dispatcher = make_dispatcher(sessionmaker, {"webhook": recorder})
    assert await dispatcher.run_once() == 2  # the free ones
    async with sessionmaker() as session:  # its lease runs out (however slow the machine)
        await session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id.in_([r.id for r in dead]))
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    assert await dispatcher.run_once() == 3  # the dead one's, after its lease
    assert sorted(recorder.sends.values()) == [1] * 5
    assert {r.status for r in await deliveries(sessionmaker)} == {"sent"}


async def test_an_outcome_written_after_a_database_outage_is_not_sent_again(
    world: World,
    sessionmaker: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The message went out, then the database was away for longer than the few quick retries
    of a write: the "sent" waits and is written when the database is back; it was dropped,
    and the row sent again when its lease ran out."""
    user = await _webhook_user(world)
    await world.alerts([Draft(user_id=user, destinations=("webhook",))] * 3)
    back_at = asyncio.get_running_loop().time() + 4.0
    mark_sent = repo.mark_sent

    async def outage(*args: Any, **kwargs: Any) -> Any:
        if asyncio.get_running_loop().time() < back_at:
            raise ConnectionRefusedError("database away")
        return await mark_sent(*args, **kwargs)

    monkeypatch.setattr(repo, "mark_sent", outage)
    recorder = Recorder()
    assert await make_dispatcher(sessionmaker, {"webhook": recorder}, lease_s=3.0).run_once() == 3
    assert {r.status for r in await deliveries(sessionmaker)} == {"sent"}
    await asyncio.sleep(3.2)  # past any lease: nothing is left to take over
    other = make_dispatcher(sessionmaker, {"webhook": recorder}, lease_s=3.0)
    assert await other.run_once() == 0
    assert sorted(recorder.sends.values()) == [1, 1, 1]


async def test_a_crash_during_the_last_allowed_attempt_gives_up(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    user = await _webhook_user(world)
    [row_id] = await world.alerts([Draft(user_id=user, destinations=("webhook",))])
    async with sessionmaker() as session:
        await session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.id == row_id)
            .values(status="sending", attempts=3, locked_by="dead", locked_until=utcnow())
        )
        await session.commit()
    recorder = Recorder()
    with caplog.at_level("ERROR"):
        await make_dispatcher(sessionmaker, {"webhook": recorder}, max_attempts=3).run_once()
    [row] = await deliveries(sessionmaker)
    assert row.status == "failed" and "outcome unknown" in (row.last_error or "")
    assert recorder.calls == 0
    assert any("outcome is unknown" in r.getMessage() for r in caplog.records)


async def test_two_dispatchers_at_once_send_everything_exactly_once(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    users = [await _webhook_user(world) for _ in range(3)]
    drafts = [Draft(user_id=users[i % 3], destinations=("webhook",)) for i in range(300)]
    # Sends slow enough that a batch is still in flight when the other dispatcher claims
    # (with 10 ms, one could finish and claim again first on a loaded machine).
    recorder = Recorder(delay_s=0.1, fail_every=17)
    # Each may hold at most one batch, so neither can take the whole outbox while the other
    # waits for SQLite's write lock: both must claim, and still nothing is sent twice.
    first, second = (
        make_dispatcher(
            sessionmaker, {"webhook": recorder}, batch_size=20, max_inflight=20, worker_id=name
        )
        for name in ("one", "two")
    )
    tasks = [asyncio.create_task(d.run()) for d in (first, second)]
    try:
        for start in range(0, 300, 50):  # arriving while both run
            await world.alerts(drafts[start : start + 50])
            first.wake()
            second.wake()
        for _ in range(600):
            rows = await deliveries(sessionmaker)
            if all(r.status == "sent" for r in rows):
                break
            await asyncio.sleep(0.05)
    finally:
        first.stop()
        second.stop()
        await asyncio.gather(*tasks)
    rows = await deliveries(sessionmaker)
    assert len(rows) == 300 and {r.status for r in rows} == {"sent"}
    assert set(recorder.sends) == {r.idempotency_key for r in rows}
    assert set(recorder.sends.values()) == {1}
    assert first.sent > 0 and second.sent > 0  # both worked


async def test_two_dispatchers_share_telegram_pacing(
    world: World, sessionmaker: async_sessionmaker[AsyncSession], standin: TelegramStandIn
) -> None:
    """Per-chat and per-bot limits hold across dispatchers (slots live in the database)."""
    users = [await world.user() for _ in range(4)]
    for i, user in enumerate(users):
        await world.channel(user, "telegram", {"chat_id": 100 + i})
    notifiers = [
        TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url) for _ in range(2)
    ]
    dispatchers = [
        make_dispatcher(sessionmaker, {"telegram": n}, worker_id=f"d{i}", batch_size=3)
        for i, n in enumerate(notifiers)
    ]
    tasks = [asyncio.create_task(d.run()) for d in dispatchers]
    try:
        for wave in range(3):
            await world.alerts(
                [
                    Draft(user_id=u, template=f"{{symbol}} {wave}.{n}")
                    for u in users
                    for n in range(3)
                ]
            )
            for d in dispatchers:
                d.wake()
            await asyncio.sleep(0.4)
        for _ in range(300):
            if {r.status for r in await deliveries(sessionmaker)} == {"sent"}:
                break
            await asyncio.sleep(0.05)
    finally:
        for d in dispatchers:
            d.stop()
        await asyncio.gather(*tasks)
        for n in notifiers:
            await n.aclose()
    rows = await deliveries(sessionmaker)
    assert len(rows) == 36 and {r.status for r in rows} == {"sent"}
    assert standin.violations == []
    texts = [c.text or "" for c in standin.messages()]
    for user_index in range(4):
        got = "\n".join(c.text or "" for c in standin.messages(100 + user_index))
        delivered = sum(got.count(f"{w}.{n}") for w in range(3) for n in range(3))
        folded = got.count("BTCUSDT</a></b>")  # digest lines carry the symbol as a link
        assert delivered + folded == 9, got
    assert len(texts) < 36  # some were folded


async def test_the_accounts_key_opens_channel_secrets(tmp_path: object) -> None:
    from wickwatch.accounts.crypto import SecretBox, load_secret_key

    settings = Settings(secret_key="k" * 40, data_dir=tmp_path)  # type: ignore[arg-type]
    ciphertext = SecretBox([load_secret_key(settings)]).encrypt("123:bot-token")
    assert secret_opener(settings)(ciphertext) == "123:bot-token"


async def test_only_the_channels_a_dispatcher_runs_are_claimed(
    world: World, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    user = await world.user()
    await world.channel(user, "email", {"address": "a@example.com"})
    await world.channel(user, "webhook", {"url": "https://a.example/"})
    await world.alerts([Draft(user_id=user, destinations=("email", "webhook"))])
    recorder = Recorder()
    assert await make_dispatcher(sessionmaker, {"webhook": recorder}).run_once() == 1
    async with sessionmaker() as session:
        statuses = dict(
            (await session.execute(select(AlertDelivery.channel, AlertDelivery.status))).all()
        )
    assert statuses == {"email": "pending", "webhook": "sent"}
