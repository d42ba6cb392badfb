"""Market spike candidates → ``market_spikes``: the history the settings dry run replays.

The candle loop hands every closed candle to :meth:`SpikeWriter.offer`. An incomplete candle (a
feed gap: it never fires) or one whose own move is below ``WICKWATCH_SPIKE_FLOOR_PCT`` costs a
few float operations; a kept one is queued with what detection needs to evaluate it again (OHLC,
volumes, trades, base/quote and the USD volume at the rate known now) — the queue is bounded, so
a long database outage drops the oldest candidates (counted), never the candle loop's time.

The writer's task inserts the queue every ``interval_s`` in batches (a second stored already —
a restart, a second collector of the same feed — is skipped) and deletes rows older than the
retention every ``purge_every_s``.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.detection.metrics import EPS
from wickwatch.market.types import Candle
from wickwatch.roles.persist import _Batcher, _insert
from wickwatch.storage.models import MarketSpike

log = logging.getLogger(__name__)

#: (exchange, market, symbol) → (base, quote)
Resolve = Callable[[str, str, str], tuple[str, str]]
#: (quote currency, at ms) → USD per unit, None when unknown
UsdRate = Callable[[str, int], float | None]

_DAY_MS = 86_400_000


class SpikeWriter(_Batcher):
    """Closed complete candles that moved at least ``floor_pct`` → ``market_spikes``."""

    name = "spike writer"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        floor_pct: float,
        retention_days: int,
        resolve: Resolve,
        usd_rate: UsdRate,
        interval_s: float = 2.0,
        max_batch: int = 2000,
        max_queue: int = 200_000,
        purge_every_s: float = 3600.0,
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.floor_pct = floor_pct
        #: the floor with the detector's tolerance: a rule at exactly the floor still replays
        self._floor = floor_pct - EPS
        self.retention_ms = retention_days * _DAY_MS
        self.resolve = resolve
        self.usd_rate = usd_rate
        self.interval_s = interval_s
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.purge_every_s = purge_every_s
        self.clock_ms = clock_ms
        self.queue: deque[dict[str, Any]] = deque()
        self.written = 0
        self.dropped = 0
        self.purged = 0
        self._next_purge = time.monotonic() + 60.0  # not in the busy first minute

    def offer(self, c: Candle) -> None:
        """Keep ``c`` if it is complete and moved at least the floor (called per closed candle
        from the candle loop: never blocks)."""
        if not c.complete:
            return
        ref = c.open
        up = c.high - ref
        down = ref - c.low
        move = up if up > down else down
        if ref <= 0.0 or move * 100.0 < self._floor * ref:
            return
        base, quote = self.resolve(c.exchange, c.market, c.symbol)
        rate = self.usd_rate(quote, c.ts_ms)
        if len(self.queue) >= self.max_queue:
            self.queue.popleft()
            self.dropped += 1
            if self.dropped % 10_000 == 1:
                log.warning("spike queue full: %d market spikes dropped so far", self.dropped)
        self.queue.append(
            {
                "exchange": c.exchange,
                "market": c.market,
                "symbol": c.symbol,
                "ts_ms": c.ts_ms,
                "base": base[:64],
                "quote": quote[:16],
                "open": c.open,
                "high": c.high,
                "low": c.low,
                "close": c.close,
                "volume": c.volume,
                "quote_volume": c.quote_volume,
                "volume_usd": None if rate is None else c.quote_volume * rate,
                "trades": c.trades,
                "delta_pct": move / ref * 100.0,
            }
        )

    def _purge_due(self) -> bool:
        return time.monotonic() >= self._next_purge

    def _has_work(self) -> bool:
        return bool(self.queue) or (self._purge_due() and not self._stopping)

    async def run(self) -> None:
        await self.run_every(self.interval_s)

    async def _write_once(self) -> None:
        if self.queue:
            batch = [self.queue[i] for i in range(min(self.max_batch, len(self.queue)))]
            async with self.sessionmaker() as session:
                insert = _insert(session)
                await session.execute(insert(MarketSpike).on_conflict_do_nothing(), batch)
                await session.commit()
            for _ in batch:
                self.queue.popleft()
            self.written += len(batch)
        if self._purge_due() and not self._stopping:
            self.purged += await self.purge()
            self._next_purge = time.monotonic() + self.purge_every_s

    async def purge(self, now_ms: int | None = None) -> int:
        """Delete market spikes older than the retention; returns how many."""
        now_ms = now_ms if now_ms is not None else self.clock_ms()
        async with self.sessionmaker() as session:
            result = await session.execute(
                delete(MarketSpike)
                .where(MarketSpike.ts_ms < now_ms - self.retention_ms)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
