"""USD value of quote currencies, learnt from the feeds' own closed candles.

Rule (documented in docs/detection.md): volume in a stablecoin quote (:data:`STABLE_QUOTES`) is
taken at face value. Any other quote ``Q`` (BTC, ETH, BNB, EUR, TRY, …) is converted through the
last close of a spot market ``Q``/stable (``BTCUSDT``), or the inverse of a stable/``Q`` market
(``USDTTRY`` → 1 / close). Markets rank: spot against USDT, then spot against another stablecoin,
then futures against USDT, then other futures; a lower-ranked close is used only while no fresh
close of a higher rank exists (a thin ``BTC/USD1`` or ``BTCDAI`` print never replaces the
``BTCUSDT`` rate, which the issue names as the reference). A rate
older than ``max_age_s`` (relative to the candle being evaluated, so replays behave like live) is
*unknown*: the window's USD volume is then ``None`` and rules with a minimum volume do not fire;
rules with ``min_volume_usd == 0`` still do (the alert shows the volume as unknown).

USD volume is always quote volume × rate — never base volume × close.
"""

from __future__ import annotations

from wickwatch.detection.symbols import STABLE_QUOTES

DEFAULT_MAX_AGE_S = 600.0


def _rank(spot: bool, stable: str) -> int:
    return (2 if spot else 0) + (stable == "USDT")


class QuoteRates:
    """Latest USD price of each non-stable quote currency."""

    __slots__ = ("_max_age_ms", "_price", "_rank", "_ts", "stables")

    def __init__(
        self, max_age_s: float = DEFAULT_MAX_AGE_S, stables: frozenset[str] = STABLE_QUOTES
    ) -> None:
        self._max_age_ms = int(max_age_s * 1000)
        self.stables = stables
        self._price: dict[str, float] = {}
        self._ts: dict[str, int] = {}
        #: rank of the market the rate came from (see the module docstring; higher wins)
        self._rank: dict[str, int] = {}

    def is_stable(self, currency: str) -> bool:
        return currency in self.stables

    def set_rate(self, currency: str, usd: float, ts_ms: int, *, spot: bool = True) -> None:
        """Record that one unit of ``currency`` was worth ``usd`` at ``ts_ms``."""
        if usd > 0.0:
            self._price[currency] = usd
            self._ts[currency] = ts_ms
            self._rank[currency] = _rank(spot, "USDT")

    def observe(self, base: str, quote: str, close: float, ts_ms: int, spot: bool) -> None:
        """Learn from one closed candle of ``base``/``quote`` (no-op unless exactly one side is a
        stablecoin). Spot wins over futures while the spot rate is fresh."""
        stables = self.stables
        if quote in stables:
            if base in stables or close <= 0.0:
                return
            currency, usd, stable = base, close, quote
        elif base in stables and close > 0.0:
            currency, usd, stable = quote, 1.0 / close, base
        else:
            return
        rank = _rank(spot, stable)
        held = self._rank.get(currency)
        if held is not None and rank < held and ts_ms - self._ts[currency] <= self._max_age_ms:
            return  # a fresh rate from a better market stays
        self._price[currency] = usd
        self._ts[currency] = ts_ms
        self._rank[currency] = rank

    def rate(self, currency: str, at_ms: int) -> float | None:
        """USD per unit of ``currency`` at ``at_ms``; 1.0 for stables; ``None`` if unknown/stale."""
        if currency in self.stables:
            return 1.0
        price = self._price.get(currency)
        if price is None or at_ms - self._ts[currency] > self._max_age_ms:
            return None
        return price

    def snapshot(self) -> dict[str, tuple[float, int]]:
        """Known rates as ``{currency: (usd, ts_ms)}`` (for status pages and tests)."""
        return {c: (p, self._ts[c]) for c, p in self._price.items()}
