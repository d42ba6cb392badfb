"""The simulated market behind every exchange simulator: instruments, a seeded trade generator
(random walks with bursts and occasional wicks) and the server-side trade log that REST backfill
answers from, so that what was streamed and what REST returns are the same trades."""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

_BASES = tuple(
    "BTC ETH SOL XRP DOGE ADA AVAX LINK DOT TRX TON SHIB LTC BCH NEAR UNI APT ARB OP SUI "  # noqa: SIM905
    "ATOM FIL ETC HBAR ICP INJ SEI TIA RNDR IMX STX AAVE MKR LDO GRT FET PEPE WIF BONK JUP".split()
)


@dataclass(frozen=True, slots=True)
class SimInstrument:
    """One listed pair of the simulated venue."""

    base: str
    quote: str
    decimals: int  #: price decimals (tick = 10**-decimals)
    price: float  #: starting price
    contract_size: float = 1.0  #: base units per contract (swaps); sizes streamed in contracts

    @property
    def tick(self) -> str:
        return format(Decimal(1).scaleb(-self.decimals), "f")


class SimTrade(msgspec.Struct, frozen=True, gc=False):
    """One trade as the venue knows it: text price/size in the venue's units, taker side.

    Not tracked by the cyclic garbage collector (only strings and ints inside): a simulator keeps
    thousands of them per symbol for REST backfill, and full collections over millions of
    tracked trades stalled the simulated market for seconds (the soak, docs/performance.md).
    """

    symbol: str
    num: int  #: sequence number per symbol, from 1
    trade_id: str
    price: str
    size: str  #: venue units (contracts for swaps)
    side: str  #: ``buy`` / ``sell`` (taker)
    ts_ms: int


def make_instruments(count: int, seed: int, quote: str = "USDT") -> list[SimInstrument]:
    """``count`` instruments with plausible prices; deterministic for a seed."""
    rng = random.Random(seed)
    out: list[SimInstrument] = []
    for i in range(count):
        base = _BASES[i] if i < len(_BASES) else f"{_BASES[i % len(_BASES)]}{i // len(_BASES)}"
        price = 10 ** rng.uniform(-3, 4.8)
        decimals = max(0, min(8, 4 - math.floor(math.log10(price))))
        out.append(SimInstrument(base, quote, decimals, price))
    return out


@dataclass
class _Walk:
    inst: SimInstrument
    price: float
    burst: int = 0  # ticks of burst left
    num: int = 0


class SyntheticMarket:
    """Seeded trades for many symbols, generated per tick: a geometric random walk per symbol,
    bursts (many trades for a few ticks) and, rarely, a wick (one print far away from the price).

    Deterministic given the seed and the sequence of ``step`` calls; timestamps are the ``now_ms``
    the caller passes.
    """

    def __init__(
        self,
        symbols: dict[str, SimInstrument],
        seed: int,
        *,
        trades_per_s: float,
        burst_prob: float = 0.002,
        wick_prob: float = 0.0005,
        ids: Callable[[str, int, random.Random], str] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.trades_per_s = trades_per_s
        self.burst_prob = burst_prob
        self.wick_prob = wick_prob
        self.ids = ids or (lambda _symbol, num, _rng: str(num))
        self.walks = {sym: _Walk(inst, inst.price) for sym, inst in symbols.items()}

    def add(self, symbol: str, inst: SimInstrument) -> None:
        self.walks.setdefault(symbol, _Walk(inst, inst.price))

    def make(self, symbol: str, now_ms: int, count: int = 1) -> list[SimTrade]:
        """``count`` next trades of ``symbol`` (for scripted scenarios)."""
        walk = self.walks[symbol]
        return [self._trade(symbol, walk, now_ms) for _ in range(count)]

    def step(
        self, now_ms: int, dt_s: float, symbols: Iterable[str] | None = None
    ) -> list[SimTrade]:
        rng = self.rng
        out: list[SimTrade] = []
        names = self.walks if symbols is None else symbols
        for symbol in names:
            walk = self.walks[symbol]
            rate = self.trades_per_s * dt_s
            if walk.burst:
                walk.burst -= 1
                rate *= 15
            elif rng.random() < self.burst_prob:
                walk.burst = rng.randint(3, 20)
            count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
            for _ in range(count):
                out.append(self._trade(symbol, walk, now_ms))
        return out

    def _trade(self, symbol: str, walk: _Walk, now_ms: int) -> SimTrade:
        rng = self.rng
        walk.price *= math.exp(rng.gauss(0.0, 0.0008))
        price = walk.price
        if rng.random() < self.wick_prob:
            price *= 1.0 + rng.choice((-1, 1)) * rng.uniform(0.02, 0.08)
        inst = walk.inst
        tick = 10.0**-inst.decimals
        price = max(tick, round(price / tick) * tick)
        base_qty = rng.expovariate(1.0) * 200.0 / max(walk.price, 1e-9)
        if inst.contract_size != 1.0:
            size_text = str(max(1, round(base_qty / inst.contract_size)))
        else:
            size_text = f"{max(base_qty, 1e-6):.6f}".rstrip("0").rstrip(".")
        walk.num += 1
        return SimTrade(
            symbol=symbol,
            num=walk.num,
            trade_id=self.ids(symbol, walk.num, rng),
            price=f"{price:.{inst.decimals}f}",
            size=size_text,
            side="buy" if rng.random() < 0.5 else "sell",
            ts_ms=now_ms,
        )


@dataclass
class TradeLog:
    """Every trade generated, per symbol, oldest first (the last ``keep`` per symbol)."""

    keep: int = 2_000
    trades: dict[str, deque[SimTrade]] = field(default_factory=dict)
    _by_id: dict[str, dict[str, int]] = field(default_factory=dict)

    def append(self, trade: SimTrade) -> None:
        log = self.trades.get(trade.symbol)
        if log is None:
            log = self.trades[trade.symbol] = deque()
            self._by_id[trade.symbol] = {}
        index = self._by_id[trade.symbol]
        if len(log) >= self.keep:
            del index[log.popleft().trade_id]
        log.append(trade)
        index[trade.trade_id] = trade.num

    def all(self, symbol: str) -> list[SimTrade]:
        return list(self.trades.get(symbol, ()))

    def num_of(self, symbol: str, trade_id: str) -> int | None:
        return self._by_id.get(symbol, {}).get(trade_id)

    def from_num(self, symbol: str, num: int, limit: int) -> list[SimTrade]:
        """Trades with sequence ≥ ``num``, oldest first, at most ``limit``."""
        log = self.trades.get(symbol)
        if not log:
            return []
        start = max(0, num - log[0].num)
        return [log[i] for i in range(start, min(len(log), start + limit))]

    def before_num(self, symbol: str, num: int, limit: int) -> list[SimTrade]:
        """Up to ``limit`` trades with sequence < ``num``, newest first."""
        log = self.trades.get(symbol)
        if not log:
            return []
        end = min(len(log), max(0, num - log[0].num))
        return [log[i] for i in range(end - 1, max(-1, end - 1 - limit), -1)]

    def latest(self, symbol: str, limit: int) -> list[SimTrade]:
        """The last ``limit`` trades, newest first."""
        log = self.trades.get(symbol)
        if not log:
            return []
        return [log[i] for i in range(len(log) - 1, max(-1, len(log) - 1 - limit), -1)]

    def between(self, symbol: str, start_ms: int, end_ms: int, limit: int) -> list[SimTrade]:
        """Trades with ``start_ms ≤ ts ≤ end_ms``, oldest first, at most ``limit``."""
        out = []
        for trade in self.trades.get(symbol, ()):
            if start_ms <= trade.ts_ms <= end_ms:
                out.append(trade)
                if len(out) >= limit:
                    break
        return out
