"""Unit tests of the connector machinery: pacing, back-off, state machines, status, dedup."""

from __future__ import annotations

import random
from bisect import bisect_right

import pytest

from wickwatch.market.connectors import status as status_module
from wickwatch.market.connectors._pacing import Backoff, WindowLimiter
from wickwatch.market.connectors._state import (
    ConnState,
    FeedState,
    IllegalTransition,
    check_conn_move,
    check_feed_move,
)
from wickwatch.market.connectors._tracks import UNSEEN_SLACK_MS, Track
from wickwatch.market.connectors.status import FeedStatus
from wickwatch.market.types import Trade


def trade(tid: str, ts: int, recv: int | None = None, symbol: str = "BTCUSDT") -> Trade:
    return Trade("binance", "spot", symbol, 1.0, 1.0, 1.0, "buy", ts, recv or ts, tid)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_window_limiter_delay() -> None:
    clock = FakeClock()
    lim = WindowLimiter(3, 1.0, clock=clock)
    for _ in range(3):
        assert lim.delay() == 0
        lim._events.append((clock.now, 1))
        lim._used += 1
    assert lim.delay() == pytest.approx(1.0)
    clock.now += 0.5
    assert lim.delay() == pytest.approx(0.5)
    clock.now += 0.6
    assert lim.delay() == 0
    lim.pause(5)
    assert lim.delay() == pytest.approx(5)


async def test_window_limiter_paces() -> None:
    import time

    lim = WindowLimiter(5, 0.2)
    start = time.monotonic()
    stamps = []
    for _ in range(12):
        await lim.acquire()
        stamps.append(time.monotonic() - start)
    for i in range(len(stamps) - 5):
        assert stamps[i + 5] - stamps[i] >= 0.2 - 1e-3


def test_backoff_grows_with_jitter_and_resets() -> None:
    backoff = Backoff(1.0, 8.0, random.Random(1))
    delays = [backoff.next_delay() for _ in range(6)]
    ceilings = [1, 2, 4, 8, 8, 8]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) == len(delays)  # jittered
    backoff.reset()
    assert backoff.next_delay() <= 1.0
    assert backoff.next_delay(floor_s=30.0) == 30.0


def test_state_machines_refuse_illegal_moves() -> None:
    check_conn_move(ConnState.NEW, ConnState.CONNECTING, "x")
    check_conn_move(ConnState.LIVE, ConnState.BACKOFF, "x")
    with pytest.raises(IllegalTransition, match="x: illegal connection transition new → live"):
        check_conn_move(ConnState.NEW, ConnState.LIVE, "x")
    with pytest.raises(IllegalTransition):
        check_conn_move(ConnState.STOPPED, ConnState.CONNECTING, "x")
    check_feed_move(FeedState.NEW, FeedState.STARTING, "f")
    with pytest.raises(IllegalTransition):
        check_feed_move(FeedState.RUNNING, FeedState.STARTING, "f")


def test_track_dedups_by_id_and_horizon() -> None:
    track = Track("BTCUSDT", horizon_ms=1000)
    assert track.accept(trade("1", 10_000))
    assert not track.accept(trade("1", 10_000))
    assert track.accept(trade("2", 10_500))
    assert track.accept(trade("3", 11_600))
    assert "1" not in track.ids  # fell out of the window
    assert not track.accept(trade("1", 10_000))  # but older than the horizon: still dropped
    assert track.accept(trade("0", 10_700))  # late but inside the horizon, unseen: kept
    assert (track.last_id, track.last_ts) == ("3", 11_600)


def test_track_recovery_state() -> None:
    track = Track("X", 1000)
    track.begin_recovery(alive_ms=5_000)
    assert track.recovering and track.since is not None and track.since.trade_id is None
    # Never seen trading: reaches back past the latency between trade time and receipt.
    assert track.since.ts_ms == 5_000 - UNSEEN_SLACK_MS
    track.buffer.append(trade("9", 20))
    assert track.end_recovery() == [trade("9", 20)]
    assert not track.recovering and track.buffer == []


def test_status_sliding_window_and_lag() -> None:
    status = FeedStatus("binance", "spot", window_s=60)
    status.running = True
    status.connections_total = status.connections_up = 2
    now = 1_000_000.0
    status.record_trades([trade(str(i), 1000, 1000 + i % 10) for i in range(100)], now=now)
    status.add_candles(30, now=now)
    snap = status.snapshot(now=now)
    assert snap.status == "up"
    assert snap.trades_per_s == pytest.approx(100)
    assert snap.candles_per_s == pytest.approx(30)
    assert snap.lag_p50_ms is not None and 4 <= snap.lag_p50_ms <= 6
    assert snap.lag_p99_ms is not None and snap.lag_p99_ms <= 10
    later = status.snapshot(now=now + 61)
    assert later.trades_per_s == 0 and later.lag_p50_ms is None  # sliding, not lifetime
    row = snap.as_row()
    assert set(row) >= {"exchange", "market", "status", "lag_p99_ms", "malformed_frames"}
    assert "rejected_symbols" not in row


def test_status_lag_bins_equal_the_bisect() -> None:
    # the per-trade table look-up gives the bisect's bin for every lag it covers
    table = status_module._LAG_TABLE
    assert [status_module._LAG_BIN[lag] for lag in range(-table, table)] == [
        bisect_right(status_module._EDGES, lag) for lag in range(-table, table)
    ]
    lags = [-5_000, -4097, -4096, -4095, -1269, -1, 0, 1, 2, 19, 20, 21, 4095, 4096, 4097]
    lags += [599_999, 600_000, 10**9, -(10**9)]
    rng = random.Random(7)
    lags += [rng.randrange(-100, 700_000) for _ in range(1000)]
    lags += [rng.randrange(-2000, 300) for _ in range(1000)]
    one, many = FeedStatus("binance", "spot"), FeedStatus("binance", "spot")
    now = 1_000_000.5
    for i, lag in enumerate(lags):
        one.record_trade(50_000 + i, 50_000 + i + lag, now=now)
    many.record_trades(
        [trade(str(i), 50_000 + i, 50_000 + i + lag) for i, lag in enumerate(lags)], now=now
    )
    expected = [0] * status_module._NBINS
    for lag in lags:
        expected[bisect_right(status_module._EDGES, lag)] += 1
    slot = int(now) % 60
    assert one._lags[slot] == many._lags[slot] == expected
    assert one._trades[slot] == many._trades[slot] == len(lags)
    assert one.last_trade_ms == many.last_trade_ms == 50_000 + len(lags) - 1


def test_status_record_trade_starts_a_new_second() -> None:
    status = FeedStatus("binance", "spot", window_s=60)
    status.running = True
    status.started = 0.0  # rates over the whole window
    status.record_trade(1000, 1003, now=500.0)
    status.record_trade(1001, 1010, now=560.2)  # same ring slot, a minute later: reset first
    snap = status.snapshot(now=560.5)
    assert snap.trades_per_s == pytest.approx(1 / 60)
    assert snap.lag_p50_ms == 10.0  # the upper edge of the bin of 9 ms (not the old 3 ms)
    assert status.last_trade_ms == 1001
    status.record_trade(900, 905, now=560.9)  # older trade: counted, newest time kept
    assert status.last_trade_ms == 1001 and status._trades[560 % 60] == 2
