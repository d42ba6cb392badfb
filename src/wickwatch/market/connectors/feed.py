"""The generic feed of one exchange × market: every trading instrument's public trades, spread
over as many WebSocket connections as the venue's limits require, kept complete across drops.

Life of a feed::

    feed = Feed(BinanceFutures, sink=candle_builder, config=FeedConfig(...))
    await feed.start()          # instruments over REST, connections opened, subscriptions paced
    ...                         # feed.snapshot() any time; feed.status.add_candles(n) by the closer
    await feed.stop()

After a connection drop, the symbols it carried are *recovering*: once re-subscribed, their
missed trades are fetched over REST (``venue.backfill``) and handed to the sink before the live
trades that arrived meanwhile (those wait in a per-symbol buffer), de-duplicated by trade id. What
cannot be fetched is reported to the sink's ``mark_gap`` and to the status.

Fast path: when the parser has ``feed_frame`` (Binance) and the sink has ``add_raw`` (the
:class:`~wickwatch.market.candles.CandleBuilder`), connections hand frames to
``parser.feed_frame(frame, recv_ms, feed)``: the feed is the parser's sink (:meth:`Feed.add_raw`),
de-duplicates by the same per-symbol track and passes each new trade on to ``sink.add_raw``,
without a ``Trade`` object or a list per frame. Trades of a recovering symbol are buffered as
``Trade`` objects, as on the normal path; the candles are the same either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Collection, MutableMapping
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

from wickwatch.market.connectors._connection import Connection, now_ms
from wickwatch.market.connectors._pacing import Backoff, SharedLimits, WindowLimiter
from wickwatch.market.connectors._state import ConnState, FeedState, check_feed_move
from wickwatch.market.connectors._tracks import Track
from wickwatch.market.connectors.base import Backfill, FrameTap, TradeSink, Until, VenueConnector
from wickwatch.market.connectors.config import Endpoints, FeedConfig, VenueLimits
from wickwatch.market.connectors.rest import RestClient, RestUnavailable
from wickwatch.market.connectors.status import FeedStatus, FeedStatusSnapshot, GapRecord
from wickwatch.market.types import BUY, SELL, Instrument, MalformedFrame, Trade
from wickwatch.market.venues.base import VenueParser, parser_class

if TYPE_CHECKING:
    from wickwatch.market.candles import RawTradeSink

logger = logging.getLogger("wickwatch.market.connectors")


class Prefixed(logging.LoggerAdapter[logging.Logger]):
    """Starts every line with the connection (or feed) id: ``binance_futures.ws.3 closed …``."""

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        return f"{self.extra['id'] if self.extra else ''} {msg}", kwargs


class _FeedFrame(Protocol):
    def __call__(self, frame: bytes | str, recv_ms: int, sink: RawTradeSink) -> int | None: ...


class Feed:
    """All public trades of one exchange × market, delivered to ``sink``.

    ``venue``: the :class:`VenueConnector` subclass. ``endpoints``: URLs (default: production).
    ``config``: tunables. ``shared``: per-IP budgets shared with the other feeds of the process.
    ``tap``: sees every frame (recording). ``symbols``: only these symbols (default: every trading
    instrument). ``session``: an aiohttp session to use (default: the feed's own).
    A sink may also take ``hold``/``release`` (a recovering symbol's seconds wait), ``mark_gap``
    and ``recovered`` (the trades recovered over REST, new to the feed, just before they are
    delivered: a recording keeps them).
    """

    def __init__(
        self,
        venue: type[VenueConnector],
        sink: TradeSink,
        *,
        endpoints: Endpoints | None = None,
        config: FeedConfig | None = None,
        shared: SharedLimits | None = None,
        tap: FrameTap | None = None,
        symbols: Collection[str] | None = None,
        session: aiohttp.ClientSession | None = None,
        parser: VenueParser | None = None,
    ) -> None:
        self.name = f"{venue.exchange}_{venue.market}"
        self.config = config or FeedConfig()
        self.limits: VenueLimits = self.config.limits or venue.limits
        self.log = self.logger(f"{self.name}.feed")
        self.parser = parser or parser_class(venue.exchange, venue.market)()
        self.venue = venue(
            endpoints or venue.default_endpoints, self.parser, self.logger(f"{self.name}.venue")
        )
        self.venue.max_pages = self.config.backfill_max_pages
        self.sink = sink
        self._add_frame = getattr(sink, "add_frame", None)
        self._hold = getattr(sink, "hold", None)
        self._release = getattr(sink, "release", None)
        self._recovered: Callable[[list[Trade]], None] | None = getattr(sink, "recovered", None)
        self._add_raw: RawTradeSink | None = (
            sink if callable(getattr(sink, "add_raw", None)) else None  # type: ignore[assignment]
        )
        #: the parser's fast path, used by the connections when the sink takes raw trades
        self.feed_frame: _FeedFrame | None = (
            getattr(self.parser, "feed_frame", None) if self._add_raw is not None else None
        )
        self.status = FeedStatus(venue.exchange, venue.market, self.config.status_window_s)
        self.state = FeedState.NEW
        self.instruments: dict[str, Instrument] = {}
        self.only = set(symbols) if symbols is not None else None
        self._tap = tap
        self.tapping = tap is not None
        self._shared = shared or SharedLimits()
        cfg, lim = self.config, self.limits
        self.connect_limiter: WindowLimiter = self._shared.connect_limiter(
            venue.exchange, lim.connects_per_window, lim.connect_window_s, cfg.pacing_margin
        )
        self._rest_limiter = self._shared.rest_limiter(
            venue.exchange, lim.rest_weight_per_window, lim.rest_window_s, cfg.pacing_margin
        )
        self._own_session = session is None
        self._session = session
        self.rest: RestClient | None = None
        self._conns: list[Connection] = []
        self._replacing: dict[Connection, Connection] = {}  # new → old
        self._indices = itertools.count(1)
        self._name_of: dict[str, str] = {}  # symbol → stream name
        self._symbol_of: dict[str, str] = {}  # stream name → symbol
        self._rejected: set[str] = set()
        self._tracks: dict[str, Track] = {}
        self._jobs: asyncio.PriorityQueue[tuple[int, int, str, int]] = asyncio.PriorityQueue()
        self._job_seq = itertools.count()
        self._tasks: list[asyncio.Task[None]] = []
        self._all_live = asyncio.Event()
        self._malformed_logged = 0.0
        self._malformed_unlogged = 0

    # -- public --

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError(f"{self.name}: feed not started")
        return self._session

    @property
    def connections(self) -> list[Connection]:
        return list(self._conns)

    def logger(self, ident: str) -> Prefixed:
        return Prefixed(logger, {"id": ident})

    def snapshot(self) -> FeedStatusSnapshot:
        return self.status.snapshot()

    async def __aenter__(self) -> Feed:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Load instruments (retrying with back-off), open the connections, start the tasks.

        Returns once the connections are opening; :meth:`wait_live` waits for the subscriptions.
        """
        self._move(FeedState.STARTING)
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self.rest = RestClient(
            self.session,
            self.venue.endpoints.rest_url,
            self._rest_limiter,
            timeout_s=self.config.rest_timeout_s,
            log=self.logger(f"{self.name}.rest"),
            limit_cooldown_s=self.config.limit_cooldown_s,
        )
        backoff = Backoff(self.config.backoff_base_s, self.config.backoff_max_s)
        while True:
            try:
                instruments = await self.venue.fetch_instruments(self.rest)
                break
            except (RestUnavailable, MalformedFrame) as exc:
                delay = backoff.next_delay()
                self.status.reason = f"instrument list: {exc}"
                self.log.warning("instrument list unavailable (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
        self._set_instruments(instruments)
        names = sorted(self._symbol_of)
        per = self.limits.streams_per_connection
        groups = [set(names[i : i + per]) for i in range(0, len(names), per)]
        cap = self.limits.max_connections
        if cap is not None and len(groups) > cap:
            dropped = sum(len(g) for g in groups[cap:])
            self.log.error(
                "%d streams exceed %d connections; %d not subscribed", len(names), cap, dropped
            )
            groups = groups[:cap]
        self.log.info(
            "%d instruments, %d streams over %d connections",
            len(instruments),
            len(names),
            len(groups),
        )
        for group in groups:
            self._open(group)
        self._tasks.append(asyncio.create_task(self._maintain(), name=f"{self.name}.maintain"))
        self._tasks.append(
            asyncio.create_task(self._refresh_listings(), name=f"{self.name}.listings")
        )
        for i in range(self.config.backfill_concurrency):
            self._tasks.append(
                asyncio.create_task(self._backfill_worker(), name=f"{self.name}.backfill.{i}")
            )
        self.status.running = True
        self._move(FeedState.RUNNING)

    async def wait_live(self) -> None:
        """Wait until every connection is live (all subscriptions answered); bound it with
        ``asyncio.timeout``."""
        await self._all_live.wait()

    async def stop(self) -> None:
        if self.state is FeedState.STOPPED:
            return
        if self.state is FeedState.NEW:
            self._move(FeedState.STOPPED)
            return
        self._move(FeedState.STOPPING)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await asyncio.gather(*(conn.stop() for conn in self._conns), return_exceptions=True)
        self._abandon_recoveries()
        self.status.running = False
        self._update_counts()
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None
        self._move(FeedState.STOPPED)
        self.log.info("stopped")

    # -- callbacks from connections (reader task: keep quick) --

    def on_trades(self, trades: list[Trade]) -> None:
        tracks = self._tracks
        out: list[Trade] = []
        dups = 0
        for trade in trades:
            track = tracks.get(trade.symbol)
            if track is None:
                track = self._new_track(trade.symbol)
            if track.recovering:
                self._buffer(track, trade)
            elif track.accept(trade):
                out.append(trade)
            else:
                dups += 1
        if dups:
            self.status.duplicates_dropped += dups
        if out:
            self._deliver(out)

    def add_raw(
        self,
        venue: tuple[str, str],
        symbol: str,
        ts_ms: int,
        price: float,
        qty: float,
        buy: bool,
        recv_ms: int,
        trade_id: int | str = 0,
    ) -> None:
        """:meth:`on_trades` for one trade from the parser's ``feed_frame`` (the fast path)."""
        track = self._tracks.get(symbol)
        if track is None:
            track = self._new_track(symbol)
        if track.recovering:
            side = BUY if buy else SELL
            ex, mk = venue
            # the id as text, as the REST backfill gives it (de-duplicated together)
            trade = Trade(
                ex, mk, symbol, price, qty, price * qty, side, ts_ms, recv_ms, str(trade_id)
            )
            self._buffer(track, trade)
        elif track.accept_raw(trade_id, ts_ms):  # the same decision as for str(trade_id)
            assert self._add_raw is not None  # feed_frame is only used with such a sink
            self._add_raw.add_raw(venue, symbol, ts_ms, price, qty, buy, recv_ms, trade_id)
            self.status.record_trade(ts_ms, recv_ms)
        else:
            self.status.duplicates_dropped += 1

    def on_malformed(self, conn: Connection, frame: str | bytes, exc: Exception) -> None:
        self.status.malformed_frames += 1
        now = time.monotonic()
        if (
            now - self._malformed_logged < self.config.malformed_log_interval_s
            and self._malformed_logged
        ):
            self._malformed_unlogged += 1
            return
        sample = frame[:300] if isinstance(frame, str) else frame[:300].decode("utf-8", "replace")
        more = (
            f" (+{self._malformed_unlogged} more since last sample)"
            if self._malformed_unlogged
            else ""
        )
        conn.log.warning(
            "malformed frame%s: %s: %s; sample: %r", more, type(exc).__name__, exc, sample
        )
        self._malformed_logged = now
        self._malformed_unlogged = 0

    def on_rejected(self, conn: Connection, name: str, reason: str) -> None:
        symbol = self._symbol_of.pop(name, name)
        self._name_of.pop(symbol, None)
        self._rejected.add(name)
        if self._tracks.pop(symbol, None) is not None:
            self._released(symbol)
        self.status.rejected_symbols.append(symbol)
        conn.log.warning("subscription of %s refused (%s); symbol dropped", symbol, reason)

    def on_subscribed(self, conn: Connection, names: set[str]) -> None:
        venue = self.venue
        waits = venue.consecutive_ids or venue.snapshot_on_subscribe
        grace = self.config.backfill_grace_s if waits else 0.0
        ready = time.monotonic() + grace
        for name in names:
            track = self._tracks.get(self._symbol_of.get(name, ""))
            if track is not None and track.recovering and not track.job:
                if track.buffer or not grace:
                    self._queue_backfill(track, 0 if track.buffer else 1)
                else:
                    track.job = "waiting"
                    track.ready_at = ready

    def on_down(self, conn: Connection, reason: str) -> None:
        self.status.reconnects += 1
        self.status.reason = f"{conn.id}: {reason}"
        covered: set[str] = set()
        for other in self._conns:
            if other is not conn and other.state is ConnState.LIVE:
                covered |= other.subscribed
        for name in conn.wanted - covered:
            symbol = self._symbol_of.get(name)
            if symbol is None:
                continue
            track = self._tracks.get(symbol)
            if track is None:
                track = self._new_track(symbol)
            held = track.recovering
            track.begin_recovery(self._exchange_time(conn.alive_ms))
            if not held and self._hold is not None and track.since is not None:
                self._hold(self.venue.exchange, self.venue.market, symbol, track.since.ts_ms)

    def on_state(self, conn: Connection, old: ConnState, new: ConnState) -> None:
        conn.log.debug("%s → %s", old.value, new.value)
        if new is ConnState.LIVE:
            old_conn = self._replacing.pop(conn, None)
            if old_conn is not None:
                conn.log.info("replaces %s (connection lifetime)", old_conn.id)
                with contextlib.suppress(ValueError):
                    self._conns.remove(old_conn)
                asyncio.get_running_loop().create_task(old_conn.stop())
        self._update_counts()

    def tap(self, kind: str, conn_id: str, data: str | bytes, ts_ms: int | None = None) -> None:
        if self._tap is not None:
            self._tap(conn_id, kind, data, ts_ms if ts_ms is not None else now_ms())

    # -- internals --

    def _move(self, new: FeedState) -> None:
        check_feed_move(self.state, new, self.name)
        self.state = new
        self.log.debug("feed %s", new.value)

    def _update_counts(self) -> None:
        conns = self._conns
        self.status.connections_total = len(conns)
        self.status.connections_up = sum(1 for c in conns if c.state is ConnState.LIVE)
        subscribed: set[str] = set()
        for conn in conns:
            subscribed |= conn.subscribed
        self.status.symbols = len(subscribed)
        if conns and self.status.connections_up == len(conns):
            self._all_live.set()
            self.status.reason = None
        else:
            self._all_live.clear()

    def _set_instruments(self, instruments: list[Instrument]) -> None:
        self.parser.set_instruments(instruments)
        self.instruments = {i.symbol: i for i in instruments}
        self._name_of.clear()
        self._symbol_of.clear()
        for inst in instruments:
            if not inst.trading or (self.only is not None and inst.symbol not in self.only):
                continue
            name = self.venue.stream_name(inst)
            if name in self._rejected:
                continue
            self._name_of[inst.symbol] = name
            self._symbol_of[name] = inst.symbol

    def _open(self, names: set[str]) -> Connection:
        conn = Connection(self, next(self._indices), names)
        self._conns.append(conn)
        conn.start()
        self._update_counts()
        return conn

    def _deliver(self, trades: list[Trade]) -> None:
        if self._add_frame is not None:
            self._add_frame(trades)
        else:
            add = self.sink.add
            for trade in trades:
                add(trade)
        self.status.record_trades(trades)

    def _abandon_recoveries(self) -> None:
        """At stop: the symbols still recovering will not be backfilled by this feed. Their
        gap is reported and the sink's hold released, so their waiting candles close
        (incomplete) instead of waiting for ever (a collector that hands a feed over, or
        stops, while a connection is down)."""
        end = self._exchange_now()
        for track in self._tracks.values():
            if track.recovering:
                self._give_up_recovery(track, end, "feed stopped")

    def _give_up_recovery(self, track: Track, end: int, reason: str) -> None:
        """End a recovery that will not be backfilled: its gap (since the last trade seen, to
        ``end``) is reported and the sink's hold released, so its candles close incomplete."""
        since = track.since
        if since is not None and since.ts_ms < end:
            exchange, market = self.venue.exchange, self.venue.market
            self.sink.mark_gap(exchange, market, track.symbol, since.ts_ms, end + 1)
            self.status.record_gap(GapRecord(track.symbol, since.ts_ms, end, reason))
        track.end_recovery()
        self._released(track.symbol)

    def _exchange_now(self) -> int:
        """The venue's clock now, as the sink estimates it from the trades (exchange time,
        which gaps and backfill bounds are in); the local clock before any trade."""
        return self._exchange_time(now_ms())

    def _exchange_time(self, local: int) -> int:
        """A local receive time (:func:`now_ms`) as venue time, as the sink estimates it."""
        clock = getattr(self.sink, "exchange_now_ms", None)
        if clock is not None:
            estimate = clock(self.venue.exchange, self.venue.market, local)
            if estimate is not None:
                return int(estimate)
        return local

    def _released(self, symbol: str) -> None:
        if self._release is not None:
            self._release(self.venue.exchange, self.venue.market, symbol)

    def _new_track(self, symbol: str) -> Track:
        # Consecutive ids (Binance, OKX) are integers: de-duplicated by runs of ids, not a set.
        track = self._tracks[symbol] = Track(
            symbol, self.config.dedup_horizon_ms, int_ids=self.venue.consecutive_ids
        )
        return track

    def _buffer(self, track: Track, trade: Trade) -> None:
        if not track.buffer:
            since = track.since
            last_id = since.trade_id if since is not None else None
            if last_id is not None and self.venue.follows(last_id, trade.trade_id):
                # Nothing was missed: the first live trade follows the last one seen.
                track.end_recovery()
                if track.accept(trade):
                    self._deliver([trade])
                self._released(track.symbol)
                return
            track.buffer_since = time.monotonic()
            if track.job in ("queued", "waiting"):
                self._queue_backfill(track, 0)
        track.buffer.append(trade)

    def _queue_backfill(self, track: Track, priority: int) -> None:
        track.job = "queued"
        self._jobs.put_nowait((priority, next(self._job_seq), track.symbol, track.epoch))

    async def _backfill_worker(self) -> None:
        while True:
            _prio, _seq, symbol, epoch = await self._jobs.get()
            track = self._tracks.get(symbol)
            if (
                track is None
                or not track.recovering
                or track.epoch != epoch
                or track.job != "queued"
            ):
                continue
            since = track.since
            if since is None or self.rest is None:
                continue
            track.job = "running"
            first = track.buffer[0] if track.buffer else None
            until = Until(
                first.trade_id if first else None,
                first.ts_ms if first else self._exchange_now(),
            )
            result: Backfill | None = None
            failure = ""
            try:
                result = await self.venue.backfill(self.rest, symbol, since, until)
            except RestUnavailable as exc:
                failure = str(exc)
                if exc.limited:
                    self.status.limit_errors += 1
            except MalformedFrame as exc:
                failure = str(exc)
            except Exception as exc:
                self.log.exception("backfill of %s failed", symbol)
                failure = f"{type(exc).__name__}: {exc}"
            if (
                self._tracks.get(symbol) is not track
                or track.epoch != epoch
                or not track.recovering
            ):
                continue  # abandoned meanwhile (waited too long, or symbol dropped)
            self._finish_recovery(track, result, failure)

    def _finish_recovery(self, track: Track, result: Backfill | None, failure: str) -> None:
        since = track.since
        buffered = track.buffer
        gap: tuple[int, int] | None = None
        if result is None:
            if since is not None:
                end = buffered[0].ts_ms if buffered else self._exchange_now()
                gap = (since.ts_ms, end)
            recovered: list[Trade] = []
        else:
            recovered = sorted(result.trades, key=lambda t: t.ts_ms)
            gap = result.missing
            failure = "beyond what the REST API returns"
        track.end_recovery()
        if gap is not None:
            # Half-open span for the sink: trades at the end millisecond may be missing too.
            exchange, market = self.venue.exchange, self.venue.market
            self.sink.mark_gap(exchange, market, track.symbol, gap[0], gap[1] + 1)
            self.status.record_gap(GapRecord(track.symbol, gap[0], gap[1], failure))
            self.log.warning(
                "gap in %s %d..%d not backfilled: %s", track.symbol, gap[0], gap[1], failure
            )
        accept = track.accept
        # One time order for REST and live trades (stable: REST first at equal times). REST
        # answers reach past the first live trade; accepted first, they would move the track's
        # floor past older buffered trades, which were then dropped as "already processed".
        from_rest = {id(t) for t in recovered}
        merged = [t for t in sorted([*recovered, *buffered], key=lambda t: t.ts_ms) if accept(t)]
        backfilled = [t for t in merged if id(t) in from_rest]
        self.status.backfilled_trades += len(backfilled)
        if backfilled and self._recovered is not None:
            self._recovered(backfilled)
        if merged:
            self._deliver(merged)
        self._released(track.symbol)

    async def _maintain(self) -> None:
        cfg = self.config
        tick = max(0.05, min(1.0, cfg.backfill_wait_s / 4, cfg.backfill_grace_s / 2))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for track in list(self._tracks.values()):
                if track.job == "waiting" and now >= track.ready_at:
                    self._queue_backfill(track, 1)
                if (
                    track.recovering
                    and track.buffer
                    and now - track.buffer_since > cfg.backfill_wait_s
                ):
                    self.log.warning("backfill of %s took too long", track.symbol)
                    self._finish_recovery(
                        track, None, f"backfill not done within {cfg.backfill_wait_s}s"
                    )
            for conn in list(self._conns):
                if conn.lifetime_due and conn not in self._replacing.values():
                    new = self._open(set(conn.wanted))
                    self._replacing[new] = conn
                    conn.log.info("lifetime ending; opening %s to replace it", new.id)
            self._update_counts()

    async def _refresh_listings(self) -> None:
        while True:
            await asyncio.sleep(self.config.listing_refresh_s)
            if self.rest is None:
                continue
            try:
                instruments = await self.venue.fetch_instruments(self.rest)
            except (RestUnavailable, MalformedFrame) as exc:
                self.log.warning("listing refresh failed: %s", exc)
                continue
            before = dict(self._symbol_of)
            self._set_instruments(instruments)
            added = set(self._symbol_of) - set(before)
            removed = {name: before[name] for name in set(before) - set(self._symbol_of)}
            self._apply_listing(added, removed)

    def _apply_listing(self, added: set[str], removed: dict[str, str]) -> None:
        """Subscribe new stream names; unsubscribe ``removed`` (stream name → symbol)."""
        if removed:
            self.log.info(
                "unsubscribing %d delisted: %s", len(removed), sorted(removed.values())[:10]
            )
            for conn in self._conns:
                conn.remove(set(removed))
            end = self._exchange_now()
            for symbol in removed.values():
                # The track is kept: its ids still de-duplicate a relisting's snapshot.
                track = self._tracks.get(symbol)
                if track is not None and track.recovering:
                    self._give_up_recovery(track, end, "delisted")
        if added:
            self.log.info("subscribing %d new streams: %s", len(added), sorted(added)[:10])
            pending = sorted(added)
            for conn in self._conns:
                if conn in self._replacing.values() or not pending:
                    continue
                take, pending = pending[: max(0, conn.room)], pending[max(0, conn.room) :]
                if take:
                    conn.add(set(take))
            per = self.limits.streams_per_connection
            cap = self.limits.max_connections
            opened = len(self._conns) - len(self._replacing)  # a rotating pair is one
            while pending and (cap is None or opened < cap):
                group, pending = pending[:per], pending[per:]
                self._open(set(group))
                opened += 1
            if pending:  # as at start: the venue's per-IP budget is not exceeded
                self.log.error(
                    "%d new streams exceed %d connections; not subscribed: %s",
                    len(pending),
                    cap,
                    pending[:10],
                )
        self._update_counts()
