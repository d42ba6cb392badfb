"""Market spike candidates → ``market_spikes`` (the history the settings dry run replays), and
the 1-second candles around every alert → ``spike_candles_1s`` (the alert charts).

The candle loop hands every closed candle to :meth:`SpikeWriter.offer`. An incomplete candle (a
feed gap: it never fires) or one whose own move is below ``WICKWATCH_SPIKE_FLOOR_PCT`` costs a
few float operations; a kept one is queued with what detection needs to evaluate it again (OHLC,
volumes, trades, base/quote and the USD volume at the rate known now) — the queue is bounded, so
a long database outage drops the oldest candidates (counted), never the candle loop's time.

The writer's task inserts the queue every ``interval_s`` in batches (a second stored already —
a restart, a second collector of the same feed — is skipped) and deletes rows older than the
retention every ``purge_every_s``.

Alert windows: for every alert of the detection round (any user's rule, whatever the floor, and
price-band crossings) the collector calls :meth:`SpikeWriter.capture`, which queues the symbol's
closed candles of the 60 seconds up to and including the alert's second, and keeps the window open
so that :meth:`SpikeWriter.advance` (once a second) queues the next 30 seconds as they close. The
candles come from the detector's per-symbol ring of the last 60 s (``Recent``), so the candle loop
does no work per candle for this: only per alert (one dictionary look-up per draft, the candles
once per symbol). A symbol's overlapping windows (1,000 users' alerts of one spike, consecutive
spikes) queue each second once, and the table keeps one row per symbol-second whoever wrote it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.alerts.schemas import SPIKE_WINDOW_AFTER_MS, SPIKE_WINDOW_BEFORE_MS
from wickwatch.detection.metrics import EPS
from wickwatch.market.types import Candle
from wickwatch.roles.persist import _Batcher, _dec, candle_row, put_back, take_batch
from wickwatch.storage.expressions import insert_for
from wickwatch.storage.models import MarketSpike, SpikeCandle1s

log = logging.getLogger(__name__)

#: (exchange, market, symbol) → (base, quote)
Resolve = Callable[[str, str, str], tuple[str, str]]
#: (quote currency, at ms) → USD per unit, None when unknown
UsdRate = Callable[[str, int], float | None]

#: (exchange, market, symbol) → that symbol's latest closed 1-second candles, oldest first
Recent = Callable[[str, str, str], Sequence[Candle]]
#: (exchange, market) → every second of the venue starting before this (ms) is closed
ClosedBefore = Callable[[str, str], int | None]

_DAY_MS = 86_400_000
#: An alert's chart: the seconds from 59 s before its second to 30 s after it (what the API
#: reads back).
WINDOW_BEFORE_MS = SPIKE_WINDOW_BEFORE_MS
WINDOW_AFTER_MS = SPIKE_WINDOW_AFTER_MS


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
        recent: Recent | None = None,
        window_before_ms: int = WINDOW_BEFORE_MS,
        window_after_ms: int = WINDOW_AFTER_MS,
        max_window_queue: int = 200_000,
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
        self.recent = recent
        self.window_before_ms = window_before_ms
        self.window_after_ms = window_after_ms
        self.max_window_queue = max_window_queue
        #: candles of alert windows waiting to be stored
        self.window_queue: deque[Candle] = deque()
        #: open windows: (exchange, market, symbol) → [newest ts queued, last ts of the window]
        self._open: dict[tuple[str, str, str], list[int]] = {}
        self.window_written = 0
        self.window_dropped = 0

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

    # --- alert windows ---------------------------------------------------------------------

    def capture(self, exchange: str, market: str, symbol: str, ts_ms: int) -> None:
        """Keep the 1-second candles around an alert of ``symbol`` closed in second ``ts_ms``:
        the ones closed already now, the later ones through :meth:`advance` (called per alert
        draft from the candle loop: cheap when the window is open already)."""
        if self.recent is None:
            return
        key = (exchange, market, symbol)
        until = ts_ms + self.window_after_ms
        entry = self._open.get(key)
        if entry is None:
            entry = self._open[key] = [ts_ms - self.window_before_ms - 1, until]
        elif until > entry[1]:
            # a later spike while the window is open: its own earlier seconds are queued
            # already (the open window reaches back further), the window just lasts longer
            entry[1] = until
        else:
            return  # another user's alert of the same spike
        self._take(key, entry)

    @property
    def open_windows(self) -> int:
        return len(self._open)

    def advance(self, closed_before: ClosedBefore | None) -> None:
        """Queue the candles of open windows closed since; end the windows whose last second
        has closed (``closed_before`` None: end them all — the collector stops)."""
        assert self.recent is not None or not self._open
        for key, entry in list(self._open.items()):
            self._take(key, entry)
            done = closed_before(key[0], key[1]) if closed_before is not None else None
            if closed_before is None or (done is not None and done > entry[1]):
                del self._open[key]

    def _take(self, key: tuple[str, str, str], entry: list[int]) -> None:
        assert self.recent is not None
        after, until = entry
        new: list[Candle] = []
        for c in reversed(self.recent(*key)):
            ts = c.ts_ms
            if ts <= after:
                break
            if ts <= until:
                new.append(c)
        if not new:
            return
        entry[0] = new[0].ts_ms
        queue = self.window_queue
        for c in reversed(new):
            if len(queue) >= self.max_window_queue:
                queue.popleft()
                self.window_dropped += 1
                if self.window_dropped % 10_000 == 1:
                    log.warning(
                        "alert window queue full: %d candles dropped so far", self.window_dropped
                    )
            queue.append(c)
        self._wake.set()

    # --- writing --------------------------------------------------------------------------

    def _purge_due(self) -> bool:
        return time.monotonic() >= self._next_purge

    def _has_work(self) -> bool:
        return (
            bool(self.queue)
            or bool(self.window_queue)
            or (self._purge_due() and not self._stopping)
        )

    async def run(self) -> None:
        await self.run_every(self.interval_s)

    async def _write_once(self) -> None:
        if self.window_queue:  # first: someone may be looking at the alert already
            queue = self.window_queue
            candles = take_batch(queue, self.max_batch)
            try:
                async with self.sessionmaker() as session:
                    insert = insert_for(session)
                    await session.execute(
                        insert(SpikeCandle1s).on_conflict_do_nothing(),
                        [_second_row(c) for c in candles],
                    )
                    await session.commit()
            except BaseException:
                put_back(queue, candles)
                raise
            self.window_written += len(candles)
        if self.queue:
            batch = take_batch(self.queue, self.max_batch)
            try:
                async with self.sessionmaker() as session:
                    insert = insert_for(session)
                    await session.execute(insert(MarketSpike).on_conflict_do_nothing(), batch)
                    await session.commit()
            except BaseException:
                put_back(self.queue, batch)
                raise
            self.written += len(batch)
        if self._purge_due() and not self._stopping:
            self.purged += await self.purge()
            self._next_purge = time.monotonic() + self.purge_every_s

    async def purge(self, now_ms: int | None = None) -> int:
        """Delete market spikes and alert-window candles older than the retention; returns how
        many market spikes (older alerts chart their 1-minute history instead)."""
        now_ms = now_ms if now_ms is not None else self.clock_ms()
        cutoff = now_ms - self.retention_ms
        async with self.sessionmaker() as session:
            result = await session.execute(
                delete(MarketSpike)
                .where(MarketSpike.ts_ms < cutoff)
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                delete(SpikeCandle1s)
                .where(SpikeCandle1s.ts_ms < cutoff)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _second_row(c: Candle) -> dict[str, Any]:
    """A closed 1-second candle as its exact ``spike_candles_1s`` row."""
    return {**candle_row(c), "taker_buy_volume": _dec(c.taker_buy_volume)}
