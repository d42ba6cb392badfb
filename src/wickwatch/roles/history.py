"""A spike history that survives restarts: in memory for the detector, written behind to
``spike_history`` in the alerts' transaction.

The detector calls :meth:`DbSpikeHistory.record` on its hot path: it appends to the in-memory
history and to a pending list, nothing else. The alert writer takes the pending records with
:meth:`DbSpikeHistory.take` and inserts them in the same transaction as the alerts of the same
batch (so after a crash either both or neither are stored); at start :meth:`DbSpikeHistory.load`
reads the last 7 days back.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.detection.rules import THRESHOLDS
from wickwatch.detection.series import MAX_SERIES_S, InMemorySpikeHistory, SeriesKey
from wickwatch.storage.expressions import insert_for
from wickwatch.storage.models import Alert, SpikeRecord
from wickwatch.storage.models.alert import SPIKE
from wickwatch.storage.statements import power_of_two_batches

log = logging.getLogger(__name__)


class DbSpikeHistory:
    """:class:`~wickwatch.detection.SpikeHistory` backed by the ``spike_history`` table."""

    def __init__(self, retention_s: int = MAX_SERIES_S) -> None:
        self.retention_s = retention_s
        self.memory = InMemorySpikeHistory(retention_s)
        self._pending: list[tuple[SeriesKey, int]] = []
        #: recorded since the alert writer last journaled them (roles/spill.py)
        self._fresh: list[tuple[SeriesKey, int]] = []

    # --- the detector's side (hot path, synchronous) -------------------------------------

    def record(self, key: SeriesKey, ts_ms: int) -> None:
        self.memory.record(key, ts_ms)
        self._pending.append((key, ts_ms))
        self._fresh.append((key, ts_ms))

    def count(self, key: SeriesKey, since_ms: int) -> int:
        return self.memory.count(key, since_ms)

    def forget_user(self, user_id: int) -> None:
        # The user's pending records stay: the alert writer skips users that are gone, and
        # the spill's journal counts stored records in the order they were journaled.
        self.memory.forget_user(user_id)

    # --- storage -------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._pending)

    def pending_records(self) -> list[tuple[SeriesKey, int]]:
        """The records not yet written, left in place (the alert spill copies them)."""
        return list(self._pending)

    def take_fresh(self) -> list[tuple[SeriesKey, int]]:
        """The records made since the last call (the alert writer journals them)."""
        fresh, self._fresh = self._fresh, []
        return fresh

    def take(self) -> list[tuple[SeriesKey, int]]:
        """The records not yet written (the caller writes them with :meth:`add_to`)."""
        taken, self._pending = self._pending, []
        return taken

    def put_back(self, records: list[tuple[SeriesKey, int]]) -> None:
        """Records whose transaction failed: written with the next batch."""
        self._pending[:0] = records

    @staticmethod
    async def add_to(session: AsyncSession, records: list[tuple[SeriesKey, int]]) -> None:
        """Insert ``records``; one already stored (a batch written again after a crash) is
        left as it is."""
        rows = [
            {
                "user_id": key[0],
                "source": key[1][:120],
                "exchange": key[2],
                "market": key[3],
                "symbol": key[4],
                "ts_ms": ts_ms,
            }
            for key, ts_ms in records
        ]
        if not rows:
            return
        statement = insert_for(session)(SpikeRecord).on_conflict_do_nothing()
        for part in power_of_two_batches(rows):
            await session.execute(statement, part)

    async def load(
        self, sessionmaker: async_sessionmaker[AsyncSession], now_ms: int | None = None
    ) -> int:
        """Read the spikes of the retention period back (at start); returns how many."""
        now_ms = now_ms if now_ms is not None else time.time_ns() // 1_000_000
        since = now_ms - self.retention_s * 1000
        async with sessionmaker() as session:
            rows = (
                await session.execute(
                    select(
                        SpikeRecord.user_id,
                        SpikeRecord.source,
                        SpikeRecord.exchange,
                        SpikeRecord.market,
                        SpikeRecord.symbol,
                        SpikeRecord.ts_ms,
                    )
                    .where(SpikeRecord.ts_ms >= since)
                    .order_by(SpikeRecord.ts_ms)
                )
            ).all()
        records = [((r[0], r[1], r[2], r[3], r[4]), int(r[5])) for r in rows]
        self.memory = InMemorySpikeHistory.from_records(records, self.retention_s)
        if records:
            log.info(
                "spike history: %d spikes of the last %d s loaded", len(records), self.retention_s
            )
        return len(records)

    async def purge(
        self, sessionmaker: async_sessionmaker[AsyncSession], now_ms: int | None = None
    ) -> int:
        """Delete stored spikes older than the retention period; returns how many."""
        now_ms = now_ms if now_ms is not None else time.time_ns() // 1_000_000
        async with sessionmaker() as session:
            result = await session.execute(
                delete(SpikeRecord)
                .where(SpikeRecord.ts_ms < now_ms - self.retention_s * 1000)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def recent_alerts(
    sessionmaker: async_sessionmaker[AsyncSession], since_ms: int
) -> list[tuple[int, str, str, str, str, int]]:
    """The newest spike alert since ``since_ms`` per user × source × symbol, as
    :meth:`~wickwatch.detection.Detector.remember_sent` takes them: a (re)started collector
    then neither repeats the windows around them nor sends inside their cooldown."""
    a = Alert
    async with sessionmaker() as session:
        rows = await session.execute(
            select(a.user_id, a.strategy, a.exchange, a.market, a.symbol, func.max(a.ts_ms))
            .where(a.ts_ms >= since_ms, a.kind == SPIKE)
            .group_by(a.user_id, a.strategy, a.exchange, a.market, a.symbol)
        )
        return [
            (int(uid), strategy or THRESHOLDS, exchange, market, symbol, int(ts))
            for uid, strategy, exchange, market, symbol, ts in rows.all()
        ]
