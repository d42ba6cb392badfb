"""A brute-force, deliberately plain re-implementation of the detection rules, for comparison.

No index, no bounds, no incremental state: for every candle, every user and every alert source it
resolves the applicable thresholds from the settings document, recomputes the window from the
whole candle history, then applies de-duplication, series and cooldown exactly as documented.
Also the plain 1-second candle builder the tests use.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from wickwatch.detection.schemas import (
    DeltaCondition,
    DirectionCondition,
    MarketsCondition,
    SeriesCondition,
    Strategy,
    SymbolsCondition,
    UserSettings,
    VolumeCondition,
    WickCondition,
)
from wickwatch.detection.symbols import coin_name, split_symbol
from wickwatch.market.types import Candle

EPS = 1e-9
STABLE = {"USDT", "USDC", "FDUSD", "TUSD", "DAI", "USD", "BUSD", "USDE"}


@dataclass(frozen=True)
class TapeTrade:
    exchange: str
    market: str
    symbol: str
    ts_ms: int
    price: float
    qty: float


def build_candles(
    trades: Iterable[TapeTrade], incomplete: Iterable[tuple[str, int]] = ()
) -> list[Candle]:
    """1-second candles, plainly: group trades by symbol and second (in time order)."""
    bad = set(incomplete)
    groups: dict[tuple[str, str, str, int], list[TapeTrade]] = defaultdict(list)
    for t in sorted(trades, key=lambda t: t.ts_ms):
        groups[(t.exchange, t.market, t.symbol, t.ts_ms // 1000 * 1000)].append(t)
    candles = []
    for (exchange, market, symbol, second), ts in groups.items():
        prices = [t.price for t in ts]
        candles.append(
            Candle(
                exchange=exchange,
                market=market,
                symbol=symbol,
                ts_ms=second,
                open=prices[0],
                high=max(prices),
                low=min(prices),
                close=prices[-1],
                volume=sum(t.qty for t in ts),
                quote_volume=sum(t.price * t.qty for t in ts),
                trades=len(ts),
                taker_buy_volume=0.0,
                complete=(symbol, second) not in bad,
            )
        )
    candles.sort(key=lambda c: (c.ts_ms, c.exchange, c.market, c.symbol))
    return candles


@dataclass
class Conditions:
    window_s: int
    min_delta: float
    max_delta: float = math.inf
    min_volume: float = 0.0
    min_wick: float = 0.0
    direction: str | None = None
    symbol_sets: list[set[str]] = field(default_factory=list)
    series: list[tuple[int, int]] = field(default_factory=list)


def ref_level(ref: str, exchange: str, market: str, symbol: str, base: str, quote: str):
    """How a normalised coin/symbol reference names this symbol: ``"s"`` (this feed's symbol,
    in any venue's spelling), ``"p"`` (a bare pair, every feed), ``"b"`` (a coin), or None.
    A coin is the base as the venue writes it or without its multiplier (1000PEPE → PEPE)."""
    coins = {base, coin_name(symbol if exchange == "hyperliquid" and market == "futures" else base)}
    em = f"{exchange}_{market}"
    name, at, where = ref.rpartition("@")
    if at and name:
        if where != em:
            return None
        if name == symbol.upper():
            return "s"
        b, q = split_symbol(exchange, market, name)
        return "s" if q and q == quote and coin_name(b) in coins else None
    if coin_name(ref) in coins:
        return "b"
    b, q = split_symbol("", "", ref)
    return "p" if q and b and q.upper() == quote and coin_name(b) in coins else None


def effective_thresholds(
    s: UserSettings, exchange: str, market: str, symbol: str, base: str, quote: str
):
    """(thresholds, label) of the user's threshold path for this symbol, or None."""
    for level in ("s", "p", "b"):
        for o in s.overrides:
            if ref_level(o.symbol, exchange, market, symbol, base, quote) == level:
                return (o, o.label) if o.enabled else None
    best = None
    best_score = -1
    for g in s.thresholds:
        if g.exchange not in (exchange, "*") or g.market not in (market, "*"):
            continue
        if g.quote not in (quote, "*"):
            continue
        score = 4 * (g.quote != "*") + 2 * (g.exchange != "*") + (g.market != "*")
        if score > best_score:
            best, best_score = g, score
    if best is None or not best.enabled:
        return None
    return best, best.label


def in_refs(refs: Iterable[str], exchange: str, market: str, symbol: str, base: str, quote: str):
    return any(ref_level(r, exchange, market, symbol, base, quote) for r in refs)


def sources(s: UserSettings, exchange: str, market: str, symbol: str, base: str, quote: str):
    """Every (source, rule name, strategy or None, Conditions, destinations, template, chart,
    cooldown_s) that applies to this symbol for this user."""
    out = []
    if not s.enabled or not getattr(getattr(s.switches, exchange), market):
        return out
    em = f"{exchange}_{market}"
    if in_refs(s.blacklist, exchange, market, symbol, base, quote):
        return out
    if s.whitelist is not None and not in_refs(s.whitelist, exchange, market, symbol, base, quote):
        return out
    eff = effective_thresholds(s, exchange, market, symbol, base, quote)
    if eff is not None and s.threshold_alerts:
        t, label = eff
        out.append(
            (
                "",
                label,
                None,
                Conditions(
                    t.window_s,
                    t.min_delta_pct,
                    min_volume=t.min_volume_usd,
                    min_wick=t.min_wick_pct,
                ),
                tuple(s.destinations),
                s.message_template,
                t.chart,
                s.cooldown_s,
            )
        )
    for strat in s.strategies:
        if not strat.enabled:
            continue
        conds = strategy_conditions(strat, eff, em)
        if conds is None:
            continue
        named = (exchange, market, symbol, base, quote)
        if any(not in_refs(refs, *named) for refs in conds.symbol_sets):
            continue
        cooldown = s.cooldown_s if strat.cooldown_s is None else strat.cooldown_s
        chart = strat.chart
        out.append(
            (
                strat.name,
                strat.name,
                strat.name,
                conds,
                tuple(strat.destinations),
                strat.template or s.message_template,
                chart,
                cooldown,
            )
        )
    return out


def strategy_conditions(strat: Strategy, eff, em: str) -> Conditions | None:
    if strat.use_global_thresholds:
        if eff is None:
            return None
        t = eff[0]
        c = Conditions(
            t.window_s, t.min_delta_pct, min_volume=t.min_volume_usd, min_wick=t.min_wick_pct
        )
    else:
        c = Conditions(strat.window_s, 0.0)
    for cond in strat.conditions:
        if isinstance(cond, DeltaCondition):
            if cond.min_pct is not None:
                c.min_delta = max(c.min_delta, cond.min_pct)
            if cond.max_pct is not None:
                c.max_delta = min(c.max_delta, cond.max_pct)
        elif isinstance(cond, VolumeCondition):
            c.min_volume = max(c.min_volume, cond.min_usd)
        elif isinstance(cond, WickCondition):
            c.min_wick = max(c.min_wick, cond.min_pct)
        elif isinstance(cond, DirectionCondition):
            if c.direction is not None and c.direction != cond.direction:
                return None
            c.direction = cond.direction
        elif isinstance(cond, SymbolsCondition):
            c.symbol_sets.append(set(cond.symbols))
        elif isinstance(cond, MarketsCondition):
            if em not in cond.markets:
                return None
        elif isinstance(cond, SeriesCondition):
            c.series.append((cond.count, cond.within_s * 1000))
    return c


class Reference:
    """Feed candles one by one (same order as the detector); collects alert tuples."""

    def __init__(self, resolve) -> None:
        self.resolve = resolve  # (exchange, market, symbol) -> (base, quote)
        self.users: dict[int, UserSettings] = {}
        self.history: dict[tuple[str, str, str], list[Candle]] = defaultdict(list)
        self.rates: dict[str, tuple[float, int, bool]] = {}
        self.fired: dict[tuple[int, str, tuple], int] = {}
        self.cool: dict[tuple[int, str, tuple], list[int]] = {}
        self.series: dict[tuple, list[int]] = defaultdict(list)
        self.alerts: list[tuple] = []

    def set_user(self, user_id: int, s: UserSettings) -> None:
        self.users[user_id] = s

    def remove_user(self, user_id: int) -> None:
        self.users.pop(user_id, None)
        for d in (self.fired, self.cool):
            for k in [k for k in d if k[0] == user_id]:
                del d[k]

    def rate(self, quote: str, ts: int) -> float | None:
        if quote in STABLE:
            return 1.0
        if quote not in self.rates:
            return None
        price, at, _ = self.rates[quote]
        return None if ts - at > 600_000 else price

    def feed(self, c: Candle) -> None:
        key = (c.exchange, c.market, c.symbol)
        base, quote = self.resolve(*key)
        # learn rates (spot wins while fresh)
        if quote in STABLE and base not in STABLE:
            cur = self.rates.get(base)
            spot = c.market == "spot"
            if spot or cur is None or not cur[2] or c.ts_ms - cur[1] > 600_000:
                self.rates[base] = (c.close, c.ts_ms, spot)
        self.history[key].append(c)
        T = c.ts_ms
        for user_id in sorted(self.users):
            s = self.users[user_id]
            for source, rule, strategy, cond, dests, _template, chart, cooldown_s in sources(
                s, c.exchange, c.market, c.symbol, base, quote
            ):
                window = [
                    x for x in self.history[key] if T - (cond.window_s - 1) * 1000 <= x.ts_ms <= T
                ]
                if not all(x.complete for x in window):
                    continue
                ref = window[0].open
                high = max(x.high for x in window)
                low = min(x.low for x in window)
                close = window[-1].close
                if ref <= 0:
                    continue
                if high - ref > ref - low:
                    delta, direction = (high - ref) / ref * 100.0, "up"
                else:
                    delta, direction = (ref - low) / ref * 100.0, "down"
                rng = high - low
                wick = (rng - abs(close - ref)) / rng * 100.0 if rng > 0 else 0.0
                r = self.rate(quote, T)
                volume = None if r is None else math.fsum(x.quote_volume for x in window) * r
                if not (delta + EPS >= cond.min_delta and delta - EPS <= cond.max_delta):
                    continue
                if not wick + EPS >= cond.min_wick:
                    continue
                if cond.min_volume > 0 and (
                    volume is None or not volume * (1 + 1e-12) + EPS >= cond.min_volume
                ):
                    continue
                if cond.direction is not None and cond.direction != direction:
                    continue
                dkey = (user_id, source, key)
                if dkey in self.fired and T - self.fired[dkey] < cond.window_s * 1000:
                    continue  # same spike as the last reported one (windows overlap)
                self.fired[dkey] = T
                series_count = 1
                if cond.series:
                    skey = (user_id, source, *key)
                    self.series[skey].append(T)
                    counts = [
                        sum(1 for t in self.series[skey] if t > T - ms) for _, ms in cond.series
                    ]
                    series_count = counts[0]
                    if any(got < need for got, (need, _) in zip(counts, cond.series, strict=True)):
                        continue
                entry = self.cool.get(dkey)
                if entry is not None and T - entry[0] < cooldown_s * 1000:
                    entry[1] += 1
                    continue
                folded = 0 if entry is None else entry[1]
                self.cool[dkey] = [T, 0]
                self.alerts.append(
                    (
                        user_id,
                        c.exchange,
                        c.market,
                        c.symbol,
                        T,
                        cond.window_s,
                        direction,
                        delta,
                        wick,
                        volume,
                        c.close,
                        rule,
                        strategy,
                        dests,
                        series_count,
                        folded,
                        chart,
                    )
                )


def draft_tuple(d) -> tuple:
    return (
        d.user_id,
        d.exchange,
        d.market,
        d.symbol,
        d.ts_ms,
        d.window_s,
        d.direction,
        d.delta_pct,
        d.wick_pct,
        d.volume_usd,
        d.price,
        d.rule,
        d.strategy,
        d.destinations,
        d.series_count,
        d.folded_count,
        d.chart,
    )
