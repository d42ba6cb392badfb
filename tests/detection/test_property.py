"""Property: on random trade tapes and random settings, the streaming detector emits exactly the
alerts of the brute-force reference (tests/detection/reference.py)."""

from __future__ import annotations

import random
from itertools import pairwise
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.detection.reference import Reference, TapeTrade, build_candles, draft_tuple
from wickwatch.detection import Detector, UserSettings
from wickwatch.detection import detector as detector_module
from wickwatch.detection.symbols import SymbolResolver
from wickwatch.market.types import Candle

SYMBOLS = [
    ("binance", "spot", "BTCUSDT", 100.0),
    ("binance", "spot", "ETHBTC", 0.05),
    ("binance", "futures", "ETHUSDT", 10.0),
    ("okx", "spot", "SOL-USDT", 1.0),
    ("gate", "spot", "XYZ_TRY", 3.0),
    ("binance", "futures", "1000XYZUSDT", 0.2),
]
MOVES = [-7.0, -4.0, -2.5, -2.0, -1.0, -0.5, -0.1, 0.0, 0.0, 0.0, 0.1, 0.5, 1.0, 2.0, 2.5, 4.0, 7.0]

trade_st = st.tuples(
    st.integers(0, len(SYMBOLS) - 1),
    st.integers(0, 12_000),
    st.sampled_from(MOVES) | st.floats(-3.0, 3.0, allow_nan=False),
    st.sampled_from([0.5, 1.0, 3.0, 10.0, 200.0]),
)

symbol_refs = st.sampled_from(
    [
        "BTC",
        "ETH",
        "SOL",
        "XYZ",
        "ETHBTC@binance_spot",
        "ETHUSDT@binance_futures",
        "SOL-USDT@okx_spot",
        # other spellings: a pair on every venue, another venue's spelling, a multiplier
        "BTCUSDT",
        "XYZUSDT",
        "SOLUSDT@okx_spot",
        "ETH-USDT@binance_futures",
        "XYZUSDT@binance_futures",
        "1000XYZ",
    ]
)
exchanges = st.sampled_from(["*", "binance", "okx", "gate"])
markets = st.sampled_from(["*", "spot", "futures"])
quotes = st.sampled_from(["*", "USDT", "BTC", "TRY"])
deltas = st.sampled_from([0.5, 1.0, 2.0, 2.5, 4.0])
volumes = st.sampled_from([0.0, 0.0, 50.0, 300.0, 3000.0])
wicks = st.sampled_from([0.0, 0.0, 20.0, 50.0])
windows = st.sampled_from([1, 1, 2, 3, 5, 10, 11, 15, 30, 60])


@st.composite
def thresholds(draw):
    return {
        "min_delta_pct": draw(deltas),
        "min_volume_usd": draw(volumes),
        "min_wick_pct": draw(wicks),
        "window_s": draw(windows),
        "chart": draw(st.booleans()),
    }


@st.composite
def groups(draw):
    n = draw(st.integers(0, 3) | st.integers(1, 3))
    out, seen = [], set()
    for i in range(n):
        key = (
            ("*", "*", "*")
            if i == 0 and draw(st.booleans())
            else (draw(exchanges), draw(markets), draw(quotes))
        )
        if key in seen:
            continue
        seen.add(key)
        g = {"exchange": key[0], "market": key[1], "quote": key[2], **draw(thresholds())}
        g["enabled"] = draw(st.sampled_from([True, True, True, False]))
        out.append(g)
    return out


@st.composite
def conditions(draw):
    kinds = draw(
        st.lists(
            st.sampled_from(
                ["delta", "volume", "wick", "direction", "symbols", "markets", "series"]
            ),
            max_size=4,
        )
    )
    out = []
    for kind in kinds:
        if kind == "delta":
            lo = draw(st.sampled_from([None, 0.5, 1.0, 3.0]))
            hi = draw(st.sampled_from([None, 2.0, 5.0, 100.0]))
            if lo is None and hi is None:
                lo = 1.0
            if lo is not None and hi is not None and lo > hi:
                lo, hi = hi, lo
            out.append({"type": "delta", "min_pct": lo, "max_pct": hi})
        elif kind == "volume":
            out.append({"type": "volume", "min_usd": draw(volumes)})
        elif kind == "wick":
            out.append({"type": "wick", "min_pct": draw(wicks)})
        elif kind == "direction":
            out.append({"type": "direction", "direction": draw(st.sampled_from(["up", "down"]))})
        elif kind == "symbols":
            out.append(
                {"type": "symbols", "symbols": draw(st.lists(symbol_refs, min_size=1, max_size=3))}
            )
        elif kind == "markets":
            ms = ["binance_spot", "binance_futures", "okx_spot", "gate_spot", "bybit_spot"]
            out.append(
                {
                    "type": "markets",
                    "markets": draw(st.lists(st.sampled_from(ms), min_size=1, max_size=3)),
                }
            )
        else:
            out.append(
                {
                    "type": "series",
                    "count": draw(st.integers(1, 3)),
                    "within_s": draw(st.sampled_from([3, 10, 30])),
                }
            )
    return out


@st.composite
def strategies_(draw):
    out = []
    for i in range(draw(st.integers(0, 2))):
        own = draw(st.booleans())
        conds = draw(conditions())
        if own:
            conds.append({"type": "delta", "min_pct": draw(deltas)})
        out.append(
            {
                "name": f"s{i}",
                "enabled": draw(st.sampled_from([True, True, False])),
                "use_global_thresholds": not own,
                "window_s": draw(windows),
                "conditions": conds,
                "destinations": draw(
                    st.lists(
                        st.sampled_from(["telegram", "email", "webhook"]),
                        min_size=1,
                        max_size=2,
                        unique=True,
                    )
                ),
                "cooldown_s": draw(st.sampled_from([None, 0, 3])),
                "chart": draw(st.booleans()),
            }
        )
    return out


@st.composite
def user_settings(draw):
    overrides, seen = [], set()
    for ref in draw(st.lists(symbol_refs, max_size=2)):
        if ref not in seen:  # (two spellings of one symbol may be: the first counts)
            seen.add(ref)
            overrides.append(
                {
                    "symbol": ref,
                    "enabled": draw(st.sampled_from([True, True, False])),
                    **draw(thresholds()),
                }
            )
    doc = {
        "enabled": draw(st.sampled_from([True, True, True, False])),
        "switches": {
            "binance": {"spot": draw(st.sampled_from([True, True, False])), "futures": True},
            "okx": {"spot": draw(st.sampled_from([True, True, False])), "futures": True},
        },
        "thresholds": draw(groups()),
        "overrides": overrides,
        "threshold_alerts": draw(st.sampled_from([True, True, False])),
        "blacklist": draw(st.lists(symbol_refs, max_size=1)),
        "whitelist": draw(
            st.sampled_from([None, None, ["BTC", "ETH"], ["SOL-USDT@okx_spot", "XYZ"]])
        ),
        "cooldown_s": draw(st.sampled_from([0, 0, 1, 2, 5, 60])),
        "strategies": draw(strategies_()),
    }
    return UserSettings.model_validate(doc)


@st.composite
def scenario(draw):
    # Bulk of the tape from a seeded generator (dense enough for spikes, windows and folding),
    # plus a few hypothesis-drawn trades that shrink well.
    rnd = random.Random(draw(st.integers(0, 2**32)))
    n_symbols = draw(st.integers(2, len(SYMBOLS)))
    span_ms = draw(st.sampled_from([12_000, 12_000, 75_000, 150_000]))
    n_trades = draw(st.integers(80, 400)) * span_ms // 12_000
    if draw(st.booleans()):
        # price levels jumping around the base price: many windows match
        raw = [
            (rnd.randrange(n_symbols), rnd.randrange(span_ms), rnd.choice(MOVES),
             rnd.choice([0.5, 3.0, 200.0]))
            for _ in range(n_trades)
        ]  # fmt: skip
    else:
        # calm random walks with rare jumps: the delta bounds decide most candles
        level = [0.0] * n_symbols
        raw = []
        for ts in sorted(rnd.randrange(span_ms) for _ in range(n_trades)):
            i = rnd.randrange(n_symbols)
            level[i] += rnd.gauss(0, 0.15) + (rnd.choice([-3.0, 3.0]) if rnd.random() < 0.01 else 0)
            raw.append((i, ts, level[i], rnd.choice([0.5, 3.0, 200.0])))
    raw += draw(st.lists(trade_st, max_size=20))
    trades = []
    for sym_i, ts, move, qty in raw:
        exchange, market, symbol, base_price = SYMBOLS[sym_i]
        trades.append(TapeTrade(exchange, market, symbol, ts, base_price * (1 + move / 100), qty))
    incomplete = draw(
        st.lists(
            st.tuples(
                st.sampled_from([s[2] for s in SYMBOLS]), st.integers(0, 12).map(lambda s: s * 1000)
            ),
            max_size=3,
        )
    )
    users = draw(st.lists(user_settings(), min_size=1, max_size=3))
    # settings events: (candle index, user index, new settings or None = remove)
    events = draw(
        st.lists(
            st.tuples(
                st.integers(0, 60), st.integers(0, len(users) - 1), st.none() | user_settings()
            ),
            max_size=2,
        )
    )
    return trades, incomplete, users, events


@given(scenario())
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_streaming_detector_equals_brute_force(sc) -> None:
    trades, incomplete, users, events = sc
    candles = build_candles(trades, incomplete)
    resolver = SymbolResolver()
    detector = Detector(resolver=resolver)
    ref = Reference(resolver.resolve)
    for uid, s in enumerate(users, start=1):
        detector.update_user(uid, s)
        ref.set_user(uid, s)
    got = []
    for i, c in enumerate(candles):
        for at, who, new in events:
            if at == i:
                if new is None:
                    detector.remove_user(who + 1)
                    ref.remove_user(who + 1)
                else:
                    detector.update_user(who + 1, new)
                    ref.set_user(who + 1, new)
        got.extend(draft_tuple(d) for d in detector.on_candle(c))
        ref.feed(c)
    event(f"alerts: {min(len(ref.alerts), 10) // 3 * 3}+")
    event(f"folded: {any(a[15] for a in ref.alerts)}")
    event(f"strategies fired: {any(a[12] for a in ref.alerts)}")
    event(f"series>1: {any(a[14] > 1 for a in ref.alerts)}")
    assert sorted(got, key=repr) == sorted(ref.alerts, key=repr)


@given(
    scenario(),
    st.lists(st.integers(1, 40), min_size=1, max_size=60),
    st.sampled_from([0, detector_module._SMALL_BATCH]),
)
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_batches_give_the_alerts_of_one_candle_at_a_time(sc, sizes, small) -> None:
    """``on_candles`` (the batch screened by array operations, its candidates walked after)
    on batches of random sizes — several seconds of a symbol in one batch, quote rates
    changing inside a batch — emits exactly the reference's alerts, batch by batch; with
    ``small`` 0 every batch, even of one candle, takes the array path."""
    with patch.object(detector_module, "_SMALL_BATCH", small):
        _batches_equal_brute_force(sc, sizes)


def _batches_equal_brute_force(sc, sizes) -> None:
    trades, incomplete, users, events = sc
    candles = build_candles(trades, incomplete)
    resolver = SymbolResolver()
    detector = Detector(resolver=resolver)
    ref = Reference(resolver.resolve)
    for uid, s in enumerate(users, start=1):
        detector.update_user(uid, s)
        ref.set_user(uid, s)
    cuts = {0, len(candles)} | {at for at, _, _ in events if at < len(candles)}
    at = 0
    for size in sizes * (len(candles) // max(1, sum(sizes)) + 1):
        at += size
        if at >= len(candles):
            break
        cuts.add(at)
    bounds = sorted(cuts)
    got = []
    for lo, hi in pairwise(bounds):
        for at_, who, new in events:
            if at_ == lo:
                if new is None:
                    detector.remove_user(who + 1)
                    ref.remove_user(who + 1)
                else:
                    detector.update_user(who + 1, new)
                    ref.set_user(who + 1, new)
        batch = candles[lo:hi]
        before = len(got)
        got.extend(draft_tuple(d) for d in detector.on_candles(batch))
        for c in batch:
            ref.feed(c)
        assert sorted(got[before:], key=repr) == sorted(ref.alerts[before:], key=repr)
    assert sorted(got, key=repr) == sorted(ref.alerts, key=repr)


def test_reference_and_detector_agree_on_a_busy_tape() -> None:
    """Deterministic sanity check that the property is not vacuous (alerts do happen)."""
    rnd = random.Random(7)
    trades = []
    for sym_i, (exchange, market, symbol, base_price) in enumerate(SYMBOLS):
        price = base_price
        for ms in range(0, 120_000, 150 + 40 * sym_i):
            price *= 1 + rnd.choice([0, 0, 0, 0.001, -0.001, 0.02, -0.02, 0.005, -0.005])
            trades.append(
                TapeTrade(
                    exchange,
                    market,
                    symbol,
                    ms + rnd.randrange(100),
                    price,
                    rnd.choice([1.0, 5.0, 50.0]),
                )
            )
    candles = build_candles(trades)
    users = [
        UserSettings(
            cooldown_s=0, thresholds=[{"min_delta_pct": 2.0, "window_s": 3, "min_volume_usd": 10}]
        ),
        UserSettings(
            cooldown_s=5,
            thresholds=[{"min_delta_pct": 1.0, "window_s": 1, "min_wick_pct": 20}],
            strategies=[
                {
                    "name": "series",
                    "use_global_thresholds": True,
                    "destinations": ["telegram"],
                    "conditions": [{"type": "series", "count": 2, "within_s": 30}],
                }
            ],
        ),
    ]
    resolver = SymbolResolver()
    detector = Detector(resolver=resolver)
    ref = Reference(resolver.resolve)
    for uid, s in enumerate(users, start=1):
        detector.update_user(uid, s)
        ref.set_user(uid, s)
    got = []
    for c in candles:
        got.extend(draft_tuple(d) for d in detector.on_candle(c))
        ref.feed(c)
    assert len(ref.alerts) > 20
    assert {a[12] for a in ref.alerts} == {None, "series"}
    assert any(a[15] > 0 for a in ref.alerts)  # folded counts happen
    assert sorted(got, key=repr) == sorted(ref.alerts, key=repr)


@st.composite
def crowd(draw):
    """Many users sharing a few threshold choices (so classes have many candidates)."""
    base = draw(st.lists(user_settings(), min_size=1, max_size=4))
    n = draw(st.integers(20, 60))
    users = []
    for i in range(n):
        s = base[i % len(base)]
        doc = s.model_dump()
        doc["thresholds"] = [
            {
                "min_delta_pct": draw(st.sampled_from([1.0, 2.0])),
                "window_s": draw(st.sampled_from([1, 5, 10])),
                "min_volume_usd": draw(st.sampled_from([0.0, 0.0, 3000.0])),
                "min_wick_pct": draw(wicks),
            }
        ]
        doc["enabled"] = True
        users.append(UserSettings.model_validate(doc))
    return users


@given(scenario(), crowd())
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_crowded_classes_equal_brute_force(sc, users) -> None:
    """Dozens of users in the same tiers: exercises the post-spike skip of rules that fired."""
    trades, incomplete, _users, events = sc
    candles = build_candles(trades, incomplete)
    resolver = SymbolResolver()
    detector = Detector(resolver=resolver)
    ref = Reference(resolver.resolve)
    detector.load_users(enumerate(users, start=1))  # bulk loading, as at start-up
    for uid, s in enumerate(users, start=1):
        ref.set_user(uid, s)
    got = []
    for i, c in enumerate(candles):
        for at, who, new in events:
            if at == i:
                if new is None:
                    detector.remove_user(who + 1)
                    ref.remove_user(who + 1)
                else:
                    detector.update_user(who + 1, new)
                    ref.set_user(who + 1, new)
        got.extend(draft_tuple(d) for d in detector.on_candle(c))
        ref.feed(c)
    event(f"alerts: {min(len(ref.alerts), 100) // 25 * 25}+")
    assert sorted(got, key=repr) == sorted(ref.alerts, key=repr)


@pytest.mark.parametrize("batch", [1, 500])
def test_candles_closer_than_a_second_keep_their_whole_windows(batch: int) -> None:
    """The per-symbol ring holds 64 candles at first, a minute of 1-second candles: candles
    200 ms apart (not what the builder makes, but accepted) grow it instead of pushing out
    candles their 60-second windows still hold."""
    rnd = random.Random(3)
    candles = []
    price = 100.0
    for i in range(1_500):
        o = price
        price *= 1 + rnd.choice([0.0, 0.002, -0.002, 0.01, -0.01])
        candles.append(
            Candle("binance", "spot", "BTCUSDT", i * 200, o, max(o, price), min(o, price),
                   price, 1.0, price, 1, 0.0)
        )  # fmt: skip
    users = [
        UserSettings(cooldown_s=0, thresholds=[{"min_delta_pct": 3.0, "window_s": 60}]),
        UserSettings(cooldown_s=0, thresholds=[{"min_delta_pct": 1.5, "window_s": 7}]),
    ]
    resolver = SymbolResolver()
    detector = Detector(resolver=resolver)
    ref = Reference(resolver.resolve)
    for uid, s in enumerate(users, start=1):
        detector.update_user(uid, s)
        ref.set_user(uid, s)
    got = []
    for lo in range(0, len(candles), batch):
        got.extend(draft_tuple(d) for d in detector.on_candles(candles[lo : lo + batch]))
    for c in candles:
        ref.feed(c)
    assert len(ref.alerts) > 5
    assert sorted(got, key=repr) == sorted(ref.alerts, key=repr)
    # the detector's ring, as the collector reads it for alert charts
    recent = detector.recent_candles("binance", "spot", "BTCUSDT")
    assert recent == candles[-len(recent) :] and len(recent) >= 300
    assert detector.recent_candles("binance", "spot", "ETHUSDT") == []
