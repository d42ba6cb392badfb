"""CandleBuilder / MinuteAggregator / exact_sum: brute-force references, timer, clock, gaps."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wickwatch.market.candles import _U as BUILDER_U
from wickwatch.market.candles import (
    CandleBuilder,
    Gap,
    MinuteAggregator,
    exact_sum,
    exact_sum_hinted,
    monotonic_epoch_ms,
)
from wickwatch.market.types import BUY, SELL, Candle, Trade

T0 = 1_723_161_256_000  # a whole second, exchange time
U = 2.0**-53


def trade(
    ts: int,
    price: str = "100.5",
    qty: str = "1",
    *,
    symbol: str = "BTCUSDT",
    side: str = BUY,
    recv: int | None = None,
    exchange: str = "binance",
    market: str = "futures",
    tid: str = "",
) -> Trade:
    p, q = float(price), float(qty)
    return Trade(exchange, market, symbol, p, q, p * q, side, ts, ts if recv is None else recv, tid)


# ------------------------------------------------------------------------------ brute force


@dataclass
class Ref:
    """Plain reference of one candle: Decimal sums over the exchange's decimal text."""

    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote: Decimal
    buy: Decimal
    trades: int


def dec(x: float) -> Decimal:
    return Decimal(repr(x))


def reference(trades: Iterable[Trade]) -> dict[tuple[str, str, str, int], Ref]:
    groups: dict[tuple[str, str, str, int], list[Trade]] = defaultdict(list)
    for t in trades:
        groups[(t.exchange, t.market, t.symbol, t.ts_ms // 1000 * 1000)].append(t)
    out = {}
    for key, ts in groups.items():
        first = min(ts, key=lambda t: t.ts_ms)  # min/max keep the first of equal keys...
        last = max(reversed(ts), key=lambda t: t.ts_ms)  # ...so reversed: the last arrival
        out[key] = Ref(
            dec(first.price),
            max(dec(t.price) for t in ts),
            min(dec(t.price) for t in ts),
            dec(last.price),
            sum((dec(t.qty) for t in ts), Decimal(0)),
            sum((dec(t.price) * dec(t.qty) for t in ts), Decimal(0)),
            sum((dec(t.qty) for t in ts if t.side == BUY), Decimal(0)),
            len(ts),
        )
    return out


def exact_expected(value: Decimal, terms: int) -> bool:
    """Does the documented guarantee of exact_sum cover this true sum?"""
    if value == 0:
        return True
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    bound = (terms + 3) * float(value) * U * 1.01
    return 10.0**exponent > 2 * bound


def assert_sum(got: float, want: Decimal, terms: int) -> None:
    if exact_expected(want, terms):
        assert dec(got) == want.normalize() or Decimal(got) == want, (got, want)
    else:
        assert got == pytest.approx(float(want), rel=1e-12)


def assert_candle(c: Candle, ref: Ref) -> None:
    assert (dec(c.open), dec(c.high), dec(c.low), dec(c.close)) == (
        ref.open,
        ref.high,
        ref.low,
        ref.close,
    )
    assert c.trades == ref.trades
    assert_sum(c.volume, ref.volume, ref.trades)
    assert_sum(c.quote_volume, ref.quote, ref.trades)
    assert_sum(c.taker_buy_volume, ref.buy, ref.trades)


def key(c: Candle) -> tuple[str, str, str, int]:
    return (c.exchange, c.market, c.symbol, c.ts_ms)


# ------------------------------------------------------------------------------ properties

Spec = tuple[
    tuple[str, str], str, int, str, str, str
]  #: venue, symbol, ms after T0, price, qty, side

prices = st.integers(1, 10_000_000).map(lambda k: str(Decimal(k).scaleb(-2)))
quantities = st.tuples(st.integers(1, 10_000), st.integers(0, 8)).map(
    lambda md: str(Decimal(md[0]).scaleb(-md[1]))
)
trade_specs = st.tuples(
    st.sampled_from([("binance", "futures"), ("binance", "spot"), ("okx", "spot")]),
    st.sampled_from(["BTCUSDT", "ETHUSDT", "PEPEUSDT"]),
    st.integers(0, 6_000),  # ms after T0
    prices,
    quantities,
    st.sampled_from([BUY, SELL]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(trade_specs, max_size=120))
def test_flush_equals_brute_force(specs: list[Spec]) -> None:
    trades = [
        trade(T0 + dt, p, q, symbol=sym, side=side, exchange=ex, market=mk)
        for (ex, mk), sym, dt, p, q, side in specs
    ]
    b = CandleBuilder()
    half = len(trades) // 2
    for t in trades[:half]:
        b.add(t)
    for t in trades[half:]:
        b.add_frame([t])
    candles = b.flush()
    ref = reference(trades)
    assert sorted(map(key, candles)) == sorted(ref)
    for c in candles:
        assert_candle(c, ref[key(c)])
        assert c.complete
    assert b.late_total == 0
    assert b.open_candles == 0


@dataclass
class Tick:
    advance_ms: int


@dataclass
class Arrival:
    spec: Spec
    jitter_ms: int  #: exchange time minus true local time of arrival


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.builds(Tick, st.integers(0, 900)),
            st.builds(Arrival, trade_specs, st.integers(-2500, 300)),
        ),
        min_size=10,
        max_size=200,
    ),
    st.integers(-5_000, 5_000),
)
def test_timer_closing_never_duplicates_and_matches_reference(
    events: list[Tick | Arrival], skew: int
) -> None:
    """Interleaved timer ticks and trades (recv = local clock, skewed; exchange time jittered
    around it). Every candle equals the reference over the trades of its key fed before it
    closed; later trades of a closed second are counted late; nothing is lost or doubled."""
    fed: list[Trade] = []
    closed_at: dict[tuple[str, str, str, int], int] = {}
    emitted: list[Candle] = []

    def on_candle(c: Candle) -> None:
        assert key(c) not in closed_at, "two candles for one second"
        closed_at[key(c)] = len(fed)
        emitted.append(c)

    b = CandleBuilder(grace_ms=250, on_candle=on_candle)
    local = T0 + skew
    late_expected = 0
    for ev in events:
        if isinstance(ev, Tick):
            local += ev.advance_ms
            b.close_due(local)
            continue
        (ex, mk), sym, _dt, p, q, side = ev.spec
        ts = local - skew + ev.jitter_ms
        t = trade(ts, p, q, symbol=sym, side=side, exchange=ex, market=mk, recv=local)
        k = (ex, mk, sym, t.ts_ms // 1000 * 1000)
        if k in closed_at or (b.closed_before(ex, mk) or 0) > k[3]:
            late_expected += 1
        else:
            fed.append(t)
        b.add(t)
    b.flush()
    assert b.late_total == late_expected
    assert sum(c.trades for c in emitted) + b.late_total == len(fed) + late_expected
    for c in emitted:
        ref = reference(t for t in fed[: closed_at[key(c)]] if key_of(t) == key(c))
        assert_candle(c, ref[key(c)])
    assert sum(b.late_counts().values()) == b.late_total


def key_of(t: Trade) -> tuple[str, str, str, int]:
    return (t.exchange, t.market, t.symbol, t.ts_ms // 1000 * 1000)


@dataclass
class GapEvent:
    symbol: str | None
    from_dt: int
    length: int


@dataclass
class HoldEvent:
    symbol: str
    release: bool


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.builds(Tick, st.integers(0, 900)),
            st.builds(Arrival, trade_specs, st.integers(-2500, 300)),
            st.builds(Arrival, trade_specs, st.integers(-2500, 300)),
            st.builds(
                GapEvent,
                st.sampled_from([None, "BTCUSDT"]),
                st.integers(-3000, 3000),
                st.integers(1, 3000),
            ),
            st.builds(HoldEvent, st.sampled_from(["BTCUSDT", "ETHUSDT"]), st.booleans()),
        ),
        min_size=10,
        max_size=200,
    ),
    st.lists(st.integers(0, 2), min_size=200, max_size=200),
)
def test_add_raw_equals_add(events: list[object], paths: list[int]) -> None:
    """add_raw (a parser's fast path) and add give the same candles, late counts and clock,
    alone or mixed trade by trade on one builder, through timer closes, late and out-of-order
    trades, gaps and holds."""
    venues = {("binance", "futures"): ("binance", "futures"), ("okx", "spot"): ("okx", "spot")}

    def run(choose: list[int]) -> tuple[list[Candle], dict[tuple[str, str, str], int], object]:
        emitted: list[Candle] = []
        b = CandleBuilder(grace_ms=250, on_candle=emitted.append)
        local = T0
        for k, ev in enumerate(events):
            if isinstance(ev, Tick):
                local += ev.advance_ms
                b.close_due(local)
            elif isinstance(ev, GapEvent):
                start = local + ev.from_dt
                b.mark_gap("binance", "futures", ev.symbol, start, start + ev.length)
            elif isinstance(ev, HoldEvent):
                if ev.release:
                    b.release("binance", "futures", ev.symbol)
                else:
                    b.hold("binance", "futures", ev.symbol, local - 500)
            elif isinstance(ev, Arrival):
                (ex, mk), sym, _dt, p, q, side = ev.spec
                t = trade(local + ev.jitter_ms, p, q, symbol=sym, side=side, exchange=ex,
                          market=mk, recv=local)  # fmt: skip
                how = choose[k % len(choose)]
                if how == 0:
                    b.add(t)
                else:  # the parser's tuple, or an equal new one (the slower lookup)
                    venue = venues.get((ex, mk), (ex, mk)) if how == 1 else (ex, mk)
                    b.add_raw(venue, sym, t.ts_ms, t.price, t.qty, side == BUY, local, 7)
        emitted += b.flush()
        clock = [b.exchange_now_ms(*v, local) for v in venues]
        return emitted, b.late_counts(), clock

    reference = run([0])
    assert run([1]) == reference
    assert run(paths) == reference


# ------------------------------------------------------------------------------ scenarios


def test_candle_fields_and_out_of_order_open_close() -> None:
    b = CandleBuilder()
    b.add_frame(
        [
            trade(T0 + 500, "61800.30", "0.006", side=BUY),
            trade(T0 + 100, "61800.10", "0.199", side=SELL),  # earlier: becomes the open
            trade(T0 + 900, "61801", "0.5", side=BUY),
            trade(T0 + 900, "61799.9", "0.045", side=SELL),  # same ms, later arrival: close
        ]
    )
    [c] = b.flush()
    assert (c.open, c.high, c.low, c.close) == (61800.10, 61801.0, 61799.9, 61799.9)
    assert repr(c.volume) == "0.75"  # 0.006 + 0.199 + 0.5 + 0.045
    assert repr(c.taker_buy_volume) == "0.506"
    assert c.quote_volume == pytest.approx(
        61800.30 * 0.006 + 61800.10 * 0.199 + 61801 * 0.5 + 61799.9 * 0.045
    )
    assert (c.ts_ms, c.trades, c.complete) == (T0, 4, True)


def test_seconds_without_trades_make_no_candle() -> None:
    b = CandleBuilder()
    b.add(trade(T0 + 10))
    b.add(trade(T0 + 5_010))
    assert [c.ts_ms for c in b.flush()] == [T0, T0 + 5_000]


def test_quiet_symbol_closes_by_timer() -> None:
    """BTC trades every 100 ms; ETH trades once. ETH's second closes when the exchange clock
    passes its end + grace, without any further ETH trade; and with no trade at all."""
    emitted: list[Candle] = []
    b = CandleBuilder(grace_ms=250, on_candle=emitted.append)
    latency = 40
    b.add(trade(T0 + 300, symbol="ETHUSDT", recv=T0 + 300 + latency))
    for ms in range(0, 1400, 100):
        now = T0 + ms + latency
        b.add(trade(T0 + ms, recv=now))
        b.close_due(now)
    assert [(c.symbol, c.ts_ms) for c in emitted] == [("ETHUSDT", T0), ("BTCUSDT", T0)]
    # Nothing else trades: the timer alone closes the last second once it is due.
    before_due = T0 + 2_000 + 250 + latency - 1
    assert b.close_due(before_due) == []
    [c] = b.close_due(before_due + 1)
    assert (c.symbol, c.ts_ms) == ("BTCUSDT", T0 + 1000)
    assert b.open_candles == 0


def test_close_due_is_cheap_when_nothing_is_due() -> None:
    b = CandleBuilder()
    b.add(trade(T0 + 500))
    assert b.close_due(T0 + 600) == []
    assert b.open_candles == 1
    assert b.close_due(T0 + 1_250) != []


@pytest.mark.parametrize("skew_ms", [-7_000, -1_268, 0, 4_000])
def test_local_clock_off_by_seconds(skew_ms: int) -> None:
    """The local clock reads ``exchange time + skew``; candles still close at the exchange's
    end of second + grace (+ latency), not skew ms early or late."""
    latency = 30
    b = CandleBuilder(grace_ms=250)
    for ms in (100, 400, 800):
        b.add(trade(T0 + ms, recv=T0 + ms + latency + skew_ms))
    due_local = T0 + 1_000 + 250 + latency + skew_ms
    assert b.close_due(due_local - 1) == []
    assert [c.ts_ms for c in b.close_due(due_local)] == [T0]
    assert b.exchange_now_ms("binance", "futures", due_local) == T0 + 1_250


@pytest.mark.parametrize("wrong_by_ms", [3_600_000, 30_000, -86_400_000])
def test_one_trade_with_a_wrong_timestamp_does_not_move_the_clock(wrong_by_ms: int) -> None:
    """A venue streams with 40 ms latency; one trade stamped an hour (or 30 s) in the future, or
    a day in the past, neither closes the open seconds early nor holds them back."""
    latency = 40
    emitted: list[Candle] = []
    b = CandleBuilder(grace_ms=250, offset_window_ms=1_000, on_candle=emitted.append)
    now = T0
    for i in range(50):  # 5 s of steady trades on two symbols
        b.add(trade(T0 + i * 100, recv=now + latency))
        b.add(trade(T0 + i * 100 + 50, symbol="ETHUSDT", recv=now + latency + 50))
        b.close_due(now + latency + 50)
        now += 100
    before = b.exchange_now_ms("binance", "futures", now)
    assert before == now - latency
    open_before = b.open_candles
    b.add(trade(T0 + 5_000 + wrong_by_ms, symbol="XRPUSDT", recv=now + latency))
    assert b.close_due(now + latency) == []  # nothing closed early
    assert b.exchange_now_ms("binance", "futures", now) == before
    assert b.open_candles == open_before + (wrong_by_ms > 0)  # one in the past is late
    # The steady stream goes on and closes its seconds exactly when it did before.
    for i in range(50, 80):
        b.add(trade(T0 + i * 100, recv=now + latency))
        closed = b.close_due(now + latency)
        assert all(c.ts_ms + 1_000 + 250 <= now for c in closed)
        now += 100
    assert b.exchange_now_ms("binance", "futures", now) == now - latency
    assert [c.ts_ms for c in emitted if c.symbol == "BTCUSDT"] == [T0 + s * 1_000 for s in range(7)]


def test_a_snapshot_of_old_trades_is_one_fresh_sample() -> None:
    """The trades of one frame share a receive time: a subscribe snapshot of minutes-old trades
    (oldest first) tells the clock what its newest trade tells it, from the first frame on."""
    b = CandleBuilder(grace_ms=250)
    recv = T0 + 600_000 + 30
    for age_s in range(50, -1, -1):
        b.add(trade(T0 + 600_000 - age_s * 7_000, recv=recv))
    assert b.exchange_now_ms("binance", "futures", recv) == T0 + 600_000


def test_clock_follows_a_stepped_local_clock() -> None:
    """After the local clock steps back by 5 s, the offset windows forget the old offset."""
    b = CandleBuilder(grace_ms=250, offset_window_ms=1_000)
    now = T0
    for i in range(30):  # 3 s, clock right
        b.add(trade(T0 + i * 100, recv=now))
        b.close_due(now)
        now += 100
    now -= 5_000  # the local clock steps back 5 s
    for i in range(30, 60):
        b.add(trade(T0 + i * 100, recv=now))
        b.close_due(now)
        now += 100
    est = b.exchange_now_ms("binance", "futures", now)
    assert est is not None and abs(est - (T0 + 6_000)) <= 100


def test_late_trade_counted_not_duplicated() -> None:
    emitted: list[Candle] = []
    b = CandleBuilder(grace_ms=250, on_candle=emitted.append)
    b.add(trade(T0 + 100, "10", "1"))
    b.close_due(T0 + 1_250)
    assert len(emitted) == 1
    b.add(trade(T0 + 999, "11", "2", recv=T0 + 1_300))  # its second is closed
    b.add(trade(T0 + 10, "9", "3", symbol="ETHUSDT", recv=T0 + 1_300))  # closed for the venue
    b.add(trade(T0 + 1_100, "12", "1", recv=T0 + 1_300))  # the next second: fine
    b.flush()
    assert [(c.symbol, c.ts_ms, c.trades) for c in emitted] == [
        ("BTCUSDT", T0, 1),
        ("BTCUSDT", T0 + 1_000, 1),
    ]
    assert b.late_total == 2
    assert b.late_counts() == {
        ("binance", "futures", "BTCUSDT"): 1,
        ("binance", "futures", "ETHUSDT"): 1,
    }


def test_next_second_while_previous_waits_out_grace() -> None:
    b = CandleBuilder(grace_ms=250)
    b.add(trade(T0 + 900, "1"))
    b.add(trade(T0 + 1_050, "2"))  # second T0+1000 opens; T0 still open (grace)
    b.add(trade(T0 + 950, "3", recv=T0 + 1_100))  # still counts for T0
    closed = b.close_due(T0 + 1_260)
    assert [(c.ts_ms, c.trades, c.close) for c in closed] == [(T0, 2, 3.0)]
    [c] = b.flush()
    assert (c.ts_ms, c.trades) == (T0 + 1_000, 1)


def test_venues_have_separate_clocks() -> None:
    b = CandleBuilder(grace_ms=250)
    b.add(trade(T0 + 100, exchange="binance", recv=T0 + 100))
    b.add(trade(T0 + 100, exchange="okx", recv=T0 + 3_100))  # okx's clock reads 3 s later locally
    closed = b.close_due(T0 + 1_250)
    assert [c.exchange for c in closed] == ["binance"]
    assert [c.exchange for c in b.close_due(T0 + 4_250)] == ["okx"]


def test_mark_gap_open_future_and_closed_candles() -> None:
    gaps: list[Gap] = []
    b = CandleBuilder(grace_ms=250, on_gap=gaps.append)
    b.add(trade(T0 + 100))  # second 0: will be closed before the gap is known
    b.add(trade(T0 + 100, symbol="ETHUSDT"))
    b.close_due(T0 + 1_250)
    b.add(trade(T0 + 1_500, recv=T0 + 1_500))  # second 1: open
    b.add(trade(T0 + 1_600, symbol="ETHUSDT", recv=T0 + 1_600))
    assert b.mark_gap("binance", "futures", "BTCUSDT", T0 + 800, T0 + 2_100) == 1
    b.add(trade(T0 + 2_050, recv=T0 + 1_700))  # second 2, inside the gap: incomplete
    b.add(trade(T0 + 3_000, recv=T0 + 1_700))  # second 3, after the gap: complete
    out = {(c.symbol, c.ts_ms): c.complete for c in b.flush()}
    assert out == {
        ("BTCUSDT", T0 + 1_000): False,
        ("BTCUSDT", T0 + 2_000): False,
        ("BTCUSDT", T0 + 3_000): True,
        ("ETHUSDT", T0 + 1_000): True,
    }
    assert gaps == b.gaps == [Gap("binance", "futures", "BTCUSDT", T0 + 800, T0 + 2_100)]


def test_mark_gap_whole_venue() -> None:
    b = CandleBuilder()
    b.add(trade(T0 + 100))
    b.add(trade(T0 + 100, symbol="ETHUSDT"))
    b.add(trade(T0 + 100, exchange="okx"))
    assert b.mark_gap("binance", "futures", None, T0 + 999, T0 + 1_000) == 2
    assert {(c.exchange, c.symbol): c.complete for c in b.flush()} == {
        ("binance", "BTCUSDT"): False,
        ("binance", "ETHUSDT"): False,
        ("okx", "BTCUSDT"): True,
    }


def test_hold_keeps_a_recovering_symbol_open_for_backfill() -> None:
    emitted: list[Candle] = []
    b = CandleBuilder(grace_ms=250, on_candle=emitted.append)
    b.add(trade(T0 + 100, "1", symbol="ETHUSDT"))
    b.add(trade(T0 + 200, "1"))
    b.hold("binance", "futures", "ETHUSDT", T0 + 100)  # ETH's connection dropped
    for ms in range(1_000, 4_000, 100):  # BTC keeps trading on another connection
        b.add(trade(T0 + ms, "1", recv=T0 + ms))
        b.close_due(T0 + ms)
    assert ("ETHUSDT", T0) not in {(c.symbol, c.ts_ms) for c in emitted}
    # Backfill arrives: trades for seconds the venue closed long ago are accepted for ETH.
    b.add(trade(T0 + 600, "2", symbol="ETHUSDT", recv=T0 + 4_000))
    b.add(trade(T0 + 2_500, "3", symbol="ETHUSDT", recv=T0 + 4_000))
    assert b.late_total == 0
    b.release("binance", "futures", "ETHUSDT")
    eth = [(c.ts_ms, c.trades, c.close) for c in b.close_due(T0 + 4_000) if c.symbol == "ETHUSDT"]
    assert eth == [(T0, 2, 2.0), (T0 + 2_000, 1, 3.0)]
    b.add(trade(T0 + 700, "4", symbol="ETHUSDT", recv=T0 + 4_100))  # released: late again
    assert b.late_total == 1


def test_hold_never_reopens_a_closed_second() -> None:
    b = CandleBuilder(grace_ms=250)
    b.add(trade(T0 + 100))
    assert len(b.close_due(T0 + 1_250)) == 1
    b.hold("binance", "futures", "BTCUSDT", T0 + 100)  # drop noticed after the close
    b.add(trade(T0 + 900, recv=T0 + 1_300))
    assert b.late_total == 1
    assert b.flush() == []


def test_flush_with_end_marks_truncated_seconds() -> None:
    b = CandleBuilder()
    b.add(trade(T0 + 100))
    b.add(trade(T0 + 1_100))
    assert [c.complete for c in b.flush(end_ms=T0 + 1_500)] == [True, False]


def test_state_for_many_symbols_is_recycled() -> None:
    b = CandleBuilder(grace_ms=0)
    for sec in range(3):
        for i in range(1_000):
            b.add(trade(T0 + sec * 1000 + 10, symbol=f"S{i}", recv=T0 + sec * 1000 + 10))
        b.close_due(T0 + sec * 1000 + 1_010)
    assert b.candles_closed == 3_000
    assert b.symbols == 1_000
    assert b.open_candles == 0


def test_monotonic_epoch_ms_tracks_wall_clock() -> None:
    import time

    assert abs(monotonic_epoch_ms() - time.time() * 1000) < 5_000


# ------------------------------------------------------------------------------ exact_sum


def test_exact_sum_recovers_decimal_sums() -> None:
    total = 0.0
    for _ in range(10):
        total += 0.1
    assert total != 1.0
    assert exact_sum(total, 10) == 1.0
    values = ["0.006", "0.199", "0.045", "0.00009", "12.5", "0.33333"]
    s = 0.0
    for v in values:
        s += float(v)
    assert Decimal(repr(exact_sum(s, len(values)))) == sum(map(Decimal, values))


@pytest.mark.parametrize("seed", range(5))
def test_exact_sum_gives_the_same_sum_whatever_the_hint(seed: int) -> None:
    """The hint (the previous second's fraction digits) only changes how the decimal is found:
    every hint, right, too small, too large or none, gives the unhinted result."""
    rnd = random.Random(seed)
    for _ in range(300):
        decimals = rnd.randrange(0, 9)
        n = rnd.randrange(1, 200)
        values = [f"{rnd.randrange(1, 10**6) / 10**decimals:.{decimals}f}" for _ in range(n)]
        total = 0.0
        for v in values:
            total += float(v)
        want = exact_sum(total, n)
        assert Decimal(repr(want)) == sum(map(Decimal, values))
        unhinted = exact_sum_hinted(total, n, -1)
        for hint in range(-1, 22):
            got, digits = exact_sum_hinted(total, n, hint)
            assert got == want
            assert (got, digits) == unhinted
            exponent = Decimal(repr(got)).normalize().as_tuple().exponent
            assert digits == -1 or (isinstance(exponent, int) and exponent >= -digits)


def test_exact_sum_hint_at_the_edges() -> None:
    """The hinted shortcut (no logarithm, rounding inlined) against the search: sums whose
    last digit is 5 (one digit fewer is a tie), sums at the float-integer limit, binary ties,
    and error bounds right at a power of ten (where the shortcut must leave it to the
    logarithm)."""
    rnd = random.Random(11)
    cases: list[tuple[float, int]] = []
    for d in range(1, 12):
        for _ in range(200):
            m = rnd.randrange(1, 10**9) * 10 + 5  # ends in 5
            cases.append((m / 10**d, rnd.randrange(1, 500)))
            cases.append((rnd.randrange(1, 10**9) / 10**d, rnd.randrange(1, 500)))
    cases += [(2.0**52 / 10**d + 0.5, 3) for d in range(1, 6)]
    # exact binary ties (y a half-integer at some probe: the shortcut rounds them to even,
    # round() and int(y + 0.5) differently; the half-way test must reject them all alike)
    cases += [(k / 2**m, n) for k in range(1, 3000, 7) for m in (1, 2, 3, 7, 12) for n in (1, 5)]
    for d in range(1, 15):
        for n in (1, 7, 60, 997):
            edge = 10.0**-d / (2 * (n + 3) * BUILDER_U)  # total whose 2 * bound is 10**-d
            for f in (1 - 2e-9, 1 - 1e-9, 1 - 5e-10, 1.0, 1 + 5e-10, 1 + 1e-9):
                cases.append((edge * f, n))
    for total, n in cases:
        unhinted = exact_sum_hinted(total, n, -1)
        for hint in range(0, 16):
            assert exact_sum_hinted(total, n, hint) == unhinted, (total, n, hint)


def test_exact_sum_of_non_decimal_terms_stays_within_float_error() -> None:
    """Inverse-contract base sizes (USD / price) are not short decimals: the sum may only move
    within its error bound, never to a short decimal far away."""
    s = 4 / 60621.5 + 1 / 60621.5
    assert abs(exact_sum(s, 2) - s) <= 5 * s * U * 1.01
    assert exact_sum(0.0, 0) == 0.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**9), st.integers(0, 10)), min_size=1, max_size=200))
def test_exact_sum_guarantee(terms: list[tuple[int, int]]) -> None:
    texts = [Decimal(m).scaleb(-d) for m, d in terms]
    s = 0.0
    for t in texts:
        s += float(t)
    want = sum(texts, Decimal(0))
    got = exact_sum(s, len(texts))
    if exact_expected(want, len(texts)):
        assert Decimal(repr(got)) == want.normalize() or Decimal(got) == want
    else:
        assert abs(Decimal(got) - want) <= Decimal(2 * (len(texts) + 3) * float(want) * U * 1.01)


def _exact_sum_with_round(total: float, terms: int) -> float:
    """exact_sum as first written: every probe a ``round(total, d)`` call."""
    if total <= 0.0 or total != total or total == float("inf"):
        return total
    bound = (terms + 3) * total * U * 1.01
    hi = min(20, math.ceil(-math.log10(2.0 * bound)) - 1)
    if hi < 0 or abs(round(total, hi) - total) > bound:
        return total
    lo = 0
    while lo < hi:
        mid = (lo + hi) // 2
        if abs(round(total, mid) - total) <= bound:
            hi = mid
        else:
            lo = mid + 1
    return round(total, lo)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 10**12), st.integers(0, 12)), min_size=1, max_size=300),
    st.sampled_from([None, "0.01", "61800.3", "0.00000638"]),
    st.integers(-3, 3),
)
def test_exact_sum_equals_the_round_based_version(
    terms: list[tuple[int, int]], price: str | None, ulps: int
) -> None:
    """The probes skip round()'s decimal string but give the same floats: same result for
    sums of decimals, of products, and for floats a few ulps off them (ties, near-ties)."""
    s = 0.0
    for m, d in terms:
        v = float(Decimal(m).scaleb(-d))
        s += v * float(price) if price else v
    for _ in range(abs(ulps)):
        s = math.nextafter(s, math.inf if ulps > 0 else 0.0)
    for total in (s, float(f"{s:.6g}"), s / 1024, s * 1e-9):
        assert exact_sum(total, len(terms)) == _exact_sum_with_round(total, len(terms))


def test_exact_sum_round_probes_at_ties() -> None:
    """Exact binary ties (k / 2**m) and huge values take round() itself: same result."""
    for k in range(1, 2000):
        for m in (1, 3, 7, 12, 20):
            total = k / 2**m
            for terms in (1, 5, 100, 10_000):
                assert exact_sum(total, terms) == _exact_sum_with_round(total, terms)
    for total in (2.0**52 + 1, 1e17, 123456789012.345678, 9.5e15):
        assert exact_sum(total, 3) == _exact_sum_with_round(total, 3)


# ------------------------------------------------------------------------------ minutes


def second(
    ts: int, o: float, h: float, lo: float, c: float, v: float, n: int, complete: bool = True
) -> Candle:
    return Candle("binance", "futures", "BTCUSDT", ts, o, h, lo, c, v, v * o, n, v / 2, complete)


def test_minute_from_seconds() -> None:
    minutes: list[Candle] = []
    agg = MinuteAggregator(minutes.append, start_ms=T0 - 60_000)
    m0 = T0 - T0 % 60_000
    agg.add(second(m0 + 1_000, 10, 12, 9, 11, 0.1, 1))
    agg.add(second(m0 + 7_000, 11, 15, 10, 14, 0.2, 2))
    agg.add(second(m0 + 59_000, 14, 14, 8, 9, 0.3, 3))
    assert minutes == []
    agg.add(second(m0 + 60_000, 9, 9, 9, 9, 1.0, 1))  # next minute closes the first
    [m] = minutes
    assert (m.ts_ms, m.open, m.high, m.low, m.close, m.trades) == (m0, 10, 15, 8, 9, 6)
    assert repr(m.volume) == "0.6" and m.complete
    assert agg.close_through("binance", "futures", m0 + 119_000) == []
    [m1] = agg.close_through("binance", "futures", m0 + 120_000)
    assert (m1.ts_ms, m1.complete) == (m0 + 60_000, True)


def test_minute_completeness() -> None:
    minutes: list[Candle] = []
    agg = MinuteAggregator(minutes.append, start_ms=T0)
    m0 = T0 - T0 % 60_000  # T0 is mid-minute: the feed started inside minute m0
    agg.add(second(T0, 1, 1, 1, 1, 1, 1))
    agg.add(second(m0 + 60_000, 1, 1, 1, 1, 1, 1))
    agg.add(second(m0 + 61_000, 1, 1, 1, 1, 1, 1, complete=False))
    agg.add(second(m0 + 120_000, 1, 1, 1, 1, 1, 1))
    agg.mark_gap("binance", "futures", None, m0 + 150_000, m0 + 150_001)
    agg.add(second(m0 + 180_000, 1, 1, 1, 1, 1, 1))
    agg.add(second(m0 + 240_000, 1, 1, 1, 1, 1, 1))
    agg.flush(end_ms=m0 + 270_000)
    assert [(m.ts_ms - m0, m.complete) for m in minutes] == [
        (0, False),  # the feed started mid-minute
        (60_000, False),  # one of its seconds was incomplete
        (120_000, False),  # a gap
        (180_000, True),
        (240_000, False),  # the input ended mid-minute
    ]


def test_minute_gaps_are_forgotten_once_no_minute_can_overlap_them() -> None:
    """A day of short outages every 10 minutes: the aggregator keeps only the gaps that a minute
    still to come may overlap, and each gap still marks its own minute incomplete."""
    minutes: list[Candle] = []
    agg = MinuteAggregator(minutes.append, start_ms=T0)
    m0 = T0 - T0 % 60_000 + 60_000
    for m in range(1_440):
        start = m0 + m * 60_000
        if m % 10 == 5:
            agg.mark_gap("binance", "futures", None, start + 20_000, start + 21_000)
        if m % 10 == 6:  # a gap reported ahead of its minute (e.g. a whole-venue outage)
            agg.mark_gap("binance", "futures", None, start + 60_000, start + 61_000)
        agg.add(second(start + 30_000, 1, 1, 1, 1, 1, 1))
        agg.close_through("binance", "futures", start + 60_000)
        assert len(agg.pending_gaps) <= 1
    assert len(minutes) == 1_440
    incomplete = [(m.ts_ms - m0) // 60_000 for m in minutes if not m.complete]
    assert incomplete == [m for m in range(1_440) if m % 10 in (5, 7)]


def test_add_frame_of_mixed_venues_falls_back_to_add() -> None:
    trades = [
        trade(T0 + 1, "1", exchange="binance"),
        trade(T0 + 2, "2", exchange="okx"),
        trade(T0 + 3, "3", exchange="bybit"),
    ]
    b = CandleBuilder()
    b.add_frame(trades)
    assert sorted((c.exchange, c.open) for c in b.flush()) == [
        ("binance", 1.0),
        ("bybit", 3.0),
        ("okx", 2.0),
    ]


def _two_venues_two_seconds(b: CandleBuilder) -> None:
    for ms in (100, 1_100):
        for symbol in ("BTCUSDT", "ETHUSDT"):
            b.add(trade(T0 + ms, symbol=symbol, recv=T0 + ms))
            b.add(trade(T0 + ms, symbol=symbol, exchange="okx", recv=T0 + ms))


def test_close_due_slices_are_close_due_one_venue_second_at_a_time() -> None:
    whole = CandleBuilder(grace_ms=250)
    sliced = CandleBuilder(grace_ms=250)
    _two_venues_two_seconds(whole)
    _two_venues_two_seconds(sliced)
    parts = list(sliced.close_due_slices(T0 + 2_250))
    assert [[(c.exchange, c.ts_ms, c.symbol) for c in p] for p in parts] == [
        [("binance", T0, "BTCUSDT"), ("binance", T0, "ETHUSDT")],
        [("binance", T0 + 1_000, "BTCUSDT"), ("binance", T0 + 1_000, "ETHUSDT")],
        [("okx", T0, "BTCUSDT"), ("okx", T0, "ETHUSDT")],
        [("okx", T0 + 1_000, "BTCUSDT"), ("okx", T0 + 1_000, "ETHUSDT")],
    ]
    assert [c for p in parts for c in p] == whole.close_due(T0 + 2_250)
    assert sliced.next_due_ms == whole.next_due_ms
    assert list(sliced.close_due_slices(T0 + 2_250)) == []


def test_trades_between_slices_are_late_for_a_closed_second() -> None:
    b = CandleBuilder(grace_ms=250)
    _two_venues_two_seconds(b)
    slices = b.close_due_slices(T0 + 1_250)
    first = next(slices)
    assert {(c.exchange, c.ts_ms) for c in first} == {("binance", T0)}
    # while the iteration is suspended: a trade for the closed second is late, one for the
    # open second of the other venue still counts, a new second is scheduled
    b.add(trade(T0 + 900, recv=T0 + 1_300))
    b.add(trade(T0 + 950, "101", exchange="okx", recv=T0 + 1_300))
    b.add(trade(T0 + 2_100, recv=T0 + 2_100))
    [okx] = list(slices)
    assert [(c.symbol, c.trades) for c in okx] == [("BTCUSDT", 2), ("ETHUSDT", 1)]
    assert b.late_total == 1
    assert b.next_due_ms == T0 + 2_250  # the second T0 + 1 s of both venues
    left = list(b.close_due_slices(T0 + 3_250))
    assert [(c.exchange, c.ts_ms) for p in left for c in p] == [
        ("binance", T0 + 1_000),
        ("binance", T0 + 1_000),
        ("binance", T0 + 2_000),
        ("okx", T0 + 1_000),
        ("okx", T0 + 1_000),
    ]


def test_an_unfinished_slice_iteration_leaves_the_next_call_looking() -> None:
    b = CandleBuilder(grace_ms=250)
    _two_venues_two_seconds(b)
    slices = b.close_due_slices(T0 + 1_250)
    next(slices)
    del slices  # abandoned (e.g. the candle loop failed on the first slice)
    assert [c.exchange for c in b.close_due(T0 + 1_250)] == ["okx", "okx"]


# --- a held symbol (its connection dropped) while the rest of its venue goes on ---------------

M0 = T0 - T0 % 60_000  # a whole minute


def _venue_goes_on(
    b: CandleBuilder, minutes: MinuteAggregator, start: int, end: int, *, held: bool = True
) -> None:
    """BTC trades every 100 ms from ``start`` to ``end`` (ms after M0); the ticker closes due
    seconds and minutes as the collector does."""
    for ms in range(start, end, 100):
        b.add(trade(M0 + ms, recv=M0 + ms))
        b.close_due(M0 + ms)
        before = b.closed_before("binance", "futures")
        if before is not None:
            hold = b.held("binance", "futures") if held else None
            minutes.close_through("binance", "futures", before, hold)


def test_a_gap_of_a_held_symbol_is_kept_after_the_venue_closed_past_it() -> None:
    """ETH's connection drops, BTC goes on and closes seconds past the outage; the backfill
    fails: the gap is reported after the watermark passed it, and the ETH candles then made
    inside it (its buffered live trades) are incomplete — they must never fire an alert."""
    out: list[Candle] = []
    b = CandleBuilder(on_candle=out.append)
    minutes = MinuteAggregator(start_ms=M0 - 60_000)
    b.add(trade(M0 + 100, symbol="ETHUSDT", recv=M0 + 100))
    b.hold("binance", "futures", "ETHUSDT", M0 + 100)
    _venue_goes_on(b, minutes, 200, 8_000)
    b.mark_gap("binance", "futures", "ETHUSDT", M0 + 100, M0 + 3_401)  # backfill failed
    for ms in (3_400, 3_900, 4_500):  # the buffered live trades
        b.add(trade(M0 + ms, symbol="ETHUSDT", recv=M0 + 8_000))
    b.release("binance", "futures", "ETHUSDT")
    b.close_due(M0 + 8_000)
    eth = [(c.ts_ms - M0, c.trades, c.complete) for c in out if c.symbol == "ETHUSDT"]
    assert eth == [(0, 1, False), (3_000, 2, False), (4_000, 1, True)]


@pytest.mark.parametrize("told", [True, False])
def test_the_minutes_of_a_held_symbol_wait_for_its_recovered_seconds(told: bool) -> None:
    """ETH is held from second 5 while BTC closes the minute: ETH's minute stays open until
    its recovered seconds are in (told the holds, as the collector does); without them the
    minute went out early, and again with the recovered seconds (stored merged, incomplete)."""
    stored: list[Candle] = []
    b = CandleBuilder()
    minutes = MinuteAggregator(stored.append, start_ms=M0 - 60_000)
    b.on_candle = minutes.add
    for s in range(6):  # ETH trades, its seconds 0-4 close (its minute is open) ...
        b.add(trade(M0 + s * 1000 + 50, symbol="ETHUSDT", recv=M0 + s * 1000 + 50))
        _venue_goes_on(b, minutes, s * 1000 + 100, s * 1000 + 1000, held=told)
    b.hold("binance", "futures", "ETHUSDT", M0 + 5_050)  # ... and its connection drops
    _venue_goes_on(b, minutes, 6_000, 70_000, held=told)
    for s in range(6, 60):  # the backfill recovers one ETH trade a second
        b.add(trade(M0 + s * 1000 + 50, symbol="ETHUSDT", recv=M0 + 70_000))
    b.release("binance", "futures", "ETHUSDT")
    _venue_goes_on(b, minutes, 70_000, 125_000, held=told)
    eth = [(c.ts_ms - M0, c.trades, c.complete) for c in stored if c.symbol == "ETHUSDT"]
    if told:
        assert eth == [(0, 60, True)]
    else:  # the minute went out with seconds 0-4, then again with the rest
        assert [n for t, n, _complete in eth if t == 0] == [5, 55]


def test_a_trade_recovered_for_a_second_closed_before_the_drop_was_seen_is_a_gap() -> None:
    """A stall found by the ping timeout: ETH's last second closed before its hold began. The
    trade the backfill recovers for it is late (that candle went out without it): the second
    is reported as a gap, so its minute is incomplete, instead of being silently short."""
    gaps: list[Gap] = []
    stored: list[Candle] = []
    minutes = MinuteAggregator(stored.append, start_ms=M0 - 60_000)

    def on_gap(g: Gap) -> None:
        gaps.append(g)
        minutes.mark_gap(g.exchange, g.market, g.symbol, g.from_ms, g.to_ms)

    b = CandleBuilder(on_candle=minutes.add, on_gap=on_gap)
    b.add(trade(M0 + 100, symbol="ETHUSDT", recv=M0 + 100))
    _venue_goes_on(b, minutes, 200, 6_000)
    b.hold("binance", "futures", "ETHUSDT", M0 + 100)  # the drop is noticed now
    for ms in (400, 900, 2_500):  # recovered over REST: 400 and 900 belong to closed second 0
        b.add(trade(M0 + ms, symbol="ETHUSDT", recv=M0 + 6_000))
    b.release("binance", "futures", "ETHUSDT")
    _venue_goes_on(b, minutes, 6_000, 65_000)
    assert [(g.symbol, g.from_ms - M0, g.to_ms - M0) for g in gaps] == [("ETHUSDT", 0, 1_000)]
    assert b.late_total == 2
    eth = [(c.ts_ms - M0, c.complete) for c in stored if c.symbol == "ETHUSDT"]
    assert eth == [(0, False)]


def test_receive_times_and_closing_ignore_a_wall_clock_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The connectors stamp receive times and the collector closes seconds on a clock that a
    wall-clock step (NTP, a resumed VM) does not move: a step forward closed seconds early and
    the next seconds' trades were dropped as late."""
    import time

    from wickwatch.market.connectors import _connection
    from wickwatch.roles import collector

    before = (_connection.now_ms(), collector.now_ms())
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + 5_000_000_000)  # +5 s
    after = (_connection.now_ms(), collector.now_ms())
    assert all(0 <= b - a < 1_000 for a, b in zip(before, after, strict=True))


def test_with_a_start_edge_a_symbols_first_candle_and_minute_are_incomplete() -> None:
    """A collector subscribes mid-second and mid-minute: the first candle of each symbol and
    its minute lack what came before the subscription (they were stored complete); the
    following seconds are complete."""
    gaps: list[Gap] = []
    stored: list[Candle] = []
    minutes = MinuteAggregator(stored.append)

    def on_gap(g: Gap) -> None:
        gaps.append(g)
        minutes.mark_gap(g.exchange, g.market, g.symbol, g.from_ms, g.to_ms)

    out: list[Candle] = []

    def on_candle(c: Candle) -> None:
        out.append(c)
        minutes.add(c)

    b = CandleBuilder(on_candle=on_candle, on_gap=on_gap, start_edge=True)
    for ms in range(20_400, 125_000, 500):  # subscribed 20.4 s into the minute
        b.add(trade(M0 + ms, recv=M0 + ms))
        b.close_due(M0 + ms)
        before = b.closed_before("binance", "futures")
        if before is not None:
            minutes.close_through("binance", "futures", before)
    assert [(g.symbol, g.from_ms, g.to_ms - M0) for g in gaps] == [("BTCUSDT", 0, 20_400)]
    assert [c.complete for c in out[:3]] == [False, True, True]
    assert [(c.ts_ms - M0, c.complete) for c in stored] == [(0, False), (60_000, True)]


def test_after_a_restart_of_the_venue_each_symbols_next_candle_starts_after_a_gap() -> None:
    """Another collector had the feed for a while (its lock was lost and taken back): what
    came meanwhile is not here. Each symbol's first candle after it is incomplete and the
    interruption is reported as its gap (its minute is incomplete too)."""
    gaps: list[Gap] = []
    out: list[Candle] = []
    b = CandleBuilder(on_candle=out.append, on_gap=gaps.append)
    for ms in range(100, 3_000, 500):
        b.add(trade(M0 + ms, recv=M0 + ms))
        b.close_due(M0 + ms)
    b.restart("binance", "futures", M0 + 3_000)
    for ms in range(20_300, 23_000, 500):
        b.add(trade(M0 + ms, recv=M0 + ms))
        b.close_due(M0 + ms)
    b.flush()
    assert [(g.from_ms - M0, g.to_ms - M0) for g in gaps] == [(3_000, 20_300)]
    after = [c.complete for c in out if c.ts_ms >= M0 + 20_000]
    assert after == [False, True, True]
    assert all(c.complete for c in out if c.ts_ms < M0 + 3_000)
