"""Price bands: once per crossing, re-armed by hysteresis, evaluated on every 1-second close."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.detection.helpers import candle
from wickwatch.detection import LatestPrices, PriceBand, PriceBandMonitor
from wickwatch.detection.price_bands import resolve_market
from wickwatch.market.types import Instrument


def kinds(monitor: PriceBandMonitor, *candles) -> list[tuple[int, str]]:
    return [(a.ts_ms // 1000, a.kind) for c in candles for a in monitor.on_candle(c)]


def test_crossing_fires_once_and_rearms_after_hysteresis() -> None:
    m = PriceBandMonitor()
    m.set_band(7, 1, PriceBand(coin="BTC", min_price=90.0, max_price=110.0, hysteresis_pct=1.0))
    got = kinds(
        m,
        candle(0, 100.0),
        candle(1, 105.0, 110.0, 104.0, 109.0),  # high touches 110: above_max (>=)
        candle(2, 111.0),  # still above: nothing
        candle(3, 109.5),  # back inside but not by 1 %: not re-armed
        candle(4, 112.0),  # nothing
        candle(5, 108.8),  # below 110 × 0.99 = 108.9: re-armed
        candle(6, 110.5),  # a new crossing
        candle(7, 95.0, 95.0, 89.0, 89.5),  # straight through the band to below: below_min
        candle(8, 90.5),  # not yet re-armed (needs > 90.9)
        candle(9, 89.0),  # nothing
        candle(10, 91.0),  # re-armed
        candle(11, 90.0, 90.0, 88.0, 89.0),  # low 88: below_min again
    )
    assert got == [(1, "above_max"), (6, "above_max"), (7, "below_min"), (11, "below_min")]
    assert m.state_of(1) == "below"


def test_a_band_narrower_than_its_hysteresis_rearms_at_its_middle() -> None:
    """A stablecoin watch 0.999–1.001 with the default 0.5 %: re-arming 0.5 % under the top edge
    would be below the bottom one, so the band went deaf after its first alert."""
    m = PriceBandMonitor()
    m.set_band(7, 1, PriceBand(coin="BTC", min_price=0.999, max_price=1.001))  # (as BTCUSDT)
    got = kinds(
        m,
        candle(0, 1.0),
        candle(1, 1.0015),  # above_max
        candle(2, 1.0005),  # inside, above the middle: not re-armed
        candle(3, 0.9999),  # below the middle (1.000): re-armed
        candle(4, 1.002),  # a new crossing
        candle(5, 0.9985),  # straight to below_min
        candle(6, 1.0001),  # above the middle: re-armed
        candle(7, 0.9989),  # below_min again
    )
    assert got == [(1, "above_max"), (4, "above_max"), (5, "below_min"), (7, "below_min")]


def test_without_hysteresis_a_price_resting_on_the_edge_fires_once() -> None:
    m = PriceBandMonitor()
    m.set_band(7, 1, PriceBand(coin="BTC", max_price=100.0, hysteresis_pct=0.0))
    got = kinds(m, *(candle(t, 100.0) for t in range(5)), candle(5, 99.99), candle(6, 100.0))
    assert got == [(0, "above_max"), (6, "above_max")]


def test_alert_content_and_wick_crossing() -> None:
    m = PriceBandMonitor()
    m.set_band(7, 1, PriceBand(coin="BTC", max_price=110.0))
    [a] = m.on_candle(candle(0, 100.0, 112.0, 99.0, 100.0))  # a wick above counts
    assert (a.user_id, a.band_id, a.kind, a.price, a.close, a.threshold) == (
        7,
        1,
        "above_max",
        112.0,
        100.0,
        110.0,
    )
    assert (a.coin, a.exchange, a.market, a.symbol) == ("BTC", "binance", "spot", "BTCUSDT")
    # one transition per candle: the close back inside re-arms on the next candle, then a wick
    # fires again
    assert kinds(m, candle(1, 100.0, 111.0, 100.0, 100.0)) == []
    assert kinds(m, candle(2, 100.0, 111.0, 100.0, 100.0)) == [(2, "above_max")]


def test_other_markets_do_not_fire_and_incomplete_candles_fire_but_never_rearm() -> None:
    m = PriceBandMonitor()
    m.set_band(1, 1, PriceBand(coin="ETH", exchange="okx", market="futures", max_price=10.0))
    assert not m.on_candle(candle(0, 11.0, symbol="ETHUSDT"))  # binance: not watched
    okx = {"symbol": "ETH-USDT-SWAP", "exchange": "okx", "market": "futures"}
    # A wick through the max in an incomplete candle (the first after a start, a gap) that is
    # back inside a second later: its prices are real trades, so the crossing is told (it was
    # lost: the next complete candle was inside).
    assert kinds(m, candle(0, 9.0, 11.0, 9.0, 9.0, complete=False, **okx)) == [(0, "above_max")]
    assert m.prices.get("okx", "futures", "ETH-USDT-SWAP") == (9.0, 0)
    # An incomplete close inside does not re-arm (it may not be the last price)...
    assert kinds(m, candle(1, 9.0, 11.0, 9.0, 9.0, complete=False, **okx)) == []
    assert m.state_of(1) == "above"
    # ... a complete one does.
    assert kinds(m, candle(2, 9.0, **okx)) == []
    assert m.state_of(1) == "inside"
    assert kinds(m, candle(3, 11.0, **okx)) == [(3, "above_max")]


def test_state_restore_remove_and_disable() -> None:
    m = PriceBandMonitor(LatestPrices())
    m.set_band(1, 1, PriceBand(max_price=110.0), state="above")  # restored from storage
    assert not m.on_candle(candle(0, 120.0))
    m.set_band(1, 2, PriceBand(max_price=110.0))
    m.set_band(2, 3, PriceBand(max_price=110.0, enabled=False))
    assert [a.band_id for a in m.on_candle(candle(1, 120.0))] == [2]
    m.remove_user(1)
    assert not m.on_candle(candle(2, 130.0)) and m.state_of(1) is None
    with pytest.raises(ValueError, match="state"):
        m.set_band(1, 4, PriceBand(max_price=1.0), state="sideways")


def test_band_validation() -> None:
    with pytest.raises(ValidationError, match="min_price and/or max_price"):
        PriceBand(coin="BTC")
    with pytest.raises(ValidationError, match="must be below"):
        PriceBand(min_price=10.0, max_price=10.0)
    with pytest.raises(ValidationError) as info:
        PriceBand(max_price=10.0, hysteresis_pct=-1)
    assert info.value.errors()[0]["loc"] == ("hysteresis_pct",)


def test_market_resolution() -> None:
    assert resolve_market("btc") == ("binance", "spot", "BTCUSDT")
    assert resolve_market("ETH", "okx", "futures") == ("okx", "futures", "ETH-USDT-SWAP")
    assert resolve_market("ETH", "gate", "spot") == ("gate", "spot", "ETH_USDT")
    assert resolve_market("HYPE", "hyperliquid", "futures") == ("hyperliquid", "futures", "HYPE")
    assert resolve_market("X", "bybit", "spot", "XUSDC") == ("bybit", "spot", "XUSDC")
    inst = [Instrument("hyperliquid", "spot", "@107", "HYPE", "USDC", True, "0.001")]
    assert resolve_market("HYPE", "hyperliquid", "spot", instruments=inst) == (
        "hyperliquid",
        "spot",
        "@107",
    )
    with pytest.raises(ValueError, match="instrument list"):
        resolve_market("HYPE", "hyperliquid", "spot")
