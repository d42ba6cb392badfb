"""The collector role: exchange trades → 1-second candles → detection → alerts + outbox.

Tasks of one collector (all on one event loop)::

    Feed per market ─trades─▶ CandleBuilder ◀─ ticker (every 100 ms: close_due)
                                   │ closed 1-second candles
        ┌──────────────────────────┼──────────────────────┬──────────────────────┐
        ▼                          ▼                      ▼                      ▼
    Detector ─drafts─▶ AlertWriter    MinuteAggregator ─▶ MinuteWriter   candles of watched
    (users' rules)     (alerts + outbox  (price_history_1m)              symbols ─▶ bus
                        one transaction
                        per batch, then   status loop (every status_interval_s) ─▶ StatsWriter
                        the alerts topic) (exchange_stats rows, status topic)

    candles moving ≥ WICKWATCH_SPIKE_FLOOR_PCT ─▶ SpikeWriter (market_spikes, the dry run's history)
    every alert draft ─▶ SpikeWriter.capture: the symbol's 1-second candles from 59 s before to
        30 s after the alert's second (spike_candles_1s, the alert chart), read from the
        detector's per-symbol ring, written as they close

    SettingsSync: users' rules documents ─▶ Detector (at start, on ``settings`` messages, polled)
    PriceBandSync: users' price alerts ─▶ PriceBandMonitor (at start, on ``price_alerts``
        messages, polled); every closed candle updates the latest prices and is checked against
        the bands of its market; crossings go to the AlertWriter like spikes (kind
        ``above_max`` / ``below_min``) with the band's new state in the same transaction

Feeds call the builder directly from their reader tasks (``add_frame`` is a few attribute updates
per trade); everything the candle loop hands on is queued synchronously and written by the
writers' own tasks, so the loop never waits for the database or the bus. Feeds of markets
without a connector yet are skipped with a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.admin.repository import AdminRepository
from wickwatch.alerts.events import WATCH, candle_event, candle_key
from wickwatch.bus import CANDLES, Bus, BusError
from wickwatch.config import ALL_MARKETS, Settings
from wickwatch.detection import AlertDraft, Detector, LatestPrices, PriceBandMonitor
from wickwatch.market.candles import CandleBuilder, Gap, MinuteAggregator, monotonic_epoch_ms
from wickwatch.market.connectors import (
    CONNECTORS,
    Endpoints,
    Feed,
    FeedConfig,
    FeedStatusSnapshot,
    SharedLimits,
)
from wickwatch.market.types import Candle
from wickwatch.markets.latest import LatestPriceWriter
from wickwatch.markets.repository import MarketRepository
from wickwatch.ops.metrics import DETECTION_BATCH_SECONDS, DETECTION_CANDLES
from wickwatch.roles.history import DbSpikeHistory, recent_alerts
from wickwatch.roles.lease import AdvisoryLeases
from wickwatch.roles.persist import (
    AlertsCallback,
    AlertWriter,
    MinuteWriter,
    StatsWriter,
)
from wickwatch.roles.pricebands import BandState, PriceBandDraft, PriceBandSync
from wickwatch.roles.spikes import SpikeWriter
from wickwatch.roles.spill import AlertSpill, WriterItem
from wickwatch.roles.usersync import SettingsSync
from wickwatch.storage.types import utcnow

log = logging.getLogger(__name__)

TICK_S = 0.1
#: The first purge, a minute after the start (not during it: loading users and history).
_FIRST_PURGE_S = 60.0
_HOUR_S = 3600.0
#: Sent alerts at least this far back are remembered at start (windows are at most 60 s).
_RECENT_MIN_MS = 120_000


def now_ms() -> int:
    """The clock the connectors stamp ``Trade.recv_ms`` with: epoch ms advanced by the
    monotonic clock, so a wall-clock step (NTP, a resumed VM) moves neither the candles'
    closing nor the exchange clock estimate (a forward step closed seconds early and dropped
    the next seconds' trades as late)."""
    return monotonic_epoch_ms()


def split_market(name: str) -> tuple[str, str]:
    exchange, _, market = name.partition("_")
    return exchange, market


def feed_endpoints(settings: Settings) -> dict[str, Endpoints]:
    """``WICKWATCH_EXCHANGE_ENDPOINTS`` as connector :class:`Endpoints` per feed name."""
    return {
        name: Endpoints(rest_url=ends.rest_url, ws_url=ends.ws_url)
        for name, ends in settings.exchange_endpoints.items()
    }


def available_markets(markets: Iterable[str]) -> tuple[list[str], list[str]]:
    """``(with a connector, without one yet)`` of ``markets``."""
    have: list[str] = []
    missing: list[str] = []
    for name in markets:
        (have if split_market(name) in CONNECTORS else missing).append(name)
    return have, missing


@dataclass
class CollectorStats:
    """What the status line and tests read."""

    feeds: int
    feeds_up: int
    connections_up: int
    connections_total: int
    symbols: int
    trades_per_s: float
    candles_per_s: float
    candles: int
    alerts: int
    users: int


class Collector:
    """Feeds of ``markets`` into candles, detection and storage; ``start()`` … ``stop()``."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: Bus | None,
        *,
        markets: Sequence[str] | None = None,
        endpoints: Mapping[str, Endpoints] | None = None,
        feed_config: FeedConfig | None = None,
        on_alerts: Sequence[AlertsCallback] = (),
        minute_flush_s: float = 5.0,
        tick_s: float = TICK_S,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.bus = bus
        wanted = list(markets if markets is not None else settings.markets)
        self.markets, self.skipped = available_markets(wanted)
        for name in self.skipped:
            log.warning("%s: no connector for this venue yet; not collected", name)
        self.endpoints = dict(endpoints if endpoints is not None else feed_endpoints(settings))
        base = feed_config or FeedConfig()
        self.feed_config = replace(base, listing_refresh_s=settings.listing_refresh_s)
        self.tick_s = tick_s
        self.history = DbSpikeHistory()
        self.detector = Detector(history=self.history)
        self.builder = CandleBuilder(on_gap=self._on_gap, start_edge=True)
        self.alert_writer = AlertWriter(
            sessionmaker,
            bus,
            history=self.history,
            on_committed=on_alerts,
            spill=AlertSpill(settings.alert_spill_dir or settings.data_dir / "alert-spill"),
        )
        self.minute_writer = MinuteWriter(sessionmaker, interval_s=minute_flush_s)
        self.stats_writer = StatsWriter(sessionmaker, bus)
        self.spike_writer = SpikeWriter(
            sessionmaker,
            floor_pct=settings.spike_floor_pct,
            retention_days=settings.spike_retention_days,
            resolve=self.detector.resolver.resolve,
            usd_rate=self.detector.rates.rate,
            recent=self._recent_candles,
        )
        self.minutes = MinuteAggregator(self.minute_writer.add, start_ms=now_ms())
        self.sync = SettingsSync(self.detector, sessionmaker, bus, poll_s=settings.settings_poll_s)
        #: Last close of every collected symbol (the API's live prices when it runs here).
        self.prices = LatestPrices()
        self.price_bands = PriceBandMonitor(self.prices)
        #: Distributed: the latest prices go to Redis for the API processes.
        self.price_writer = (
            LatestPriceWriter(self.prices, str(settings.redis_url))
            if settings.redis_url is not None
            else None
        )
        self.band_sync = PriceBandSync(
            self.price_bands,
            self.detector,
            sessionmaker,
            bus,
            markets=self.markets,
            poll_s=settings.settings_poll_s,
        )
        self.feeds: dict[str, Feed] = {}
        #: PostgreSQL: a feed is collected by one collector at a time (roles/lease.py)
        self.leases = AdvisoryLeases.for_database(settings, sessionmaker)
        self._shared = SharedLimits()
        self._tasks: list[asyncio.Task[None]] = []
        self._graceful: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._feed_starts: dict[str, asyncio.Task[None]] = {}
        self._instrument_ids: dict[str, int] = {}
        self._watched: dict[str, float] = {}  #: candle key → monotonic expiry
        self._outgoing: deque[dict[str, Any]] = deque(maxlen=10_000)
        self._outgoing_ready = asyncio.Event()
        self._next_minute_close = 0.0
        self._started = False
        self.candles = 0

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Load users and spike history, start the feeds (their instrument lists load in the
        background) and the loops. Returns at once; :meth:`wait_live` waits for the feeds."""
        # What a collector that died during a database outage left: stored first, so that the
        # spike history, the cooldowns and the price bands below start from it.
        await self.alert_writer.recover()
        await self.history.load(self.sessionmaker)
        users = await self.sync.load_all()
        # Alerts already sent (before a restart, or by another collector) keep their
        # de-duplication and cooldown here too.
        since = now_ms() - max(self.detector.max_cooldown_ms(), _RECENT_MIN_MS)
        self.detector.remember_sent(await recent_alerts(self.sessionmaker, since))
        bands = await self.band_sync.load_all()
        log.info(
            "collector: %d users, %d rules, %d price alerts; feeds %s",
            users,
            self.detector.rule_count,
            bands,
            ", ".join(self.markets) or "none",
        )
        for name in self.markets:
            self._new_feed(name)
        spawn = self._spawn
        spawn(self._tick_loop(), "collector.ticker")
        spawn(self._status_loop(), "collector.status", graceful=True)
        spawn(self._purge_loop(), "collector.purge", graceful=True)
        spawn(self.alert_writer.run(), "collector.alerts", graceful=True)
        spawn(self.minute_writer.run(), "collector.minutes", graceful=True)
        spawn(self.stats_writer.run(), "collector.stats", graceful=True)
        spawn(self.spike_writer.run(), "collector.spikes", graceful=True)
        spawn(self.sync.run(), "collector.settings", graceful=True)
        spawn(self.band_sync.run(), "collector.price_alerts", graceful=True)
        if self.price_writer is not None:
            spawn(self.price_writer.run(), "collector.latest_prices")
        if self.leases is not None:
            spawn(self.leases.watch(self._feed_lost), "collector.feed_leases")
        if self.bus is not None:
            spawn(self._watch_loop(), "collector.watch")
            spawn(self._publish_loop(), "collector.candles")
        self._started = True

    def _spawn(self, coroutine: Any, name: str, *, graceful: bool = False) -> None:
        """Run a loop; ``graceful`` ones touch the database and are stopped between two
        transactions (never cancelled inside one), the others are cancelled."""
        task = asyncio.create_task(coroutine, name=name)
        task.add_done_callback(self._task_done)
        (self._graceful if graceful else self._tasks).append(task)

    @staticmethod
    def _task_done(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("collector task %s died", task.get_name(), exc_info=task.exception())

    def _new_feed(self, name: str) -> None:
        """Make the feed ``name`` and start it (once its lock is ours, on PostgreSQL)."""
        exchange, market = split_market(name)
        feed = Feed(
            CONNECTORS[(exchange, market)],
            self.builder,
            endpoints=self.endpoints.get(name),
            config=self.feed_config,
            shared=self._shared,
        )
        self.feeds[name] = feed
        self._feed_starts[name] = asyncio.create_task(self._start_feed(feed), name=f"{name}.start")

    async def _feed_lost(self, name: str) -> None:
        """Another collector took the feed's lock while ours was gone with its connection:
        stop collecting it and wait to take it over again."""
        feed = self.feeds.get(name)
        if feed is None or not self._started:
            return
        await feed.stop()
        exchange, market = split_market(name)
        # The other collector's prices are the live ones now: ours would put old prices back
        # in Redis (the writer's minutely full write) and keep the feed's hash from expiring.
        self.prices.drop_feed(exchange, market)
        stopped = self.builder.exchange_now_ms(exchange, market, now_ms())
        if stopped is not None:  # until ours runs it again, the other collector has its trades
            self.builder.restart(exchange, market, int(stopped))
        if self._started:
            self._new_feed(name)

    def _runs(self, name: str) -> bool:
        """This collector collects ``name`` now (on PostgreSQL: holds its lock)."""
        return self.leases is None or name in self.leases.held

    async def _start_feed(self, feed: Feed) -> None:
        try:
            if self.leases is not None:
                await self.leases.acquire(feed.name)
            await feed.start()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s: could not start", feed.name)
            return
        self._learn_instruments(feed)

    async def wait_live(self, timeout_s: float) -> bool:
        """Wait until every feed has its subscriptions answered; False on timeout."""
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.gather(*self._feed_starts.values())
                await asyncio.gather(*(feed.wait_live() for feed in self.feeds.values()))
        except TimeoutError:
            return False
        return True

    async def stop(self, timeout_s: float | None = None) -> None:
        """Close the feeds, run the last candles through, write everything still queued."""
        if not self._started:
            return
        self._started = False
        timeout_s = timeout_s if timeout_s is not None else self.settings.shutdown_timeout_s
        deadline = time.monotonic() + timeout_s
        await self._finish_open_second(deadline)
        for task in self._feed_starts.values():
            task.cancel()
        await asyncio.gather(*self._feed_starts.values(), return_exceptions=True)
        await asyncio.gather(*(feed.stop() for feed in self.feeds.values()), return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        self._stop.set()
        self.sync.stop()
        self.band_sync.stop()
        for writer in self._writers():
            writer.stop()
        await asyncio.gather(*self._tasks, *self._graceful, return_exceptions=True)
        self._tasks.clear()
        self._graceful.clear()
        # The seconds that are due close as usual; the rest are cut at the venue's clock.
        self.process(now_ms())
        self._handle(self.builder.flush(end_ms=now_ms()))
        self.spike_writer.advance(None)  # alert windows end with what has closed
        self.minutes.flush(end_ms=now_ms())
        self.stats_writer.put(feed.snapshot() for feed in self.feeds.values())
        for writer in self._writers():
            left = max(0.5, deadline - time.monotonic())
            if not await writer.flush(left):
                log.error("%s: not everything was written before the shutdown timeout", writer.name)
        if self.price_writer is not None:
            await self.price_writer.close()
        if self.leases is not None:  # last: a successor starts once all of ours is written
            await self.leases.close()
        log.info(
            "collector stopped: %d candles, %d alerts, %d minutes written",
            self.candles,
            self.alert_writer.written,
            self.minute_writer.written,
        )

    def _writers(self) -> tuple[AlertWriter, MinuteWriter, StatsWriter, SpikeWriter]:
        return (self.alert_writer, self.minute_writer, self.stats_writer, self.spike_writer)

    async def _finish_open_second(self, deadline: float) -> None:
        """Keep the feeds reading until the second in progress has ended and its grace period
        passed, so that it closes complete through the candle loop and is detected like any
        other. A cut candle is never evaluated and a restarted collector does not backfill
        what came before it, so a spike in the last second before a stop would be lost."""
        now = now_ms()
        close_at = (now // 1000 + 1) * 1000 + self.builder.grace_ms + 2 * self.tick_s * 1000
        wait_s = min((close_at - now) / 1000, (deadline - time.monotonic()) / 2)
        if wait_s > 0 and any(task.done() for task in self._feed_starts.values()):
            await asyncio.sleep(wait_s)

    # --- the candle loop -----------------------------------------------------------------

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                await self.process_yielding(now_ms())
            except Exception:
                log.exception("candle loop failed; continuing")

    def process(self, now: int) -> int:
        """Close due seconds and hand them on; returns how many candles closed.

        The builder closes them one venue × second at a time and each slice goes through
        detection (its drafts to the alert writer) before the next one is closed: a candle's
        close → draft latency is the detection of its slice (a few hundred candles), not of
        every venue's second. The rest (bands, minutes, spike writer, watched candles, status
        counts, alert windows) then runs once over all of them, as for one batch."""
        closed: list[Candle] = []
        drafts: list[AlertDraft] = []
        try:
            for part in self.builder.close_due_slices(now):
                drafts.extend(self._detect(part))
                closed.extend(part)
        finally:
            if closed:
                self._handle(closed, drafts)
            self._end_of_tick()
        return len(closed)

    async def process_yielding(self, now: int) -> int:
        """:meth:`process` one slice (venue × second) at a time, giving the event loop a turn
        after each: a slice's drafts reach the alert writer, which starts their transaction
        while the rest of the second is closed (the builder may take trades in the meantime),
        and no step holds the loop for a whole second of every venue — run as one step after
        the last slice with drafts, that took 100–225 ms in the soak's second after each wick.
        A slice closed is handed on even if the task is cancelled right after."""
        count = 0
        try:
            for part in self.builder.close_due_slices(now):
                self._handle(part, self._detect(part))
                count += len(part)
                await asyncio.sleep(0)
        finally:
            self._end_of_tick()
        return count

    def _end_of_tick(self) -> None:
        """Housekeeping once per tick, after its slices: gaps, minutes, watched symbols, spike
        windows."""
        if self.builder.gaps:
            self.builder.gaps.clear()  # handed to the minutes by _on_gap already
        mono = time.monotonic()
        if mono >= self._next_minute_close:
            self._next_minute_close = mono + 1.0
            for exchange, market in self.builder.venues():
                closed_before = self.builder.closed_before(exchange, market)
                if closed_before is not None:
                    held = self.builder.held(exchange, market)
                    self.minutes.close_through(exchange, market, closed_before, held)
            if self._watched:
                for key in [k for k, until in self._watched.items() if until < mono]:
                    del self._watched[key]
            if self.spike_writer.open_windows:
                self.spike_writer.advance(self.builder.closed_before)

    def _detect(self, candles: list[Candle]) -> list[AlertDraft]:
        """Run closed candles through detection; their drafts go to the alert writer now."""
        started = time.perf_counter()
        drafts = self.detector.on_candles(candles)
        DETECTION_BATCH_SECONDS.observe(time.perf_counter() - started)
        DETECTION_CANDLES.inc(len(candles))
        if drafts:
            self.alert_writer.put(drafts)
        return drafts

    def _handle(self, candles: list[Candle], detected: list[AlertDraft] | None = None) -> None:
        """Everything closed candles feed besides detection; ``detected``: their drafts,
        already handed to the alert writer (None: run them through detection first)."""
        if detected is None:
            detected = self._detect(candles)
        bands = self.price_bands
        minutes = self.minutes
        watched = self._watched
        spikes = self.spike_writer.offer
        crossings: list[WriterItem] = []
        per_feed: Counter[tuple[str, str]] = Counter()
        for c in candles:
            bands.on_candle(c)
            if bands.transitions:
                crossings.extend(self.band_sync.take())
            minutes.add(c)
            spikes(c)
            per_feed[(c.exchange, c.market)] += 1
            if watched and candle_key(c.exchange, c.market, c.symbol) in watched:
                self._outgoing.append(candle_event(c))
                self._outgoing_ready.set()
        self.candles += len(candles)
        for (exchange, market), count in per_feed.items():
            feed = self.feeds.get(f"{exchange}_{market}")
            if feed is not None:
                feed.status.add_candles(count)
        if detected or crossings:
            capture = self.spike_writer.capture
            last: AlertDraft | PriceBandDraft | None = None
            for d in (*detected, *crossings):  # every alert: spikes and band crossings
                if isinstance(d, BandState):
                    continue
                # many users' alerts of one spike come one after another: one capture
                if (
                    last is None
                    or d.symbol is not last.symbol
                    or d.ts_ms != last.ts_ms
                    or d.exchange is not last.exchange
                    or d.market is not last.market
                ):
                    capture(d.exchange, d.market, d.symbol, d.ts_ms)
                last = d
            if crossings:
                # after the spike drafts, as when a batch's alerts were handed over at once
                self.alert_writer.put(crossings)
        elif self.history.pending:
            self.alert_writer.wake()

    def _recent_candles(self, exchange: str, market: str, symbol: str) -> Sequence[Candle]:
        """The symbol's latest closed 1-second candles, oldest first: the detector's own ring
        (every candle the builder closed, the last 60 s at least). Reading it is free for the
        candle loop; a second ring here would cost every candle of every symbol."""
        return self.detector.recent_candles(exchange, market, symbol)

    def _on_gap(self, gap: Gap) -> None:
        self.minutes.mark_gap(gap.exchange, gap.market, gap.symbol, gap.from_ms, gap.to_ms)

    # --- status, instruments, housekeeping ------------------------------------------------

    async def _status_loop(self) -> None:
        interval = self.settings.status_interval_s
        while not await self._stopped_within(interval):
            self.stats_writer.put(self.snapshots())
            for feed in self.feeds.values():
                self._learn_instruments(feed)

    async def _purge_loop(self) -> None:
        """Its own task, not a step of the status loop: purging a backlog (a lowered
        retention, a collector that was off for days) takes long, and meanwhile no status
        would be written and every feed would show ``down``."""
        if await self._stopped_within(_FIRST_PURGE_S):
            return
        while True:
            await self.purge()
            if await self._stopped_within(_HOUR_S):
                return

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop.wait()
        return self._stop.is_set()

    async def purge(self, now: datetime | None = None) -> None:
        """Hourly housekeeping: spike history, the 1-minute price history of every feed (also
        of feeds no collector runs any more) and the error log, each past its retention (a
        failure is logged and retried next hour)."""
        now = now if now is not None else utcnow()
        now_ms = int(now.timestamp() * 1000)
        history_cut = now_ms - self.settings.price_history_retention_days * 86_400_000
        errors_cut = now - timedelta(days=self.settings.error_log_retention_days)
        try:
            await self.history.purge(self.sessionmaker, now_ms)
        except Exception as exc:
            log.warning("spike history purge failed: %s", exc)
        for name in ALL_MARKETS:
            if self._stop.is_set():
                return  # a stop waits for this task: between two deletes, not for all of them
            exchange, _, market = name.partition("_")
            await self._purge_step(
                f"{name} price history", partial(_purge_prices, exchange, market, history_cut)
            )
        await self._purge_step("error log", partial(_purge_errors, errors_cut))

    async def _purge_step(self, what: str, job: Callable[[AsyncSession], Awaitable[int]]) -> None:
        try:
            async with self.sessionmaker() as session:
                deleted = await job(session)
                await session.commit()
        except Exception as exc:
            log.warning("%s purge failed: %s", what, exc)
        else:
            if deleted:
                log.info("purged %d rows of %s past its retention", deleted, what)

    def _learn_instruments(self, feed: Feed) -> None:
        """Teach the detector exact base/quote names whenever a feed's list was (re)loaded."""
        if feed.instruments and self._instrument_ids.get(feed.name) != id(feed.instruments):
            self._instrument_ids[feed.name] = id(feed.instruments)
            self.detector.set_instruments(feed.instruments.values())

    def snapshots(self) -> list[FeedStatusSnapshot]:
        """Status of the feeds this collector runs (a feed another collector holds is that
        one's to report: a waiting collector's "starting" would overwrite it)."""
        return [feed.snapshot() for name, feed in self.feeds.items() if self._runs(name)]

    def stats(self) -> CollectorStats:
        snaps = self.snapshots()
        return CollectorStats(
            feeds=len(snaps),
            feeds_up=sum(1 for s in snaps if s.status == "up"),
            connections_up=sum(s.connections_up for s in snaps),
            connections_total=sum(s.connections_total for s in snaps),
            symbols=sum(s.symbols for s in snaps),
            trades_per_s=sum(s.trades_per_s for s in snaps),
            candles_per_s=sum(s.candles_per_s for s in snaps),
            candles=self.candles,
            alerts=self.alert_writer.written,
            users=self.detector.user_count,
        )

    # --- live candles for watched symbols -------------------------------------------------

    def watch(self, keys: Iterable[str], ttl_s: float) -> None:
        until = time.monotonic() + ttl_s
        for key in keys:
            self._watched[key] = until

    async def _watch_loop(self) -> None:
        assert self.bus is not None
        while True:
            try:
                async with self.bus.subscribe(WATCH) as subscription:
                    async for message in subscription:
                        payload = message.payload
                        if isinstance(payload, dict):
                            keys = [k for k in payload.get("keys", ()) if isinstance(k, str)]
                            self.watch(keys, float(payload.get("ttl_s", 30.0)))
                return
            except BusError as exc:
                log.warning("watch subscription lost (%s); resubscribing", exc)
                await asyncio.sleep(1.0)

    async def _publish_loop(self) -> None:
        assert self.bus is not None
        outgoing = self._outgoing
        while True:
            await self._outgoing_ready.wait()
            self._outgoing_ready.clear()
            while outgoing:
                batch = [outgoing.popleft() for _ in range(min(500, len(outgoing)))]
                try:
                    await self.bus.publish_many(CANDLES, batch)
                except Exception as exc:  # live charts are lossy; the loop must live on
                    log.debug("candles not published: %s", exc)


async def _purge_prices(exchange: str, market: str, before_ms: int, session: AsyncSession) -> int:
    return await MarketRepository(session).purge_history(exchange, market, before_ms)


async def _purge_errors(before: datetime, session: AsyncSession) -> int:
    return await AdminRepository(session).purge_errors(before)
