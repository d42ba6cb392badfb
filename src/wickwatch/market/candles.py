"""Exact 1-second candles from trades, closed by the exchange's clock; 1-minute candles from those.

Bucketing
    A trade belongs to the second ``ts_ms // 1000 * 1000`` of its **exchange** time. Seconds
    without trades produce no candle.

Clock
    Each venue (exchange × market) has its own clock estimate: ``local_now + offset``, where an
    *offset sample* is ``trade.ts_ms - trade.recv_ms``, taken on the first trade of every
    symbol-second (enough samples, and none on the per-trade path). The freshest trades give the
    largest offsets (the smallest network latency), so the estimate trails the exchange by about
    the smallest latency seen, whatever the local clock says: a local clock that is seconds off
    shifts every sample by the same amount and cancels out. The trades of one frame (one receive
    time) are one sample, the frame's freshest: a subscribe snapshot of minutes-old trades is one
    fresh sample, not fifty stale ones. The estimate is the **k-th largest**
    sample of a window of ``offset_window_ms`` of local time (a low quantile of the latency, not
    its minimum): ``k`` is 2, or 1/64 of the previous window's samples (at most 64), so one trade
    with a wildly wrong timestamp — or up to ``k - 1`` of them per window — never moves the clock
    (on a quiet venue two such frames in one window do: a trade-off against start-up, where a
    larger ``k`` keeps the clock behind for longer).
    A window with fewer than ``k`` samples is carried into the next one (a quiet venue collects
    ``k`` samples over several windows); the estimate is the newest full window's, raised as soon
    as the current window holds ``k`` samples above it, so it follows drift and clock steps
    within ~2 windows (a step needs ``k`` samples to be believed). Before the first full window
    (start-up) the smallest sample so far is used: only a venue's very first trade, alone, can
    mislead it, until the second. ``recv_ms`` and the ``now_local_ms`` given to
    :meth:`CandleBuilder.close_due` must come from the same clock; :func:`monotonic_epoch_ms` is an
    epoch-anchored clock that never steps.

Closing
    A second ``[t, t+1000)`` closes once the venue clock reaches ``t + 1000 + grace_ms``. One
    scheduler serves every symbol: per venue, a bucket wheel (``second -> open candles``) plus a
    heap of the seconds present. A single periodic task calls :meth:`CandleBuilder.close_due`
    (cheap when nothing is due: one comparison); closed candles are returned and passed to the
    ``on_candle`` callback, in time order per venue. Once a second is closed for a venue, a trade
    for it (or for any earlier second) is *late*: counted per symbol and in total, never turned
    into a second candle for that second.

Exact sums
    Prices are the trades' floats, untouched, so ``repr`` gives the exchange's decimal text
    (≤ 15 significant digits). Volumes are summed as floats on the per-trade path (no allocation,
    no Decimal) and made exact when the candle closes, by :func:`exact_sum`: the float sum ``S``
    of ``n`` positive terms (each the float of a decimal, or the float product of two) lies within
    ``B = (n + 3)·2⁻⁵³·S`` of the true decimal sum, so the decimal with the fewest fraction digits
    inside ``B`` *is* the true sum whenever its last digit ``10⁻ᵈ`` exceeds ``2B`` — base volume
    with 8 decimals is exact up to ``n·S ≈ 4·10⁷`` (e.g. 1,000 trades of 40,000 coins in one
    second). Beyond that the result still lies within ``2B`` (≈1e-13 relative) of the truth:
    quote volume (price × qty has the decimals of both) is exact for moderate seconds only.
    CSV output prints ``repr`` and so equals an offline ``Decimal`` sum.

Gaps
    :meth:`CandleBuilder.mark_gap` takes a half-open span ``[from_ms, to_ms)`` of exchange time
    in which trades may be missing (a reconnect that could not be backfilled). Open candles whose
    second overlaps it become ``complete=False``, so do candles created later for seconds inside
    it; the gap is recorded in :attr:`CandleBuilder.gaps` (and ``on_gap`` is called) so storage can
    flag candles that already closed.

Recovery
    While a connection is down and its trades are being backfilled over REST, the feed calls
    :meth:`CandleBuilder.hold` for its symbols: their due candles wait, and backfilled trades for
    seconds the rest of the venue has closed are still accepted; :meth:`CandleBuilder.release`
    lets them close (after ``mark_gap`` for what could not be fetched). Those candles are emitted
    after later seconds of other symbols; per symbol, order is kept.

Out-of-order trades inside an open second are fine: open/close are the earliest/latest trade by
exchange time (arrival order breaks ties), high/low and sums do not depend on order.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from wickwatch.market.types import BUY, Candle, Trade

__all__ = [
    "DEFAULT_GRACE_MS",
    "CandleBuilder",
    "CandleHandler",
    "Gap",
    "MinuteAggregator",
    "RawTradeSink",
    "exact_sum",
    "monotonic_epoch_ms",
]

CandleHandler = Callable[[Candle], object]


class RawTradeSink(Protocol):
    """What a parser's fast path (``feed_frame``) hands trades to: :meth:`CandleBuilder.add_raw`,
    or a stand-in with the same method (e.g. one that de-duplicates first)."""

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
    ) -> None: ...


DEFAULT_GRACE_MS = 250
DEFAULT_OFFSET_WINDOW_MS = 10_000
SECOND_MS = 1000
MINUTE_MS = 60_000

_NO_OFFSET = -(1 << 62)  #: "no sample yet" (plain int keeps the per-trade comparison cheap)
_K_MIN = 2  #: offset samples a window needs before it may move the clock (outliers: k - 1)
_K_MAX = 64
_K_PER = 64  #: k = the previous window's samples / _K_PER, within [_K_MIN, _K_MAX]
_CLOSED = -(1 << 62)  #: ``_Acc.ts`` of a recycled (closed) accumulator
_NEVER = float("inf")
#: unit roundoff of a double, with 1% headroom for the second-order terms of the error bound
_U = 2.0**-53 * 1.01
_MAX_DECIMALS = 20

_MONO0 = time.monotonic_ns()
_EPOCH0 = time.time_ns()


def monotonic_epoch_ms() -> int:
    """Milliseconds since the epoch as of process start, advanced by the monotonic clock.

    Never steps when NTP or an operator changes the wall clock; use it for ``Trade.recv_ms`` and
    ``close_due`` alike.
    """
    return (_EPOCH0 + time.monotonic_ns() - _MONO0) // 1_000_000


def exact_sum(total: float, terms: int) -> float:
    """The decimal with the fewest fraction digits within float error of ``total``.

    ``total`` is a float sum of ``terms`` positive decimal values (each the nearest float to its
    exchange text, or the float product of two). A decimal with ``d`` fraction digits is only
    taken when ``10⁻ᵈ`` exceeds twice the error bound, i.e. when it is the only such decimal that
    close: then it is the true sum. Returns the float nearest to it, so ``repr`` prints it
    exactly; otherwise returns ``total`` unchanged.
    """
    return exact_sum_hinted(total, terms, -1)[0]


def exact_sum_hinted(total: float, terms: int, hint: int) -> tuple[float, int]:
    """:func:`exact_sum`, and the fraction digits of the decimal taken (-1: none).

    ``hint``: that count for the previous sum of the same kind (a symbol's volumes keep their
    lot size from one second to the next). When it, or one digit more or fewer, is again the
    fewest digits that fit, two or three probes decide instead of a search; any other hint
    only costs probes, the result is the same.
    """
    if not 0.0 < total < _NEVER:  # also NaN
        return total, -1
    bound = (terms + 3) * total * _U
    if 0 < hint < _MAX_DECIMALS and 2.0 * bound < _HINT_FITS[hint]:
        # The usual cases without the logarithm and the calls below (closing a candle is
        # mostly this): the hint, or one digit more or fewer, is the fewest digits that fit,
        # and the search below would return it too. The hint is certainly <= hi (see
        # _HINT_FITS), so y = total·10ʰ < 2⁵⁰ here: _round's rounding, inlined, without its
        # size test, in float operations only (no int(), no abs(): not specialised, calls):
        # n = y + _RND - _RND is the integer nearest y, the same as round(y) whenever the
        # half-way test passes, and n / p10 the same float. A probe of fewer digits than the
        # hint whose y is a quarter or more from an integer is ≥ 2.5·10⁻ʰ from every such
        # decimal, far beyond the bound (< 0.5·10⁻ʰ): no fit.
        p10 = _P10[hint]
        y = total * p10
        n = y + _RND - _RND
        e = y - n if y >= n else n - y
        if 0.5 - e > y * _EPS:
            near = n / p10
            if -bound <= near - total <= bound:  # the hint fits: does one digit fewer?
                p10 = _P10[hint - 1]
                y = total * p10
                n = y + _RND - _RND
                e = y - n if y >= n else n - y
                if e >= 0.25:
                    return near, hint
                if 0.5 - e > y * _EPS:
                    if not -bound <= n / p10 - total <= bound:
                        return near, hint
                    if hint > 1:  # it does: two fewer?
                        below = n / p10
                        p10 = _P10[hint - 2]
                        y = total * p10
                        n = y + _RND - _RND
                        e = y - n if y >= n else n - y
                        if e >= 0.25 or (
                            0.5 - e > y * _EPS and not -bound <= n / p10 - total <= bound
                        ):
                            return below, hint - 1
            elif 2.0 * bound < _HINT_FITS[hint + 1]:  # the hint does not fit: one digit more?
                p10 = _P10[hint + 1]
                y = total * p10
                n = y + _RND - _RND
                e = y - n if y >= n else n - y
                if 0.5 - e > y * _EPS:
                    near = n / p10
                    if -bound <= near - total <= bound:
                        return near, hint + 1
    # Largest d with 10**-d > 2 * bound.
    hi = min(_MAX_DECIMALS, math.ceil(-math.log10(2.0 * bound)) - 1)
    if hi < 0:
        return total, -1
    # |round(total, d) - total| <= bound holds for every d from some d0 up to hi (a finer grid
    # contains the coarser one), or for none: find d0. Without a hint: probe hi (is there such
    # a decimal at all?), then binary-search. A hint h that fits while h - 1 does not is d0.
    lo = 0
    best = total
    best_d = -1
    d = hi
    if 0 <= hint <= hi:
        near = _round(total, hint)
        if abs(near - total) <= bound:
            if hint == 0:
                return near, 0
            below = _round(total, hint - 1)
            if abs(below - total) > bound:
                return near, hint
            best, best_d, hi = below, hint - 1, hint - 1  # d0 < hint: search [0, hint - 1]
            if hi == 0:
                return best, 0
            d = hi // 2
        else:
            lo = hint + 1  # d0 > hint, if any
            if lo > hi:
                return total, -1
    while True:
        near = _round(total, d)
        if abs(near - total) <= bound:
            best = near
            best_d = hi = d
        elif best_d < 0:  # the probe of hi: no decimal close enough
            return total, -1
        else:
            lo = d + 1
        if lo >= hi:
            return best, best_d
        d = (lo + hi) // 2


def _round(total: float, d: int) -> float:
    """``round(total, d)``, without round()'s decimal-string round trip (most of the cost of
    closing a candle): ``y = total * 10**d`` is within half an ulp of the exact product, so
    round(y) is the same integer N as round()'s (ties to even) unless a half-integer lies within
    an ulp of y — then, and for huge y, round() itself is asked — and N / 10**d, one correctly
    rounded division of exact operands, is the same float."""
    p10 = _P10[d]
    y = total * p10
    if y < _FLOAT_INT:
        n = round(y)
        if 0.5 - abs(y - n) > y * _EPS:
            return n / p10
    return round(total, d)


_P10 = [float(10**d) for d in range(_MAX_DECIMALS + 1)]  #: exact (5**20 < 2**53)
_FLOAT_INT = 2.0**52  #: below this a float's distance to an integer is exact
_EPS = 2.0**-52  #: ulp(y) <= y * _EPS
#: 1.5·2⁵²: for 0 <= y < 2⁵¹, ``y + _RND`` lands where the float spacing is 1, so
#: ``y + _RND - _RND`` is y rounded to an integer (to even at a tie), as a float
_RND = 1.5 * 2.0**52
#: ``2 * bound < _HINT_FITS[d]`` implies ``d <= hi`` in :func:`exact_sum_hinted` however
#: log10 rounds (its error is ~1e-16 relative, the margin 1e-9): no logarithm for a good hint
_HINT_FITS = [10.0**-d * (1.0 - 1e-9) for d in range(_MAX_DECIMALS + 1)]


@dataclass(frozen=True, slots=True)
class Gap:
    """Exchange-time span ``[from_ms, to_ms)`` in which trades may be missing.

    ``symbol`` None means every symbol of the venue (a whole connection was down).
    """

    exchange: str
    market: str
    symbol: str | None
    from_ms: int
    to_ms: int

    def overlaps(self, start_ms: int, length_ms: int) -> bool:
        return start_ms < self.to_ms and self.from_ms < start_ms + length_ms


class _Acc:
    """One open second of one symbol. Recycled when closed (no allocation per second)."""

    __slots__ = (
        "buy",
        "close",
        "close_ts",
        "complete",
        "dq",
        "dv",
        "end",
        "high",
        "last_closed",
        "low",
        "n",
        "open",
        "open_ts",
        "quote",
        "symbol",
        "ts",
        "volume",
    )

    def __init__(self, symbol: str, last_closed: int = _CLOSED) -> None:
        self.symbol = symbol
        #: the open second is ``[ts, end)``; both ``_CLOSED`` when recycled, so that the
        #: per-trade test ``ts <= trade_ts < end`` needs no arithmetic (so is ``close_ts``:
        #: add_raw's first test is ``trade_ts == close_ts``)
        self.ts = self.end = _CLOSED
        #: newest closed second of the symbol (kept on the symbol's current accumulator)
        self.last_closed = last_closed
        self.open = self.high = self.low = self.close = 0.0
        self.open_ts = self.close_ts = _CLOSED
        self.volume = self.quote = self.buy = 0.0
        self.n = 0
        self.complete = True
        #: fraction digits of the last exact volume / quote volume (hints for exact_sum_hinted)
        self.dv = self.dq = -1

    def start(self, bts: int, ts: int, p: float, q: float, quote: float, buy: bool) -> None:
        self.ts = bts
        self.end = bts + SECOND_MS
        self.open = self.high = self.low = self.close = p
        self.open_ts = self.close_ts = ts
        self.volume = q
        self.quote = quote
        self.buy = q if buy else 0.0
        self.n = 1
        self.complete = True

    def update(self, ts: int, p: float, q: float, quote: float, buy: bool) -> None:
        if p > self.high:
            self.high = p
        elif p < self.low:
            self.low = p
        if ts >= self.close_ts:
            self.close = p
            self.close_ts = ts
        elif ts < self.open_ts:
            self.open = p
            self.open_ts = ts
        self.volume += q
        self.quote += quote
        self.n += 1
        if buy:
            self.buy += q


class _Venue:
    """Per exchange × market: open candles, the bucket wheel, the clock estimate, late counts."""

    __slots__ = (
        "cur",
        "deferred",
        "exchange",
        "gaps",
        "heap",
        "held",
        "late",
        "market",
        "off_est",
        "off_floor",
        "off_heap",
        "off_k",
        "off_last",
        "off_n",
        "off_prev",
        "off_recv",
        "others",
        "unseen",
        "watermark",
        "wheel",
        "window_end",
    )

    def __init__(self, exchange: str, market: str) -> None:
        self.exchange = exchange
        self.market = market
        #: the newest open second of each symbol (or a closed one, waiting to be recycled)
        self.cur: dict[str, _Acc] = {}
        #: older seconds still open while a newer one started (rare: inside the grace period)
        self.others: dict[tuple[str, int], _Acc] = {}
        #: symbols whose next trade starts after an interruption (:meth:`CandleBuilder.restart`)
        self.unseen: dict[str, int] = {}
        self.wheel: dict[int, list[_Acc]] = {}
        self.heap: list[int] = []
        #: every second starting before this is closed
        self.watermark = _NO_OFFSET
        #: the window's ``off_k`` largest offset samples (a min-heap: [0] is the k-th largest)
        self.off_heap: list[int] = []
        self.off_k = _K_MIN
        #: samples in the window; a sample must exceed ``off_floor`` to enter the heap
        self.off_n = 0
        self.off_floor = _NO_OFFSET
        #: the receive time and offset of the newest sample: the trades of one frame share a
        #: receive time and are one sample (its freshest trade), however old the rest are
        self.off_recv = _NO_OFFSET
        self.off_last = _NO_OFFSET
        #: the k-th largest sample of the newest full window (``_NO_OFFSET`` during start-up)
        self.off_prev = _NO_OFFSET
        self.off_est = _NO_OFFSET
        self.window_end: float = _NO_OFFSET
        self.late: dict[str, int] = {}
        #: gaps that may still touch seconds not yet closed
        self.gaps: list[Gap] = []
        #: symbols being recovered (see CandleBuilder.hold): first held second per symbol
        self.held: dict[str, int] = {}
        #: due candles of held symbols, waiting for release
        self.deferred: dict[str, list[_Acc]] = {}


class CandleBuilder:
    """1-second OHLCV candles of every symbol of every venue, closed by one timer.

    Feed it with :meth:`add` / :meth:`add_frame` (``Trade`` objects), or :meth:`add_raw` (a
    parser's fast path, e.g. ``BinanceFuturesParser.feed_frame``: the same candles without the
    objects); call :meth:`close_due` periodically (e.g. every 50-100 ms) with the local clock, or
    whenever ``next_due_ms`` is reached; call :meth:`flush` at the end of input.
    """

    def __init__(
        self,
        *,
        grace_ms: int = DEFAULT_GRACE_MS,
        offset_window_ms: int = DEFAULT_OFFSET_WINDOW_MS,
        on_candle: CandleHandler | None = None,
        on_gap: Callable[[Gap], None] | None = None,
        start_edge: bool = False,
    ) -> None:
        self.grace_ms = grace_ms
        self.offset_window_ms = offset_window_ms
        self.on_candle = on_candle
        self.on_gap = on_gap
        #: A symbol's first trade here starts at an unknown point of the market (a collector
        #: subscribes mid-second, mid-minute): its candle is incomplete and everything before
        #: the trade is reported as a gap of the symbol (its minute is incomplete too).
        self.start_edge = start_edge
        #: every gap reported, in order (drain it if you keep the builder for days)
        self.gaps: list[Gap] = []
        self.late_total = 0
        self.candles_closed = 0
        self._venues: dict[tuple[str, str], _Venue] = {}
        self._venue_list: list[_Venue] = []
        # One-entry cache: a parser's trades share the same exchange/market string objects.
        self._lx = "\0"
        self._lm = "\0"
        self._lv = _Venue("\0", "\0")  # a sentinel the first trade replaces
        # The same for add_raw, keyed by the identity of its venue tuple.
        self._rkey: tuple[str, str] | None = None
        self._rv = self._lv
        self._rcur = self._lv.cur
        #: local time (``now_local_ms`` of :meth:`close_due`) before which ``close_due`` has
        #: nothing to do; a hot loop may compare against it instead of calling. Read only.
        self.next_due_ms: float = _NEVER

    # ---------------------------------------------------------------- per-trade path

    def add(self, t: Trade) -> None:
        """Add one trade: a dict lookup and a few attribute updates when its second is open."""
        v = self._lv
        if t.exchange is not self._lx or t.market is not self._lm:
            v = self._venue(t.exchange, t.market)
        ts = t.ts_ms
        acc = v.cur.get(t.symbol)
        if acc is None or not acc.ts <= ts < acc.end:
            self._add_slow(
                v, t.symbol, ts, t.price, t.qty, t.quote_qty, t.side == BUY, t.recv_ms, acc
            )
            return
        p = t.price
        if p > acc.high:
            acc.high = p
        elif p < acc.low:
            acc.low = p
        if ts >= acc.close_ts:
            acc.close = p
            acc.close_ts = ts
        elif ts < acc.open_ts:
            acc.open = p
            acc.open_ts = ts
        q = t.qty
        acc.volume += q
        acc.quote += t.quote_qty
        acc.n += 1
        if t.side == BUY:
            acc.buy += q

    def add_frame(self, trades: Sequence[Trade]) -> None:
        """Add the trades of one frame (one venue, as a parser returns them).

        Same result as :meth:`add` on each; the venue is resolved once (from the first trade,
        checked against the last).
        """
        if not trades:
            return
        t = trades[0]
        last = trades[-1]
        if last.exchange is not t.exchange or last.market is not t.market:
            for t in trades:  # not one parser's frame after all
                self.add(t)
            return
        v = self._lv
        if t.exchange is not self._lx or t.market is not self._lm:
            v = self._venue(t.exchange, t.market)
        cur = v.cur
        for t in trades:
            ts = t.ts_ms
            acc = cur.get(t.symbol)
            if acc is None or not acc.ts <= ts < acc.end:
                self._add_slow(
                    v, t.symbol, ts, t.price, t.qty, t.quote_qty, t.side == BUY, t.recv_ms, acc
                )
                continue
            p = t.price
            if p > acc.high:
                acc.high = p
            elif p < acc.low:
                acc.low = p
            if ts >= acc.close_ts:
                acc.close = p
                acc.close_ts = ts
            elif ts < acc.open_ts:
                acc.open = p
                acc.open_ts = ts
            q = t.qty
            acc.volume += q
            acc.quote += t.quote_qty
            acc.n += 1
            if t.side == BUY:
                acc.buy += q

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
        """Add one trade given as its fields: a parser's fast path, no ``Trade`` object.

        Same candles as :meth:`add` of the equivalent ``Trade`` (the two may be mixed).
        ``venue`` is ``(exchange, market)``: pass the same tuple object every time (a parser
        keeps one), it is recognised by identity. ``buy``: the taker bought. The quote volume
        is ``price * qty`` (linear contracts; other venues use :meth:`add`). ``trade_id`` is
        not used here: it is part of the call so that a de-duplicating sink can stand between
        a parser's ``feed_frame`` and the builder.
        """
        if venue is not self._rkey:
            self._raw_venue(venue)
        try:
            acc = self._rcur[symbol]  # a subscript is cheaper than .get(); misses are rare
        except KeyError:
            self._add_slow(self._rv, symbol, ts_ms, price, qty, price * qty, buy, recv_ms, None)
            return
        # The common case first: the same millisecond as the newest trade of the open second
        # (3 trades in 4 on Binance BTCUSDT: a taker order's fills share it), which is then the
        # close; at the close's price (2 in 3) high and low cannot move either. A recycled
        # accumulator has close_ts == _CLOSED, which no trade matches.
        if ts_ms == acc.close_ts:
            if price != acc.close:
                acc.close = price
                if price > acc.high:
                    acc.high = price
                elif price < acc.low:
                    acc.low = price
        elif acc.close_ts < ts_ms < acc.end:  # a later trade of the open second
            acc.close = price
            acc.close_ts = ts_ms
            if price > acc.high:
                acc.high = price
            elif price < acc.low:
                acc.low = price
        elif acc.ts <= ts_ms < acc.end:  # an earlier trade of the open second
            if ts_ms < acc.open_ts:
                acc.open = price
                acc.open_ts = ts_ms
            if price > acc.high:
                acc.high = price
            elif price < acc.low:
                acc.low = price
        else:
            self._add_slow(self._rv, symbol, ts_ms, price, qty, price * qty, buy, recv_ms, acc)
            return
        acc.volume += qty
        acc.quote += price * qty
        acc.n += 1
        if buy:
            acc.buy += qty

    # ---------------------------------------------------------------- slow paths

    def _raw_venue(self, venue: tuple[str, str]) -> None:
        # Another venue than the previous add_raw (feeds of several venues interleave): one
        # lookup of the tuple itself, the key of _venues.
        v = self._venues.get(venue)
        if v is None:
            v = self._venue(*venue)
        self._rkey, self._rv, self._rcur = venue, v, v.cur

    def _venue(self, exchange: str, market: str) -> _Venue:
        v = self._venues.get((exchange, market))
        if v is None:
            v = self._venues[(exchange, market)] = _Venue(exchange, market)
            self._venue_list.append(v)
        self._lx, self._lm, self._lv = exchange, market, v
        return v

    def _sample(self, v: _Venue, off: int, replaces: int | None) -> None:
        """Take an offset sample above ``v.off_floor`` into the window's top-k heap, in place
        of ``replaces`` (the same frame's previous sample) if that is still in it."""
        heap = v.off_heap
        k = v.off_k
        if replaces is not None and replaces in heap:  # k <= 64: a short scan, rare
            heap.remove(replaces)
            heapq.heapify(heap)
        if len(heap) < k:
            heapq.heappush(heap, off)
            if len(heap) < k:
                if v.off_prev == _NO_OFFSET:
                    self._set_offset(v, heap[0])  # start-up: the smallest sample so far
                return
        else:
            heapq.heapreplace(heap, off)
        kth = v.off_floor = heap[0]
        if v.off_prev == _NO_OFFSET or kth > v.off_est:
            self._set_offset(v, kth)

    def _set_offset(self, v: _Venue, off: int) -> None:
        raised = off > v.off_est
        v.off_est = off
        if raised and v.heap:  # the clock moved forward: open seconds may be due earlier
            due = v.heap[0] + SECOND_MS + self.grace_ms - off
            if due < self.next_due_ms:
                self.next_due_ms = due

    def _add_slow(
        self,
        v: _Venue,
        sym: str,
        ts: int,
        p: float,
        q: float,
        quote: float,
        buy: bool,
        recv_ms: int,
        acc: _Acc | None,
    ) -> None:
        """Every trade the per-trade paths do not take: the first of a symbol-second, a late
        one, one for an older second still open."""
        # The clock is sampled here only: the first trade of each symbol-second is enough
        # samples, and the per-trade path stays free of it.
        off = ts - recv_ms
        if recv_ms != v.off_recv:
            v.off_recv = recv_ms
            v.off_last = off
            v.off_n += 1
            if off > v.off_floor:
                self._sample(v, off, None)
        elif off > v.off_last:  # the same frame (or ms) again: one sample, its freshest trade
            old = v.off_last
            v.off_last = off
            if off > v.off_floor:
                self._sample(v, off, old)
        bts = ts - ts % SECOND_MS
        if bts < v.watermark:
            held = v.held.get(sym) if v.held else None
            if held is None or bts < held:
                self.late_total += 1
                v.late[sym] = v.late.get(sym, 0) + 1
                if held is not None:
                    # A recovered trade of a second that closed before the drop was noticed
                    # (a stall found by the ping timeout): that candle went out without it.
                    self._recovered_too_late(v, sym, bts)
                return
        first = acc is None
        since = 0
        if v.unseen and sym in v.unseen:
            first, since = True, v.unseen.pop(sym)
        if acc is None:
            acc = v.cur[sym] = _Acc(sym)
        elif acc.ts == _CLOSED:
            pass
        elif bts > acc.ts:
            # A newer second starts while the previous one waits out its grace period.
            v.others[(sym, acc.ts)] = acc
            prev = acc
            acc = v.cur[sym] = _Acc(sym, prev.last_closed)
            acc.dv = prev.dv
            acc.dq = prev.dq
        else:
            # An older second that is still open.
            key = (sym, bts)
            older = v.others.get(key)
            if older is not None:
                older.update(ts, p, q, quote, buy)
                return
            acc = v.others[key] = _Acc(sym)
        acc.start(bts, ts, p, q, quote, buy)
        if v.gaps:
            for g in v.gaps:
                if (g.symbol is None or g.symbol == sym) and g.overlaps(bts, SECOND_MS):
                    acc.complete = False
                    break
        if first and (self.start_edge or since):
            acc.complete = False
            gap = Gap(v.exchange, v.market, sym, since, ts)
            self.gaps.append(gap)
            if self.on_gap is not None:
                self.on_gap(gap)
        self._schedule(v, acc, bts)

    def _recovered_too_late(self, v: _Venue, sym: str, bts: int) -> None:
        """Report the second ``bts`` of a held symbol as a gap (once per second): its candle
        closed before the trade was recovered, so it and its minute lack it."""
        for g in reversed(v.gaps):
            if g.symbol == sym and g.overlaps(bts, SECOND_MS):
                return
        self.mark_gap(v.exchange, v.market, sym, bts, bts + SECOND_MS)

    def _schedule(self, v: _Venue, acc: _Acc, bts: int) -> None:
        slot = v.wheel.get(bts)
        if slot is None:
            v.wheel[bts] = [acc]
            heapq.heappush(v.heap, bts)
            if v.off_est != _NO_OFFSET:
                due = bts + SECOND_MS + self.grace_ms - v.off_est
                if due < self.next_due_ms:
                    self.next_due_ms = due
        else:
            slot.append(acc)

    # ---------------------------------------------------------------- closing

    def close_due(self, now_local_ms: float) -> list[Candle]:
        """Close every second whose end + grace the venue clock has passed; return them.

        ``now_local_ms`` is on the clock that stamped ``Trade.recv_ms``. Also passes each candle
        to ``on_candle``. The same candles, in the same order, as :meth:`close_due_slices`.
        """
        if now_local_ms < self.next_due_ms:
            return []
        out: list[Candle] = []
        for part in self.close_due_slices(now_local_ms):
            out.extend(part)
        return out

    def close_due_slices(self, now_local_ms: float) -> Iterator[list[Candle]]:
        """:meth:`close_due` one venue × second at a time: each slice is closed only when the
        previous one has been taken, so a consumer can hand a slice on (detection) before the
        rest of the batch is closed — a candle then waits for its slice, not for every
        venue's second.

        Between slices the builder is consistent (the slice's second is below the venue's
        watermark: a trade for it is late), so trades may be added while the iteration is
        suspended; one iteration at a time. An iteration left unfinished leaves
        ``next_due_ms`` so that the next call looks again.
        """
        if now_local_ms < self.next_due_ms:
            return
        self.next_due_ms = -_NEVER  # until this pass has finished
        grace = self.grace_ms
        for v in self._venue_list:
            if now_local_ms >= v.window_end:
                self._rotate(v, now_local_ms)
            if v.off_est == _NO_OFFSET:
                continue
            limit = now_local_ms + v.off_est - grace - SECOND_MS  # close seconds starting <= limit
            heap = v.heap
            start_mark = v.watermark
            while heap and heap[0] <= limit:
                bts = heapq.heappop(heap)
                out: list[Candle] = []
                if v.held:
                    self._close_slot(v, v.wheel.pop(bts), out)
                else:
                    close = self._close
                    for acc in v.wheel.pop(bts):
                        out.append(close(v, acc))
                if bts + SECOND_MS > v.watermark:
                    v.watermark = bts + SECOND_MS
                self._emit(out)
                if out:
                    yield out
            mark = (int(limit // SECOND_MS) + 1) * SECOND_MS  # >= every slice's bts + 1 s
            if mark > start_mark:
                v.watermark = mark
                if v.gaps:
                    held = v.held
                    v.gaps = [
                        g
                        for g in v.gaps
                        if g.to_ms > mark or (held and (g.symbol is None or g.symbol in held))
                    ]
        next_check = _NEVER
        for v in self._venue_list:
            if v.heap and v.off_est != _NO_OFFSET:
                due = v.heap[0] + SECOND_MS + grace - v.off_est
                if due < next_check:
                    next_check = due
        self.next_due_ms = next_check

    def flush(self, end_ms: int | None = None) -> list[Candle]:
        """Close every open candle (end of input). With ``end_ms`` (exchange time), candles
        whose second had not ended by then are marked incomplete (truncated)."""
        out: list[Candle] = []
        for v in self._venue_list:
            v.held.clear()
            for accs in v.deferred.values():
                for acc in accs:
                    self._schedule(v, acc, acc.ts)
            v.deferred.clear()
            heap = v.heap
            while heap:
                bts = heapq.heappop(heap)
                for acc in v.wheel.pop(bts):
                    if end_ms is not None and bts + SECOND_MS > end_ms:
                        acc.complete = False
                    out.append(self._close(v, acc))
                v.watermark = max(v.watermark, bts + SECOND_MS)
        self.next_due_ms = _NEVER
        self._emit(out)
        return out

    def _close_slot(self, v: _Venue, slot: list[_Acc], out: list[Candle]) -> None:
        held = v.held
        for acc in slot:
            first = held.get(acc.symbol)
            if first is not None and acc.ts >= first:
                v.deferred.setdefault(acc.symbol, []).append(acc)
            else:
                out.append(self._close(v, acc))

    def _emit(self, out: list[Candle]) -> None:
        self.candles_closed += len(out)
        cb = self.on_candle
        if cb is not None:
            for c in out:
                cb(c)

    def _rotate(self, v: _Venue, now_local_ms: float) -> None:
        heap = v.off_heap
        if len(heap) >= v.off_k:
            # A full window: its k-th largest sample is the estimate until the next one is full.
            v.off_prev = v.off_est = heap[0]
            v.off_k = min(_K_MAX, max(_K_MIN, v.off_n // _K_PER))
            v.off_heap = []
            v.off_floor = _NO_OFFSET
            v.off_n = 0
        # Otherwise the samples carry over: too few to tell the clock from an outlier.
        v.window_end = now_local_ms + self.offset_window_ms

    def _close(self, v: _Venue, acc: _Acc) -> Candle:
        n = acc.n
        volume, acc.dv = exact_sum_hinted(acc.volume, n, acc.dv)
        quote, acc.dq = exact_sum_hinted(acc.quote, n, acc.dq)
        # Same sum, same result: a second of taker buys only skips the third exact_sum.
        buy = volume if acc.buy == acc.volume else exact_sum_hinted(acc.buy, n, acc.dv)[0]
        candle = Candle(
            v.exchange,
            v.market,
            acc.symbol,
            acc.ts,
            acc.open,
            acc.high,
            acc.low,
            acc.close,
            volume,
            quote,
            n,
            buy,
            acc.complete,
        )
        sym = acc.symbol
        cur = v.cur[sym]
        if acc.ts > cur.last_closed:
            cur.last_closed = acc.ts
        if cur is acc:
            # keep it for the symbol's next second; no trade time equals these (add_raw)
            acc.ts = acc.end = acc.close_ts = _CLOSED
        else:
            del v.others[(sym, acc.ts)]
        return candle

    # ---------------------------------------------------------------- gaps, state

    def mark_gap(
        self, exchange: str, market: str, symbol: str | None, from_ms: int, to_ms: int
    ) -> int:
        """Report an unfillable gap ``[from_ms, to_ms)`` (exchange time) for one symbol, or for
        every symbol of the venue when ``symbol`` is None.

        Open candles overlapping it, and candles opened later for seconds inside it, are marked
        incomplete. Returns how many open candles were marked. Candles that already closed are not
        touched here: the gap is appended to :attr:`gaps` and passed to ``on_gap`` for storage.
        """
        gap = Gap(exchange, market, symbol, from_ms, to_ms)
        self.gaps.append(gap)
        if self.on_gap is not None:
            self.on_gap(gap)
        v = self._venue(exchange, market)
        marked = 0
        for slot in (*v.wheel.values(), *v.deferred.values()):
            for acc in slot:
                if (symbol is None or acc.symbol == symbol) and gap.overlaps(acc.ts, SECOND_MS):
                    if acc.complete:
                        marked += 1
                    acc.complete = False
        if to_ms > v.watermark or (v.held and (symbol is None or symbol in v.held)):
            # kept while candles may still be made inside it: seconds not closed yet, or a
            # held symbol's (its deferred and backfilled seconds come after the watermark)
            v.gaps.append(gap)
        return marked

    def hold(self, exchange: str, market: str, symbol: str, from_ms: int) -> None:
        """Keep the symbol's seconds from ``from_ms`` (exchange ms) open while its trades are
        being recovered (connection dropped, REST backfill pending).

        Until :meth:`release`, due candles of the symbol wait instead of closing, and trades for
        seconds at or after ``from_ms`` are accepted even if the venue's other symbols closed
        those seconds (they are backfill, not late) — except a second of the symbol that had
        already closed: its candle was emitted, so trades for it stay late (mark the gap).
        Call it when the connection drops, with the exchange time of the last trade received
        for the symbol.
        """
        v = self._venue(exchange, market)
        first = from_ms - from_ms % SECOND_MS
        cur = v.cur.get(symbol)
        if cur is not None and cur.last_closed >= first:
            # Never a second candle for a closed second: a recovered trade for it is late, and
            # its second is then a gap (see _add_slow).
            first = cur.last_closed + SECOND_MS
        v.held[symbol] = min(first, v.held.get(symbol, first))

    def restart(self, exchange: str, market: str, from_ms: int) -> None:
        """The venue's feed stopped at ``from_ms`` (exchange ms) and will start again (another
        collector had it for a while): each symbol's next trade starts after a gap, as at a
        start edge — its candle incomplete, ``[from_ms, trade)`` reported as a gap."""
        v = self._venue(exchange, market)
        for sym in v.cur:
            v.unseen[sym] = from_ms

    def held(self, exchange: str, market: str) -> Mapping[str, int]:
        """The venue's held symbols and the first second each keeps open (see :meth:`hold`)."""
        v = self._venues.get((exchange, market))
        return v.held if v is not None else {}

    def release(self, exchange: str, market: str, symbol: str) -> None:
        """End :meth:`hold`: the waiting candles close at the next :meth:`close_due` (report
        what could not be recovered with :meth:`mark_gap` before releasing)."""
        v = self._venues.get((exchange, market))
        if v is None:
            return
        v.held.pop(symbol, None)
        for acc in v.deferred.pop(symbol, ()):
            self._schedule(v, acc, acc.ts)
        self.next_due_ms = -_NEVER

    def exchange_now_ms(self, exchange: str, market: str, now_local_ms: float) -> float | None:
        """The venue clock estimate at local time ``now_local_ms`` (None before any trade)."""
        v = self._venues.get((exchange, market))
        if v is None or v.off_est == _NO_OFFSET:
            return None
        return now_local_ms + v.off_est

    def closed_before(self, exchange: str, market: str) -> int | None:
        """Every second of the venue starting before this (exchange ms) is closed."""
        v = self._venues.get((exchange, market))
        if v is None or v.watermark == _NO_OFFSET:
            return None
        return v.watermark

    def venues(self) -> list[tuple[str, str]]:
        return [(v.exchange, v.market) for v in self._venue_list]

    def late_counts(self) -> dict[tuple[str, str, str], int]:
        """Late trades (for an already closed second) per ``(exchange, market, symbol)``."""
        return {
            (v.exchange, v.market, sym): n for v in self._venue_list for sym, n in v.late.items()
        }

    @property
    def open_candles(self) -> int:
        return sum(
            len(slot)
            for v in self._venue_list
            for slot in (*v.wheel.values(), *v.deferred.values())
        )

    @property
    def symbols(self) -> int:
        return sum(len(v.cur) for v in self._venue_list)


class _MinuteAcc:
    __slots__ = (
        "buy",
        "close",
        "complete",
        "high",
        "low",
        "n",
        "open",
        "quote",
        "symbol",
        "ts",
        "volume",
    )

    def __init__(self, c: Candle, ts: int, complete: bool) -> None:
        self.symbol = c.symbol
        self.ts = ts
        self.open, self.high, self.low, self.close = c.open, c.high, c.low, c.close
        self.volume, self.quote, self.buy = c.volume, c.quote_volume, c.taker_buy_volume
        self.n = c.trades
        self.complete = complete and c.complete


class MinuteAggregator:
    """1-minute candles from closed 1-second candles (fed in time order per venue).

    A minute candle is **complete** iff every 1-second candle in it was complete, no gap reported
    with :meth:`mark_gap` overlaps it, and the data covers the whole minute: it does not start
    before ``start_ms`` (when the feed started) and, at :meth:`flush` with ``end_ms``, does not
    end after it. Seconds without trades do not make a minute incomplete (no trades is not missing
    data). A minute closes when a later second of the same symbol arrives, or by
    :meth:`close_through` with the builder's :meth:`CandleBuilder.closed_before` (quiet symbols).
    Volumes are re-made exact with :func:`exact_sum` over the minute's trade count.
    """

    def __init__(
        self, on_minute: CandleHandler | None = None, *, start_ms: int | None = None
    ) -> None:
        self.on_minute = on_minute
        self.start_ms = start_ms
        self._open: dict[tuple[str, str], dict[str, _MinuteAcc]] = {}
        self._gaps: list[Gap] = []
        #: per venue: no minute starting before this will be created (see close_through)
        self._horizon: dict[tuple[str, str], int] = {}
        self.out_of_order = 0

    def add(self, c: Candle) -> list[Candle]:
        """Add one closed 1-second candle; returns (and emits) the minute it completed, if any."""
        venue = self._open.get((c.exchange, c.market))
        if venue is None:
            venue = self._open[(c.exchange, c.market)] = {}
        mts = c.ts_ms - c.ts_ms % MINUTE_MS
        acc = venue.get(c.symbol)
        out: list[Candle] = []
        if acc is not None:
            if acc.ts == mts:
                if c.high > acc.high:
                    acc.high = c.high
                if c.low < acc.low:
                    acc.low = c.low
                acc.close = c.close
                acc.volume += c.volume
                acc.quote += c.quote_volume
                acc.buy += c.taker_buy_volume
                acc.n += c.trades
                if not c.complete:
                    acc.complete = False
                return out
            if mts < acc.ts:
                self.out_of_order += 1
                return out
            out.append(self._close(c.exchange, c.market, acc))
        venue[c.symbol] = _MinuteAcc(c, mts, self._covered(c.exchange, c.market, c.symbol, mts))
        self._emit(out)
        return out

    def close_through(
        self,
        exchange: str,
        market: str,
        closed_before_ms: int,
        held: Mapping[str, int] | None = None,
    ) -> list[Candle]:
        """Close the venue's minutes that end at or before ``closed_before_ms`` (exchange ms),
        except those of ``held`` symbols (:meth:`CandleBuilder.held`: symbol → first second
        still to come) that its seconds still to come fall into.

        Also forgets the venue's gaps that end before every minute still open, before the
        minute of ``closed_before_ms`` and before the minute of every held symbol's next
        second: no minute created from now on can overlap them (seconds arrive in time order
        per symbol), so the gap list stays as short as the outages pending.
        """
        venue = self._open.get((exchange, market))
        out: list[Candle] = []
        horizon = closed_before_ms - closed_before_ms % MINUTE_MS
        if held:
            for first in held.values():
                if first - first % MINUTE_MS < horizon:
                    horizon = first - first % MINUTE_MS
        if venue:
            done = []
            for sym, acc in venue.items():
                waiting = held.get(sym) if held else None
                if acc.ts + MINUTE_MS <= closed_before_ms and (
                    waiting is None or acc.ts + MINUTE_MS <= waiting
                ):
                    done.append(sym)
                elif acc.ts < horizon:
                    horizon = acc.ts
            for sym in done:
                out.append(self._close(exchange, market, venue.pop(sym)))
        self._horizon[(exchange, market)] = horizon
        if self._gaps:
            self._gaps = [
                g
                for g in self._gaps
                if g.to_ms > horizon or g.exchange != exchange or g.market != market
            ]
        self._emit(out)
        return out

    @property
    def pending_gaps(self) -> list[Gap]:
        """The gaps still kept because a minute created later may overlap them."""
        return list(self._gaps)

    def flush(self, end_ms: int | None = None) -> list[Candle]:
        """Close every open minute; those ending after ``end_ms`` are incomplete (truncated)."""
        out: list[Candle] = []
        for (exchange, market), venue in self._open.items():
            for acc in venue.values():
                if end_ms is not None and acc.ts + MINUTE_MS > end_ms:
                    acc.complete = False
                out.append(self._close(exchange, market, acc))
            venue.clear()
        self._emit(out)
        return out

    def mark_gap(
        self, exchange: str, market: str, symbol: str | None, from_ms: int, to_ms: int
    ) -> int:
        """Like :meth:`CandleBuilder.mark_gap`, for minutes (open ones and later ones)."""
        gap = Gap(exchange, market, symbol, from_ms, to_ms)
        if to_ms > self._horizon.get((exchange, market), -1):
            self._gaps.append(gap)
        marked = 0
        for sym, acc in self._open.get((exchange, market), {}).items():
            if (symbol is None or sym == symbol) and gap.overlaps(acc.ts, MINUTE_MS):
                marked += acc.complete
                acc.complete = False
        return marked

    def _covered(self, exchange: str, market: str, symbol: str, mts: int) -> bool:
        if self.start_ms is not None and mts < self.start_ms:
            return False
        for g in self._gaps:
            if (
                g.exchange == exchange
                and g.market == market
                and (g.symbol is None or g.symbol == symbol)
                and g.overlaps(mts, MINUTE_MS)
            ):
                return False
        return True

    def _close(self, exchange: str, market: str, acc: _MinuteAcc) -> Candle:
        n = acc.n
        return Candle(
            exchange,
            market,
            acc.symbol,
            acc.ts,
            acc.open,
            acc.high,
            acc.low,
            acc.close,
            exact_sum(acc.volume, n),
            exact_sum(acc.quote, n),
            n,
            exact_sum(acc.buy, n),
            acc.complete,
        )

    def _emit(self, out: list[Candle]) -> None:
        cb = self.on_minute
        if cb is not None:
            for c in out:
                cb(c)
