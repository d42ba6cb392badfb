"""Write-behind of the collector: alerts + outbox, 1-minute candles, feed statistics.

Each writer is fed synchronously from the candle loop (no awaiting on the hot path) and writes in
its own task, in batches, retrying transient database errors; ``flush()`` writes what is left
(at shutdown).

* :class:`AlertWriter` — drafts → ``alerts`` rows + their ``alert_deliveries`` outbox rows (and
  the spike-history records of the same detection round, and the state of the price bands that
  crossed or re-armed) in **one transaction per batch**, in the order queued; after
  the commit, each alert is published on the ``alerts`` topic and handed to the ``on_committed``
  callbacks (the embedded notifier wakes up). A batch that fails is retried as a whole, so an alert
  is never stored without its deliveries nor published before it is stored.
* :class:`MinuteWriter` — closed 1-minute candles → ``price_history_1m`` (insert; a minute that
  is already stored — a restart or a late second inside it — is merged and marked incomplete).
* :class:`StatsWriter` — feed status snapshots → ``exchange_stats`` (upsert) and the ``status``
  topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.alerts.events import alert_event
from wickwatch.bus import ALERTS, STATUS, Bus
from wickwatch.market.connectors import FeedStatusSnapshot
from wickwatch.market.types import Candle
from wickwatch.notify.repository import create_alerts_with_deliveries
from wickwatch.ops.metrics import ALERT_RECORD_SECONDS
from wickwatch.roles.history import DbSpikeHistory
from wickwatch.roles.pricebands import BandState, PriceBandDraft, save_band_state
from wickwatch.roles.spill import AlertSpill, WriterItem
from wickwatch.storage.expressions import dialect_of, insert_for
from wickwatch.storage.models import (
    Alert,
    AlertDelivery,
    Channel,
    ExchangeStats,
    PriceCandle1m,
    User,
)
from wickwatch.storage.statements import one_of, power_of_two_batches
from wickwatch.storage.types import utcnow

log = logging.getLogger(__name__)

AlertsCallback = Callable[[list[dict[str, Any]]], object]


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


class _Batcher:
    """The retry loop shared by the writers: ``_write_once`` is called until it succeeds."""

    name = "writer"

    def __init__(self, retry_max_s: float = 5.0) -> None:
        self.retry_max_s = retry_max_s
        self.errors = 0
        self._wake = asyncio.Event()
        self._stopping = False
        self._stop_requested = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """End :meth:`run_every` after the write in progress (never in the middle of one)."""
        self._stopping = True
        self._wake.set()
        self._stop_requested.set()

    def _has_work(self) -> bool:
        raise NotImplementedError

    async def _write_once(self) -> None:
        raise NotImplementedError

    async def _write_retrying(self, deadline: float | None = None) -> bool:
        """Write until it worked (True), or ``deadline`` (monotonic) passed, or — without a
        deadline — :meth:`stop` was called (False): a stop during a database outage must reach
        the time-limited :meth:`flush` instead of retrying for ever."""
        delay = 0.2
        while True:
            try:
                await self._write_once()
                return True
            except Exception as exc:
                self.errors += 1
                if deadline is not None and time.monotonic() + delay > deadline:
                    log.error("%s: giving up at shutdown: %s", self.name, exc)
                    return False
                log.warning("%s: write failed (%s); retrying in %.1fs", self.name, exc, delay)
                if deadline is None and self._stopping:
                    return False
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._stop_requested.wait()
                if deadline is None and self._stopping:
                    return False
                delay = min(delay * 2, self.retry_max_s)

    async def run_every(self, interval_s: float | None) -> None:
        """Write whenever woken (``interval_s`` None) or every ``interval_s`` seconds."""
        while not self._stopping:
            if interval_s is None:
                await self._wake.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(interval_s):
                        await self._wake.wait()
            self._wake.clear()
            while self._has_work() and not self._stopping:
                await self._write_retrying()

    async def flush(self, timeout_s: float) -> bool:
        """Write everything still queued, within ``timeout_s``; False if some was left."""
        self._stopping = True
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        while self._has_work():
            if not await self._write_retrying(deadline):
                return False
        return True


T = TypeVar("T")


def take_batch(queue: deque[T], size: int) -> list[T]:
    """Up to ``size`` items off the front of ``queue``. Taken, not peeked: while they are being
    written, a full queue dropping its oldest items drops queued ones, never these (a peeked
    batch popped after its commit popped items that had not been written)."""
    return [queue.popleft() for _ in range(min(size, len(queue)))]


def put_back(queue: deque[T], batch: list[T]) -> None:
    """A batch whose write failed goes back to the front, in order."""
    queue.extendleft(reversed(batch))


class AlertWriter(_Batcher):
    """Alert drafts → alerts + outbox rows, one transaction per batch; then the bus."""

    name = "alert writer"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: Bus | None,
        *,
        history: DbSpikeHistory | None = None,
        max_batch: int = 500,
        max_queue: int = 100_000,
        on_committed: Sequence[AlertsCallback] = (),
        spill: AlertSpill | None = None,
        spill_every_s: float = 0.2,
        journal_max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.bus = bus
        self.history = history
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.on_committed = list(on_committed)
        self.queue: deque[WriterItem] = deque()
        #: the local copy of the queue while the database fails (roles/spill.py)
        self.spill = spill
        self.spill_every_s = spill_every_s
        #: the spill's journal is rewritten with what is left when it grows past this
        self.journal_max_bytes = journal_max_bytes
        self._in_flight: list[WriterItem] = []  #: the batch being written (out of the queue)
        self._in_flight_records: list[Any] = []
        self._failing = False  #: the last write failed; cleared when everything is written
        #: how many of the items / spike records in the spill's journal (since it was last
        #: emptied) are stored, or dropped: the journal's first ones, in queue order
        self._done = self._done_records = 0
        self._spill_due = asyncio.Event()
        self._spill_write = asyncio.Lock()
        self.written = 0  #: alerts committed
        self.dropped = 0  #: drafts dropped because the queue was full (database away for long)
        self.skipped = 0  #: drafts of users that no longer exist
        self.duplicates = 0  #: drafts whose alert was already stored (not sent again)

    def put(self, drafts: Iterable[WriterItem]) -> None:
        """Queue drafts (called from the candle loop; never waits). They and the spike
        records detected with them are in the spill's journal when this returns."""
        items = drafts if isinstance(drafts, list) else list(drafts)
        queue = self.queue
        for draft in items:
            if len(queue) >= self.max_queue:
                queue.popleft()
                self.dropped += 1
                self._done += 1  # the oldest queued: journal order (a batch in flight aside)
                if self.dropped % 1000 == 1:
                    log.error("alert queue full: %d alerts dropped so far", self.dropped)
            queue.append(draft)
        self._journal(items)
        self._wake.set()
        if self._failing:
            self._spill_due.set()

    def wake(self) -> None:
        """Spike records were detected without drafts: journal them and write them."""
        self._journal([])
        super().wake()

    def _journal(self, items: list[WriterItem]) -> None:
        records = self.history.take_fresh() if self.history is not None else []
        spill = self.spill
        if spill is None or not spill.journaling or not (items or records):
            return
        spill.journal(items, records)

    def _journal_progress(self, items: int, records: int) -> None:
        """``items`` and ``records`` were stored: say so in the journal, or empty it when
        nothing is left to write."""
        self._done += items
        self._done_records += records
        spill = self.spill
        if spill is None or not spill.journaling:
            return
        if spill.rows or self._failing:
            # The SQLite copy still holds items (stored or not): the journal must keep knowing
            # them, or a restart would take the stored ones for new (_sync_spill empties both).
            spill.journal_done(self._done, self._done_records)
        elif self._idle():
            spill.journal_clear()
            self._done = self._done_records = 0
        elif spill.journal_bytes > self.journal_max_bytes:  # never idle: keep what is left only
            spill.journal_rewrite(*self._left())
            self._done = self._done_records = 0
        else:
            spill.journal_done(self._done, self._done_records)

    def _records_pending(self) -> bool:
        return bool(self.history and self.history.pending)

    def _has_work(self) -> bool:
        return bool(self.queue) or self._records_pending()

    def _idle(self) -> bool:
        """Nothing queued, in flight or pending: everything handed over is stored."""
        return not self._in_flight and not self._has_work()

    def _left(self) -> tuple[list[WriterItem], list[Any]]:
        """What is not stored yet, in order: the batch in flight, then the queue (items), and
        the in-flight then pending spike records."""
        pending = self.history.pending_records() if self.history is not None else []
        return [*self._in_flight, *self.queue], [*self._in_flight_records, *pending]

    async def recover(self) -> int:
        """At start, before detection: take the spill's slot and write what a stopped
        collector left in the spill (retrying while the database is away). Returns how many
        items were left."""
        if self.spill is None:
            return 0
        items, records = await asyncio.to_thread(self.spill.open)  # journaled by open()
        queued = list(self.queue)  # put before the start (tests): journaled after them
        self.queue.extendleft(reversed(items))
        self._done = self._done_records = 0
        if self.history is not None:
            self.history.put_back(records)
        self._journal(queued)
        if items or records:
            self._failing = True  # the file holds them until they are committed
            while self._has_work() and not self._stopping:
                await self._write_retrying()
            await self._sync_spill()
        return len(items)

    async def run(self) -> None:
        spiller = asyncio.create_task(self._spill_loop(), name="alert writer spill")
        try:
            await self.run_every(None)
        finally:
            spiller.cancel()
            await asyncio.gather(spiller, return_exceptions=True)

    async def flush(self, timeout_s: float) -> bool:
        written = await super().flush(timeout_s)
        if self.spill is not None:
            await self._sync_spill()  # what could not be written survives the stop
            self.spill.close()
        return written

    async def _write_once(self) -> None:
        batch = take_batch(self.queue, self.max_batch)
        records = self.history.take() if self.history is not None else []
        self._in_flight, self._in_flight_records = batch, records
        try:
            alerts = await self._transaction(batch, records)
        except BaseException:
            put_back(self.queue, batch)
            if self.history is not None:
                self.history.put_back(records)
            if self.spill is not None:
                self._failing = True
                self._spill_due.set()
            raise
        finally:
            self._in_flight, self._in_flight_records = [], []
        self._journal_progress(len(batch), len(records))
        if self._failing and self.spill is not None:  # committed: leaves the spill too
            self._spill_due.set()
        self.written += len(alerts)
        if not alerts:
            return
        committed_ms = time.time_ns() // 1_000_000
        for alert, _deliveries in alerts:  # from the end of the alert's (newest) second
            ALERT_RECORD_SECONDS.observe(max(0.0, (committed_ms - alert.ts_ms - 1000) / 1000))
        events = [alert_event(alert, deliveries) for alert, deliveries in alerts]
        for callback in self.on_committed:
            try:
                callback(events)
            except Exception:
                log.exception("alert callback failed")
        if self.bus is not None:
            try:
                keys = [str(alert.id) for alert, _ in alerts]
                await self.bus.publish_many(ALERTS, events, keys=keys)
            except Exception as exc:  # stored and in the outbox: only the live push is late
                # (never raised on: the batch is committed, a retry would write it again)
                log.warning("%d alerts not published on the bus: %s", len(alerts), exc)

    async def _spill_loop(self) -> None:
        while True:
            await self._spill_due.wait()
            self._spill_due.clear()
            try:
                await self._sync_spill()
            except Exception:
                log.exception("alert spill: could not write the local copy")
            await asyncio.sleep(self.spill_every_s)  # one write for a burst of changes

    async def _sync_spill(self) -> None:
        """Mirror what is not committed (the batch in flight, then the queue) into the spill
        while writes fail or the spill still holds something; empty it once all is written."""
        spill = self.spill
        if spill is None or not self._failing:
            return
        async with self._spill_write:
            items, records = self._left()
            if not items and not records:
                self._failing = False
            if items or records or spill.rows:
                await asyncio.to_thread(spill.write, items, records)
            if not spill.rows and not self._failing and self._idle():
                spill.journal_clear()  # both copies empty: everything is stored
                self._done = self._done_records = 0

    async def _transaction(
        self, items: list[WriterItem], records: list[Any]
    ) -> list[tuple[Alert, list[AlertDelivery]]]:
        alerts: list[tuple[Alert, list[AlertDelivery]]] = []
        async with self.sessionmaker() as session:
            now = utcnow()
            dialect = dialect_of(session)
            user_ids = {i.user_id for i in items if not isinstance(i, BandState)}
            alive: set[int] = set()
            channels: dict[int, list[Channel]] = {}
            if user_ids:
                alive = set(
                    (
                        await session.scalars(
                            select(User.id).where(
                                one_of(User.id, user_ids, dialect), User.is_active
                            )
                        )
                    ).all()
                )
                channels = {uid: [] for uid in alive}
                for channel in await session.scalars(
                    select(Channel)
                    .where(one_of(Channel.user_id, alive, dialect))
                    .order_by(Channel.id)
                ):
                    channels[channel.user_id].append(channel)
            drafts = [i for i in items if not isinstance(i, BandState) and i.user_id in alive]
            self.skipped += sum(1 for i in items if not isinstance(i, BandState)) - len(drafts)
            created_all = await create_alerts_with_deliveries(
                session, [(draft, channels[draft.user_id]) for draft in drafts]
            )
            for created in created_all:
                if created is None:  # stored already (another collector, a restart)
                    self.duplicates += 1
                else:
                    alerts.append(created)
            for item in items:  # in order: a band's later state is written last
                if isinstance(item, BandState):
                    await save_band_state(session, item.band, item.state, fired_at=None)
                elif isinstance(item, PriceBandDraft) and item.user_id in alive:
                    await save_band_state(session, item.band, item.state, fired_at=now)
            if records:
                user_ids = {key[0] for key, _ in records}
                alive = set(
                    (
                        await session.scalars(
                            select(User.id).where(one_of(User.id, user_ids, dialect))
                        )
                    ).all()
                )
                await DbSpikeHistory.add_to(session, [r for r in records if r[0][0] in alive])
            await session.commit()
        return alerts


class MinuteWriter(_Batcher):
    """Closed 1-minute candles → ``price_history_1m``, every ``interval_s`` seconds."""

    name = "minute writer"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        interval_s: float = 5.0,
        max_batch: int = 5000,
        max_queue: int = 1_000_000,
    ) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.interval_s = interval_s
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.queue: deque[Candle] = deque()
        self.written = 0
        self.merged = 0
        self.dropped = 0

    def add(self, candle: Candle) -> None:
        if len(self.queue) >= self.max_queue:
            self.queue.popleft()
            self.dropped += 1
        self.queue.append(candle)

    def _has_work(self) -> bool:
        return bool(self.queue)

    async def run(self) -> None:
        await self.run_every(self.interval_s)

    async def _write_once(self) -> None:
        batch = take_batch(self.queue, self.max_batch)
        try:
            merged = await self._transaction(batch)
        except BaseException:
            put_back(self.queue, batch)
            raise
        self.written += len(batch)
        self.merged += merged

    async def _transaction(self, batch: list[Candle]) -> int:
        # One row per key in the batch (a minute re-emitted inside the batch is merged first).
        rows: dict[tuple[str, str, str, int], dict[str, Any]] = {}
        for c in batch:
            key = (c.exchange, c.market, c.symbol, c.ts_ms)
            row = candle_row(c)
            rows[key] = _merge(rows[key], row) if key in rows else row
        merged = 0
        async with self.sessionmaker() as session:
            insert = insert_for(session)
            pk = (
                PriceCandle1m.exchange,
                PriceCandle1m.market,
                PriceCandle1m.symbol,
                PriceCandle1m.ts_ms,
            )
            statement = insert(PriceCandle1m).on_conflict_do_nothing().returning(*pk)
            inserted: set[tuple[Any, ...]] = set()
            # in 2ᵏ-row batches: a few statement texts (storage.statements), and the event
            # loop runs between them instead of waiting for one insert of every symbol's minute
            for part in power_of_two_batches(list(rows.values())):
                result = await session.execute(statement, part)
                inserted.update(tuple(r) for r in result.all())
            clashes = [key for key in rows if key not in inserted]
            # (after a restart, a minute stored before it: merged into the stored row; also in
            # 2ᵏ-key batches, so the row-value IN has a few texts, not one per count)
            for keys in power_of_two_batches(clashes):
                stored = await session.scalars(select(PriceCandle1m).where(tuple_(*pk).in_(keys)))
                for existing in stored:
                    key = (existing.exchange, existing.market, existing.symbol, existing.ts_ms)
                    new = rows[key]
                    existing.high = max(existing.high, new["high"])
                    existing.low = min(existing.low, new["low"])
                    existing.close = new["close"]
                    existing.volume += new["volume"]
                    existing.quote_volume += new["quote_volume"]
                    existing.trades += new["trades"]
                    existing.complete = False
                    merged += 1
            await session.commit()
        return merged


def candle_row(c: Candle) -> dict[str, Any]:
    """A candle's exact columns, as the candle tables store them (floats as their decimals)."""
    return {
        "exchange": c.exchange,
        "market": c.market,
        "symbol": c.symbol,
        "ts_ms": c.ts_ms,
        "open": _dec(c.open),
        "high": _dec(c.high),
        "low": _dec(c.low),
        "close": _dec(c.close),
        "volume": _dec(c.volume),
        "quote_volume": _dec(c.quote_volume),
        "trades": c.trades,
        "complete": c.complete,
    }


def _merge(first: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    return {
        **first,
        "high": max(first["high"], later["high"]),
        "low": min(first["low"], later["low"]),
        "close": later["close"],
        "volume": first["volume"] + later["volume"],
        "quote_volume": first["quote_volume"] + later["quote_volume"],
        "trades": first["trades"] + later["trades"],
        "complete": False,
    }


def status_event(snapshot: FeedStatusSnapshot, at: datetime) -> dict[str, Any]:
    """A feed's status as the ``exchange_stats`` row (and the UI's ``MarketStatus``)."""
    row = snapshot.as_row()
    row["updated_at"] = at.isoformat()
    return row


class StatsWriter(_Batcher):
    """Feed status snapshots → ``exchange_stats`` rows (one per feed) and the ``status`` topic."""

    name = "stats writer"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], bus: Bus | None) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.bus = bus
        self._latest: dict[tuple[str, str], FeedStatusSnapshot] = {}
        self.written = 0

    def put(self, snapshots: Iterable[FeedStatusSnapshot]) -> None:
        for snap in snapshots:
            self._latest[(snap.exchange, snap.market)] = snap
        self._wake.set()

    def _has_work(self) -> bool:
        return bool(self._latest)

    async def run(self) -> None:
        await self.run_every(None)

    async def _write_once(self) -> None:
        snaps = list(self._latest.values())
        if not snaps:
            return
        self._latest.clear()
        now = utcnow()
        try:
            async with self.sessionmaker() as session:
                insert = insert_for(session)
                rows = [{**s.as_row(), "updated_at": now} for s in snaps]
                statement = insert(ExchangeStats)
                columns = [c for c in rows[0] if c not in ("exchange", "market")]
                statement = statement.on_conflict_do_update(
                    index_elements=[ExchangeStats.exchange, ExchangeStats.market],
                    set_={c: getattr(statement.excluded, c) for c in columns},
                )
                await session.execute(statement, rows)
                await session.commit()
        except BaseException:
            for snap in snaps:  # keep the newest per feed for the retry
                self._latest.setdefault((snap.exchange, snap.market), snap)
            raise
        self.written += len(snaps)
        if self.bus is not None:
            try:
                await self.bus.publish_many(STATUS, [status_event(s, now) for s in snaps])
            except Exception as exc:  # the next snapshot follows in seconds
                log.debug("status not published: %s", exc)
