"""The outbox dispatcher: claims due deliveries under a lease and sends them through the plugins.

Life of a delivery (``alert_deliveries.status``)::

    pending ──claim──▶ claimed ──mark_sending──▶ sending ──send ok──▶ sent
       ▲                  │                        │
       └── retry (back-off, attempts < max) ◀──────┤──▶ failed (permanent, or attempts used up)
                           └──▶ skipped (channel deleted, paused, symbol muted)

Every arrow is a committed transaction (several rows share one where they can: a claim takes a
batch, ``mark_sending`` of every lane and batch that starts while one is being written is
written together, and so are outcomes):

1. **claim** — one statement picks due rows (``pending`` whose ``next_attempt_at`` passed, or
   ``claimed``/``sending`` whose lease ran out) and stamps ``locked_by`` = this dispatcher and
   ``locked_until`` = now + lease (PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite one atomic
   ``UPDATE … RETURNING``). Two dispatchers can never hold the same row.
2. **mark_sending** — right before the request, only for rows the dispatcher still holds
   (``WHERE locked_by = me``): ``sending``, ``attempts + 1``, lease renewed. A row whose lease
   another dispatcher took over is not returned and is not sent.
3. **send**, then **record** — ``sent`` (by anyone, so a late original sender still settles it
   and the taker-over's ``mark_sending`` then refuses it), or back to ``pending`` with back-off,
   or ``failed`` after ``max_attempts`` (logged at ERROR → the admin's error log; the channel's
   ``last_status``/``last_error`` show it to the user).

A heartbeat renews the lease of every held row every third of the lease; requests time out long
before a lease ends.

**Why nothing is lost**: a row leaves the due set only by ``sent``/``failed``/``skipped``, each
written after the outcome is known. A dispatcher killed at any moment leaves its rows ``claimed``
or ``sending`` with a lease that runs out; the next claim takes them again.

**Why nothing is sent twice**: a row is sent only after a committed ``mark_sending`` by its
current lease holder, so at any time one dispatcher at most is sending it. It can be sent again
only if its sender dies (or stalls past the lease) after the request left and before ``sent`` was
committed — a window of one request's round trip plus one commit. Rows taken over from
``sending`` are logged as possible repeats. Receivers close the window where the protocol allows:
webhooks carry the same ``Idempotency-Key`` on every attempt (receivers drop repeats), e-mails
the same ``Message-ID``. Telegram has no such key; a resent Telegram message is the one case a
user can see twice: after a crash inside that window, or when a request whose answer never came
(a read timeout, a dropped connection: aiogram's ``TelegramNetworkError``) had in fact been
delivered — such a request is retried, because not retrying would lose every alert whose request
never reached Telegram, and the two cannot be told apart. Likewise, when the outcomes of a round
cannot be written (a database outage), they are kept and written when the database is back
(the rows stay leased to this dispatcher meanwhile); only after twice the lease, or at a stop,
are they given up, and the rows that had been sent are sent again (logged at ERROR).

Pacing: a plugin may name a *lane* (a Telegram chat) with a minimum interval, a hold and shared
limits (the bot's 30/s). A lane sends one message at a time. Its slot lives in the database
(``notify_rate_slots``) so the limits hold across processes: the ``mark_sending`` transaction
takes the lane only if its next slot has come (otherwise nothing is written and the lane waits,
folding what arrives), holds it for the request in flight, and reserves the shared slots; the
outcome's transaction sets the lane's next slot to one interval after the receiver answered, so
request latency never squeezes two messages closer. An idle chat gets its first alert alone and
in full; alerts that pile up while it waits go out together as one digest. A receiver's "too
many requests" moves the lane's slot by ``retry_after`` and the rows go back to ``claimed``
(nothing was delivered, the attempt is not counted).

Digests on purpose: a plugin may collect deliveries until a boundary
(:meth:`~wickwatch.notify.base.Notifier.collect_until`, an e-mail digest every N minutes). A row
claimed before its boundary goes straight back to ``pending`` due at the boundary (no attempt
counted); at the boundary the channel's due rows are claimed together and its lane
(``fold_all``) folds them into one message, settled like any other send.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
import random
import socket
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Self, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.config import Settings
from wickwatch.notify import repository as repo
from wickwatch.notify.base import Delivery, Notifier, Outcome, SendResult
from wickwatch.notify.templates import Rendered, display_symbol, render_alert, render_digest
from wickwatch.ops.metrics import DELIVERIES, DELIVERY_SECONDS
from wickwatch.ops.redact import url_origin
from wickwatch.storage.models import Alert, Channel
from wickwatch.storage.types import utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Shortest wait before a retry, whatever a receiver's ``Retry-After`` says (0 would be a loop).
MIN_RETRY_S = 1.0
#: How long after its alert a throttled answer (429) is not counted as a failed attempt.
THROTTLED_FREE_S = 3600.0
SecretOpener = Callable[[str], str]
#: Renders a chart PNG for an alert (None = no chart); called once per alert and shared.
ChartSource = Callable[[Alert], Awaitable[bytes | None]]


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    batch_size: int = 200
    lease_s: float = 60.0
    poll_interval_s: float = 0.25
    max_attempts: int = 8
    retry_base_s: float = 5.0
    retry_max_s: float = 1800.0
    jitter: float = 0.2
    #: Deliveries held at once (claimed and not yet settled).
    max_inflight: int = 2000
    #: Unpaced sends running at once.
    concurrency: int = 64
    #: Of those, to one user-chosen server at once (:meth:`Notifier.server_of`).
    per_server: int = 4
    #: Longest in-process wait for a pacing slot; later slots hand the rows back to the outbox.
    max_hold_s: float = 20.0
    #: Most alerts folded into one digest message.
    max_digest: int = 50

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            batch_size=settings.delivery_batch_size,
            lease_s=settings.delivery_lease_s,
            poll_interval_s=settings.delivery_poll_interval_s,
            max_attempts=settings.delivery_max_attempts,
            retry_base_s=settings.delivery_retry_base_s,
            retry_max_s=settings.delivery_retry_max_s,
        )


@dataclass(eq=False)
class Job:
    """A held delivery inside this dispatcher."""

    row: repo.ClaimedRow
    delivery: Delivery
    notifier: Notifier
    attempts: int
    lost: bool = False  #: another dispatcher took the lease over
    sending: bool = field(default=False)  #: this dispatcher committed ``sending``
    #: Its request may have left (it had a send slot, or its lane's message was being sent):
    #: a ``sending`` row not started is provably unsent, and a stop hands it back.
    started: bool = field(default=False)

    @property
    def id(self) -> int:
        return self.row.id


def _as_one(jobs: Sequence[Job]) -> Job:
    """The job a lane's message is sent as: a digest carries an idempotency key of its own
    set of alerts (an e-mail's Message-ID: a digest retried with more alerts under its first
    alert's key was dropped as a repeat by mail systems that de-duplicate by Message-ID)."""
    head = jobs[0]
    if len(jobs) == 1:
        return head
    keys = "\n".join(sorted(j.delivery.idempotency_key for j in jobs))
    key = hashlib.sha256(keys.encode()).hexdigest()[:32]
    return replace(head, delivery=replace(head.delivery, idempotency_key=key))


@dataclass(eq=False)
class _Outcome:
    jobs: list[Job]
    result: SendResult
    pace: tuple[str, int, float] | None  #: (lane, what its reservation set, its next slot)
    done: asyncio.Future[None]


_BeginRow = tuple[set[int], float, dict[str, int], float | None]


@dataclass(eq=False)
class _BeginRequest:
    """One lane's (or one unpaced batch's) wish to start sending, written together with others
    that arrive meanwhile."""

    jobs: Sequence[Job]
    shared: Sequence[tuple[str, float]]
    lane: tuple[str, float, float] | None
    done: asyncio.Future[_BeginRow]


@dataclass(frozen=True, slots=True)
class _Begun:
    jobs: list[Job]  #: the rows now ``sending``
    at: float  #: when the shared rate limits allow the send (epoch seconds)
    reserved: dict[str, int]  #: what the lane's slot was set to, for settling it
    busy_until: float | None  #: the lane is held by another process until then


def default_worker_id() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def muted_until(config: Mapping[str, Any], alert: Alert, now: datetime) -> datetime | None:
    """When a ``/mute`` on this alert's coin or symbol ends (None = not muted)."""
    mutes = config.get("mutes")
    if not isinstance(mutes, Mapping):
        return None
    # the pair as messages name it too: "/mute HYPE/USDC" for Hyperliquid's @107
    shown = display_symbol(alert.symbol, alert.base, alert.quote).upper()
    for name in (alert.symbol.upper(), alert.base.upper(), shown):
        raw = mutes.get(name)
        if not raw:
            continue
        try:
            until = datetime.fromisoformat(str(raw))
        except ValueError:
            continue
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        if until > now:
            return until
    return None


def secret_opener(settings: Settings) -> SecretOpener:
    """Decrypts channel secrets with the accounts key (current, then previous); the key is only
    loaded when the first secret is opened."""
    box: list[Callable[[str], str]] = []

    def open_secret(ciphertext: str) -> str:
        if not box:
            from wickwatch.accounts.crypto import SecretBox, load_secret_key

            keys = [load_secret_key(settings)]
            previous = settings.previous_secret_key
            if previous is not None and previous.get_secret_value():
                keys.append(previous.get_secret_value().encode())
            box.append(SecretBox(keys).decrypt)
        return box[0](ciphertext)

    return open_secret


def _observe(
    batch: Sequence[_Outcome], gave_up: Sequence[tuple[Job, str | None]], now: datetime
) -> None:
    """Delivery metrics of recorded outcomes: counts by channel and outcome, and for each sent
    delivery the time from its alert's commit."""
    failed = {job.id for job, _e in gave_up}
    for item in batch:
        sent = item.result.outcome is Outcome.SENT
        for job in item.jobs:
            outcome = "sent" if sent else "failed" if job.id in failed else "retry"
            DELIVERIES.labels(job.row.channel, outcome).inc()
            created = job.row.alert.created_at
            if sent and created is not None:
                latency = (now - created).total_seconds()
                DELIVERY_SECONDS.labels(job.row.channel).observe(max(0.0, latency))


class Dispatcher:
    """Delivers the outbox; run any number of them (processes or tasks) against one database."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        notifiers: Mapping[str, Notifier],
        *,
        config: DispatcherConfig | None = None,
        worker_id: str | None = None,
        open_secret: SecretOpener | None = None,
        charts: ChartSource | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.notifiers = dict(notifiers)
        self.config = config or DispatcherConfig()
        self.worker_id = (worker_id or default_worker_id())[:64]
        self.open_secret = open_secret
        self.charts = charts
        self.sent = 0
        self.failed = 0
        self.retried = 0
        self._held: dict[int, Job] = {}
        self._lanes: dict[str, deque[Job]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._send_slots = asyncio.Semaphore(self.config.concurrency)
        #: Server → (its own slots, how many sends hold or wait for them).
        self._server_slots: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._stopping = False
        self._next_expiry_check = 0.0
        #: When each lane may send next (one interval after its last answer), in this process.
        self._lane_next: dict[str, float] = {}
        self._outcomes: list[_Outcome] = []
        self._writing = False
        self._begins: list[_BeginRequest] = []
        self._beginning = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        notifiers: Mapping[str, Notifier],
        **kwargs: Any,
    ) -> Self:
        kwargs.setdefault("config", DispatcherConfig.from_settings(settings))
        kwargs.setdefault("open_secret", secret_opener(settings))
        if "charts" not in kwargs:  # alerts with "chart on" go out with their spike's chart
            from wickwatch.notify.charts import SpikeCharts

            kwargs["charts"] = SpikeCharts(sessionmaker)
        return cls(sessionmaker, notifiers, **kwargs)

    # --- control -----------------------------------------------------------------------------

    def wake(self) -> None:
        """New deliveries were committed: look now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._room.set()

    @property
    def held(self) -> int:
        return len(self._held)

    async def run(self) -> None:
        """Claim and send until :meth:`stop`; then finish what is in flight and hand back the
        rest."""
        heartbeat = asyncio.create_task(self._heartbeat(), name="outbox-heartbeat")
        log.info("dispatcher %s started (%s)", self.worker_id, ", ".join(self.notifiers))
        try:
            while not self._stopping:
                try:
                    claimed = await self.dispatch_once()
                except Exception as exc:  # the database is away: keep trying, quietly
                    log.warning("outbox claim failed: %s", exc)
                    await asyncio.sleep(min(5.0, self.config.poll_interval_s * 8))
                    continue
                if self._stopping:
                    break
                if self.held >= self.config.max_inflight:
                    self._room.clear()
                    await self._room.wait()
                elif claimed < self.config.batch_size:
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.config.poll_interval_s)
        finally:
            await self._drain()
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            log.info("dispatcher %s stopped", self.worker_id)

    async def run_once(self) -> int:
        """Claim one batch and wait until all of it is settled (tests, tools)."""
        claimed = await self.dispatch_once()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        return claimed

    async def dispatch_once(self) -> int:
        """Claim one batch of due deliveries and start sending it; returns how many."""
        room = self.config.max_inflight - self.held
        if room <= 0:
            return 0
        now = utcnow()
        async with self.sessionmaker() as session:
            abandoned: list[tuple[int, int, str, int]] = []
            if time.monotonic() >= self._next_expiry_check:
                self._next_expiry_check = time.monotonic() + self.config.lease_s / 4
                abandoned = await repo.expire_abandoned(
                    session, now=now, max_attempts=self.config.max_attempts
                )
            for row_id, user_id, channel, attempts in abandoned:
                self.failed += 1
                log.error(
                    "delivery %d (%s, user %d) given up: its dispatcher stopped while sending "
                    "attempt %d; the outcome is unknown",
                    row_id,
                    channel,
                    user_id,
                    attempts,
                    extra={"delivery_id": row_id, "user_id": user_id, "channel": channel},
                )
            limit = min(self.config.batch_size, room)
            rows = await repo.claim(
                session,
                worker=self.worker_id,
                now=now,
                lease_s=self.config.lease_s,
                limit=limit,
                channels=self.notifiers,
            )
            digests = self._digests_due(rows, now) if len(rows) >= limit else set()
            if digests and room > len(rows):
                # Digest periods end together for every user: a claim in id order across
                # channels split a channel's period over two claims, and its lane sent two
                # mails. The rest of those channels' due rows join this claim.
                rows += await repo.claim(
                    session,
                    worker=self.worker_id,
                    now=now,
                    lease_s=self.config.lease_s,
                    limit=room - len(rows),
                    channels=self.notifiers,
                    channel_ids=digests,
                )
        if rows:
            await self._accept(rows, now)
        return len(rows)

    def _digests_due(self, rows: Sequence[repo.ClaimedRow], now: datetime) -> set[int]:
        """Channels among ``rows`` that collect their alerts into a digest whose period is over."""
        out: set[int] = set()
        for row in rows:
            if row.channel_row is None or row.channel_id is None or row.channel_id in out:
                continue
            collect = self._collect_until(row, row.channel_row)
            if collect is not None and collect <= now:
                out.add(row.channel_id)
        return out

    def _collect_until(self, row: repo.ClaimedRow, channel: Channel) -> datetime | None:
        """Until when the row's channel collects its alerts (a digest), or None."""
        return self.notifiers[row.channel].collect_until(channel.config or {}, row.alert.created_at)

    # --- accepting claimed rows --------------------------------------------------------------

    async def _accept(self, rows: Sequence[repo.ClaimedRow], now: datetime) -> None:
        skipped: list[tuple[repo.ClaimedRow, str, str]] = []
        deferred: list[tuple[repo.ClaimedRow, datetime]] = []
        unpaced: list[Job] = []
        for row in rows:
            notifier = self.notifiers[row.channel]
            channel = row.channel_row
            if channel is None:
                skipped.append((row, repo.SKIPPED, "the channel was deleted"))
                continue
            if not channel.enabled:
                skipped.append((row, repo.SKIPPED, "the channel is paused"))
                continue
            config = channel.config or {}
            until = muted_until(config, row.alert, now)
            if until is not None:
                skipped.append((row, repo.SKIPPED, f"muted until {until.isoformat()}"))
                continue
            collect = self._collect_until(row, channel)
            if collect is not None and collect > now:
                deferred.append((row, collect))
                continue
            secret = None
            if channel.secret_ciphertext:
                try:
                    if self.open_secret is None:
                        raise RuntimeError("no key to open channel secrets")
                    secret = self.open_secret(channel.secret_ciphertext)
                except Exception as exc:
                    skipped.append((row, repo.FAILED, f"the channel's secret is unreadable: {exc}"))
                    continue
            if row.status == repo.SENDING:
                log.warning(
                    "delivery %d (%s) is sent again: its dispatcher stopped during the send, so "
                    "the receiver may have it already",
                    row.id,
                    row.channel,
                    extra={"delivery_id": row.id, "idempotency_key": row.idempotency_key},
                )
            delivery = Delivery(
                id=row.id,
                alert_id=row.alert_id,
                user_id=row.user_id,
                channel=row.channel,
                destination=row.destination,
                idempotency_key=row.idempotency_key,
                attempts=row.attempts,
                channel_id=row.channel_id,
                config=config,
                secret=secret,
                locale=row.locale,
            )
            job = Job(row=row, delivery=delivery, notifier=notifier, attempts=row.attempts)
            self._held[row.id] = job
            pacing = notifier.pacing(delivery)
            if pacing is None:
                unpaced.append(job)
                continue
            lane = self._lanes.get(pacing.lane)
            if lane is None:
                lane = self._lanes[pacing.lane] = deque()
                lane.append(job)
                self._spawn(self._run_lane(pacing.lane, lane), f"lane-{pacing.lane}")
            else:
                lane.append(job)
        if unpaced:
            self._spawn(self._send_batch(unpaced), f"batch-{unpaced[0].id}")
        if skipped:
            await self._settle_without_sending(skipped)
        if deferred:
            await self._defer(deferred)

    def _spawn(self, coroutine: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(coroutine)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery task %s crashed", task.get_name(), exc_info=task.exception())

    def _release(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            self._held.pop(job.id, None)
        if self.held < self.config.max_inflight:
            self._room.set()

    async def _defer(self, items: Sequence[tuple[repo.ClaimedRow, datetime]]) -> None:
        """Back to the outbox until a digest boundary (nothing was sent, no attempt counted)."""
        by_time: dict[datetime, list[int]] = {}
        for row, when in items:
            by_time.setdefault(when, []).append(row.id)

        async def write(session: AsyncSession) -> None:
            for when, ids in by_time.items():
                await repo.mark_retry(
                    session, ids, worker=self.worker_id, next_attempt_at=when, error=None
                )
            await session.commit()

        try:
            await self._db(write)
        except Exception as exc:
            log.warning(
                "could not defer %d digest deliveries: %s (their lease ends)", len(items), exc
            )

    async def _settle_without_sending(
        self, items: Sequence[tuple[repo.ClaimedRow, str, str]]
    ) -> None:
        now = utcnow()

        async def write(session: AsyncSession) -> None:
            for row, status, reason in items:
                await repo.mark_final(
                    session, [row.id], worker=self.worker_id, status=status, error=reason
                )
                if status == repo.FAILED and row.channel_id is not None:
                    await repo.set_channel_status(
                        session, [row.channel_id], status="failing", error=reason, now=now
                    )
            await session.commit()

        await self._db(write)
        for row, status, reason in items:
            if status == repo.FAILED:
                self.failed += 1
                log.error(
                    "delivery %d (%s, user %d) failed: %s",
                    row.id,
                    row.channel,
                    row.user_id,
                    reason,
                    extra={"delivery_id": row.id, "user_id": row.user_id, "channel": row.channel},
                )

    # --- sending -----------------------------------------------------------------------------

    async def _send_batch(self, jobs: Sequence[Job]) -> None:
        """Unpaced deliveries of one claim: one ``sending`` transaction for all, then every send
        as soon as a send slot is free."""
        if self._stopping:
            await self._hand_back(jobs, at=time.time(), error=None)
            return
        spawned: set[int] = set()
        try:
            ready: list[tuple[Job, Rendered]] = []
            for job in jobs:
                rendered = await self._render([job])
                if isinstance(rendered, SendResult):
                    await self._settle_unsent([job], rendered)
                else:
                    ready.append((job, rendered))
            begun = await self._mark_sending([job for job, _r in ready])
            owned = {job.id for job in begun.jobs}
            for job, rendered in ready:
                if job.id in owned:
                    self._spawn(self._send_one(job, rendered), f"delivery-{job.id}")
                    spawned.add(job.id)
        except Exception:
            # (a database outage longer than _db's retries) the rows not being sent are let
            # go: their lease ends and another claim retries them, instead of being renewed
            # for as long as the process lives
            log.exception("%d deliveries could not be started; let go", len(jobs))
            self._release([job for job in jobs if job.id not in spawned])

    async def _send_one(self, job: Job, rendered: Rendered) -> None:
        try:
            async with self._server_turn(job), self._send_slots:
                job.started = True
                result = await self._call(job, rendered)
                await self._record([job], result)
        finally:
            self._release([job])

    @contextlib.asynccontextmanager
    async def _server_turn(self, job: Job) -> AsyncIterator[None]:
        """One of the job's server's ``per_server`` slots, taken before a send slot: sends
        waiting for a slow server wait here, not in the shared slots."""
        server = job.notifier.server_of(job.delivery)
        if server is None:
            yield
            return
        entry = self._server_slots.get(server)
        if entry is None:
            entry = self._server_slots[server] = (asyncio.Semaphore(self.config.per_server), [0])
        slots, users = entry
        users[0] += 1
        try:
            async with slots:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._server_slots[server]

    async def _run_lane(self, name: str, queue: deque[Job]) -> None:
        """One chat: one message at a time, paced; what piles up meanwhile becomes a digest.

        Per message two transactions: ``sending`` together with the lane's and the bot's rate
        slots, and the outcome together with the lane's next slot (one interval after the
        receiver answered, so request latency never squeezes two messages closer)."""
        try:
            while queue and not self._stopping:
                try:
                    await self._lane_step(name, queue)
                except Exception:
                    # A database outage longer than _db's retries, or a bug: what this turn
                    # held is let go (its lease ends and another claim retries it) instead of
                    # being held and renewed for as long as the process lives.
                    log.exception("chat %s: delivery step failed; its rows are let go", name)
                    await asyncio.sleep(1.0)
        finally:
            if self._lanes.get(name) is queue:
                del self._lanes[name]
            if queue:  # stopping: hand back what never started
                rest = list(queue)
                queue.clear()
                await self._hand_back(rest, at=time.time(), error=None)

    async def _lane_step(self, name: str, queue: deque[Job]) -> None:
        """One message of a chat's lane (a single alert or a digest); on an error the rows in
        hand are let go before it is raised."""
        jobs: list[Job] = []
        try:
            await self._lane_message(name, queue, jobs)
        except Exception:
            self._release(jobs)
            raise

    async def _lane_message(self, name: str, queue: deque[Job], jobs: list[Job]) -> None:
        """:meth:`_lane_step`'s work; ``jobs`` is filled with the rows taken from the queue."""
        head = queue[0]
        pacing = head.notifier.pacing(head.delivery)
        assert pacing is not None
        # An idle chat gets the first alert on its own, in full; what piles up while
        # the chat has to wait goes out together as one digest.
        ready_at = self._lane_next.get(name, 0.0)
        if ready_at - time.time() > self.config.max_hold_s:
            # Telegram asked this chat to wait long (retry_after): what waits goes
            # back to the outbox, due then, instead of being held here meanwhile.
            rest = list(queue)
            queue.clear()
            await self._hand_back(rest, at=ready_at, error=None)
            return
        busy = ready_at > time.time()
        await self._sleep_until(ready_at)
        fold = busy or pacing.fold_all
        most = pacing.max_fold or self.config.max_digest
        jobs[:] = self._take(queue, most if fold else 1)
        self._release([j for j in jobs if j.lost])
        jobs[:] = [j for j in jobs if not j.lost]
        if not jobs:
            return
        lane_slot = (name, pacing.interval_s, pacing.hold_s)
        while True:
            begun = await self._mark_sending(jobs, pacing.shared, lane=lane_slot)
            if begun.busy_until is None:
                break
            # Another process is sending to this chat: wait for it, folding what
            # arrives meanwhile, or give the rows back if it takes too long.
            if self._stopping or begun.busy_until - time.time() > self.config.max_hold_s:
                await self._hand_back(jobs, at=begun.busy_until, error=None)
                jobs.clear()
                break
            await asyncio.sleep(min(max(begun.busy_until - time.time(), 0.01), 0.25))
            jobs += self._take(queue, most - len(jobs))
        if not jobs:
            return
        jobs[:], slot, reserved = begun.jobs, begun.at, begun.reserved
        lane_pace = (name, reserved.get(name, 0))
        if not jobs:
            if reserved:
                await self._db(functools.partial(self._settle, pace=lane_pace, at=0.0))
            return
        await self._sleep_until(slot)
        # Rendered from exactly the rows this dispatcher now sends: a row another
        # dispatcher took over meanwhile must not ride along in a digest.
        rendered = await self._render(jobs)
        if isinstance(rendered, SendResult):
            await self._record(jobs, rendered, pace=(*lane_pace, time.time()))
            self._release(jobs)
            return
        for job in jobs:
            job.started = True
        result = await self._call(_as_one(jobs), rendered)
        # The next message one interval after the receiver answered: request latency
        # never squeezes two messages closer.
        self._lane_next[name] = time.time() + pacing.interval_s
        if result.outcome is Outcome.THROTTLED:
            wait = max(result.retry_after or 1.0, 0.0)
            self._lane_next[name] = time.time() + wait
            await self._db(
                functools.partial(self._settle, pace=lane_pace, at=self._lane_next[name])
            )
            await self._db(functools.partial(self._unsend, jobs=jobs))
            if wait > self.config.max_hold_s:
                await self._hand_back(jobs, at=time.time() + wait, error=result.error)
            else:
                queue.extendleft(reversed(jobs))
            return
        await self._record(jobs, result, pace=(*lane_pace, self._lane_next[name]))
        self._release(jobs)

    @staticmethod
    def _take(queue: deque[Job], most: int) -> list[Job]:
        taken: list[Job] = []
        while queue and len(taken) < most:
            taken.append(queue.popleft())
        return taken

    @staticmethod
    async def _sleep_until(at: float) -> None:
        delay = at - time.time()
        if delay > 0:
            await asyncio.sleep(delay)

    @staticmethod
    async def _settle(session: AsyncSession, pace: tuple[str, int], at: float) -> None:
        key, reserved_ms = pace
        await repo.settle_slot(session, key, reserved_ms=reserved_ms, next_ms=int(at * 1000))

    async def _unsend(self, session: AsyncSession, jobs: Sequence[Job]) -> None:
        await repo.unsend(session, [j.id for j in jobs], worker=self.worker_id)
        await session.commit()
        for job in jobs:
            job.sending = False
            job.attempts -= 1

    async def _mark_sending(
        self,
        jobs: Sequence[Job],
        shared: Sequence[tuple[str, float]] = (),
        *,
        lane: tuple[str, float, float] | None = None,
    ) -> _Begun:
        """Commit ``sending`` for the jobs still held. In the same transaction: take the
        ``lane`` ``(key, interval, hold)`` — if another process holds it, nothing is written
        and ``busy_until`` says until when — and reserve the ``shared`` rate slots.

        Requests that arrive while one transaction is being written go into the next one
        together (group commit): with many chats sending at once, one transaction starts many
        sends instead of one each."""
        if not jobs:
            return _Begun([], 0.0, {}, None)
        done: asyncio.Future[_BeginRow] = asyncio.get_running_loop().create_future()
        self._begins.append(_BeginRequest(jobs, shared, lane, done))
        if not self._beginning:
            self._beginning = True
            self._spawn(self._write_begins(), "outbox-begin")
        try:
            owned, slot, reserved, busy_until = await done
        except Exception as exc:
            log.warning("could not start sending %d deliveries: %s", len(jobs), exc)
            for job in jobs:  # their lease runs out and another claim retries them
                job.lost = True
            self._release(jobs)
            return _Begun([], 0.0, {}, None)
        if busy_until is not None:
            return _Begun(list(jobs), 0.0, {}, busy_until)
        kept: list[Job] = []
        for job in jobs:
            if job.id in owned:
                job.sending = True
                job.attempts += 1
                kept.append(job)
            else:
                job.lost = True
                log.warning("delivery %d was taken over by another dispatcher", job.id)
        self._release([j for j in jobs if j.lost])
        return _Begun(kept, slot, reserved, None)

    async def _write_begins(self) -> None:
        """Write queued begin requests, a transaction per batch, until none are left."""
        try:
            while self._begins:
                batch, self._begins = self._begins, []
                try:
                    results = await self._db(functools.partial(self._begin_batch, batch=batch))
                except Exception as exc:
                    for request in batch:
                        if not request.done.done():
                            request.done.set_exception(exc)
                    continue
                for request, result in zip(batch, results, strict=True):
                    if not request.done.done():
                        request.done.set_result(result)
        finally:
            self._beginning = False  # requests left by a cancelled writer start a new one

    async def _begin_batch(
        self, session: AsyncSession, batch: Sequence[_BeginRequest]
    ) -> list[_BeginRow]:
        until = utcnow() + timedelta(seconds=self.config.lease_s)
        now_ms = int(time.time() * 1000)
        results: list[_BeginRow | None] = []
        ready: list[tuple[int, _BeginRequest, int, dict[str, int]]] = []
        for index, request in enumerate(batch):
            reserved: dict[str, int] = {}
            at_ms = now_ms
            if request.lane is not None:
                key, interval, hold = request.lane
                busy = await repo.acquire_slot(
                    session, key, interval_s=interval, hold_s=hold, now_ms=now_ms
                )
                if busy is not None:  # nothing was written for this lane
                    results.append((set(), 0.0, {}, busy / 1000.0))
                    continue
                reserved[key] = now_ms + repo.slot_span_ms(interval, hold)
            for key, interval in request.shared:
                at_ms = await repo.reserve_slot(
                    session, key, interval_s=interval, now_ms=at_ms, commit=False
                )
            results.append(None)
            ready.append((index, request, at_ms, reserved))
        ids = [job.id for _i, request, _a, _r in ready for job in request.jobs]
        if ids:
            owned = await repo.mark_sending(session, ids, worker=self.worker_id, lease_until=until)
        else:
            owned = set()
            await session.commit()
        for index, request, at_ms, reserved in ready:
            mine = {job.id for job in request.jobs if job.id in owned}
            results[index] = (mine, at_ms / 1000.0, reserved, None)
        return [r for r in results if r is not None]

    async def _render(self, jobs: Sequence[Job]) -> Rendered | SendResult:
        """The message (a digest for several jobs), or a permanent failure if it cannot be
        rendered at all."""
        try:
            return await self._render_message(jobs)
        except Exception as exc:
            log.exception("message of deliveries %s could not be rendered", [j.id for j in jobs])
            return SendResult.failed(f"the message could not be rendered: {exc}")

    async def _render_message(self, jobs: Sequence[Job]) -> Rendered:
        first = jobs[0]
        alert = first.row.alert
        if len(jobs) > 1 and first.notifier.foldable:
            return render_digest(
                [j.row.alert for j in jobs],
                alert.timezone,
                first.delivery.locale,
                alert_ids=[j.row.alert_id for j in jobs],
                limit=first.notifier.digest_limit,
            )
        rendered = render_alert(
            alert, alert.template, alert.timezone, first.delivery.locale, alert_id=alert.id
        )
        if alert.chart and self.charts is not None:
            try:
                photo = await self.charts(alert)
            except Exception:
                log.warning("chart of alert %d could not be drawn", alert.id, exc_info=True)
                photo = None
            if photo is not None:
                rendered = Rendered(
                    html=rendered.html,
                    text=rendered.text,
                    subject=rendered.subject,
                    payload=rendered.payload,
                    photo=photo,
                )
        return rendered

    async def _call(self, job: Job, rendered: Rendered) -> SendResult:
        try:
            return await job.notifier.send(job.delivery, job.row.alert, rendered)
        except Exception as exc:  # a plugin bug: retry later, and tell the admin
            log.exception("channel plugin %s raised on delivery %d", job.notifier.slug, job.id)
            return SendResult.retry(f"{type(exc).__name__}: {exc}")

    # --- outcomes ----------------------------------------------------------------------------

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``: base · 2^(attempts-1), capped, ± jitter."""
        delay = float(
            min(self.config.retry_max_s, self.config.retry_base_s * 2 ** max(0, attempts - 1))
        )
        if self.config.jitter:
            delay *= 1 + self.config.jitter * (2 * random.random() - 1)
        return delay

    async def _settle_unsent(self, jobs: Sequence[Job], result: SendResult) -> None:
        """A permanent failure found before sending (the message cannot be rendered)."""
        await self._settle_without_sending(
            [(j.row, repo.FAILED, result.error or "failed") for j in jobs]
        )
        self._release(jobs)

    async def _record(
        self,
        jobs: Sequence[Job],
        result: SendResult,
        *,
        pace: tuple[str, int, float] | None = None,
    ) -> None:
        """Store an outcome. Outcomes that arrive while one transaction is being written go
        into the next one together (group commit): one transaction for many sends."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outcomes.append(_Outcome(list(jobs), result, pace, done))
        if not self._writing:
            self._writing = True
            try:
                while self._outcomes:
                    batch, self._outcomes = self._outcomes, []
                    try:
                        await self._write_outcomes(batch)
                    finally:
                        for item in batch:
                            if not item.done.done():
                                item.done.set_result(None)
            finally:
                self._writing = False
        await done

    async def _write_outcomes(self, batch: Sequence[_Outcome]) -> None:
        now = utcnow()
        gave_up: list[tuple[Job, str | None]] = []

        async def write(session: AsyncSession) -> None:
            gave_up.clear()
            sent_ids: list[int] = []
            ok_channels: set[int] = set()
            statuses: list[tuple[set[int], str, str | None]] = []
            for item in batch:
                result = item.result
                ids = [j.id for j in item.jobs]
                channel_ids = {j.row.channel_id for j in item.jobs if j.row.channel_id}
                if item.pace is not None:
                    key, reserved_ms, next_at = item.pace
                    await repo.settle_slot(
                        session,
                        key,
                        reserved_ms=reserved_ms,
                        next_ms=int(next_at * 1000),
                        commit=False,
                    )
                if result.outcome is Outcome.SENT:
                    sent_ids.extend(ids)
                    ok_channels |= channel_ids
                    continue
                if result.outcome is Outcome.FAILED:
                    await repo.mark_final(
                        session,
                        ids,
                        worker=self.worker_id,
                        status=repo.FAILED,
                        error=result.error or "failed",
                    )
                    gave_up.extend((j, result.error) for j in item.jobs)
                    statuses.append((channel_ids, "failing", result.error))
                    continue
                # RETRY, or THROTTLED outside a lane (nothing was delivered). A throttled
                # attempt is not counted while the alert is fresh (the receiver asked to wait,
                # nothing failed); after THROTTLED_FREE_S it counts like any retry, so a
                # receiver that answers 429 for ever does not keep the row for ever.
                throttled = result.outcome is Outcome.THROTTLED
                free = {
                    j.id
                    for j in item.jobs
                    if (now - j.row.alert.created_at).total_seconds() < THROTTLED_FREE_S
                }
                if throttled:
                    counted = [job_id for job_id in ids if job_id not in free]
                    await repo.unsend(session, sorted(free), worker=self.worker_id)
                    await repo.unsend(
                        session, counted, worker=self.worker_id, take_back_attempt=False
                    )
                if result.config_update:
                    for channel_id in channel_ids:
                        await repo.update_channel_config(session, channel_id, result.config_update)
                # One delay for the item: the alerts of a digest stay one digest when retried
                # (a delay drawn per row, with its jitter, split them into several messages).
                backoff = self.backoff(
                    max(j.attempts - (throttled and j.id in free) for j in item.jobs)
                )
                if result.retry_after is None:
                    delay = backoff
                elif throttled:  # asked to wait, nothing counted: the receiver's word holds
                    delay = max(result.retry_after, MIN_RETRY_S)  # "Retry-After: 0" is no hammer
                else:
                    # A failure (5xx) that counts an attempt: a short Retry-After ("1" from a
                    # load balancer) must not spend every attempt inside a brief outage.
                    delay = max(result.retry_after, backoff)
                failing = False
                for job in item.jobs:
                    uncounted = throttled and job.id in free
                    attempts = job.attempts - uncounted
                    if not uncounted and attempts >= self.config.max_attempts:
                        error = f"gave up after {attempts} attempts: {result.error}"
                        await repo.mark_final(
                            session,
                            [job.id],
                            worker=self.worker_id,
                            status=repo.FAILED,
                            error=error,
                        )
                        gave_up.append((job, result.error))
                        failing = True
                        continue
                    await repo.mark_retry(
                        session,
                        [job.id],
                        worker=self.worker_id,
                        next_attempt_at=now + timedelta(seconds=delay),
                        error=result.error,
                    )
                statuses.append((channel_ids, "failing" if failing else "retrying", result.error))
            if sent_ids:
                await repo.mark_sent(session, sent_ids, now=now)
                await repo.set_channel_status(
                    session, ok_channels, status="ok", error=None, now=now
                )
            for channel_ids, status, reason in statuses:  # a failure outranks a success
                await repo.set_channel_status(
                    session, channel_ids, status=status, error=reason, now=now
                )
            await session.commit()

        # During a database outage the outcome waits here (its rows stay held and their leases
        # renewed once the database answers) instead of being dropped: a dropped "sent" is a
        # message sent again when the lease runs out. Given up only at stop, or after twice
        # the lease (by then another dispatcher may have taken the rows over).
        count = sum(len(item.jobs) for item in batch)
        deadline = time.monotonic() + 2 * self.config.lease_s
        delay = 0.5
        while True:
            try:
                await self._db(write)
                break
            except Exception as exc:
                if self._stopping or time.monotonic() + delay > deadline:
                    log.error(
                        "outcomes of %d deliveries could not be recorded: %s; they are retried "
                        "when their lease ends",
                        count,
                        exc,
                    )
                    return
                log.warning(
                    "outcomes of %d deliveries not recorded yet (%s); trying again in %.1f s",
                    count,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        for item in batch:
            if item.result.outcome is Outcome.SENT:
                self.sent += len(item.jobs)
        _observe(batch, gave_up, now)
        failed_ids = {job.id for job, _e in gave_up}
        self.failed += len(failed_ids)
        self.retried += sum(
            1
            for item in batch
            if item.result.outcome is not Outcome.SENT
            for job in item.jobs
            if job.id not in failed_ids
        )
        for job, error in gave_up:
            log.error(
                "delivery %d (%s to %s, user %d) failed after %d attempts: %s",
                job.id,
                job.row.channel,
                url_origin(job.row.destination)
                if job.row.channel == "webhook"
                else job.row.destination,
                job.row.user_id,
                job.attempts,
                error,
                extra={
                    "delivery_id": job.id,
                    "alert_id": job.row.alert_id,
                    "user_id": job.row.user_id,
                    "channel": job.row.channel,
                },
            )

    async def _hand_back(self, jobs: Sequence[Job], *, at: float, error: str | None) -> None:
        """Return rows to the outbox, due at ``at`` (epoch seconds); nothing was sent."""
        if not jobs:
            return
        when = datetime.fromtimestamp(at, UTC)

        async def write(session: AsyncSession) -> None:
            await repo.mark_retry(
                session,
                [j.id for j in jobs],
                worker=self.worker_id,
                next_attempt_at=when,
                error=error,
            )
            await session.commit()

        try:
            await self._db(write)
        except Exception as exc:
            log.warning("could not hand back %d deliveries: %s (their lease ends)", len(jobs), exc)
        self._release(jobs)

    # --- leases and shutdown -----------------------------------------------------------------

    async def _heartbeat(self) -> None:
        interval = self.config.lease_s / 3
        while True:
            await asyncio.sleep(interval)
            now = time.time()
            for lane in [k for k, at in self._lane_next.items() if at < now]:
                del self._lane_next[lane]
            ids = list(self._held)
            if not ids:
                continue
            until = utcnow() + timedelta(seconds=self.config.lease_s)
            try:
                owned = await self._db(
                    functools.partial(
                        repo.extend_leases, ids=ids, worker=self.worker_id, until=until
                    )
                )
            except Exception as exc:
                log.warning("lease renewal failed: %s", exc)
                continue
            for row_id in ids:
                job = self._held.get(row_id)
                if job is not None and row_id not in owned and not job.sending:
                    job.lost = True

    async def _drain(self) -> None:
        """Let sends in flight finish; hand back what has not started."""
        self._stopping = True
        deadline = time.monotonic() + max(5.0, self.config.lease_s / 2)
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(list(self._tasks), timeout=deadline - time.monotonic())
        # Rows marked ``sending`` that never got a send slot: no request left, so the attempt
        # is taken back and they are handed back with the rest (left ``sending``, they were
        # "possible repeats" when their lease ran out, and failed on their last attempt).
        # (Taken before the cancels: a cancelled send lets go of its row.)
        waiting = [j for j in self._held.values() if not j.started]
        for task in list(self._tasks):
            task.cancel()
        unstarted = [j for j in waiting if j.sending]
        if unstarted:
            try:
                await self._db(functools.partial(self._unsend, jobs=unstarted))
            except Exception as exc:
                log.warning("could not take back %d unsent deliveries: %s", len(unstarted), exc)
        await self._hand_back([j for j in waiting if not j.sending], at=time.time(), error=None)

    async def _db(self, action: Callable[[AsyncSession], Awaitable[T]], tries: int = 5) -> T:
        """Run ``action`` in a fresh session, retrying transient database errors briefly."""
        delay = 0.05
        for attempt in range(tries):
            try:
                async with self.sessionmaker() as session:
                    return await action(session)
            except (OperationalError, DBAPIError, OSError) as exc:
                if attempt == tries - 1:
                    raise
                log.debug("database busy (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 4, 2.0)
        raise AssertionError("unreachable")
