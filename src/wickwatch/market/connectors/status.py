"""Live status of one feed: updated by the feed as it runs, read with :meth:`FeedStatus.snapshot`.

Rates and lag percentiles cover the last ``window_s`` seconds (per-second ring buffers), not the
feed's lifetime. Lag is receive time − exchange trade time, kept in a fixed log-spaced histogram;
recording a trade's lag is one look-up in a precomputed bin table for the usual lags (a
``bisect`` for the rest).
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from wickwatch.market.types import Trade


def _lag_edges() -> list[float]:
    """Upper edges (ms) of the lag histogram bins: 1 ms steps to 20 ms, then ~10 % steps."""
    edges: list[float] = [float(v) for v in range(1, 21)]
    while edges[-1] < 600_000:
        edges.append(round(edges[-1] * 1.1, 1))
    return edges


_EDGES = _lag_edges()
_NBINS = len(_EDGES) + 1
#: ``_LAG_BIN[lag] == bisect_right(_EDGES, lag)`` for every int lag in ``[-_LAG_TABLE,
#: _LAG_TABLE)`` ms (negative ones, a local clock behind the exchange's, index the second half
#: from the end: bin 0): one list subscript per trade instead of a bisect whose int-vs-float
#: comparisons are not specialised (those of small ints are)
_LAG_TABLE = 4096
_LAG_BIN = [bisect_right(_EDGES, lag) for lag in range(_LAG_TABLE)] + [0] * _LAG_TABLE


def _lag_bin(lag: int) -> int:
    return _LAG_BIN[lag] if -_LAG_TABLE <= lag < _LAG_TABLE else bisect_right(_EDGES, lag)


@dataclass(frozen=True, slots=True)
class GapRecord:
    """A span of one symbol's trades that could not be backfilled."""

    symbol: str
    from_ms: int
    to_ms: int
    reason: str


@dataclass(frozen=True, slots=True)
class FeedStatusSnapshot:
    """Plain copy of a feed's status; field names follow the ``exchange_stats`` table."""

    exchange: str
    market: str
    status: str  #: ``up`` (every connection live), ``degraded``, ``down``
    reason: str | None
    connections_up: int
    connections_total: int
    symbols: int  #: symbols subscribed and acknowledged
    reconnects: int
    trades_per_s: float
    candles_per_s: float
    lag_p50_ms: float | None
    lag_p99_ms: float | None
    last_trade_ms: int | None
    gaps: int
    malformed_frames: int
    limit_errors: int = 0  #: times the venue refused us for a limit (close code, 429, error)
    rejected_symbols: tuple[str, ...] = ()
    backfilled_trades: int = 0
    duplicates_dropped: int = 0

    def as_row(self) -> dict[str, Any]:
        """The columns of :class:`~wickwatch.storage.models.ops.ExchangeStats`."""
        row = asdict(self)
        for extra in (
            "limit_errors",
            "rejected_symbols",
            "backfilled_trades",
            "duplicates_dropped",
        ):
            row.pop(extra)
        return row


class FeedStatus:
    """Counters of one feed. The feed updates it; anyone may :meth:`snapshot` it."""

    def __init__(self, exchange: str, market: str, window_s: int = 60) -> None:
        self.exchange = exchange
        self.market = market
        self.window_s = window_s
        self.connections_up = 0
        self.connections_total = 0
        self.symbols = 0
        self.reconnects = 0
        self.gaps = 0
        self.malformed_frames = 0
        self.limit_errors = 0
        self.backfilled_trades = 0
        self.duplicates_dropped = 0
        self.last_trade_ms: int | None = None
        self.reason: str | None = None
        self.running = False
        self.rejected_symbols: list[str] = []
        self.gap_log: deque[GapRecord] = deque(maxlen=200)
        self.started = time.time()
        self._ring_s = [-1] * window_s
        self._trades = [0] * window_s
        self._candles = [0] * window_s
        self._lags: list[list[int]] = [[0] * _NBINS for _ in range(window_s)]

    # -- updates (hot path: record_trades) --

    def _slot(self, now_s: int) -> int:
        slot = now_s % self.window_s
        if self._ring_s[slot] != now_s:
            self._ring_s[slot] = now_s
            self._trades[slot] = 0
            self._candles[slot] = 0
            lags = self._lags[slot]
            for i in range(_NBINS):
                lags[i] = 0
        return slot

    def record_trades(self, trades: Sequence[Trade], now: float | None = None) -> None:
        """Count trades handed to the sink, and their lag (``recv_ms − ts_ms``)."""
        if not trades:
            return
        slot = self._slot(int(now if now is not None else time.time()))
        self._trades[slot] += len(trades)
        lags = self._lags[slot]
        newest = self.last_trade_ms or 0
        for trade in trades:
            lags[_lag_bin(trade.recv_ms - trade.ts_ms)] += 1
            if trade.ts_ms > newest:
                newest = trade.ts_ms
        self.last_trade_ms = newest

    def record_trade(self, ts_ms: int, recv_ms: int, now: float | None = None) -> None:
        """:meth:`record_trades` for one trade given as its times (the raw-trade path: every
        live trade of a fast-path venue, so the slot test and the bin look-up are inline)."""
        now_s = int(time.time() if now is None else now)
        slot = now_s % self.window_s
        if self._ring_s[slot] != now_s:  # the first trade of a second (or candle count)
            self._slot(now_s)
        self._trades[slot] += 1
        lag = recv_ms - ts_ms
        if -_LAG_TABLE <= lag < _LAG_TABLE:
            self._lags[slot][_LAG_BIN[lag]] += 1
        else:  # seconds of lag, either way
            self._lags[slot][bisect_right(_EDGES, lag)] += 1
        last = self.last_trade_ms
        if last is None or ts_ms > last:
            self.last_trade_ms = ts_ms

    def add_candles(self, count: int, now: float | None = None) -> None:
        """Count candles closed for this feed (called by whoever closes the candles)."""
        self._candles[self._slot(int(now if now is not None else time.time()))] += count

    def record_gap(self, gap: GapRecord) -> None:
        self.gaps += 1
        self.gap_log.append(gap)

    # -- reading --

    def _live_slots(self, now_s: int) -> list[int]:
        oldest = now_s - self.window_s
        return [i for i, sec in enumerate(self._ring_s) if oldest < sec <= now_s]

    def lag_percentile(self, q: float, now: float | None = None) -> float | None:
        slots = self._live_slots(int(now if now is not None else time.time()))
        merged = [0] * _NBINS
        for slot in slots:
            for i, count in enumerate(self._lags[slot]):
                merged[i] += count
        total = sum(merged)
        if total == 0:
            return None
        rank = q * total
        seen = 0
        for i, count in enumerate(merged):
            seen += count
            if seen >= rank and count:
                return _EDGES[i] if i < len(_EDGES) else _EDGES[-1]
        return _EDGES[-1]

    def snapshot(self, now: float | None = None) -> FeedStatusSnapshot:
        now = now if now is not None else time.time()
        slots = self._live_slots(int(now))
        # Rate over the window, or over the time since the feed started when that is shorter.
        span = max(1.0, min(float(self.window_s), now - self.started))
        trades = sum(self._trades[s] for s in slots)
        candles = sum(self._candles[s] for s in slots)
        if not self.running:
            state = "down"
        elif self.connections_total and self.connections_up == self.connections_total:
            state = "up"
        elif self.connections_up:
            state = "degraded"
        else:
            state = "down"
        return FeedStatusSnapshot(
            exchange=self.exchange,
            market=self.market,
            status=state,
            reason=self.reason,
            connections_up=self.connections_up,
            connections_total=self.connections_total,
            symbols=self.symbols,
            reconnects=self.reconnects,
            trades_per_s=trades / span,
            candles_per_s=candles / span,
            lag_p50_ms=self.lag_percentile(0.5, now),
            lag_p99_ms=self.lag_percentile(0.99, now),
            last_trade_ms=self.last_trade_ms,
            gaps=self.gaps,
            malformed_frames=self.malformed_frames,
            limit_errors=self.limit_errors,
            rejected_symbols=tuple(self.rejected_symbols),
            backfilled_trades=self.backfilled_trades,
            duplicates_dropped=self.duplicates_dropped,
        )
