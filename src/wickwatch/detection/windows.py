"""Rolling windows over the 1-second candles of every symbol, kept as columns.

Definition (see docs/detection.md): the window of ``N`` seconds that closes with the candle of
second ``T`` holds every candle of that symbol with ``T - (N-1) s <= ts_ms <= T`` that this
process has seen (seconds without trades simply have no candle). Its ``ref`` is the open of its
oldest candle, ``high``/``low`` the extremes of all, ``close`` the close of the candle of ``T``.
A window is evaluated once, when the candle of ``T`` closes; a window holding an incomplete
candle never fires.

:class:`SymbolState` is a symbol's identity and route to the rules; everything a candle updates
lives in :class:`Columns`, one row per symbol in NumPy arrays, so that a batch of thousands of
candles is taken in and screened by a few array operations instead of a Python loop: its last
:data:`RETAIN_S` seconds of candles (a ring per row), and the extremes of its 10-second blocks,
a cheap upper bound of every window's delta that lets the detector skip a candle no rule could
match without looking at its windows at all.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from wickwatch.detection.symbols import coin_name
from wickwatch.market.types import Candle

if TYPE_CHECKING:
    from wickwatch.detection.rules import Bucket, Tier

#: Longest window a rule may ask for, and how much history each symbol keeps.
MAX_WINDOW_S = 60
RETAIN_S = MAX_WINDOW_S
RETAIN_MS = RETAIN_S * 1000
#: Windows up to this size are bounded by the current and the previous block of this many
#: seconds; longer ones by the current and :data:`LONG_BLOCKS` previous blocks.
BLOCK_S = 10
BLOCK_MS = BLOCK_S * 1000
LONG_BLOCKS = MAX_WINDOW_S // BLOCK_S
#: Block slots kept per symbol (a power of two >= LONG_BLOCKS + 1: slot = block & mask).
_BLOCK_SLOTS = 8
#: Candles kept per symbol at first (a power of two; doubled if candles come closer than 1 s).
RING = 64

INF = float("inf")
NEVER = -(2**62)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

_TS = attrgetter("ts_ms")
#: previous blocks 1..LONG_BLOCKS, as a row to broadcast against a column of block numbers
_AGO = np.arange(1, LONG_BLOCKS + 1, dtype=np.int64)
_NO_RANGE: F64 = np.empty((0, LONG_BLOCKS + 1))


class SymbolState:
    """Identity of one symbol and its route to the rules; its candle state is row :attr:`row`
    of the detector's :class:`Columns`."""

    __slots__ = (
        "base",
        "ex_mkt",
        "exchange",
        "feed_keys",
        "market",
        "own_keys",
        "quote",
        "routes",
        "row",
        "skip",
        "spot",
        "symbol",
        "tok_quote",
        "tokens",
    )

    def __init__(
        self, exchange: str, market: str, symbol: str, base: str, quote: str, row: int
    ) -> None:
        self.exchange = exchange
        self.market = market
        self.symbol = symbol
        self.row = row
        self.ex_mkt = f"{exchange}_{market}"
        self.spot = market == "spot"
        #: the feed's route and the symbol's own (None: to be (re)built before its next candle)
        self.routes: tuple[Route, ...] | None = None
        #: index keys of the feed-level buckets (quote, ``*``) and of the symbol's own
        self.feed_keys: tuple[str, ...] = ()
        self.own_keys: tuple[str, ...] = ()
        #: id(rule list) → (rules, tier version, ts fired, k, indices not fired): see
        #: ``Detector._match``
        self.skip: dict[int, tuple[list[Any], int, int, int, list[int]]] = {}
        self.base = base
        self.quote = quote
        self.tok_quote = ""
        self.tokens: frozenset[str] = frozenset()
        self.set_identity(base, quote)

    def set_identity(self, base: str, quote: str) -> None:
        """Base/quote, and the tokens by which the user's coin/symbol references match (see
        ``schemas.symbol_ref_tokens``): the coin (as the venue writes it and without a
        multiplier: ``1000PEPE``, ``PEPE``), the symbol as written, the pair as coin + quote
        on this feed and on any feed."""
        self.base = base
        self.quote = quote
        em = self.ex_mkt
        # Hyperliquid's multiplier is a lowercase k (kPEPE), which the upper-cased base lost.
        raw = self.symbol if self.exchange == "hyperliquid" and not self.spot else base
        coins = dict.fromkeys((base, coin_name(raw)))
        tokens = [f"b:{coin}" for coin in coins]
        tokens.append(f"s:{self.symbol.upper()}@{em}")
        if quote:
            for coin in coins:
                tokens += (f"s:{coin}{quote}@{em}", f"p:{coin}{quote}")
        unique = tuple(dict.fromkeys(tokens))
        # a set: ``rules.isdisjoint(tokens)`` then walks the smaller side (lists are short)
        self.tokens = frozenset(unique)
        self.tok_quote = f"q:{quote}"
        self.feed_keys = (f"{em}|{self.tok_quote}", f"{em}|q:*")
        self.own_keys = tuple(f"{em}|{token}" for token in unique)

    @property
    def full_symbol(self) -> str:
        return f"{self.symbol}@{self.ex_mkt}"


class Screen:
    """What :meth:`Columns.take` found for one batch: the positions (in the batch) of the
    candles whose delta bound reached a threshold of their route, and those candles' block
    ranges for :meth:`Route`-wise refinement."""

    __slots__ = ("cand", "hk", "lk", "off")

    def __init__(self, cand: I64, hk: F64, lk: F64, off: I64) -> None:
        self.cand = cand
        #: per candidate: the highs / lows of the current + ``k`` previous blocks (k = 0..6)
        self.hk = hk
        self.lk = lk
        #: per candidate: seconds into its current block
        self.off = off


class Columns:
    """Per-symbol candle state, one row per symbol (``SymbolState.row``).

    * ``last_ts`` / ``inc_ts``: the newest candle taken in / the newest incomplete one;
    * ``ring``: the symbol's last :data:`RING` candles by arrival (``seq`` counts them), at
      least its last :data:`RETAIN_S` seconds of 1-second candles (the ring doubles if candles
      closer than 1 s apart would push out one younger than that);
    * ``cur_blk`` / ``cur_hi`` / ``cur_lo``: the symbol's current 10-second block, number
      ``(ts_ms + phase) // BLOCK_MS``, and its extremes; ``bid`` / ``bhi`` / ``blo``: its
      completed blocks, in slot ``block & 7``; ``cum_hi[row, k]`` / ``cum_lo[row, k]``: the
      extremes of the ``k`` blocks before the current one (k = 0..6, ±INF for none), recomputed
      only when the block changes;
    * ``thr[row, off, k]``: smallest threshold (% of the low) of the route's window sizes that
      need exactly ``k`` previous blocks when the window closes ``off`` seconds into the
      current block (see :class:`Route`); ``routed`` False: to be rebuilt first.

    Bounds: a window of ``N`` seconds closing ``off`` seconds into its current block lies in
    that block and the ``k = ceil((N - 1 - off) / 10)`` previous ones, so its range is at most
    that of those blocks. A candle is a candidate if for some ``k`` the range of the current +
    ``k`` previous blocks reaches ``thr[row, off, k]`` — the common case is that it does not.
    """

    def __init__(self, capacity: int = 256) -> None:
        self.size = 0
        self.capacity = 0
        self.ring_len = RING
        self.last_ts: I64 = np.empty(0, np.int64)
        self.inc_ts: I64 = np.empty(0, np.int64)
        self.phase: I64 = np.empty(0, np.int64)
        self.seq: I64 = np.empty(0, np.int64)
        self.routed: Bools = np.empty(0, np.bool_)
        self.rate_src: Bools = np.empty(0, np.bool_)
        self.thr: F64 = np.empty((0, BLOCK_S, LONG_BLOCKS + 1))
        self.m_all: F64 = np.empty(0)
        self.cur_blk: I64 = np.empty(0, np.int64)
        self.cur_hi: F64 = np.empty(0)
        self.cur_lo: F64 = np.empty(0)
        self.bid: I64 = np.empty((0, _BLOCK_SLOTS), np.int64)
        self.bhi: F64 = np.empty((0, _BLOCK_SLOTS))
        self.blo: F64 = np.empty((0, _BLOCK_SLOTS))
        self.cum_hi: F64 = np.empty((0, LONG_BLOCKS + 1))
        self.cum_lo: F64 = np.empty((0, LONG_BLOCKS + 1))
        self.ring: npt.NDArray[np.object_] = np.empty((0, RING), object)
        #: scratch for the duplicate test of :meth:`first_repeat`
        self._mark: I64 = np.empty(0, np.int64)
        self._grow(capacity)

    # --- rows ---------------------------------------------------------------------------

    def add(self, phase_ms: int) -> int:
        """A new row (a symbol seen for the first time)."""
        if self.size == self.capacity:
            self._grow(2 * self.capacity)
        row = self.size
        self.size += 1
        self.phase[row] = phase_ms
        return row

    def _grow(self, capacity: int) -> None:
        def grown(old: Any, fill: object) -> Any:
            new = np.full((capacity, *old.shape[1:]), fill, old.dtype)
            new[: old.shape[0]] = old
            return new

        self.last_ts = grown(self.last_ts, NEVER)
        self.inc_ts = grown(self.inc_ts, NEVER)
        self.phase = grown(self.phase, 0)
        self.seq = grown(self.seq, 0)
        self.routed = grown(self.routed, False)
        self.rate_src = grown(self.rate_src, False)
        self.thr = grown(self.thr, INF)
        self.m_all = grown(self.m_all, INF)
        self.cur_blk = grown(self.cur_blk, NEVER)
        self.cur_hi = grown(self.cur_hi, -INF)
        self.cur_lo = grown(self.cur_lo, INF)
        self.bid = grown(self.bid, NEVER)
        self.bhi = grown(self.bhi, -INF)
        self.blo = grown(self.blo, INF)
        self.cum_hi = grown(self.cum_hi, -INF)
        self.cum_lo = grown(self.cum_lo, INF)
        self.ring = grown(self.ring, None)
        self._mark = grown(self._mark, -1)
        self.capacity = capacity

    def _grow_ring(self) -> None:
        """Double the ring length, keeping every row's candles in arrival order."""
        old_len = self.ring_len
        new_len = 2 * old_len
        rows = np.arange(self.capacity)[:, None]
        seqs = self.seq[:, None] - old_len + np.arange(old_len)  # last ``old_len`` arrivals
        ring = np.full((self.capacity, new_len), None, object)
        ring[rows, seqs % new_len] = self.ring[rows, seqs % old_len]
        self.ring = ring
        self.ring_len = new_len

    def set_thresholds(self, row: int, routes: Iterable[Route]) -> None:
        """The row's bound table from its routes (the smallest threshold of any)."""
        tables = [r.thr_table for r in routes]
        self.thr[row] = np.minimum.reduce(tables) if tables else INF
        self.m_all[row] = self.thr[row].min()
        self.routed[row] = True

    def first_repeat(self, rows: I64) -> int:
        """Position of the first row that occurs earlier in ``rows`` (``len(rows)`` if none)."""
        n = len(rows)
        positions = np.arange(n)
        mark = self._mark
        mark[rows] = positions
        if (mark[rows] == positions).all():
            return n
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        later = order[1:][ordered[1:] == ordered[:-1]]
        return int(later.min())

    # --- candles --------------------------------------------------------------------------

    def take(
        self,
        rows: I64,
        ts: I64,
        high: F64,
        low: F64,
        objs: npt.NDArray[np.object_],
        complete: Bools | None,
    ) -> Screen:
        """Take in one candle per row (rows distinct, each candle newer than its row's last):
        keep it, update its block, and screen every candle against its row's thresholds."""
        self.last_ts[rows] = ts
        if complete is not None:
            inc = ~complete
            self.inc_ts[rows[inc]] = ts[inc]
        # the ring
        seq = self.seq.take(rows)
        mask = self.ring_len - 1
        if (ts % 1000).any() and self._crowded(rows, seq & mask, ts):
            self._grow_ring()  # candles closer than 1 s apart: keep more of them
            mask = self.ring_len - 1
        self.ring.reshape(-1)[rows * self.ring_len + (seq & mask)] = objs
        self.seq[rows] = seq + 1
        # blocks: a symbol whose candle opens a new block rolls its completed blocks
        shifted = ts + self.phase.take(rows)
        blk = shifted // BLOCK_MS
        rolled = np.flatnonzero(self.cur_blk.take(rows) != blk)
        if len(rolled):
            self._roll(rows[rolled], blk[rolled])
        ch = np.maximum(self.cur_hi.take(rows), high)
        cl = np.minimum(self.cur_lo.take(rows), low)
        self.cur_hi[rows] = ch
        self.cur_lo[rows] = cl
        # The range of the current + k previous blocks against the thresholds of the window
        # sizes they bound; the same expression as the exact path's, so rounding agrees.
        # First all blocks against the smallest threshold (implied by every k's test).
        hi = np.maximum(self.cum_hi[:, LONG_BLOCKS].take(rows), ch)
        lo = np.minimum(self.cum_lo[:, LONG_BLOCKS].take(rows), cl)
        near = np.flatnonzero((hi - lo) * 100.0 >= self.m_all.take(rows) * lo)
        if not len(near):
            return Screen(near, _NO_RANGE, _NO_RANGE, near)
        rn = rows[near]
        hk = np.maximum(self.cum_hi.take(rn, axis=0), ch[near, None])
        lk = np.minimum(self.cum_lo.take(rn, axis=0), cl[near, None])
        off = shifted[near] // 1000 % BLOCK_S
        thr = self.thr.reshape(-1, LONG_BLOCKS + 1).take(rn * BLOCK_S + off, axis=0)
        hit = np.flatnonzero(((hk - lk) * 100.0 >= thr * lk).any(axis=1))
        return Screen(near[hit], hk[hit], lk[hit], off[hit])

    def take_one(
        self, row: int, ts: int, high: float, low: float, candle: Candle
    ) -> tuple[int, list[float], list[float]] | None:
        """:meth:`take` for a single candle, with scalar operations (a few µs instead of the
        fixed cost of the array operations): ``(off, highs, lows)`` of the current + ``k``
        previous blocks if the candle is a candidate, else None."""
        self.last_ts[row] = ts
        if not candle.complete:
            self.inc_ts[row] = ts
        seq = self.seq.item(row)
        size = self.ring_len
        if ts % 1000:
            old = self.ring[row, seq & (size - 1)]
            if old is not None and old.ts_ms > ts - RETAIN_MS:
                self._grow_ring()
                size = self.ring_len
        self.ring[row, seq & (size - 1)] = candle
        self.seq[row] = seq + 1
        shifted = ts + self.phase.item(row)
        blk = shifted // BLOCK_MS
        if self.cur_blk.item(row) != blk:
            self._roll(np.array([row]), np.array([blk]))
        ch = self.cur_hi.item(row)
        if high > ch:
            self.cur_hi[row] = ch = high
        cl = self.cur_lo.item(row)
        if low < cl:
            self.cur_lo[row] = cl = low
        hi = self.cum_hi.item(row, LONG_BLOCKS)
        lo = self.cum_lo.item(row, LONG_BLOCKS)
        hi = hi if hi > ch else ch
        lo = lo if lo < cl else cl
        if not (hi - lo) * 100.0 >= self.m_all.item(row) * lo:
            return None
        off = shifted // 1000 % BLOCK_S
        hk = [x if x > ch else ch for x in self.cum_hi[row].tolist()]
        lk = [x if x < cl else cl for x in self.cum_lo[row].tolist()]
        for t, hi, lo in zip(self.thr[row, off].tolist(), hk, lk, strict=True):
            if (hi - lo) * 100.0 >= t * lo:
                return off, hk, lk
        return None

    def _crowded(self, rows: I64, slots: I64, ts: I64) -> bool:
        """Would a candle push out one of its symbol's last :data:`RETAIN_S` seconds?"""
        for old, now in zip(self.ring[rows, slots].tolist(), ts.tolist(), strict=True):
            if old is not None and old.ts_ms > now - RETAIN_MS:
                return True
        return False

    def _roll(self, rows: I64, blk: I64) -> None:
        """Rows whose candle opened block ``blk``: file the current block with the completed
        ones and recompute the extremes of the previous ``k`` blocks."""
        cur = self.cur_blk.take(rows)
        at = rows * _BLOCK_SLOTS + (cur & (_BLOCK_SLOTS - 1))  # flat positions: 1-D indexing
        bid = self.bid.reshape(-1)
        bhi = self.bhi.reshape(-1)
        blo = self.blo.reshape(-1)
        bid[at] = cur
        bhi[at] = self.cur_hi.take(rows)
        blo[at] = self.cur_lo.take(rows)
        prev = blk[:, None] - _AGO
        at2 = rows[:, None] * _BLOCK_SLOTS + (prev & (_BLOCK_SLOTS - 1))
        valid = bid.take(at2) == prev
        self.cum_hi[rows, 1:] = np.maximum.accumulate(np.where(valid, bhi.take(at2), -INF), axis=1)
        self.cum_lo[rows, 1:] = np.minimum.accumulate(np.where(valid, blo.take(at2), INF), axis=1)
        self.cur_blk[rows] = blk
        self.cur_hi[rows] = -INF
        self.cur_lo[rows] = INF

    def history(self, row: int, since_ms: int = NEVER) -> list[Candle]:
        """The row's kept candles newer than ``since_ms``, oldest first."""
        n = int(self.seq[row])
        size = self.ring_len
        kept = self.ring[row].tolist()
        start = n & (size - 1)
        ordered: list[Candle] = kept[start:] + kept[:start]
        if n < size:
            ordered = ordered[size - n :]
        if since_ms > NEVER:
            ordered = ordered[bisect_right(ordered, since_ms, key=_TS) :]
        return ordered


class Route:
    """The rules a symbol can match, by window size, with its bound tables. Shared by every
    symbol with the same buckets (e.g. all Binance spot USDT pairs without coin overrides).

    ``thr[off][k]``: smallest threshold of the sizes that need exactly ``k`` previous blocks when
    the window closes ``off`` seconds into the current block; ``cnt[off][k]``: how many sizes
    (a prefix of ``sizes``) need at most ``k``.
    """

    __slots__ = ("cnt", "offs", "size_min", "sizes", "thr", "thr_table", "tiers")

    def __init__(self, buckets: Iterable[Bucket], slack: float) -> None:
        by_size: dict[int, list[Tier]] = {}
        for bucket in buckets:
            for size, tier in bucket.tiers.items():
                by_size.setdefault(size, []).append(tier)
        sizes = tuple(sorted(by_size))
        self.sizes = sizes
        self.tiers = [by_size[n] for n in sizes]
        #: per size: smallest min_delta of its tiers (lowered by ``slack``)
        self.size_min = [min(t.min_delta for t in ts) - slack for ts in self.tiers]
        #: per size: ``(size - 1) × 1000``
        self.offs = [(n - 1) * 1000 for n in sizes]
        self.thr: list[list[float]] = []
        self.cnt: list[list[int]] = []
        for off in range(BLOCK_S):
            thr = [INF] * (LONG_BLOCKS + 1)
            cnt = [0] * (LONG_BLOCKS + 1)
            for j, n in enumerate(sizes):
                k = max(0, -(-(n - 1 - off) // BLOCK_S))
                if self.size_min[j] < thr[k]:
                    thr[k] = self.size_min[j]
                cnt[k] = j + 1
            for k in range(1, LONG_BLOCKS + 1):
                if cnt[k] < cnt[k - 1]:
                    cnt[k] = cnt[k - 1]
            self.thr.append(thr)
            self.cnt.append(cnt)
        #: ``thr`` as an array, for :meth:`Columns.set_thresholds`
        self.thr_table: F64 = np.array(self.thr, dtype=np.float64)
