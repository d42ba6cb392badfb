"""De-duplication by trade id (``Track``): the run-of-ids path for venues with consecutive
integer ids makes the same accept/reject decisions as the set path every venue had before."""

from __future__ import annotations

import random
from collections import deque

import pytest

from wickwatch.market.connectors._tracks import Track

H = 1000  #: horizon (ms) of the tracks below


class SetTrack:
    """The de-duplication as it was before runs of ids (ids compared as text in a set, a queue
    of ``(ts, id)`` trimmed at the horizon): the reference."""

    def __init__(self, horizon_ms: int) -> None:
        self.horizon_ms = horizon_ms
        self.ids: set[str] = set()
        self.order: deque[tuple[int, str]] = deque()
        self.last_ts: int | None = None
        self.last_id: str | None = None

    def accept_id(self, tid: str, ts: int) -> bool:
        if tid in self.ids:
            return False
        last = self.last_ts
        if last is not None and ts < last - self.horizon_ms:
            return False
        self.ids.add(tid)
        order = self.order
        order.append((ts, tid))
        if last is None or ts >= last:
            self.last_ts = last = ts
            self.last_id = tid
        horizon = last - self.horizon_ms
        while order[0][0] < horizon:
            self.ids.discard(order.popleft()[1])
        return True


def both(events: list[tuple[int | str, int]], how: str = "raw") -> list[bool]:
    """Feed ``(id, ts)`` to a run track and to the reference; assert equal decisions and
    newest trade after each; return the decisions. ``how``: ``raw`` (ints as the fast path
    hands them), ``text`` (the REST path) or ``mixed``."""
    track = Track("BTCUSDT", H, int_ids=True)
    ref = SetTrack(H)
    rnd = random.Random(len(events))
    out = []
    for tid, ts in events:
        if how == "text" or (how == "mixed" and rnd.random() < 0.5):
            got = track.accept_id(str(tid), ts)
        else:
            got = track.accept_raw(tid, ts)
        want = ref.accept_id(str(tid), ts)
        assert got == want, (tid, ts)
        assert (track.last_ts, str(track.last_id)) == (ref.last_ts, str(ref.last_id))
        out.append(got)
    return out


def test_in_order_ids_take_no_set() -> None:
    track = Track("BTCUSDT", H, int_ids=True)
    for i in range(10_000):
        assert track.accept_raw(5_000_000_000 + i, 1_700_000_000_000 + i)
    assert not track.ids and not track.order and not track.runs  # one run, nothing else
    assert (track.lo, track.nxt) == (5_000_000_000, 5_000_010_000)
    assert track.last_id == 5_000_009_999 and track.last_ts == 1_700_000_009_999


def test_duplicates_are_dropped_by_int_or_text() -> None:
    track = Track("BTCUSDT", H, int_ids=True)
    assert track.accept_raw(100, 10_000)
    assert track.accept_id("101", 10_001)
    assert not track.accept_raw(101, 10_001)  # the same trade live after REST
    assert not track.accept_id("100", 10_000)  # and REST after live
    assert not track.accept_raw("100", 10_000)
    assert track.accept_raw(102, 10_002)


def test_out_of_order_and_skipped_ids() -> None:
    # 103 skipped (a liquidation fill the parser drops), 105 before 104, 103 arrives late
    events: list[tuple[int | str, int]] = [
        (100, 10_000),
        (101, 10_000),
        (102, 10_001),
        (104, 10_003),
        (106, 10_005),
        (105, 10_004),
        (103, 10_002),
        (103, 10_002),
        (105, 10_004),
        (107, 10_006),
    ]
    assert both(events) == [True] * 7 + [False, False, True]


def test_backfill_overlapping_live_trades() -> None:
    """After a reconnect: REST returns from the last id seen on (the first row a duplicate)
    past where the buffered live trades start; each trade is delivered once."""
    live1 = [(i, 10_000 + i - 1000) for i in range(1000, 1050)]
    backfill = [(i, 10_000 + i - 1000) for i in range(1049, 1120)]
    live2 = [(i, 10_000 + i - 1000) for i in range(1100, 1130)]
    decided = both(live1 + backfill + live2, how="mixed")
    assert decided == [True] * 50 + [False] + [True] * 70 + [False] * 20 + [True] * 10


def test_restart_from_lower_ids_after_a_quiet_spell() -> None:
    """Ids that start over (a relisted symbol) after more than the horizon of silence: all
    new trades, one run again (the old state is behind the horizon and forgotten)."""
    track = Track("BTCUSDT", H, int_ids=True)
    for i in range(500, 600):
        assert track.accept_raw(i, 10_000 + i)
    for i in range(1, 50):
        assert track.accept_raw(i, 20_000 + i)
    assert not track.ids and not track.runs and (track.lo, track.nxt) == (1, 50)
    assert not track.accept_raw(10, 20_010)


def test_restart_inside_the_horizon_matches_the_set_path() -> None:
    events: list[tuple[int | str, int]] = [(i, 10_000 + i) for i in range(500, 520)]
    events += [(i, 10_600 + i) for i in range(1, 30)]  # lower ids, still inside the horizon
    events += [(510, 10_510), (5, 10_605), (30, 10_630)]
    decided = both(events)
    assert decided == [True] * 49 + [False, False, True]


def test_old_trades_are_dropped_at_the_horizon() -> None:
    track = Track("BTCUSDT", H, int_ids=True)
    assert track.accept_raw(10, 10_000)
    assert track.accept_raw(11, 12_000)
    assert not track.accept_raw(12, 10_999)  # the next id, but older than the horizon
    assert track.accept_raw(12, 11_000)  # at the horizon: kept
    assert not track.accept_raw(9, 10_000)  # unseen but behind the horizon


def test_non_decimal_text_ids_keep_the_set_path() -> None:
    """Text that is not the ``str()`` of an int never equals an int id: '007' is not 7."""
    track = Track("BTCUSDT", H, int_ids=True)
    assert track.accept_raw(7, 10_000)
    assert track.accept_id("007", 10_000)
    assert track.accept_id("+8", 10_001)
    assert track.accept_raw(8, 10_001)
    assert not track.accept_id("007", 10_000)
    assert not track.accept_id("8", 10_001)
    assert {"007", "+8"} <= track.ids


def test_begin_recovery_gives_the_last_id_as_text() -> None:
    track = Track("BTCUSDT", H, int_ids=True)
    track.accept_raw(41, 10_000)
    track.accept_raw(42, 10_005)
    track.accept_raw(40, 10_001)  # older trade, later: not the newest
    track.begin_recovery(alive_ms=10_010)
    assert track.since is not None and (track.since.trade_id, track.since.ts_ms) == (
        "42",
        10_005,
    )


@pytest.mark.parametrize("seed", range(8))
def test_random_streams_decide_as_the_set_path(seed: int) -> None:
    """Consecutive ids with duplicates, swaps, skipped ids, replayed ranges (backfill), old
    trades, id restarts and non-decimal ids: every decision and the newest trade equal the
    set path's. An id names one trade: a repeat has the same time."""
    rnd = random.Random(seed)
    times: dict[int | str, int] = {}
    stream: list[tuple[int | str, int]] = []
    nxt = rnd.randrange(10**9, 10**10)
    ts = 1_700_000_000_000
    for _ in range(4000):
        r = rnd.random()
        if r < 0.01:  # ids start over lower (relisting), maybe after a quiet spell; an id
            # names one trade, so not onto ids used before
            low = min(k for k in times if isinstance(k, int))
            nxt = low - rnd.randrange(10**5, 10**6)  # more ids than the stream has
            ts += rnd.choice((0, 5, 3 * H))
        elif r < 0.05:
            nxt += rnd.randrange(2, 6)  # skipped ids
        ts += rnd.choice((0, 0, 0, 1, 2, 40, 400))
        times[nxt] = ts
        stream.append((nxt, ts))
        nxt += 1
        if rnd.random() < 0.02:  # a text id that is not decimal
            tid = rnd.choice(("0", "00", "x1", "-1", "+3", " 5", "1_0"))
            times.setdefault(tid, ts)
            stream.append((tid, times[tid]))
    events: list[tuple[int | str, int]] = []
    i = 0
    while i < len(stream):
        r = rnd.random()
        if r < 0.05 and i + 2 < len(stream):  # swapped neighbours
            events += [stream[i + 1], stream[i]]
            i += 2
            continue
        events.append(stream[i])
        if r < 0.10:  # a duplicate, soon or late (backfill overlap)
            j = max(0, i - rnd.randrange(0, 200))
            events += stream[j : i + 1] if r < 0.06 else [stream[j]]
        i += 1
    decided = both(events, how=("raw", "text", "mixed")[seed % 3])
    assert decided.count(True) > len(stream) // 2  # the stream is mostly new trades
