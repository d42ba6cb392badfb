"""Detector behaviour, one rule at a time."""

from __future__ import annotations

import gc

import pytest

from tests.detection.helpers import candle, flat
from wickwatch.detection import AlertDraft, Detector, InMemorySpikeHistory, UserSettings
from wickwatch.detection.rules import compile_user
from wickwatch.market.candles import CandleBuilder
from wickwatch.market.types import Trade


def settings(**kw: object) -> UserSettings:
    base: dict[str, object] = {
        "cooldown_s": 0,
        "thresholds": [{"min_delta_pct": 2.0, "window_s": 1}],
    }
    base.update(kw)
    return UserSettings.model_validate(base)


def detector(*users: UserSettings, **kw: object) -> Detector:
    d = Detector(**kw)  # type: ignore[arg-type]
    for uid, s in enumerate(users, start=1):
        d.update_user(uid, s)
    return d


def spike(t: int, pct: float = 3.0, **kw: object):
    """A 1-second up wick of ``pct`` from 100 that closes back at 100."""
    return candle(t, 100.0, 100.0 * (1 + pct / 100), 100.0, 100.0, **kw)  # type: ignore[arg-type]


# --- metrics & boundaries --------------------------------------------------------------------


def test_metrics_of_a_candle() -> None:
    d = detector(settings())
    [a] = d.on_candle(candle(0, 100.0, 103.0, 99.0, 102.0, qv=5000.0))
    assert a.direction == "up"
    assert a.delta_pct == pytest.approx(3.0)
    assert a.wick_pct == pytest.approx((4 - 2) / 4 * 100)
    assert a.volume_usd == 5000.0
    assert a.price == 102.0
    assert (a.base, a.quote, a.rule, a.strategy) == ("BTC", "USDT", "group */*/*", None)
    [b] = d.on_candle(candle(1, 100.0, 101.0, 96.0, 97.0))
    assert (b.direction, b.delta_pct) == ("down", pytest.approx(4.0))


def test_all_comparisons_are_greater_or_equal() -> None:
    s = settings(
        thresholds=[{"min_delta_pct": 2.0, "min_volume_usd": 1000.0, "min_wick_pct": 50.0}]
    )
    d = detector(s)
    # exactly 2 %, exactly 1000 USD, exactly 50 % wick (range 2, body 1): fires
    [a] = d.on_candle(candle(0, 100.0, 102.0, 100.0, 101.0, qv=1000.0))
    assert (a.delta_pct, a.volume_usd, a.wick_pct) == (2.0, 1000.0, 50.0)
    # a hair below each one: nothing
    assert not d.on_candle(candle(1, 100.0, 101.99, 100.0, 100.99, qv=5000.0))  # delta
    assert not d.on_candle(candle(2, 100.0, 102.0, 100.0, 101.0, qv=999.99))  # volume
    assert not d.on_candle(candle(3, 100.0, 102.0, 100.0, 101.01, qv=5000.0))  # wick
    # float rounding does not turn an exact threshold into a miss (1.1 → 1.122 is "2 %")
    d2 = detector(settings())
    assert d2.on_candle(candle(0, 1.1, 1.122, 1.1, 1.1))


def test_tie_between_up_and_down_is_down() -> None:
    [a] = detector(settings()).on_candle(candle(0, 100.0, 103.0, 97.0, 100.0))
    assert a.direction == "down"


def test_incomplete_candles_never_fire_nor_windows_holding_one() -> None:
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "window_s": 3}]))
    assert not d.on_candle(spike(0, complete=False))
    d.on_candle(candle(1, 100.0))
    assert not d.on_candle(spike(2, 5.0))  # window [0, 2] holds the incomplete candle 0
    [a] = d.on_candle(candle(3, 100.0, 106.0, 100.0, 100.0))  # window [1, 3] is clean
    assert a.delta_pct == pytest.approx(6.0)


# --- windows and de-duplication --------------------------------------------------------------


def test_spike_straddling_a_second_boundary_is_caught_once() -> None:
    """+1.5 % at the end of second 10, +3 % early in second 11, back to 100 at second 12."""
    candles = [
        *flat(0, 10),
        candle(10, 100.0, 101.5, 100.0, 101.5),
        candle(11, 101.5, 103.0, 101.5, 102.0),
        candle(12, 102.0, 102.0, 100.0, 100.0),
        *flat(13, 20),
    ]
    # 1 s windows see two unrelated 1.5 % / 1.96 % moves: nothing at 2.5 %
    assert not detector(settings(thresholds=[{"min_delta_pct": 2.5, "window_s": 1}])).on_candles(
        candles
    )
    two = detector(settings(thresholds=[{"min_delta_pct": 2.5, "window_s": 2}])).on_candles(candles)
    assert [(a.ts_ms, a.direction, round(a.delta_pct, 6)) for a in two] == [(11_000, "up", 3.0)]
    # a 10 s window holds the spike for 10 closes: still reported once
    ten = detector(settings(thresholds=[{"min_delta_pct": 2.5, "window_s": 10}])).on_candles(
        candles
    )
    assert [(a.ts_ms, a.window_s) for a in ten] == [(11_000, 10)]


def test_dedup_is_not_the_cooldown() -> None:
    """Cooldown 0, window 5: a spike at second 10 is in windows 10..14 — one alert. A new spike
    in a window not overlapping the reported one is a new alert."""
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "window_s": 5}]))
    out = d.on_candles([*flat(0, 10), spike(10), *flat(11, 15), spike(15), *flat(16, 30)])
    assert [a.ts_ms for a in out] == [10_000, 15_000]
    # A second spike 3 s after the reported one: windows 13 and 14 overlap the report (same
    # event), the window closing at 15 is made of later seconds only and still holds it.
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "window_s": 5}]))
    out = d.on_candles([*flat(0, 10), spike(10), *flat(11, 13), spike(13, 6.0), *flat(14, 30)])
    assert [(a.ts_ms, round(a.delta_pct, 9)) for a in out] == [(10_000, 3.0), (15_000, 6.0)]
    # 1 s windows never overlap: consecutive spikes are separate
    d = detector(settings())
    assert [a.ts_ms for a in d.on_candles([spike(0), spike(1), spike(2)])] == [0, 1000, 2000]


def test_seconds_without_trades_are_not_in_the_window() -> None:
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "window_s": 3}]))
    d.on_candle(candle(0, 100.0))
    assert not d.on_candle(candle(5, 101.0, 101.5))  # second 0 is outside [3, 5]
    [a] = d.on_candle(candle(6, 101.5, 104.0))
    assert a.delta_pct == pytest.approx(3.0 / 101.0 * 100)  # from the open of second 5


def test_stale_candles_are_dropped() -> None:
    d = detector(settings())
    assert d.on_candle(spike(5))
    assert not d.on_candle(spike(5))
    assert not d.on_candle(spike(4))
    assert d.stale_candles == 2


# --- filters and precedence ------------------------------------------------------------------


def test_blacklist_by_coin_and_by_full_symbol() -> None:
    d = detector(settings(blacklist=["btc", "ethusdt@binance_futures"]))
    assert not d.on_candle(spike(0))
    assert not d.on_candle(spike(0, symbol="BTC-USDT-SWAP", exchange="okx", market="futures"))
    assert not d.on_candle(spike(0, symbol="ETHUSDT", market="futures"))
    assert d.on_candle(spike(0, symbol="ETHUSDT"))  # spot ETH is not listed
    assert d.on_candle(spike(0, symbol="SOLUSDT"))


def test_whitelist_only_lets_listed_through() -> None:
    d = detector(settings(whitelist=["SOL", "ETHUSDT@binance_futures"], blacklist=["SOL"]))
    assert not d.on_candle(spike(0))
    assert not d.on_candle(spike(0, symbol="SOLUSDT"))  # blacklist wins
    assert not d.on_candle(spike(0, symbol="ETHUSDT"))
    assert d.on_candle(spike(0, symbol="ETHUSDT", market="futures"))


def test_lists_take_any_venues_spelling_of_a_symbol() -> None:
    """``BTCUSDT@okx_futures`` is OKX's ``BTC-USDT-SWAP``; a bare ``BTCUSDT`` is BTC/USDT on every
    venue. (Before, both were accepted and matched nothing: such a whitelist silenced all.)"""
    d = detector(settings(whitelist=["BTCUSDT@okx_futures", "ethusdt", "SOL_USDT@gate_spot"]))
    okx = {"exchange": "okx", "market": "futures"}
    assert d.on_candle(spike(0, symbol="BTC-USDT-SWAP", **okx))
    assert not d.on_candle(spike(0, symbol="BTC-USDC-SWAP", **okx))  # another pair
    assert not d.on_candle(spike(0))  # BTCUSDT on Binance spot: another feed
    assert d.on_candle(spike(0, symbol="ETH-USDT-SWAP", **okx))  # bare pair: every feed
    assert d.on_candle(spike(0, symbol="ETH_USDT", exchange="gate"))
    assert not d.on_candle(spike(0, symbol="ETHBTC"))  # ETH, but not ETH/USDT
    assert d.on_candle(spike(0, symbol="SOLUSDT", exchange="gate"))  # as written there: SOL_USDT
    assert not d.on_candle(spike(0, symbol="SOLUSDT"))


def test_a_hyperliquid_perpetual_named_as_a_pair_is_the_coin() -> None:
    """Hyperliquid's perpetuals are bare coins (``BTC``, quoted in USDC): ``BTCUSDC``,
    ``BTC-USDC`` and ``BTC`` at ``hyperliquid_futures`` all name it (``BTCUSDC`` matched
    nothing: a blacklist did not block it, a whitelist silenced everything)."""
    hl = {"exchange": "hyperliquid", "market": "futures"}
    for ref in (
        "BTCUSDC@hyperliquid_futures",
        "BTC-USDC@hyperliquid_futures",
        "BTC@hyperliquid_futures",
    ):
        blocked = detector(settings(blacklist=[ref]))
        assert not blocked.on_candle(spike(0, symbol="BTC", **hl)), ref
        assert blocked.on_candle(spike(0, symbol="ETH", **hl)), ref
        only = detector(settings(whitelist=[ref]))
        assert only.on_candle(spike(0, symbol="BTC", **hl)), ref


def test_a_coin_covers_its_thousand_lines() -> None:
    """``PEPE`` names Binance's ``1000PEPEUSDT``, Bybit's ``SHIB1000USDT`` style and Hyperliquid's
    ``kPEPE`` too, and ``1000PEPE`` names plain PEPE pairs: one coin, priced per thousand."""
    d = detector(settings(blacklist=["pepe", "1000SHIB"]))
    hl = {"exchange": "hyperliquid", "market": "futures"}
    assert not d.on_candle(spike(0, symbol="1000PEPEUSDT", market="futures"))
    assert not d.on_candle(spike(0, symbol="kPEPE", **hl))
    assert not d.on_candle(spike(0, symbol="PEPE-USDT", exchange="okx"))
    assert not d.on_candle(spike(0, symbol="SHIB1000USDT", exchange="bybit", market="futures"))
    assert not d.on_candle(spike(0, symbol="SHIBUSDT"))
    assert d.on_candle(spike(0, symbol="kBONK", **hl))
    assert d.on_candle(spike(0, symbol="PEOPLEUSDT"))


def test_overrides_in_other_spellings_keep_their_precedence() -> None:
    s = settings(
        thresholds=[{"min_delta_pct": 5.0}],
        overrides=[
            {"symbol": "ETH", "min_delta_pct": 4.0},
            {"symbol": "ETHUSDT", "min_delta_pct": 3.0},  # the pair, every feed
            {"symbol": "ETHUSDT@okx_futures", "min_delta_pct": 2.0},
        ],
    )
    d = detector(s)
    rule = lambda c: [a.rule for a in d.on_candle(c)]  # noqa: E731
    okx = {"exchange": "okx", "market": "futures"}
    assert rule(spike(0, 2.0, symbol="ETH-USDT-SWAP", **okx)) == ["override ETHUSDT@okx_futures"]
    assert rule(spike(0, 2.9, symbol="ETH-USDT", exchange="okx")) == []
    assert rule(spike(1, 3.0, symbol="ETH-USDT", exchange="okx")) == ["override ETHUSDT"]
    assert rule(spike(0, 3.9, symbol="ETHBTC")) == []
    assert rule(spike(1, 4.0, symbol="ETHBTC")) == ["override ETH"]

    # two spellings of one symbol: the first listed counts (a stored document keeps working)
    d = detector(
        settings(
            overrides=[
                {"symbol": "ETH-USDT-SWAP@okx_futures", "min_delta_pct": 4.0},
                {"symbol": "ethusdt@okx_futures", "min_delta_pct": 1.0},
            ]
        )
    )
    assert not d.on_candle(spike(0, 3.9, symbol="ETH-USDT-SWAP", **okx))
    assert [a.rule for a in d.on_candle(spike(1, 4.0, symbol="ETH-USDT-SWAP", **okx))] == [
        "override ETH-USDT-SWAP@okx_futures"
    ]


def test_master_switch_off_silences_the_feed() -> None:
    d = detector(settings(switches={"binance": {"futures": False}}))
    assert not d.on_candle(spike(0, market="futures"))
    assert d.on_candle(spike(0))


def test_precedence_override_then_quote_group_then_wildcard() -> None:
    s = settings(
        thresholds=[
            {"min_delta_pct": 5.0},
            {"exchange": "binance", "quote": "USDT", "min_delta_pct": 3.0, "name": "bn usdt"},
            {"quote": "USDT", "min_delta_pct": 4.0},  # less specific than binance/USDT
            {"quote": "BTC", "enabled": False},  # mutes BTC-quoted pairs
        ],
        overrides=[
            {"symbol": "ETH", "min_delta_pct": 1.0},
            {"symbol": "ETHUSDT@binance_spot", "min_delta_pct": 2.0},
            {"symbol": "DOGE", "enabled": False},
        ],
    )
    d = detector(s)
    rule = lambda c: [a.rule for a in d.on_candle(c)]  # noqa: E731
    assert rule(spike(0, 3.0)) == ["bn usdt"]
    assert rule(spike(0, 3.0, symbol="SOL-USDT", exchange="okx")) == []  # okx USDT → 4 %
    assert rule(spike(1, 4.0, symbol="SOL-USDT", exchange="okx")) == ["group */*/USDT"]
    assert rule(spike(0, 4.9, symbol="SOL_TRY", exchange="gate")) == []  # wildcard 5 %
    assert rule(spike(1, 5.0, symbol="SOL_TRY", exchange="gate")) == ["group */*/*"]
    assert rule(spike(0, 9.0, symbol="SOLBTC")) == []  # muted quote
    assert rule(spike(0, 1.5, symbol="ETHUSDT")) == []  # full-symbol override 2 % wins
    assert rule(spike(1, 2.0, symbol="ETHUSDT")) == ["override ETHUSDT@binance_spot"]
    assert rule(spike(0, 1.0, symbol="ETH-USDT", exchange="okx")) == ["override ETH"]
    assert rule(spike(0, 1.0, symbol="ETHBTC")) == ["override ETH"]  # coin beats muted quote
    assert rule(spike(0, 50.0, symbol="DOGEUSDT")) == []


# --- cooldown --------------------------------------------------------------------------------


def test_cooldown_folds_repeats_and_reports_them_next_time() -> None:
    d = detector(settings(cooldown_s=10))
    out = [
        (a.ts_ms, a.folded_count) for t in (0, 2, 4, 9, 10, 11, 25) for a in d.on_candle(spike(t))
    ]
    # 2, 4, 9 folded into the alert at 10 (10 - 0 >= 10: the boundary is >=); 11 folded; 25 sent
    assert out == [(0, 0), (10_000, 3), (25_000, 1)]


def test_cooldown_is_per_symbol_and_per_source() -> None:
    s = settings(
        cooldown_s=60,
        strategies=[
            {
                "name": "tg",
                "destinations": ["telegram"],
                "conditions": [{"type": "direction", "direction": "up"}],
            }
        ],
    )
    d = detector(s)
    out = d.on_candle(spike(0))
    assert sorted((a.rule, a.destinations) for a in out) == [
        ("group */*/*", ("browser",)),
        ("tg", ("telegram",)),
    ]
    assert len(d.on_candle(spike(0, symbol="ETHUSDT"))) == 2  # other symbol: own cooldown
    assert not d.on_candle(spike(5))


# --- strategies ------------------------------------------------------------------------------


def test_strategy_with_own_thresholds_destination_and_template() -> None:
    s = settings(
        threshold_alerts=False,
        strategies=[
            {
                "name": "Big dumps",
                "use_global_thresholds": False,
                "window_s": 3,
                "conditions": [
                    {"type": "delta", "min_pct": 4.0, "max_pct": 20.0},
                    {"type": "direction", "direction": "down"},
                    {"type": "symbols", "symbols": ["BTC", "ETHUSDT@binance_futures"]},
                    {"type": "markets", "markets": ["binance_spot", "binance_futures"]},
                    {"type": "volume", "min_usd": 10_000},
                ],
                "template": "{strategy}: {symbol} {delta_formatted} on {exchange_market}",
                "destinations": ["telegram", "webhook"],
            }
        ],
    )
    d = detector(s)
    assert not d.on_candle(candle(0, 100.0, 100.0, 97.0, 98.0))  # 3 % down < 4 %
    assert not d.on_candle(candle(50, 100.0, 106.0, 100.0, 100.0))  # up
    d = detector(s)
    d.on_candle(candle(1, 100.0, 103.0, 100.0, 100.0))
    d.on_candle(candle(2, 100.0))
    [a] = d.on_candle(candle(3, 100.0, 100.0, 95.0, 96.0))  # window [1, 3]: ref 100, low 95
    assert (a.rule, a.strategy, a.destinations, a.window_s) == (
        "Big dumps",
        "Big dumps",
        ("telegram", "webhook"),
        3,
    )
    assert a.message() == "Big dumps: BTCUSDT -5.00% on Binance Spot"
    assert not d.on_candle(
        candle(0, 100.0, 100.0, 50.0, 60.0, symbol="ETHUSDT")
    )  # spot ETH: not listed
    assert d.on_candle(candle(0, 100.0, 100.0, 95.0, 96.0, symbol="ETHUSDT", market="futures"))
    assert not d.on_candle(candle(0, 100.0, 100.0, 70.0, 96.0, symbol="BTC-USDT", exchange="okx"))
    assert not d.on_candle(candle(9, 100.0, 100.0, 70.0, 96.0))  # 30 % > max 20 %
    assert not d.on_candle(candle(20, 100.0, 100.0, 95.0, 96.0, qv=9_999.0))  # volume


def test_strategy_on_global_thresholds_adds_conditions() -> None:
    s = settings(
        threshold_alerts=False,
        thresholds=[{"min_delta_pct": 2.0, "window_s": 2}],
        strategies=[
            {
                "name": "ups",
                "conditions": [
                    {"type": "direction", "direction": "up"},
                    {"type": "wick", "min_pct": 60},
                ],
            }
        ],
    )
    d = detector(s)
    assert not d.on_candle(candle(0, 100.0, 100.0, 97.0, 97.0))  # down
    assert not d.on_candle(candle(10, 100.0, 103.0, 100.0, 103.0))  # no wick
    [a] = d.on_candle(candle(20, 100.0, 103.0, 100.0, 100.5))
    assert (a.rule, a.window_s) == ("ups", 2)


def test_series_counts_survive_a_restart() -> None:
    strat = {
        "name": "thrice",
        "destinations": ["email"],
        "conditions": [{"type": "series", "count": 3, "within_s": 600}],
    }
    s = settings(threshold_alerts=False, strategies=[strat])
    history = InMemorySpikeHistory()
    d = detector(s, history=history)
    assert not d.on_candle(spike(0))
    assert not d.on_candle(spike(100))
    # "restart": a new detector, the history reloaded from what was stored
    stored = list(history.records())
    assert len(stored) == 2
    d2 = detector(s, history=InMemorySpikeHistory.from_records(stored))
    [a] = d2.on_candle(spike(200))
    assert (a.series_count, a.strategy, a.destinations) == (3, "thrice", ("email",))
    [b] = d2.on_candle(spike(300))
    assert b.series_count == 4
    # the spike at 0 leaves the 600 s period at 600 (>= now - 600 s + 1 ms is kept)
    assert [a.series_count for a in d2.on_candle(spike(700))] == [3]  # 200, 300, 700
    # without the history the restarted detector would have started from zero
    d3 = detector(s)
    assert not d3.on_candle(spike(200))


def test_series_boundary_is_inclusive_of_k() -> None:
    strat = {"name": "two", "conditions": [{"type": "series", "count": 2, "within_s": 10}]}
    d = detector(settings(threshold_alerts=False, strategies=[strat]))
    assert not d.on_candle(spike(0))
    assert not d.on_candle(spike(10))  # 0 is 10 s ago: outside the last 10 s
    assert d.on_candle(spike(19))  # 10 and 19: two within 10 s


# --- USD conversion --------------------------------------------------------------------------


def test_btc_quoted_volume_goes_through_the_btcusdt_price() -> None:
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "min_volume_usd": 50_000}]))
    eth_spike = candle(0, 0.05, 0.052, 0.05, 0.05, symbol="ETHBTC", qv=2.0)  # 2 BTC traded
    assert not d.on_candle(eth_spike)  # BTC rate not known yet: volume unknown → no fire
    d.on_candle(candle(1, 60_000.0, symbol="BTCUSDT"))
    [a] = d.on_candle(candle(1, 0.05, 0.052, 0.05, 0.05, symbol="ETHBTC", qv=2.0))
    assert (a.quote, a.volume_usd) == ("BTC", 120_000.0)  # 2 BTC × 60,000, never volume × close
    assert not d.on_candle(candle(2, 0.05, 0.052, 0.05, 0.05, symbol="ETHBTC", qv=0.5))  # 30k


def test_the_btc_rate_comes_from_btcusdt_spot_while_it_is_fresh() -> None:
    """A thin BTC/USDC print or a futures close does not replace a fresh BTCUSDT spot rate;
    they stand in when it is stale (the rate's age limit is 600 s)."""
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "min_volume_usd": 1}]))

    def volume_at(t: int) -> float | None:
        [a] = d.on_candle(candle(t, 0.05, 0.052, 0.05, 0.05, symbol="ETHBTC", qv=1.0))
        return a.volume_usd

    d.on_candle(candle(0, 60_000.0, symbol="BTCUSDT"))
    d.on_candle(candle(1, 54_000.0, symbol="BTCUSDC"))  # an off print on a thinner book
    d.on_candle(candle(1, 57_000.0, symbol="BTCUSDT", market="futures"))
    assert volume_at(2) == 60_000.0
    d.on_candle(candle(3, 61_000.0, symbol="BTCUSDT"))  # the reference itself moves on
    assert volume_at(4) == 61_000.0
    d.on_candle(candle(700, 62_000.0, symbol="BTCUSDT", market="futures"))  # spot stale
    assert volume_at(701) == 62_000.0
    d.on_candle(candle(702, 61_500.0, symbol="BTCUSDC"))  # spot beats futures
    assert volume_at(703) == 61_500.0


def test_unknown_rate_still_fires_rules_without_min_volume() -> None:
    d = detector(settings())
    [a] = d.on_candle(candle(0, 3.0, 3.1, 3.0, 3.0, symbol="XYZ_TRY", exchange="gate"))
    assert (a.quote, a.volume_usd) == ("TRY", None)
    assert "n/a" in a.message()


def test_inverse_and_stale_rates() -> None:
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "min_volume_usd": 100}]))
    d.on_candle(candle(0, 40.0, symbol="USDTTRY"))  # 1 TRY = 0.025 USD
    [a] = d.on_candle(candle(1, 3.0, 3.1, 3.0, 3.0, symbol="XYZTRY", qv=8000.0))
    assert a.volume_usd == pytest.approx(200.0)
    assert not d.on_candle(candle(700, 3.0, 3.1, 3.0, 3.0, symbol="XYZTRY", qv=8000.0))  # stale


# --- settings changes ------------------------------------------------------------------------


def test_update_user_applies_to_the_next_candle_and_remove_user_silences() -> None:
    d = detector(settings(thresholds=[{"min_delta_pct": 5.0}]))
    assert not d.on_candle(spike(0, 3.0))
    d.update_user(1, settings(thresholds=[{"min_delta_pct": 2.0}], blacklist=["ETH"]))
    assert d.on_candle(spike(1, 3.0))
    assert not d.on_candle(spike(1, 3.0, symbol="ETHUSDT"))
    d.update_user(2, settings(thresholds=[{"min_delta_pct": 1.0}]))
    assert [a.user_id for a in d.on_candle(spike(2, 1.5))] == [2]
    d.remove_user(1)
    d.remove_user(1)  # idempotent
    assert [a.user_id for a in d.on_candle(spike(3, 3.0))] == [2]
    assert d.user_count == 1
    d.remove_user(2)
    assert d.rule_count == 0 and not d.on_candle(spike(4, 30.0))


def test_settings_change_keeps_dedup_and_cooldown_memory() -> None:
    d = detector(settings(cooldown_s=30, thresholds=[{"min_delta_pct": 2.0, "window_s": 5}]))
    assert d.on_candle(spike(0))
    d.update_user(1, settings(cooldown_s=30, thresholds=[{"min_delta_pct": 1.0, "window_s": 5}]))
    assert not d.on_candle(candle(1, 100.0))  # same spike, still in the window: not re-sent
    assert not d.on_candle(spike(10))  # cooldown still running: folded
    [a] = d.on_candle(spike(30))
    assert a.folded_count == 1


def test_renaming_a_strategy_keeps_its_cooldown() -> None:
    """The memory is keyed by the strategy's name: a rename re-sent the spike it had just
    reported and ignored its cooldown."""

    def named(*names: str) -> UserSettings:
        return settings(
            threshold_alerts=False,
            strategies=[{"name": n, "cooldown_s": 60} for n in names],
        )

    d = detector(named("Pumps", "Dumps"))
    assert sorted(a.strategy or "" for a in d.on_candle(spike(0))) == ["Dumps", "Pumps"]
    d.update_user(1, named("Памп", "Dumps"))
    assert not d.on_candle(spike(10))  # cooldown of the renamed strategy still running
    [a, b] = d.on_candle(spike(60))
    assert {(a.strategy, a.folded_count), (b.strategy, b.folded_count)} == {
        ("Памп", 1),
        ("Dumps", 1),
    }
    # a strategy that is new (not a rename: the old name stays) has no cooldown yet
    d.update_user(1, named("Памп", "Dumps", "Pumps"))
    assert [a.strategy for a in d.on_candle(spike(70))] == ["Pumps"]


def test_disabled_user_and_disabled_strategy() -> None:
    d = detector(
        settings(enabled=False),
        settings(strategies=[{"name": "off", "enabled": False}], threshold_alerts=False),
    )
    assert not d.on_candle(spike(0, 50.0))


def test_compile_files_rules_under_the_right_keys() -> None:
    from wickwatch.detection.rules import UserState

    s = settings(
        switches={"hyperliquid": {"spot": False, "futures": False}},
        overrides=[{"symbol": "ETH", "min_delta_pct": 1.0}],
    )
    keys = sorted({k for k, _ in compile_user(UserState(1, s), s)})
    assert "binance_spot|q:*" in keys and "binance_spot|b:ETH" in keys
    assert not any(k.startswith("hyperliquid") for k in keys)
    assert len(keys) == 2 * 10


# --- bounds and exactness of the fast paths --------------------------------------------------


def test_slow_ramp_over_a_full_minute_is_caught_by_a_60s_window() -> None:
    """Each 10 s block moves little; only the 60 s window sees 2 %: the bound that lets calm
    candles skip the windows must cover the whole minute."""
    d = detector(settings(thresholds=[{"min_delta_pct": 2.0, "window_s": 60}]))
    out = []
    for t in range(60):  # seconds 1006..1065: the window's first second is 6 blocks back
        p = 100.0 + t * 2.0 / 59
        out += d.on_candle(candle(1006 + t, p))
    assert [(a.ts_ms, a.window_s, round(a.delta_pct, 9)) for a in out] == [(1_065_000, 60, 2.0)]


def test_volume_decisions_use_the_exactly_rounded_sum() -> None:
    """A plain float sum of these three volumes is 1.5e-8 short of the true 107,433,781.68: the
    threshold at exactly the true value is met (and the alert carries the exact sum)."""
    [a] = _three_second_window([30927248.42, 39650074.25, 36856459.01], 107433781.68)
    assert a.volume_usd == 107433781.68


def test_a_volume_of_exactly_the_threshold_in_decimal_meets_it_at_any_size() -> None:
    """11,633,963.37 + 38,060,498.55 + 305,538.08 is 50,000,000.00; in doubles, even exactly
    rounded, 49,999,999.99999999 — 7.5e-9 short, more than an absolute 1e-9 covers."""
    volumes = [11633963.37, 38060498.55, 305538.08]
    [a] = _three_second_window(volumes, 50_000_000)
    assert a.volume_usd == pytest.approx(50_000_000, rel=1e-15)
    # a cent short is short
    assert not _three_second_window([volumes[0] - 0.01, *volumes[1:]], 50_000_000)


def _three_second_window(volumes: list[float], min_volume_usd: float) -> list[AlertDraft]:
    """Three candles with these quote volumes, the last one a 2 % wick, under one 3 s rule of
    a 2 % move and ``min_volume_usd``: what the window closing with the third one fires."""
    d = detector(
        settings(
            thresholds=[{"min_delta_pct": 2.0, "window_s": 3, "min_volume_usd": min_volume_usd}]
        )
    )
    d.on_candle(candle(0, 100.0, qv=volumes[0]))
    d.on_candle(candle(1, 100.0, qv=volumes[1]))
    return list(d.on_candle(candle(2, 100.0, 102.0, 100.0, 100.0, qv=volumes[2])))


def test_settings_changes_reach_symbols_already_routed() -> None:
    """Routes are cached per symbol and shared: a change that lowers a threshold below everyone
    else's, adds a window size or a coin override must reach symbols that already had candles;
    a removal must not make anything fire."""
    d = detector(
        settings(thresholds=[{"min_delta_pct": 5.0}]), settings(thresholds=[{"min_delta_pct": 4.0}])
    )
    assert not d.on_candles([spike(0, 3.0), spike(0, 3.0, symbol="ETHUSDT")])
    d.update_user(2, settings(thresholds=[{"min_delta_pct": 2.0}]))  # below user 1's 5 %
    assert [a.user_id for a in d.on_candle(spike(1, 3.0))] == [2]
    d.update_user(2, settings(thresholds=[{"min_delta_pct": 9.0, "window_s": 7}]))  # new size
    d.on_candles(flat(2, 8))
    assert [a.user_id for a in d.on_candle(candle(8, 100.0, 107.0, 100.0, 100.0))] == [1]
    drafts = d.on_candle(candle(9, 100.0, 110.0, 100.0, 100.0))
    assert sorted((a.user_id, a.window_s) for a in drafts) == [(1, 1), (2, 7)]
    d.update_user(
        1,
        settings(
            thresholds=[{"min_delta_pct": 5.0}], overrides=[{"symbol": "ETH", "min_delta_pct": 1.0}]
        ),
    )
    assert [a.rule for a in d.on_candle(spike(10, 1.5, symbol="ETHUSDT"))] == ["override ETH"]
    d.remove_user(1)
    assert not d.on_candle(spike(11, 3.0, symbol="ETHUSDT"))


def test_after_a_crowded_spike_a_bigger_move_still_reaches_higher_thresholds() -> None:
    """40 users: 20 at 2 %, 20 at 4 %, all 10 s windows. A 3 % spike fires the first 20; while
    it is still in their windows the move grows to 5 %: the 4 % users fire then, and the 2 %
    users are not re-sent."""
    d = Detector()
    for uid in range(40):
        d.update_user(
            uid, settings(thresholds=[{"min_delta_pct": 2.0 if uid < 20 else 4.0, "window_s": 10}])
        )
    d.on_candles(flat(0, 10))
    first = d.on_candle(candle(10, 100.0, 103.0, 100.0, 100.0))
    assert sorted(a.user_id for a in first) == list(range(20))
    assert not d.on_candle(candle(11, 100.0))
    second = d.on_candle(candle(12, 100.0, 105.0, 100.0, 100.0))
    assert sorted(a.user_id for a in second) == list(range(20, 40))
    assert not d.on_candles(flat(13, 20))
    third = d.on_candle(candle(20, 100.0, 103.0, 100.0, 100.0))  # window [11, 20]: new for 0-19
    assert sorted(a.user_id for a in third) == list(range(20))


def test_a_crowded_spike_leaves_no_memory_for_the_garbage_collector_to_scan() -> None:
    """Each user a spike fires gets a de-duplication and cooldown entry for the symbol (kept
    for minutes); thousands of them at once must not feed the cyclic garbage collector, whose
    full collections pause the event loop in proportion to what it tracks."""
    d = Detector()
    d.load_users((uid, settings(thresholds=[{"min_delta_pct": 2.0}])) for uid in range(300))
    d.on_candles(flat(0, 10) + flat(0, 10, symbol="ETHUSDT"))
    assert len(d.on_candle(spike(10))) == 300  # (each user's memory dict now holds a symbol)
    gc.collect()
    tracked = len(gc.get_objects())
    drafts = d.on_candle(spike(10, symbol="ETHUSDT"))
    assert len(drafts) == 300
    memos = [m for uid in range(300) for mem in d._users[uid].memory.values() for m in mem.values()]
    assert len(memos) == 600 and not any(gc.is_tracked(m) for m in memos)
    del drafts, memos
    gc.collect()
    assert len(gc.get_objects()) - tracked < 30  # not one tracked object per user


def test_after_a_crowded_spike_a_user_who_drops_a_blacklist_is_alerted_in_the_same_spike() -> None:
    """40 users at 2 % over 10 s, the last 20 blacklisting BTC. After the spike the detector
    stops looking at the blacklisted rules for this symbol; one of those users then removes the
    blacklist while the spike is still in the window: their next window fires, nobody else's."""
    d = Detector()
    for uid in range(40):
        d.update_user(
            uid,
            settings(
                thresholds=[{"min_delta_pct": 2.0, "window_s": 10}],
                blacklist=["BTC"] if uid >= 20 else [],
            ),
        )
    d.on_candles(flat(0, 10))
    assert sorted(a.user_id for a in d.on_candle(spike(10))) == list(range(20))
    assert not d.on_candle(candle(11, 100.0))
    d.update_user(25, settings(thresholds=[{"min_delta_pct": 2.0, "window_s": 10}]))
    assert [a.user_id for a in d.on_candle(candle(12, 100.0))] == [25]
    assert not d.on_candle(candle(13, 100.0))


def test_down_only_rules_wait_out_an_up_spike_and_fire_on_the_dump_in_its_window() -> None:
    """Users with a down-only strategy share the window with users of either direction: an up
    spike fires only the latter; when the price then dumps below the window's open, the
    down-only users fire and the others are not re-sent (the same window still holds the
    spike they were told about)."""
    down_only = {
        "name": "dumps",
        "use_global_thresholds": False,
        "window_s": 10,
        "conditions": [
            {"type": "delta", "min_pct": 2.0},
            {"type": "direction", "direction": "down"},
        ],
    }
    d = Detector()
    for uid in range(40):
        if uid < 20:
            d.update_user(uid, settings(thresholds=[{"min_delta_pct": 2.0, "window_s": 10}]))
        else:
            d.update_user(uid, settings(threshold_alerts=False, strategies=[down_only]))
    d.on_candles(flat(0, 10))
    up = d.on_candle(spike(10))
    assert sorted(a.user_id for a in up) == list(range(20))
    assert {a.direction for a in up} == {"up"}
    assert not d.on_candle(candle(11, 100.0))
    # window [3, 12]: ref 100, high 103, low 95.5 — down is the larger move
    dump = d.on_candle(candle(12, 100.0, 100.0, 95.5, 96.0))
    assert sorted(a.user_id for a in dump) == list(range(20, 40))
    assert {(a.direction, a.rule) for a in dump} == {("down", "dumps")}


def test_a_recovered_symbols_late_seconds_do_not_resend_its_spike() -> None:
    """A symbol whose connection stalled is held while its trades are backfilled
    (CandleBuilder.hold): its seconds close after the rest of the venue has moved on — after a
    silence timeout (50 s), reconnect back-off and the backfill wait, well over a minute late.
    The memory prune assumed no candle comes more than 60 s late, forgot the symbol's
    de-duplication and cooldown memory, and the spike reported just before the stall was sent
    a second time by the first recovered window that still held it."""
    d = Detector()
    d.update_user(
        1,
        UserSettings.model_validate(
            {"cooldown_s": 60, "thresholds": [{"min_delta_pct": 2.0, "window_s": 60}]}
        ),
    )
    for c in flat(0, 10, symbol="SOLUSDT"):
        d.on_candle(c)
    [first] = d.on_candle(candle(10, 100.0, 103.0, 100.0, 100.0, symbol="SOLUSDT"))
    assert first.ts_ms == 10_000
    # the rest of the venue goes on for two minutes while SOLUSDT is held (stall + recovery)
    for t in range(11, 140):
        assert not d.on_candle(candle(t, 50.0, symbol="ETHUSDT"))
    # then SOLUSDT's backfilled seconds close, in order, flat: the window of 60 s closing at
    # 11 still holds second 10 — the spike already reported (and inside its 60 s cooldown)
    again = d.on_candle(candle(11, 100.0, symbol="SOLUSDT"))
    assert again == []


def test_a_held_symbol_released_minutes_later_does_not_resend_its_spike() -> None:
    """The same through the candle builder's hold and release, as a collector does it."""
    b = CandleBuilder()
    d = Detector()
    d.update_user(
        1,
        UserSettings.model_validate(
            {"cooldown_s": 60, "thresholds": [{"min_delta_pct": 2.0, "window_s": 60}]}
        ),
    )
    sent: list[AlertDraft] = []

    def trade(sym: str, ts: int, price: float, recv: int | None = None) -> None:
        b.add(Trade("binance", "spot", sym, price, 1.0, price, "buy", ts,
                    ts if recv is None else recv, str(ts)))  # fmt: skip

    def tick(now: int) -> None:
        sent.extend(d.on_candles(b.close_due(now)))

    for t in range(0, 10):
        trade("SOLUSDT", t * 1000 + 100, 100.0)
        trade("ETHUSDT", t * 1000 + 100, 50.0)
        tick(t * 1000 + 500)
    trade("SOLUSDT", 10_100, 100.0)
    trade("SOLUSDT", 10_200, 103.0)  # the spike
    trade("SOLUSDT", 10_300, 100.0)
    tick(11_500)
    assert [a.ts_ms for a in sent] == [10_000]
    # SOLUSDT's connection is found stalled; it is held from after its last trade
    b.hold("binance", "spot", "SOLUSDT", 10_300)
    for t in range(11, 140):
        trade("ETHUSDT", t * 1000 + 100, 50.0)
        tick(t * 1000 + 1_400)
    # the backfill brings SOLUSDT's quiet seconds back; the hold is released
    for t in range(11, 20):
        trade("SOLUSDT", t * 1000 + 100, 100.0, recv=140_000)
    b.release("binance", "spot", "SOLUSDT")
    tick(140_500)
    assert [a.ts_ms for a in sent] == [10_000]  # the spike at 10 once
