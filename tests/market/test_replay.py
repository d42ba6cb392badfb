"""Replay: real recordings give the candles of a plain offline computation; CLI; robustness."""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
import typer
from typer.testing import CliRunner, Result

from tests.market._reference import (
    Ref,
    RefTrade,
    assert_candle,
    assert_sum,
    candles_of,
    decimal_text,
)
from wickwatch.market import replay as replay_module
from wickwatch.market.commands import replay as replay_command
from wickwatch.market.recording import RecordingWriter, open_recording
from wickwatch.market.replay import (
    CSV_HEADER,
    HOLE_S,
    CandleCsvWriter,
    Replay,
    format_decimal,
    open_sources,
    parse_speed,
)
from wickwatch.market.types import Candle, Trade

pytestmark = pytest.mark.realdata

# Every frame recording in ../shared/realdata, with the trades its README counts.
RECORDINGS = {
    "hftbacktest/usdm/btcusdt_20240808.gz": 21313,
    "hftbacktest/spot/btcusdt_20240808.gz": 9757,
    "cryptofeed/BINANCE.ws.1.0.gz": 2,
    "cryptofeed/BINANCE_FUTURES.ws.1.0.gz": 91,
    "cryptofeed/BYBIT.ws.25.0.gz": 101,
    "cryptofeed/BYBIT.ws.26.0.gz": 150,
    "cryptofeed/BITGET.ws.1.0.gz": 430,
    "cryptofeed/BITGET.ws.2.0.gz": 125,
    "cryptofeed/GATEIO.ws.1.0.gz": 9,
    "cryptofeed/GATEIO_FUTURES.ws.1.0.gz": 0,
}
NEVER_CLOSE = 10**15  # a grace longer than any recording: only the final flush closes


# ------------------------------------------------------------------------------ the reference


def _d(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def reference_trades(exchange: str, frame: str) -> list[RefTrade]:
    """Trades of one frame, decoded plainly from the venue's documented JSON (json.loads,
    Decimal from the decimal text)."""
    try:
        msg = json.loads(frame, parse_float=Decimal)
    except ValueError:
        return []
    if not isinstance(msg, dict):
        return []
    out = []
    if exchange == "binance":
        d = msg.get("data", msg)
        if not isinstance(d, dict) or d.get("e") not in ("trade", "aggTrade"):
            return []
        if d.get("X", "MARKET") != "MARKET":  # liquidation / ADL fills are not book trades
            return []
        p, q = Decimal(d["p"]), Decimal(d["q"])
        tid = d["t"] if d["e"] == "trade" else d["a"]
        out.append(RefTrade(d["s"], d["T"], p, q, p * q, not d["m"], str(tid)))
    elif exchange == "bybit":
        if not str(msg.get("topic", "")).startswith("trade."):
            return []
        for r in msg["data"]:
            p, size = _d(r["price"]), _d(r["size"])
            inverse = not r["symbol"].endswith(("USDT", "USDC"))
            qty, quote = (size / p, size) if inverse else (size, p * size)
            out.append(
                RefTrade(
                    r["symbol"],
                    int(r["trade_time_ms"]),
                    p,
                    qty,
                    quote,
                    r["side"] == "Buy",
                    r["trade_id"],
                    exact_qty=not inverse,
                )
            )
    elif exchange == "bitget":
        if "action" not in msg or msg.get("arg", {}).get("channel") != "trade":
            return []
        data = msg["data"]
        if msg["action"] == "snapshot":
            data = data[::-1]  # Bitget sends a snapshot newest first
        for ts, price, size, side in data:
            p, q = Decimal(price), Decimal(size)
            tid = f"v1:{ts}:{price}:{size}:{side}"
            out.append(RefTrade(msg["arg"]["instId"], int(ts), p, q, p * q, side == "buy", tid))
    elif exchange == "gate":
        if not str(msg.get("channel", "")).endswith(".trades") or msg.get("event") != "update":
            return []
        r = msg["result"]
        rows = r if isinstance(r, list) else [r]
        for r in rows:
            p, q = Decimal(r["price"]), Decimal(r["amount"])
            ts = int(Decimal(r["create_time_ms"]))
            out.append(
                RefTrade(r["currency_pair"], ts, p, q, p * q, r["side"] == "buy", str(r["id"]))
            )
    else:
        raise AssertionError(f"no reference decoder for {exchange}")
    return out


def dedup(trades: list[RefTrade], horizon_ms: int = 15_000) -> list[RefTrade]:
    """The live feed's rule, plainly: per symbol, drop an id seen before, or a trade more than
    the horizon older than the newest trade seen."""
    seen: dict[str, set[str]] = {}
    newest: dict[str, int] = {}
    out = []
    for t in trades:
        ids = seen.setdefault(t.symbol, set())
        if t.trade_id in ids or t.ts_ms < newest.get(t.symbol, t.ts_ms) - horizon_ms:
            continue
        ids.add(t.trade_id)
        newest[t.symbol] = max(newest.get(t.symbol, t.ts_ms), t.ts_ms)
        out.append(t)
    return out


def reference_frames(path: Path) -> list[str]:
    """Received frames, read plainly from the file (not through our readers)."""
    frames = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if "hftbacktest" in path.parts:
                frames.append(line.partition(" ")[2])
            elif line[:1].isdigit():
                frames.append(line.partition(": ")[2])
    return frames


@functools.cache
def reference_parsed(path: Path, exchange: str) -> list[RefTrade]:
    return [t for f in reference_frames(path) for t in reference_trades(exchange, f)]


@functools.cache
def reference_candles(path: Path, exchange: str) -> dict[tuple[str, int], Ref]:
    return candles_of(dedup(reference_parsed(path, exchange)))


# ------------------------------------------------------------------------------ real recordings


def run(paths: list[Path], **kwargs: Any) -> tuple[list[Candle], Replay]:
    recordings, skipped = open_sources(paths)
    assert not skipped
    out: list[Candle] = []
    r = Replay(recordings, on_candle=[out.append], **kwargs)
    r.run()
    return out, r


@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_replay_equals_offline_computation(realdata_dir: Path, name: str) -> None:
    path = realdata_dir / name
    rec = open_recording(path)
    parsed = reference_parsed(path, rec.exchange)
    assert len(parsed) == RECORDINGS[name]
    ref = reference_candles(path, rec.exchange)

    candles, r = run([path], grace_ms=NEVER_CLOSE)
    assert r.stats.trades == RECORDINGS[name]
    assert r.stats.malformed == 0
    assert r.stats.late == 0
    got = {(c.symbol, c.ts_ms): c for c in candles}
    assert len(got) == len(candles), "two candles for one second"
    assert sorted(got) == sorted(ref)
    for k, c in got.items():
        assert (c.exchange, c.market) == (rec.exchange, rec.market)
        assert_candle(c, ref[k])
    assert_edges(r, candles)


def assert_edges(r: Replay, candles: list[Candle]) -> None:
    """Only seconds that began before the recording's first frame or end after its last one
    are incomplete (the recording's edges, recorded as gaps in exchange time)."""
    if not candles:
        return
    (start,), (end,) = (
        [g.to_ms for g in r.builder.gaps if g.from_ms == 0],
        [g.from_ms for g in r.builder.gaps if g.to_ms == 1 << 62],
    )
    assert r.stats.first_recv_ns is not None and r.stats.last_recv_ns is not None
    span_ms = (r.stats.last_recv_ns - r.stats.first_recv_ns) // 10**6
    # Both edges are receive times moved by the venue clock offset (re-estimated as trades come).
    assert end - start == pytest.approx(span_ms, abs=2_000)
    for c in candles:
        assert c.complete == (start <= c.ts_ms and c.ts_ms + 1000 <= end), c


@pytest.mark.parametrize("name", [n for n in RECORDINGS if n.startswith("hftbacktest")])
def test_replay_with_live_timing_equals_offline_computation(realdata_dir: Path, name: str) -> None:
    """With the default grace the timer closes candles as the recording goes (the recorder's
    clock was 1.27 s behind Binance): not one trade is late, same candles."""
    path = realdata_dir / name
    candles, r = run([path])
    assert r.stats.late == 0
    ref = reference_candles(path, "binance")
    assert {(c.symbol, c.ts_ms) for c in candles} == set(ref)
    for c in candles:
        assert_candle(c, ref[(c.symbol, c.ts_ms)])
    assert_edges(r, candles)
    flags = [c.complete for c in candles]
    assert not flags[0] and all(flags[1:-1])  # the recording began inside its first second
    # Closed in time order, by the timer: every candle but the last few before the flush.
    assert [c.ts_ms for c in candles] == sorted(c.ts_ms for c in candles)


def test_csv_text_equals_decimal_computation(realdata_dir: Path) -> None:
    path = realdata_dir / "hftbacktest/usdm/btcusdt_20240808.gz"
    out = io.StringIO()
    recordings, _ = open_sources([path])
    Replay(recordings, on_candle=[CandleCsvWriter(out)]).run()
    lines = out.getvalue().splitlines()
    assert lines[0] == "exchange,market,symbol,ts_ms,open,high,low,close,volume,trades"
    ref = reference_candles(path, "binance")
    want = sorted(
        ",".join(
            [
                "binance",
                "futures",
                sym,
                str(ts),
                *(decimal_text(x) for x in (c.open, c.high, c.low, c.close, c.volume)),
                str(c.trades),
            ]
        )
        for (sym, ts), c in ref.items()
    )
    assert sorted(lines[1:]) == want


def test_merged_files_equal_separate_runs(realdata_dir: Path) -> None:
    spot = realdata_dir / "hftbacktest/spot/btcusdt_20240808.gz"
    usdm = realdata_dir / "hftbacktest/usdm/btcusdt_20240808.gz"
    merged, r = run([usdm, spot])
    assert r.stats.frames == 41249 + 93954
    separate = run([spot])[0] + run([usdm])[0]
    assert sorted(merged, key=_k) == sorted(separate, key=_k)


def test_replay_is_deterministic(realdata_dir: Path) -> None:
    path = realdata_dir / "cryptofeed/BITGET.ws.2.0.gz"
    assert run([path])[0] == run([path])[0]


def test_files_without_frames_or_parser_are_skipped(realdata_dir: Path) -> None:
    recordings, skipped = open_sources(
        [
            realdata_dir / "freqtrade/XRP_ETH-trades.json.gz",
            realdata_dir / "freqtrade/public_trades_list.csv",
            realdata_dir / "cryptofeed/BINANCE_DELIVERY.ws.1.0.gz",  # COIN-M: no parser
            realdata_dir / "cryptofeed/BINANCE.ws.1.0.gz",
        ]
    )
    assert [r.path.name for r in recordings] == ["BINANCE.ws.1.0.gz"]
    assert len(skipped) == 3
    assert "freqtrade" in skipped[0] and "freqtrade" in skipped[1]
    assert "no parser for binance_delivery" in skipped[2]


def _k(c: Candle) -> tuple[str, str, str, int]:
    return (c.exchange, c.market, c.symbol, c.ts_ms)


# ------------------------------------------------------------------------------ synthetic


def _trade_frame(ts: int, price: str, qty: str, tid: int) -> str:
    return json.dumps(
        {
            "stream": "btcusdt@trade",
            "data": {
                "e": "trade",
                "E": ts,
                "T": ts,
                "s": "BTCUSDT",
                "t": tid,
                "p": price,
                "q": qty,
                "X": "MARKET",
                "m": False,
            },
        },
        separators=(",", ":"),
    )


def _recording(path: Path, frames: list[tuple[int, str]]) -> Path:
    with RecordingWriter(path, "binance", "futures", started_ms=frames[0][0] // 10**6) as w:
        for ns, frame in frames:
            w.write(frame, ns)
    return path


T0 = 1_723_161_256_000


def test_malformed_frames_are_counted_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    frames = [
        ((T0 + 10) * 10**6, _trade_frame(T0, "61800.30", "0.006", 1)),
        ((T0 + 20) * 10**6, '{"stream":"btcusdt@trade","data":{"e":"trade","p":"abc"}}'),
        (
            (T0 + 30) * 10**6,
            '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":2,',
        ),
        ((T0 + 40) * 10**6, _trade_frame(T0 + 5, "61800.4", "0.002", 2)),
        ((T0 + 50) * 10**6, '{"result":null,"id":1}'),
    ]
    path = _recording(tmp_path / "bad.jsonl.gz", frames)
    with caplog.at_level(logging.WARNING, logger="wickwatch.market.replay"):
        candles, r = run([path])
    assert (r.stats.frames, r.stats.trades, r.stats.malformed) == (5, 2, 2)
    assert [c.trades for c in candles] == [2]
    assert "malformed frame" in caplog.text and "bad.jsonl.gz" in caplog.text


def test_duplicates_are_dropped_on_the_fast_and_the_normalised_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Binance frames go through feed_frame and a de-duplicating sink (int ids); the same
    recording through parse_frame and TradeDeduper (text ids) drops the same trades."""
    clean = [
        ((T0 + 100 * i) * 10**6, _trade_frame(T0 + 300 * i, f"61800.{i}", f"0.00{i + 1}", i))
        for i in range(8)
    ]
    dup = [
        *clean[:5],
        ((T0 + 450) * 10**6, clean[3][1]),  # a second connection repeats trades 3 and 4
        ((T0 + 460) * 10**6, clean[4][1]),
        *clean[5:],
        ((T0 + 900) * 10**6, clean[1][1]),
        # a new id, but more than the horizon older than the newest trade: dropped too
        ((T0 + 950) * 10**6, _trade_frame(T0 + 2_100 - 15_001, "1", "1", 99)),
    ]
    ref, _ = run([_recording(tmp_path / "clean.jsonl.gz", clean)])
    path = _recording(tmp_path / "dup.jsonl.gz", dup)
    fast, r = run([path])
    assert (r.stats.trades, r.stats.duplicates, r.stats.late) == (12, 4, 0)
    recordings, _ = open_sources([path])
    normalised: list[Candle] = []
    r2 = Replay(recordings, on_candle=[normalised.append])
    monkeypatch.setattr(r2.parsers[0], "feed_frame", None)  # no fast path: parse_frame
    r2.run()
    assert (r2.stats.trades, r2.stats.duplicates) == (12, 4)
    assert fast == normalised == ref
    assert sum(c.trades for c in fast) == 8


def test_trades_recovered_over_rest_that_also_came_as_frames_count_once(tmp_path: Path) -> None:
    """A `wickwatch record` session of Binance with one reconnect: trades 1-10 came as frames,
    the feed held BTCUSDT, 11-15 came on the new connection, and the REST backfill returned
    9-15 (the `trades` event lists the copies the live feed accepted: 11-15, ids as text).
    The live feed counted 15 trades (its ids: 11 and "11" are one); so does the replay."""
    path = tmp_path / "binance.jsonl.gz"
    with RecordingWriter(path, "binance", "futures", started_ms=T0) as w:
        for tid in range(1, 11):
            w.write(
                _trade_frame(T0 + 20 * tid, "61800.5", "0.010", tid), (T0 + 20 * tid + 5) * 10**6
            )
        w.event("hold", {"symbol": "BTCUSDT", "from_ms": T0 + 200}, (T0 + 300) * 10**6)
        for tid in range(11, 16):
            w.write(_trade_frame(T0 + 20 * tid, "61800.5", "0.010", tid), (T0 + 400 + tid) * 10**6)
        rest = [
            Trade(
                "binance",
                "futures",
                "BTCUSDT",
                61800.5,
                0.01,
                618.005,
                "buy",
                T0 + 20 * tid,
                T0 + 500,
                str(tid),
            )
            for tid in range(11, 16)
        ]
        w.event("trades", msgspec.to_builtins(rest), (T0 + 500) * 10**6)
        w.event("release", {"symbol": "BTCUSDT"}, (T0 + 500) * 10**6)

    candles, r = run([path])

    assert (r.stats.recovered, r.stats.duplicates) == (5, 5)
    assert sum(c.trades for c in candles) == 15
    assert sum(c.volume for c in candles) == pytest.approx(0.15)


def test_paced_replay_sleeps_by_recorded_time(tmp_path: Path) -> None:
    frames = [((T0 + i * 500) * 10**6, _trade_frame(T0 + i * 500, "1", "1", i)) for i in range(5)]
    path = _recording(tmp_path / "paced.jsonl.gz", frames)
    sleeps: list[float] = []
    recordings, _ = open_sources([path])
    Replay(recordings, speed=10.0, sleep=sleeps.append).run()
    assert sleeps and max(sleeps) == pytest.approx(0.2, abs=0.05)  # 2 s of data at 10x


def _steady(path: Path, start_ms: int, first_id: int, seconds: int = 4) -> Path:
    """A recording whose frames arrive 300 ms into each second: it starts mid-second."""
    frames = [
        (
            (start_ms + 300 + k * 1000) * 10**6,
            _trade_frame(start_ms + 295 + k * 1000, "100", "1", i),
        )
        for k, i in enumerate(range(first_id, first_id + seconds))
    ]
    return _recording(path, frames)


def test_a_later_file_of_a_venue_marks_its_start_and_the_hole_before_it(tmp_path: Path) -> None:
    """Two recordings of one venue made a minute apart, replayed together: the later one's
    first second is partial and the minute in between unknown, so the edges are incomplete
    exactly as in two separate replays (a partial second must never fire an alert)."""
    a = _steady(tmp_path / "a.jsonl.gz", T0, 1)
    b = _steady(tmp_path / "b.jsonl.gz", T0 + 60_000, 100)

    together = {c.ts_ms: c.complete for c in run([a, b])[0]}

    apart = {c.ts_ms: c.complete for c in run([a])[0] + run([b])[0]}
    assert together == apart
    assert together[T0 + 60_000] is False and together[T0 + 3_000] is False
    assert together[T0 + 61_000] is True


def _symbol_trade(symbol: str, ts: int, tid: int) -> str:
    return (
        _trade_frame(ts, "100", "1", tid)
        .replace("BTCUSDT", symbol)
        .replace("btcusdt", symbol.lower())
    )


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_second_recorder_of_other_symbols_leaves_the_first_files_candles_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_path: bool
) -> None:
    """Two recorders of one venue with different --symbols, the second started 10 s later
    (a: BTCUSDT, b: ETHUSDT). Replayed together, BTCUSDT's candles are those of a alone
    (complete in the second b starts in: an alert on it fires); b's own first second is
    partial."""
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    frames = []
    for k in range(20):
        ts = T0 + 300 + 1000 * k
        frames += [((ts + 5) * 10**6, _symbol_trade("BTCUSDT", ts, k + 1))]
        frames += [((ts + 405) * 10**6, _symbol_trade("BTCUSDT", ts + 400, 100 + k))]
    _recording(a, frames)
    _recording(
        b,
        [
            ((T0 + 10_505 + 1000 * k) * 10**6, _symbol_trade("ETHUSDT", T0 + 10_500 + 1000 * k, k))
            for k in range(10)
        ],
    )

    def flags(paths: list[Path]) -> dict[tuple[str, int], bool]:
        recordings, _ = open_sources(paths)
        out: list[Candle] = []
        r = Replay(recordings, on_candle=[out.append])
        if not fast_path:
            for parser in r.parsers:
                monkeypatch.setattr(parser, "feed_frame", None)  # parse_frame instead
        r.run()
        return {(c.symbol, c.ts_ms): c.complete for c in out}

    alone, together = flags([a]), flags([a, b])
    assert alone[("BTCUSDT", T0 + 10_000)] is True
    assert {k: v for k, v in together.items() if k[0] == "BTCUSDT"} == alone
    assert together[("ETHUSDT", T0 + 10_000)] is False
    assert together[("ETHUSDT", T0 + 11_000)] is True


def test_paced_replay_skips_a_hole_between_files(tmp_path: Path) -> None:
    a = _steady(tmp_path / "a.jsonl.gz", T0, 1)
    b = _steady(tmp_path / "b.jsonl.gz", T0 + 86_400_000, 100)  # a day later
    sleeps: list[float] = []
    recordings, _ = open_sources([a, b])
    Replay(recordings, speed=1000.0, sleep=sleeps.append).run()
    assert sleeps and max(sleeps) < 0.01  # 1 s of data between frames at 1000x; not 86 s
    assert HOLE_S < 86_400


@pytest.mark.parametrize(
    ("speed", "step_ms", "wall_s"), [(0.1, 1000, 20.0), (1.0, 8000, 16.0), (4.0, 1000, 0.5)]
)
def test_paced_replay_waits_out_ordinary_silences_at_the_speed_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speed: float, step_ms: int, wall_s: float
) -> None:
    """Three frames ``step_ms`` apart take 2 steps / speed: --speed 0.1x ran twice as fast
    (each 10 s wait was cut to 5 s), and at 1x an 8 s quiet spell was cut to 5 s."""
    frames = [
        ((T0 + step_ms * k + 5) * 10**6, _trade_frame(T0 + step_ms * k, "1", "1", k))
        for k in range(3)
    ]
    path = _recording(tmp_path / "r.jsonl.gz", frames)
    clock = [1000.0]
    monkeypatch.setattr(replay_module.time, "perf_counter", lambda: clock[0])

    def sleep(s: float) -> None:
        clock[0] += s

    recordings, _ = open_sources([path])
    Replay(recordings, speed=speed, sleep=sleep).run()
    assert clock[0] - 1000.0 == pytest.approx(wall_s, abs=0.01)


def test_parse_speed() -> None:
    assert parse_speed("max") is None
    assert parse_speed("1x") == 1.0
    assert parse_speed("2.5X") == 2.5
    for bad in ("fast", "0x", "-1x", "10", "x"):
        with pytest.raises(ValueError):
            parse_speed(bad)


def test_format_decimal() -> None:
    assert format_decimal(61234.5) == "61234.5"
    assert format_decimal(float("61800.30")) == "61800.3"
    assert format_decimal(6.38e-06) == "0.00000638"
    assert format_decimal(61800.0) == "61800"
    assert format_decimal(1e22) == "10000000000000000000000"


# ------------------------------------------------------------------------------ CLI


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("replay")(replay_command)

    @app.command("noop")
    def noop() -> None:  # a second command keeps "replay" a sub-command, as in wickwatch
        pass

    return app


def test_cli_writes_csv_and_summary(realdata_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "candles.csv"
    result = CliRunner().invoke(
        _cli(),
        [
            "replay",
            str(realdata_dir / "cryptofeed/BINANCE_FUTURES.ws.1.0.gz"),
            str(realdata_dir / "freqtrade/XRP_ETH-trades.json.gz"),
            "--candles-out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert (
        lines[0]
        == ",".join(CSV_HEADER)
        == "exchange,market,symbol,ts_ms,open,high,low,close,volume,trades"
    )
    assert len(lines) == 1 + 54
    assert "skipped" in result.stderr and "freqtrade" in result.stderr
    assert "1535 frames, 91 trades" in result.stderr and "54 candles" in result.stderr
    assert "frames/s" in result.stderr


@pytest.mark.parametrize("name", sorted(n for n, trades in RECORDINGS.items() if trades))
def test_cli_candles_equal_the_offline_computation(
    realdata_dir: Path, tmp_path: Path, name: str
) -> None:
    """Spec: `wickwatch replay FILE --candles-out CSV` (default options: the live grace, so
    seconds close as the data goes) writes exactly the candles of the offline computation.
    The trades a subscription starts with (Bitget's and Bybit's snapshot of recent trades) are
    older than what the other symbols have closed by then: they count, as live, and only
    those before the recording's start are incomplete."""
    path = realdata_dir / name
    out = tmp_path / "candles.csv"
    result = CliRunner().invoke(_cli(), ["replay", str(path), "--candles-out", str(out)])
    assert result.exit_code == 0, result.output
    assert ", 0 late" in result.stderr
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    ref = reference_candles(path, open_recording(path).exchange)
    got = {(row["symbol"], int(row["ts_ms"])): row for row in rows}
    assert len(got) == len(rows)
    assert sorted(got) == sorted(ref)
    for key, row in got.items():
        want = ref[key]
        prices = ("open", "high", "low", "close")
        assert [row[k] for k in prices] == [decimal_text(getattr(want, k)) for k in prices]
        assert int(row["trades"]) == want.trades
        assert_sum(float(row["volume"]), want.volume, want.trades, want.exact_qty)
    candles, r = run([path])  # the same run: only the recording's edges are incomplete
    assert_edges(r, candles)


def test_cli_market_override_and_stdout(realdata_dir: Path) -> None:
    result = CliRunner().invoke(
        _cli(),
        [
            "replay",
            str(realdata_dir / "cryptofeed/BINANCE.ws.1.0.gz"),
            "--exchange",
            "binance",
            "--market",
            "futures",
            "--candles-out",
            "-",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("binance,futures,NKNUSDT,1633998523000,0.3528,")


def test_cli_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.txt"
    bad.write_text("hello\n")
    result = CliRunner().invoke(_cli(), ["replay", str(bad)])
    assert result.exit_code == 1
    assert "nothing to replay" in result.stderr
    result = CliRunner().invoke(_cli(), ["replay", str(bad), "--speed", "fast"])
    assert result.exit_code == 2


def _no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


def test_cli_a_file_whose_gzip_is_unreadable_is_skipped_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "corrupt.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b" + b"this is not deflate data")
    result = CliRunner().invoke(_cli(), ["replay", str(bad)])
    _no_traceback(result)
    assert result.exit_code == 1
    assert "corrupt.jsonl.gz: damaged compressed data" in result.stderr
    assert "nothing to replay" in result.stderr


def test_cli_replays_a_recording_damaged_mid_file_up_to_the_damage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged block in the middle of a gzip recording (a bad disk sector, a broken copy):
    the frames before it replay, the file stops there with a warning, the run finishes."""
    frames = [
        ((T0 + 10 * k) * 10**6, _trade_frame(T0 + 10 * k, "61000", "1", k)) for k in range(2000)
    ]
    rec = _recording(tmp_path / "rec.jsonl.gz", frames)
    data = bytearray(rec.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0x55
    rec.write_bytes(bytes(data))
    out = tmp_path / "candles.csv"
    with caplog.at_level(logging.WARNING, logger="wickwatch.market.recording"):
        result = CliRunner().invoke(_cli(), ["replay", str(rec), "--candles-out", str(out)])
    _no_traceback(result)
    assert result.exit_code == 0
    assert "rec.jsonl.gz: damaged compressed data" in caplog.text
    rows = out.read_text().splitlines()[1:]
    assert 0 < sum(int(row.rsplit(",", 1)[1]) for row in rows) < 2000


def test_cli_replays_a_gzip_file_padded_with_zeros(realdata_dir: Path, tmp_path: Path) -> None:
    """A recording zero-padded at the end (a crash or power loss on ext4, a partial copy):
    `zcat` reads it, ignoring the zeros; so does the replay."""
    src = realdata_dir / "cryptofeed/BINANCE_FUTURES.ws.1.0.gz"
    padded = tmp_path / "BINANCE_FUTURES.ws.1.0.gz"
    padded.write_bytes(src.read_bytes() + b"\0" * 4096)
    result = CliRunner().invoke(_cli(), ["replay", str(padded), "--candles-out", "-"])
    _no_traceback(result)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1 + 54


def test_cli_replays_a_recording_starting_with_a_byte_order_mark(tmp_path: Path) -> None:
    """A recording saved by an editor that adds a UTF-8 BOM."""
    rec = tmp_path / "edited.jsonl"
    header = b'{"wickwatch_recording":1,"exchange":"binance","market":"futures","started_ms":1}'
    line = json.dumps({"recv_ns": (T0 + 5) * 10**6, "frame": _trade_frame(T0, "61000", "1", 1)})
    rec.write_bytes(b"\xef\xbb\xbf" + header + b"\n" + line.encode() + b"\n")
    result = CliRunner().invoke(_cli(), ["replay", str(rec), "--candles-out", "-"])
    _no_traceback(result)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        f"binance,futures,BTCUSDT,{T0},61000,61000,61000,61000,1,1"
    ]


def test_minutes_from_a_real_replay(realdata_dir: Path) -> None:
    path = realdata_dir / "hftbacktest/spot/btcusdt_20240808.gz"
    recordings, _ = open_sources([path])
    seconds: list[Candle] = []
    minutes: list[Candle] = []
    Replay(recordings, on_candle=[seconds.append], on_minute=[minutes.append]).run()
    assert [m.ts_ms % 60_000 for m in minutes] == [0] * len(minutes)
    assert len(minutes) == 7  # 23:54 .. 00:00 (recorder clock 1.27 s behind exchange time)
    for m in minutes:
        inside = [c for c in seconds if m.ts_ms <= c.ts_ms < m.ts_ms + 60_000]
        assert m.trades == sum(c.trades for c in inside)
        assert (m.open, m.close) == (inside[0].open, inside[-1].close)
        assert (m.high, m.low) == (max(c.high for c in inside), min(c.low for c in inside))
        assert Decimal(repr(m.volume)) == sum(Decimal(repr(c.volume)) for c in inside)
        assert (
            m.complete
            == all(c.complete for c in inside)
            == (m is not minutes[0] and m is not minutes[-1])
        )


def test_cli_output_that_cannot_be_created_is_a_clear_error(
    realdata_dir: Path, tmp_path: Path
) -> None:
    rec = str(realdata_dir / "cryptofeed/BINANCE_FUTURES.ws.1.0.gz")
    missing = tmp_path / "no-such-dir"
    for option in ("--candles-out", "--alerts-out"):
        args = ["replay", rec, option, str(missing / "out.txt"), "--min-delta", "0.05"]
        result = CliRunner().invoke(_cli(), args)
        assert result.exit_code == 2, result.output
        assert option in result.stderr and "No such file or directory" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_a_failed_run_leaves_earlier_results_alone(realdata_dir: Path, tmp_path: Path) -> None:
    """A mistyped flag or a wrong input file must not empty yesterday's output files."""
    rec = str(realdata_dir / "cryptofeed/BINANCE_FUTURES.ws.1.0.gz")
    candles, alerts = tmp_path / "candles.csv", tmp_path / "alerts.jsonl"
    candles.write_text("earlier candles\n")
    alerts.write_text("earlier alerts\n")
    not_a_recording = tmp_path / "notes.txt"
    not_a_recording.write_text("hello\n")
    outputs = ["--candles-out", str(candles), "--alerts-out", str(alerts)]
    for args, code in (
        ([rec, *outputs, "--min-delta", "-1"], 2),
        ([rec, *outputs, "--min-delta", "0.05", "--window-s", "0"], 2),
        ([str(not_a_recording), *outputs, "--min-delta", "0.05"], 1),
    ):
        result = CliRunner().invoke(_cli(), ["replay", *args])
        assert result.exit_code == code, result.output
        assert candles.read_text() == "earlier candles\n"
        assert alerts.read_text() == "earlier alerts\n"
