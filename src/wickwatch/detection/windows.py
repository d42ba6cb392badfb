"""Rolling windows over the 1-second candles of one symbol.

Definition (see docs/detection.md): the window of ``N`` seconds that closes with the candle of
second ``T`` holds every candle of that symbol with ``T - (N-1) s <= ts_ms <= T`` that this
process has seen (seconds without trades simply have no candle). Its ``ref`` is the open of its
oldest candle, ``high``/``low`` the extremes of all, ``close`` the close of the candle of ``T``.
A window is evaluated once, when the candle of ``T`` closes; a window holding an incomplete
candle never fires.

:class:`SymbolState` keeps the last :data:`RETAIN_S` seconds of candles (whatever window sizes are
in use, so a settings change gets full windows at once) and a cheap upper bound of every window's
delta — the range of the current and previous block of ``max window`` seconds — that lets the
detector skip a candle no rule could match without looking at the windows at all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from wickwatch.market.types import Candle

if TYPE_CHECKING:
    from wickwatch.detection.rules import Bucket, Tier

#: Longest window a rule may ask for, and how much history each symbol keeps.
MAX_WINDOW_S = 60
RETAIN_S = MAX_WINDOW_S
#: Windows up to this size are bounded by the current and the previous block of this many
#: seconds; longer ones by the current and :data:`LONG_BLOCKS` previous blocks.
BLOCK_S = 10
BLOCK_MS = BLOCK_S * 1000
LONG_BLOCKS = MAX_WINDOW_S // BLOCK_S

INF = float("inf")
NEVER = -(2**62)


class SymbolState:
    """Per-symbol detection state: identity, candle history, route to the rules, delta bounds.

    Bounds: a window of ``N`` seconds closing in second ``T`` (``off = (T + phase) mod 10``
    seconds into the current 10 s block; each symbol's block grid is shifted by its own
    :attr:`phase_ms`) lies in the current block and the ``k = ceil((N - 1 - off) / 10)``
    previous ones, so its range is at most that of those blocks. :attr:`cum_hi` /
    :attr:`cum_lo` hold the extremes of the last ``k`` completed blocks (k = 0..6), refreshed
    once per block; the :class:`Route` holds the thresholds to compare them with.
    """

    # Declared in access order, not sorted: the attributes every candle touches share cache
    # lines (a cold symbol state costs a few cache misses per candle).
    __slots__ = (  # noqa: RUF023
        "last_ts",
        "rate_source",
        "ring",
        "blk",
        "cur_hi",
        "cur_lo",
        "long_hi",
        "long_lo",
        "m_all",
        "inc_ts",
        "base",
        "quote",
        "spot",
        "blocks_hi",
        "blocks_lo",
        "cum_hi",
        "cum_lo",
        "ex_mkt",
        "exchange",
        "market",
        "symbol",
        "tok_base",
        "tok_quote",
        "tok_sym",
        "routes",
        "feed_keys",
        "own_keys",
        "skip",
        "pending",
        "phase_ms",
        "trim_at",
    )

    def __init__(self, exchange: str, market: str, symbol: str, base: str, quote: str) -> None:
        self.exchange = exchange
        self.market = market
        self.symbol = symbol
        self.ex_mkt = f"{exchange}_{market}"
        self.spot = market == "spot"
        self.ring: deque[Candle] = deque()
        self.last_ts = NEVER
        #: ts_ms of the newest incomplete candle (windows holding it never fire)
        self.inc_ts = NEVER
        #: the feed's route and the symbol's own (None: to be (re)built on the next candle)
        self.routes: tuple[Route, ...] | None = None
        #: smallest threshold of the routes (copied here for the per-candle check)
        self.m_all = INF
        #: index keys of the feed-level buckets (quote, ``*``) and of the symbol's own
        self.feed_keys: tuple[str, ...] = ()
        self.own_keys: tuple[str, ...] = ()
        #: id(rule list) → (rules, tier version, ts fired, k, indices not fired): see
        #: ``Detector._match``
        self.skip: dict[int, tuple[list[Any], int, int, int, list[int]]] = {}
        # blocks
        self.blk = NEVER
        self.cur_hi = -INF
        self.cur_lo = INF
        #: extremes of the last LONG_BLOCKS completed blocks (= ``cum_hi[LONG_BLOCKS]``)
        self.long_hi = -INF
        self.long_lo = INF
        self.cum_hi: list[float] = [-INF] * (LONG_BLOCKS + 1)
        self.cum_lo: list[float] = [INF] * (LONG_BLOCKS + 1)
        #: extremes of the completed blocks 1, 2, … :data:`LONG_BLOCKS` blocks old (index 0:
        #: the previous block); ±INF for a block without candles
        self.blocks_hi: list[float] = [-INF] * LONG_BLOCKS
        self.blocks_lo: list[float] = [INF] * LONG_BLOCKS
        self.rate_source = False
        #: a candle of the symbol waits for its windows in ``Detector.on_candles``' batch
        self.pending = False
        #: the symbol's blocks are ``(ts_ms + phase_ms) // BLOCK_MS`` (a whole number of
        #: seconds: see Detector._add_state)
        self.phase_ms = 0
        #: ring length above which old candles are dropped (in batches: see Detector)
        self.trim_at = 2 * RETAIN_S
        self.base = base
        self.quote = quote
        self.tok_sym = self.tok_base = self.tok_quote = ""
        self.set_identity(base, quote)

    def set_identity(self, base: str, quote: str) -> None:
        """Base/quote (and the matching tokens used by rules)."""
        self.base = base
        self.quote = quote
        self.tok_sym = f"s:{self.symbol.upper()}@{self.ex_mkt}"
        self.tok_base = f"b:{base}"
        self.tok_quote = f"q:{quote}"
        em = self.ex_mkt
        self.feed_keys = (f"{em}|{self.tok_quote}", f"{em}|q:*")
        self.own_keys = (f"{em}|{self.tok_base}", f"{em}|{self.tok_sym}")

    @property
    def full_symbol(self) -> str:
        return f"{self.symbol}@{self.ex_mkt}"

    def roll_block(self, blk: int, high: float, low: float) -> None:
        """A candle of a new 10 s block ``blk``: shift the block extremes."""
        by_hi = self.blocks_hi
        by_lo = self.blocks_lo
        gap = blk - self.blk  # the block just finished is now ``gap`` blocks old
        if self.blk == NEVER or gap > LONG_BLOCKS:
            by_hi[:] = _NO_HI
            by_lo[:] = _NO_LO
        else:
            keep = LONG_BLOCKS - gap
            by_hi[gap:] = by_hi[:keep]
            by_lo[gap:] = by_lo[:keep]
            by_hi[:gap] = _NO_HI[:gap]
            by_lo[:gap] = _NO_LO[:gap]
            by_hi[gap - 1] = self.cur_hi
            by_lo[gap - 1] = self.cur_lo
        self.blk = blk
        self.cur_hi = high
        self.cur_lo = low
        # cum[k] = extremes of the last k blocks (k >= 1), in C
        self.cum_hi[1:] = accumulate(by_hi, max)
        self.cum_lo[1:] = accumulate(by_lo, min)
        self.long_hi = self.cum_hi[LONG_BLOCKS]
        self.long_lo = self.cum_lo[LONG_BLOCKS]


_NO_HI = [-INF] * LONG_BLOCKS
_NO_LO = [INF] * LONG_BLOCKS


class Route:
    """The rules a symbol can match, by window size, with its bound tables. Shared by every
    symbol with the same buckets (e.g. all Binance spot USDT pairs without coin overrides).

    ``thr[off][k]``: smallest threshold of the sizes that need exactly ``k`` previous blocks when
    the window closes ``off`` seconds into the current block; ``cnt[off][k]``: how many sizes
    (a prefix of ``sizes``) need at most ``k``.
    """

    __slots__ = ("cnt", "m_all", "offs", "size_min", "sizes", "thr", "tiers")

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
        self.m_all = min(self.size_min, default=INF)
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


EMPTY_ROUTE = Route((), 0.0)
