"""Replay recordings through the live pipeline: venue parser → de-duplication → CandleBuilder.

The data's own clock drives everything: each frame's recorded receive time is the local time
given to the parser (``recv_ms``) and to :meth:`CandleBuilder.close_due` (called before each
frame), so the output is deterministic; at the end of input every open candle is flushed. Several
recordings are merged by receive time (ties: the order the files were given), which also replays
a venue recorded over several connections or rotated files.

Closed candles go to the handlers given as ``on_candle`` (CSV writer, detection, storage...), in
closing order: time order per venue. Malformed frames are counted and a few samples logged per
file; they never stop a replay.

De-duplication mirrors the live feed (``market.connectors``): per symbol, a trade whose id was
seen within the last ``dedup_horizon_ms`` of exchange time, or that is older than that behind the
newest trade of the symbol, is dropped (subscribe snapshots, overlapping connections).

The recent trades a venue pushes when a symbol's subscription starts (Bitget, Hyperliquid, OKX,
Bybit) are real trades, older than the seconds the venue's other symbols have closed by then:
the symbol is held in the builder for that first frame, so they land in their seconds (see
:meth:`Replay._add_first_push`) — the candles are those of an offline computation.

A recording of ``wickwatch record`` also holds the live feed's recovery after a dropped
connection (:data:`~wickwatch.market.recording.FEED_EVENTS`); they are applied at their place in
time, as the feed applied them: a recovering symbol's seconds wait (``hold``), the trades
recovered over REST go in (``trades``, de-duplicated like the frames' ones), what could not be
recovered marks its candles incomplete (``gap``), and the seconds close (``release``).
"""

from __future__ import annotations

import csv
import heapq
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import msgspec

from wickwatch.market.candles import (
    DEFAULT_GRACE_MS,
    CandleBuilder,
    CandleHandler,
    MinuteAggregator,
    RawTradeSink,
)
from wickwatch.market.connectors._tracks import _decimal_id
from wickwatch.market.recording import (
    FeedEvent,
    Recording,
    RecordingFormatError,
    open_recording,
)
from wickwatch.market.types import Candle, MalformedFrame, Trade
from wickwatch.market.venues.base import VenueParser, parser_class

__all__ = [
    "CSV_HEADER",
    "CandleCsvWriter",
    "Replay",
    "ReplayStats",
    "TradeDeduper",
    "format_decimal",
    "open_sources",
    "parse_speed",
]

log = logging.getLogger(__name__)

CSV_HEADER = (
    "exchange",
    "market",
    "symbol",
    "ts_ms",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "trades",
)
#: Same default as the live feed's ``FeedConfig.dedup_horizon_ms``.
DEDUP_HORIZON_MS = 15_000
_FOREVER = 1 << 62
MALFORMED_SAMPLES = 3
#: A silence of the data longer than this is a hole (files recorded hours apart, a recorder
#: stopped for a while): a paced replay skips it. Shorter ones are the market's own quiet
#: spells and are waited out at the speed asked.
HOLE_S = 60.0


def parse_speed(text: str) -> float | None:
    """``max`` → None (as fast as possible); ``1x``, ``10x``, ``0.5x`` → the factor."""
    value = text.strip().lower()
    if value == "max":
        return None
    try:
        factor = float(value.removesuffix("x"))
    except ValueError:
        factor = 0.0
    if not value.endswith("x") or not 0.0 < factor < float("inf"):
        raise ValueError(f"speed must be 'max' or a factor like '1x' or '10x', not {text!r}")
    return factor


def format_decimal(value: float) -> str:
    """Shortest exact decimal text of a float, positional (``61234.5``, ``0.00000638``, ``3``)."""
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


class CandleCsvWriter:
    """A candle handler writing ``exchange,market,symbol,ts_ms,open,high,low,close,volume,trades``.

    Prices and volumes are printed with :func:`format_decimal`: the builder keeps prices as the
    exchange's floats and makes volume sums exact, so the text equals a ``Decimal`` computation.
    """

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._writer = csv.writer(out, lineterminator="\n")
        self._writer.writerow(CSV_HEADER)
        self.rows = 0

    def __call__(self, c: Candle) -> None:
        f = format_decimal
        self._writer.writerow(
            (
                c.exchange,
                c.market,
                c.symbol,
                c.ts_ms,
                f(c.open),
                f(c.high),
                f(c.low),
                f(c.close),
                f(c.volume),
                c.trades,
            )
        )
        self.rows += 1


class _Seen:
    """De-duplication state of one symbol."""

    __slots__ = ("ids", "last", "order")

    def __init__(self) -> None:
        self.ids: set[int | str] = set()
        self.order: deque[tuple[int, int | str]] = deque()
        self.last: int | None = None


class TradeDeduper:
    """Drops trades already seen (same semantics as the live feed's per-symbol track).

    A decimal text id is the same id as its int, as in the live feed: a parser's fast path
    (:meth:`accept_id`) gives Binance's ids as ints, the recorded REST backfill (``trades``
    events) as text, and a trade that came both ways counts once.
    """

    def __init__(self, horizon_ms: int = DEDUP_HORIZON_MS) -> None:
        self.horizon_ms = horizon_ms
        self.dropped = 0
        self._seen: dict[tuple[str, str, str], _Seen] = {}

    def filter(self, trades: list[Trade]) -> list[Trade]:
        """The trades of one frame that were not seen before (the same list if all are new)."""
        keep: list[Trade] | None = None
        for i, t in enumerate(trades):
            if self.accept(t):
                if keep is not None:
                    keep.append(t)
            elif keep is None:
                keep = trades[:i]
        return trades if keep is None else keep

    def accept(self, t: Trade) -> bool:
        return self.accept_id(t.exchange, t.market, t.symbol, t.trade_id, t.ts_ms)

    def accept_id(self, exchange: str, market: str, symbol: str, tid: int | str, ts: int) -> bool:
        """True for a trade not seen before (and remember it); False for a duplicate."""
        if tid.__class__ is str:
            n = _decimal_id(tid)
            if n is not None:
                tid = n
        key = (exchange, market, symbol)
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = _Seen()
        ids = seen.ids
        last = seen.last
        if tid in ids or (last is not None and ts < last - self.horizon_ms):
            self.dropped += 1
            return False
        ids.add(tid)
        order = seen.order
        order.append((ts, tid))
        if last is None or ts >= last:
            seen.last = last = ts
        horizon = last - self.horizon_ms
        while order[0][0] < horizon:
            ids.discard(order.popleft()[1])
        return True


class _DedupSink:
    """Stands between a parser's ``feed_frame`` and the builder: drops trades seen before."""

    def __init__(self, builder: CandleBuilder, dedup: TradeDeduper) -> None:
        self._add = builder.add_raw
        self._accept = dedup.accept_id

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
        if self._accept(venue[0], venue[1], symbol, trade_id, ts_ms):
            self._add(venue, symbol, ts_ms, price, qty, buy, recv_ms, trade_id)


class _FirstTrades:
    """Stands before a sink for one file: calls ``on_first(symbol)`` before the first trade of
    each symbol the file brings (the parser's fast path hands the trades straight on)."""

    def __init__(self, sink: RawTradeSink, seen: set[str], on_first: Callable[[str], None]) -> None:
        self._add = sink.add_raw
        self._seen = seen
        self._on_first = on_first

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
        if symbol not in self._seen:
            self._seen.add(symbol)
            self._on_first(symbol)
        self._add(venue, symbol, ts_ms, price, qty, buy, recv_ms, trade_id)


@dataclass
class ReplayStats:
    files: int = 0
    frames: int = 0
    trades: int = 0  #: parsed
    duplicates: int = 0  #: dropped by de-duplication
    candles: int = 0
    late: int = 0  #: trades for a second already closed
    malformed: int = 0
    #: trades the recording's live feed recovered over REST (``trades`` events; not in
    #: ``trades``, which counts the frames' ones)
    recovered: int = 0
    elapsed_s: float = 0.0
    first_recv_ns: int | None = None
    last_recv_ns: int | None = None
    per_file: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        recovered = f", {self.recovered} recovered" if self.recovered else ""
        return (
            f"{self.files} file(s): {self.frames} frames, {self.trades} trades "
            f"({self.duplicates} duplicate, {self.late} late{recovered}), {self.candles} candles, "
            f"{self.malformed} malformed frames in {self.elapsed_s:.2f} s "
            f"({self.frames_per_s:,.0f} frames/s)"
        )


def open_sources(
    paths: Iterable[str | Path], exchange: str | None = None, market: str | None = None
) -> tuple[list[Recording], list[str]]:
    """Open every path as a recording whose venue has a parser; the others are skipped with a
    reason (second element). ``exchange`` / ``market`` override detection for every file."""
    recordings: list[Recording] = []
    skipped: list[str] = []
    for path in paths:
        try:
            rec = open_recording(path, exchange, market)
            parser_class(rec.exchange, rec.market)
        except (RecordingFormatError, OSError, EOFError) as exc:
            skipped.append(f"{path}: {exc}")
            continue
        except KeyError as exc:
            skipped.append(f"{path}: {exc.args[0] if exc.args else exc}")
            continue
        recordings.append(rec)
    return recordings, skipped


class Replay:
    """One replay run over ``recordings`` (see the module docstring).

    ``speed`` None replays as fast as possible; a factor paces frames by their recorded receive
    times (1.0 = real time), skipping silences longer than :data:`HOLE_S`. ``on_candle``
    handlers get every closed 1-second candle, ``on_minute`` handlers every 1-minute candle
    (built only if given). ``builder`` is exposed for inspection.

    ``mark_edges``: a recording starts and ends at arbitrary moments, so the seconds (and
    minutes) that began before its first frame or end after its last one are marked incomplete
    (as gaps ``[0, start)`` and ``[end, ∞)`` of each venue, in exchange time). A later file of
    a venue recorded after the others had stopped marks the hole in between and its first
    second, for every symbol; one that joins while the others go on (another recorder's
    symbols, another connection) marks its first second for the symbols it brings only.
    """

    def __init__(
        self,
        recordings: Sequence[Recording],
        *,
        on_candle: Iterable[CandleHandler] = (),
        on_minute: Iterable[CandleHandler] = (),
        speed: float | None = None,
        grace_ms: int = DEFAULT_GRACE_MS,
        dedup_horizon_ms: int | None = DEDUP_HORIZON_MS,
        on_progress: Callable[[int], None] | None = None,
        progress_every: int = 4096,
        sleep: Callable[[float], Any] = time.sleep,
        mark_edges: bool = True,
    ) -> None:
        self.recordings = list(recordings)
        self.parsers: list[VenueParser] = [
            parser_class(r.exchange, r.market)() for r in self.recordings
        ]
        self.handlers: list[CandleHandler] = list(on_candle)
        self.minute_handlers: list[CandleHandler] = list(on_minute)
        self.speed = speed
        self.dedup = TradeDeduper(dedup_horizon_ms) if dedup_horizon_ms is not None else None
        self.on_progress = on_progress
        self.progress_every = max(1, progress_every)
        self._sleep = sleep
        self.mark_edges = mark_edges
        self.minutes: MinuteAggregator | None = None
        if self.minute_handlers:
            self.minutes = MinuteAggregator(self._fan_out(self.minute_handlers))
            self.handlers.append(self.minutes.add)
        self.builder = CandleBuilder(grace_ms=grace_ms, on_candle=self._fan_out(self.handlers))
        self.stats = ReplayStats(files=len(self.recordings))
        #: files whose every frame has been replayed (kept while several files are merged)
        self._ended = [False] * len(self.recordings)
        #: per file joining a venue while its other files go on: marks the join second
        #: incomplete for one symbol the file brings (see run)
        self._join_marks: list[Callable[[str], None] | None] = [None] * len(self.recordings)

    @staticmethod
    def _fan_out(handlers: list[CandleHandler]) -> CandleHandler | None:
        if not handlers:
            return None
        if len(handlers) == 1:
            return handlers[0]

        def fan_out(c: Candle) -> None:
            for h in handlers:
                h(c)

        return fan_out

    def position(self) -> int:
        """Bytes of the input files consumed so far (compressed), for progress bars."""
        return sum(r.position() for r in self.recordings)

    @property
    def total_bytes(self) -> int:
        return sum(r.size for r in self.recordings)

    def _frames(self) -> Iterator[tuple[int, int, str | bytes]]:
        """(recv_ns, file index, frame) of every file, merged by receive time; the recorded
        feed events are applied on the way (:meth:`_feed_event`)."""
        feed_event = self._feed_event
        if len(self.recordings) == 1:
            for ns, frame in self.recordings[0].with_events():
                if frame.__class__ is FeedEvent:
                    feed_event(ns, 0, frame)
                    continue
                yield ns, 0, frame  # type: ignore[misc]
            return

        def tagged(
            i: int, rec: Recording
        ) -> Iterator[tuple[int, int, int, str | bytes | FeedEvent | None]]:
            ns = seq = -1
            for seq, (ns, frame) in enumerate(rec.with_events()):
                yield ns, i, seq, frame
            yield ns, i, seq + 1, None  # the end of the file, right after its last frame

        streams = [tagged(i, r) for i, r in enumerate(self.recordings)]
        for ns, i, _seq, item in heapq.merge(*streams):
            if item is None:
                self._ended[i] = True
                continue
            if item.__class__ is FeedEvent:
                feed_event(ns, i, item)
                continue
            yield ns, i, item  # type: ignore[misc]

    def _feed_event(self, recv_ns: int, i: int, event: FeedEvent) -> None:
        """Apply one recorded step of the live feed's recovery, after closing what was due
        before it (as the live candle loop had)."""
        exchange, market = self.recordings[i].exchange, self.recordings[i].market
        builder = self.builder
        recv_ms = recv_ns // 1_000_000
        if recv_ms >= builder.next_due_ms and builder.close_due(recv_ms) and self.minutes:
            self._close_minutes()
        data = event.data
        try:
            if event.kind == "trades":
                trades = msgspec.convert(data, list[Trade])
                self.stats.recovered += len(trades)
                if self.dedup is not None:
                    trades = self.dedup.filter(trades)
                builder.add_frame(trades)
            elif event.kind == "hold":
                builder.hold(exchange, market, data["symbol"], int(data["from_ms"]))
            elif event.kind == "release":
                builder.release(exchange, market, data["symbol"])
            elif event.kind == "gap":
                from_ms, to_ms = int(data["from_ms"]), int(data["to_ms"])
                self._gap(exchange, market, from_ms, to_ms, data["symbol"])
        except (msgspec.ValidationError, KeyError, TypeError, ValueError) as exc:
            self.stats.malformed += 1
            log.warning(
                "%s: unreadable %s event at recv_ns %d: %s",
                self.recordings[i].path.name,
                event.kind,
                recv_ns,
                exc,
            )

    def run(self) -> ReplayStats:
        stats = self.stats
        builder = self.builder
        close_due = builder.close_due
        add_frame = builder.add_frame
        parse = [p.parse_frame for p in self.parsers]
        # Parsers with a fast path (Binance) hand trades straight to the builder, through the
        # de-duplication when it is on; the others return Trade lists.
        feed = [getattr(p, "feed_frame", None) for p in self.parsers]
        sink: RawTradeSink = builder
        if self.dedup is not None:
            sink = _DedupSink(builder, self.dedup)
        dedup = self.dedup.filter if self.dedup is not None else None
        sinks = [sink] * len(self.recordings)
        minutes = self.minutes
        names = [r.path.name for r in self.recordings]
        n_files = len(names)
        file_frames = [0] * n_files
        file_trades = [0] * n_files
        file_bad = [0] * n_files
        speed = self.speed
        every = self.progress_every
        on_progress = self.on_progress
        venue_of = [(r.exchange, r.market) for r in self.recordings]
        file_first = [-1] * n_files  # first / last receive time (ms) of each file
        file_last = [-1] * n_files
        # Files still waiting for their first trades (they fix the venue clock) to mark where
        # their data starts.
        unstarted = [self.mark_edges] * n_files
        file_symbols: list[set[str]] = [set() for _ in range(n_files)]  # seen in each file
        frames = trades = malformed = 0
        first_ns: int | None = None
        last_ns = 0
        hole_ns = int(HOLE_S * 1e9)
        skipped_ns = 0  # data time in holes, not paced
        started = paced_from = time.perf_counter()
        for ns, i, frame in self._frames():
            if first_ns is None:
                first_ns = ns
            elif ns - last_ns > hole_ns:
                skipped_ns += ns - last_ns
            last_ns = ns
            recv_ms = ns // 1_000_000
            if file_first[i] < 0:
                file_first[i] = recv_ms
                if unstarted[i]:
                    # A later file of a venue already being replayed (marked before anything
                    # closes at its time: the seconds before it may still be open).
                    prior = [
                        k
                        for k in range(n_files)
                        if k != i and venue_of[k] == venue_of[i] and not unstarted[k]
                    ]
                    if prior:
                        if all(self._ended[k] for k in prior):
                            last = max(file_last[k] for k in prior)
                            self._mark_join(venue_of[i], last, recv_ms)
                        else:
                            mark = self._join_mark(venue_of[i], recv_ms)
                            if mark is not None:
                                self._join_marks[i] = mark
                                sinks[i] = _FirstTrades(sink, file_symbols[i], mark)
                        unstarted[i] = False
            file_last[i] = recv_ms
            if speed is not None:
                data_s = (ns - first_ns - skipped_ns) / 1e9
                delay = paced_from + data_s / speed - time.perf_counter()
                if delay > 0.0005:
                    self._sleep(delay)
            # (next_due_ms: most frames skip the call)
            if recv_ms >= builder.next_due_ms and close_due(recv_ms) and minutes is not None:
                self._close_minutes()
            frames += 1
            file_frames[i] += 1
            fast = feed[i]
            try:
                if fast is not None:
                    got = fast(frame, recv_ms, sinks[i])  # parsed and added
                    parsed = None
                else:
                    parsed = parse[i](frame, recv_ms)
                    got = len(parsed) if parsed else 0
            except Exception as exc:  # a parser bug must not end a replay either
                malformed += 1
                file_bad[i] += 1
                if file_bad[i] <= MALFORMED_SAMPLES:
                    kind = "malformed" if isinstance(exc, MalformedFrame) else "unreadable"
                    log.warning(
                        "%s: %s frame at recv_ns %d: %s; sample: %.300r",
                        names[i],
                        kind,
                        ns,
                        exc,
                        frame,
                    )
                continue
            if got:
                trades += got
                file_trades[i] += got
                if parsed:
                    if dedup is not None:
                        parsed = dedup(parsed)
                    known = file_symbols[i]
                    for t in parsed:
                        if t.symbol not in known:
                            self._add_first_push(i, parsed, known, file_first[i])
                            break
                    else:
                        add_frame(parsed)
                if unstarted[i]:
                    same = [k for k in range(n_files) if venue_of[k] == venue_of[i]]
                    first = min(file_first[k] for k in same if file_first[k] >= 0)
                    self._mark_start(venue_of[i], first)
                    for k in same:
                        if file_first[k] >= 0:
                            unstarted[k] = False
            if on_progress is not None and frames % every == 0:
                on_progress(self.position())
        if self.mark_edges:
            ends: dict[tuple[str, str], int] = {}
            for venue, last in zip(venue_of, file_last, strict=True):
                ends[venue] = max(ends.get(venue, -1), last)
            for (exchange, market), last in ends.items():
                end = builder.exchange_now_ms(exchange, market, last)
                if end is not None:
                    self._gap(exchange, market, int(end), _FOREVER)
        builder.flush()
        if minutes is not None:
            minutes.flush()
        stats.elapsed_s = time.perf_counter() - started
        stats.frames = frames
        stats.trades = trades
        stats.malformed += malformed
        stats.duplicates = self.dedup.dropped if self.dedup is not None else 0
        stats.candles = builder.candles_closed
        stats.late = builder.late_total
        stats.first_recv_ns = first_ns
        stats.last_recv_ns = last_ns if first_ns is not None else None
        stats.per_file = {
            name: {"frames": file_frames[k], "trades": file_trades[k], "malformed": file_bad[k]}
            for k, name in enumerate(names)
        }
        if on_progress is not None:
            on_progress(self.total_bytes)
        if malformed:
            log.warning("%d malformed frame(s) skipped", malformed)
        return stats

    def _add_first_push(
        self, i: int, trades: list[Trade], known: set[str], first_recv_ms: int
    ) -> None:
        """Add a frame bringing symbols file ``i`` had not carried yet: a subscription's first
        push, on several venues (Bitget, Hyperliquid, OKX, Bybit) a snapshot of recent trades.
        They are real trades, older than the seconds the venue's other symbols have closed by
        then: as the live feed does for a recovering symbol, each such symbol is held in the
        builder for the frame, so that they land in their seconds instead of being late; the
        seconds then close at the next ``close_due``. A second the symbol had already closed
        (another file) stays closed. (Binance, the only fast path, sends no snapshot.)

        Those seconds began before the file did: marked incomplete, as the recording's start
        edge (whose venue-wide gap the builder no longer keeps once they are closed)."""
        exchange, market = self.recordings[i].exchange, self.recordings[i].market
        builder = self.builder
        closed = builder.closed_before(exchange, market)
        held = builder.held(exchange, market)
        oldest: dict[str, int] = {}
        for t in trades:
            if t.symbol not in known:
                oldest[t.symbol] = min(t.ts_ms, oldest.get(t.symbol, t.ts_ms))
        known.update(oldest)
        behind = {
            sym: ts
            for sym, ts in oldest.items()
            if closed is not None and ts < closed and sym not in held
        }
        mark = self._join_marks[i]
        if mark is not None:
            for sym in oldest:
                mark(sym)
        for sym, ts in behind.items():
            builder.hold(exchange, market, sym, ts)
        builder.add_frame(trades)
        for sym in behind:
            builder.release(exchange, market, sym)
        start = builder.exchange_now_ms(exchange, market, first_recv_ms)
        if self.mark_edges and start is not None:
            for sym, ts in behind.items():
                if ts < start:
                    self._gap(exchange, market, ts, int(start), sym)

    def _mark_start(self, venue: tuple[str, str], first_recv_ms: int) -> None:
        """Nothing before the recording's first frame is known: seconds (and minutes) that
        started before it are incomplete."""
        start = self.builder.exchange_now_ms(*venue, first_recv_ms)
        if start is not None:
            self._gap(*venue, 0, int(start))

    def _join_mark(
        self, venue: tuple[str, str], first_recv_ms: int
    ) -> Callable[[str], None] | None:
        """A file starts while the venue's other files go on (recorders of other symbols, or
        one more connection): its first second is partial for the symbols it brings, not for
        the others' — the function marks it for one symbol, called before the symbol's first
        trade in the file."""
        start = self.builder.exchange_now_ms(*venue, first_recv_ms)
        if start is None:
            return None
        exchange, market = venue
        second = int(start)

        def mark(symbol: str) -> None:
            self._gap(exchange, market, second, second + 1, symbol)

        return mark

    def _mark_join(self, venue: tuple[str, str], last_recv_ms: int, first_recv_ms: int) -> None:
        """A file starts after the venue's other files had all stopped (files recorded at
        different times): the hole in between is unknown, and the new file's first second is
        partial, for every symbol of the venue."""
        start = self.builder.exchange_now_ms(*venue, first_recv_ms)
        if start is None:
            return
        since = start
        if last_recv_ms < first_recv_ms:
            before = self.builder.exchange_now_ms(*venue, last_recv_ms)
            since = before if before is not None else start
        self._gap(*venue, int(since), int(start) + 1)

    def _gap(
        self, exchange: str, market: str, from_ms: int, to_ms: int, symbol: str | None = None
    ) -> None:
        """Seconds and minutes overlapping ``[from_ms, to_ms)`` are incomplete (``symbol``'s, or
        every symbol's of the venue)."""
        self.builder.mark_gap(exchange, market, symbol, from_ms, to_ms)
        if self.minutes is not None:
            self.minutes.mark_gap(exchange, market, symbol, from_ms, to_ms)

    def _close_minutes(self) -> None:
        assert self.minutes is not None
        for exchange, market in self.builder.venues():
            before = self.builder.closed_before(exchange, market)
            if before is not None:
                held = self.builder.held(exchange, market)
                self.minutes.close_through(exchange, market, before, held)
