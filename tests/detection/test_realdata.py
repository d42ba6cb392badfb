"""Synthetic wicks injected into real exchange tapes are found exactly once each, with the right
direction, delta, wick and USD volume — and the natural tape alone fires nothing."""

from __future__ import annotations

import csv
import gzip
import json
import math
from pathlib import Path

import pytest

from tests.detection.reference import TapeTrade, build_candles
from wickwatch.detection import Detector, UserSettings

pytestmark = pytest.mark.realdata

THRESHOLD = 1.0  # percent: far above the natural 1-5 s noise of these calm tapes (~0.1-0.2 %)

# (seconds after the tape's first full second, ms inside that second, shape, size %)
INJECTIONS = [
    (15, 300, "up", 2.0),
    (40, 600, "down", 2.5),
    (65, 900, "up_straddle", 3.0),  # +0.3 % at .900, the peak 150 ms later in the next second
    (90, 950, "down_straddle", 1.6),
    (115, 100, "up", 5.0),
    (140, 500, "down", 1.2),
    (165, 880, "up_straddle", 1.05),
]


def binance_tape(path: Path) -> list[TapeTrade]:
    trades = []
    with gzip.open(path, "rt") as f:
        for line in f:
            _, _, payload = line.partition(" ")
            if '"@trade"' not in payload and "@trade" not in payload:
                continue
            data = json.loads(payload)["data"]
            trades.append(
                TapeTrade(
                    "binance", "spot", data["s"], data["T"], float(data["p"]), float(data["q"])
                )
            )
    return trades


def freqtrade_tape(path: Path) -> list[TapeTrade]:
    with path.open() as f:
        return [
            TapeTrade(
                "binance",
                "spot",
                "ETHUSDT",
                int(r["timestamp"]),
                float(r["price"]),
                float(r["amount"]),
            )
            for r in csv.DictReader(f)
        ]


def inject(trades: list[TapeTrade]) -> tuple[list[TapeTrade], list[tuple[int, str, int]]]:
    """Tape plus wicks; returns the expected (alert second, direction, injection index)."""
    trades = sorted(trades, key=lambda t: t.ts_ms)
    start = (trades[0].ts_ms // 1000 + 1) * 1000
    out = list(trades)
    expected = []
    sample = trades[0]
    for i, (offset_s, ms, shape, size) in enumerate(INJECTIONS):
        t0 = start + offset_s * 1000 + ms
        base = [t for t in trades if t.ts_ms < t0][-1].price
        sign = 1 if shape.startswith("up") else -1
        peak = base * (1 + sign * size / 100)

        def trade(ts: int, price: float, qty: float) -> TapeTrade:
            return TapeTrade(sample.exchange, sample.market, sample.symbol, ts, price, qty)

        if shape.endswith("straddle"):
            pre = base * (1 + sign * 0.3 / 100)
            spike = [trade(t0, pre, 0.2), trade(t0 + 150, peak, 0.3), trade(t0 + 300, base, 0.5)]
        else:
            half = base * (1 + sign * size / 200)
            spike = [trade(t0, half, 0.2), trade(t0 + 40, peak, 0.3), trade(t0 + 120, base, 0.5)]
        second_start = t0 // 1000 * 1000
        if not any(second_start <= t.ts_ms < t0 for t in trades):
            # A sparse tape may have no trade yet in this second: anchor its open at the base
            # price, so the window measures the whole injected move.
            spike.insert(0, trade(second_start, base, 0.01))
        out.extend(spike)
        peak_second = max(spike, key=lambda t: abs(t.price - base)).ts_ms // 1000 * 1000
        expected.append((peak_second, "up" if sign > 0 else "down", i))
    return out, expected


def plain_window(
    candles, symbol: str, end_ms: int, window_s: int
) -> tuple[float, str, float, float]:
    w = [
        c
        for c in candles
        if c.symbol == symbol and end_ms - (window_s - 1) * 1000 <= c.ts_ms <= end_ms
    ]
    ref, high, low, close = w[0].open, max(c.high for c in w), min(c.low for c in w), w[-1].close
    if high - ref > ref - low:
        delta, direction = (high - ref) / ref * 100, "up"
    else:
        delta, direction = (ref - low) / ref * 100, "down"
    wick = (high - low - abs(close - ref)) / (high - low) * 100
    return delta, direction, wick, math.fsum(c.quote_volume for c in w)


def run(candles, users: dict[int, UserSettings]):
    detector = Detector()
    for uid, s in users.items():
        detector.update_user(uid, s)
    return detector.on_candles(candles)


TAPES = {
    "hftbacktest-binance-spot-btcusdt": ("hftbacktest/spot/btcusdt_20240808.gz", binance_tape),
    "freqtrade-eth": ("freqtrade/public_trades_list.csv", freqtrade_tape),
}


@pytest.mark.parametrize("tape", sorted(TAPES))
@pytest.mark.parametrize("window_s", [2, 5])
def test_injected_wicks_found_exactly_once(realdata_dir: Path, tape: str, window_s: int) -> None:
    rel, reader = TAPES[tape]
    natural = reader(realdata_dir / rel)
    assert len(natural) >= 1000
    settings = UserSettings(
        cooldown_s=0,
        thresholds=[{"min_delta_pct": THRESHOLD, "min_volume_usd": 1000.0, "window_s": window_s}],
    )
    # The natural tape alone stays below the threshold...
    assert run(build_candles(natural), {1: settings}) == []
    # ...and with the wicks injected each one is reported exactly once.
    tape_trades, expected = inject(natural)
    candles = build_candles(tape_trades)
    drafts = run(candles, {1: settings})
    assert len(drafts) == len(expected), [(d.ts_ms, d.direction, d.delta_pct) for d in drafts]
    for draft, (second, direction, i) in zip(
        sorted(drafts, key=lambda d: d.ts_ms), expected, strict=True
    ):
        size = INJECTIONS[i][3]
        assert draft.ts_ms == second
        assert draft.direction == direction
        assert draft.window_s == window_s
        delta, plain_direction, wick, quote_volume = plain_window(
            candles, draft.symbol, second, window_s
        )
        assert plain_direction == direction
        assert draft.delta_pct == pytest.approx(delta, rel=1e-12)
        assert abs(draft.delta_pct - size) < 0.25  # the injected size, give or take noise
        assert draft.wick_pct == pytest.approx(wick, rel=1e-12)
        assert draft.wick_pct > 80  # a wick that returned: mostly wick, little body
        assert draft.volume_usd == pytest.approx(quote_volume, rel=1e-12)  # USDT quote: 1 USD
        assert draft.price == next(c for c in candles if c.ts_ms == second).close


def test_one_second_window_misreads_a_straddling_wick(realdata_dir: Path) -> None:
    """Why windows exist: with 1 s candles a wick that straddles a second boundary is seen by
    neither candle as the move it was (the second candle opens at the peak)."""
    natural = binance_tape(realdata_dir / TAPES["hftbacktest-binance-spot-btcusdt"][0])
    tape_trades, expected = inject(natural)
    candles = build_candles(tape_trades)
    one = UserSettings(cooldown_s=0, thresholds=[{"min_delta_pct": THRESHOLD, "window_s": 1}])
    two = UserSettings(cooldown_s=0, thresholds=[{"min_delta_pct": THRESHOLD, "window_s": 2}])
    straddle_second, direction, _ = expected[2]  # up_straddle 3 %
    by_1s = [d for d in run(candles, {1: one}) if d.ts_ms == straddle_second]
    by_2s = [d for d in run(candles, {1: two}) if d.ts_ms == straddle_second]
    assert [d.direction for d in by_1s] == ["down"]  # reads the way back, not the spike
    assert [d.direction for d in by_2s] == [direction]
    assert by_2s[0].delta_pct > 2.9
