"""Spike metrics of one candle or of a window of consecutive 1-second candles.

Definitions (the issue "Detection"; ``ref`` is the window's open, i.e. the open of its oldest
candle; ``high``/``low`` the extremes of all its candles; ``close`` the close of its newest):

* ``delta_pct = max(high - ref, ref - low) / ref × 100``;
* ``direction = "up"`` when ``high - ref > ref - low``, else ``"down"`` (a tie is ``down``);
* ``wick_pct = (range - |close - ref|) / range × 100`` with ``range = high - low`` (0 if range 0);
* ``volume_usd = Σ quote_volume × USD rate of the quote`` (see :mod:`~wickwatch.detection.quotes`).

Every threshold comparison is ``value >= minimum`` with a tolerance of :data:`EPS` (1e-9, in the
metric's own unit), so a configured 2 % is met by a move that float arithmetic renders 1.9999999999.
USD volumes get a relative tolerance as well (:data:`VOLUME_TOLERANCE`): quote volumes of tens of
millions carry representation errors of ~1e-9 each, so three of them that add up to exactly
50,000,000.00 in decimal sum to 49,999,999.99999999 in floats, which must still meet a 50 M rule.

These functions are the readable reference; the detector's hot loop computes the same expressions
inline (:mod:`~wickwatch.detection.windows`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from wickwatch.market.types import Candle

UP = "up"
DOWN = "down"
#: Tolerance of every ``>=`` comparison against a user threshold.
EPS = 1e-9
#: Factor on a USD volume before ``+ EPS`` and the ``>=`` (a relative tolerance of 1e-12).
VOLUME_TOLERANCE = 1.0 + 1e-12


class SpikeMetrics(msgspec.Struct, frozen=True, gc=False):
    """Metrics of one window; ``complete`` is False if any candle in it was incomplete."""

    ref: float
    high: float
    low: float
    close: float
    delta_pct: float
    direction: str
    wick_pct: float
    quote_volume: float
    candles: int
    complete: bool


def delta_direction(ref: float, high: float, low: float) -> tuple[float, str]:
    """``(delta_pct, direction)`` of a move from ``ref`` to the extremes ``high``/``low``."""
    up = high - ref
    down = ref - low
    if ref <= 0.0:
        return 0.0, DOWN
    if up > down:
        return up / ref * 100.0, UP
    return down / ref * 100.0, DOWN


def wick_pct(ref: float, high: float, low: float, close: float) -> float:
    """Share of the range that is wick rather than body, in percent (0 for a flat range)."""
    rng = high - low
    if rng <= 0.0:
        return 0.0
    return (rng - abs(close - ref)) / rng * 100.0


def window_metrics(candles: Sequence[Candle]) -> SpikeMetrics:
    """Metrics of consecutive candles of one symbol (oldest first); at least one candle."""
    if not candles:
        raise ValueError("a window needs at least one candle")
    ref = candles[0].open
    high = max(c.high for c in candles)
    low = min(c.low for c in candles)
    close = candles[-1].close
    delta, direction = delta_direction(ref, high, low)
    return SpikeMetrics(
        ref=ref,
        high=high,
        low=low,
        close=close,
        delta_pct=delta,
        direction=direction,
        wick_pct=wick_pct(ref, high, low, close),
        quote_volume=math.fsum(c.quote_volume for c in candles),
        candles=len(candles),
        complete=all(c.complete for c in candles),
    )


def candle_metrics(candle: Candle) -> SpikeMetrics:
    """Metrics of a single candle (a 1-second window)."""
    return window_metrics((candle,))
