"""Market-data benchmark: decoding baselines vs our parser + CandleBuilder, replay, memory.

    uv run python bench/bench_market.py [--file PATH] [--repeat 15] [--skip-replay]

On the trade frames of a Binance recording held in memory (``str``, as aiohttp hands a text
frame to a connector), side by side in one run:

* ``orjson.loads`` of every frame, and msgspec typed decoding of the same frames into a Struct of
  the trade fields (the baselines), declared in the documentation's order and in the order the
  frames carry them (msgspec finds each key at once then: faster; the goal's ratio is taken
  against the faster of the two);
* ours, fast path: ``BinanceFuturesParser.feed_frame`` → ``CandleBuilder.add_raw`` (no ``Trade``
  objects), the parser given a listing as a live connector gives it (and without one, as the
  replay runs it), with candles closed as the replay closes them (``close_due`` whenever
  ``next_due_ms`` is reached) and flushed at the end;
* ours, normalised path: ``parse_frame`` → ``Trade`` list → ``add_frame``, closed the same way;
* a breakdown: each half alone, the parser's checked path (what every frame took before the fast
  path), and a reference loop with decode and candle update inlined (no call, one symbol, no
  clock, no closing): what any per-frame Python costs at least.

Each case runs ``--repeat`` interleaved rounds timed in process CPU time (the machine is shared:
time-slicing by other processes does not count, and noise hits every case alike); the table
shows the best round and, as the noise, how much slower the median round was. Then the whole
``wickwatch replay --speed max`` run as a subprocess, and the RSS of builder state for 10,000
symbols.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import orjson

from wickwatch.market.candles import CandleBuilder, MinuteAggregator
from wickwatch.market.connectors._tracks import Track
from wickwatch.market.connectors.binance import BinanceFutures
from wickwatch.market.connectors.feed import Feed
from wickwatch.market.connectors.status import FeedStatus
from wickwatch.market.recording import open_recording
from wickwatch.market.types import BUY, FUTURES, Instrument, Trade
from wickwatch.market.venues import binance
from wickwatch.market.venues.binance import BinanceFuturesParser

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "realdata" / "hftbacktest" / "usdm" / "btcusdt_20240808.gz"


class TradeFields(msgspec.Struct, gc=False):
    """The fields of a Binance USD-M ``trade`` event, typed (decimal strings read as floats)."""

    e: str
    s: str
    t: int
    p: float
    q: float
    T: int
    m: bool
    X: str = "MARKET"


class Combined(msgspec.Struct, gc=False):
    data: TradeFields


class TradeFieldsInFrameOrder(msgspec.Struct, gc=False, kw_only=True):
    """The same fields declared in the order USD-M sends them: msgspec's fastest typed decode."""

    e: str
    T: int
    s: str
    t: int
    p: float
    q: float
    X: str = "MARKET"
    m: bool


class CombinedInFrameOrder(msgspec.Struct, gc=False):
    data: TradeFieldsInFrameOrder


#: about the size of Binance's USD-M perpetual listing (the recording's symbols among them)
LISTED_SYMBOLS = 600


def listed_parser(frames: list[tuple[int, str]]) -> BinanceFuturesParser:
    """The parser as a live connector has it: given the venue's listing (the recording's symbols
    and synthetic others, :data:`LISTED_SYMBOLS` in all)."""
    seen = {binance.fast_decoder(FUTURES)(f).data.s for _, f in frames}
    names = sorted(seen) + [f"SYN{i}USDT" for i in range(LISTED_SYMBOLS - len(seen))]
    return BinanceFuturesParser(
        Instrument("binance", FUTURES, n, n[:-4], "USDT", True, "0.1") for n in names
    )


def load_trade_frames(path: Path) -> list[tuple[int, str]]:
    """``(recv_ms, frame)`` of every ``@trade`` frame of a recording."""
    rec = open_recording(path)
    out = []
    for ns, frame in rec:
        if isinstance(frame, str) and frame.startswith('{"stream":"') and '@trade"' in frame[:40]:
            out.append((ns // 1_000_000, frame))
    return out


def rss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class _NoSink:
    """Takes feed_frame's trades and does nothing: the parser half of the fast path alone."""

    def add_raw(self, *args: object) -> None:
        pass


def cases(frames: list[tuple[int, str]]) -> dict[str, Callable[[], object]]:
    texts = [f for _, f in frames]
    parser = listed_parser(frames)
    unlisted = BinanceFuturesParser()  # the replay's: no listing, symbols decoded as new strings
    loads = orjson.loads
    typed = msgspec.json.Decoder(Combined, strict=False).decode
    typed_in_order = msgspec.json.Decoder(CombinedInFrameOrder, strict=False).decode

    def run_orjson() -> None:
        for f in texts:
            loads(f)

    def run_msgspec() -> None:
        for f in texts:
            typed(f)

    def run_msgspec_in_order() -> None:
        for f in texts:
            typed_in_order(f)

    def fast_path(p: BinanceFuturesParser) -> Callable[[], None]:
        def run() -> None:
            b = CandleBuilder()
            feed = p.feed_frame
            close_due = b.close_due
            for r, f in frames:
                if r >= b.next_due_ms:  # what the replay does; a live timer calls it every ~50 ms
                    close_due(r)
                feed(f, r, b)
            b.flush()

        return run

    run_fast, run_fast_unlisted = fast_path(parser), fast_path(unlisted)

    def run_normalised() -> None:
        b = CandleBuilder()
        parse = parser.parse_frame
        add_frame = b.add_frame
        close_due = b.close_due
        for r, f in frames:
            if r >= b.next_due_ms:
                close_due(r)
            trades = parse(f, r)
            if trades:
                add_frame(trades)
        b.flush()

    def run_live() -> None:
        # What a live Binance connection runs per frame: the feed as the parser's sink
        # (de-duplication by trade id, status counts), then the builder. Not the issue's
        # "parser + candle builder" figure: that is (c).
        b = CandleBuilder()
        feed = Feed(BinanceFutures, sink=b, parser=parser)
        feed_frame = parser.feed_frame
        close_due = b.close_due
        for r, f in frames:
            if r >= b.next_due_ms:
                close_due(r)
            feed_frame(f, r, feed)
        b.flush()

    def run_feed_no_builder() -> None:
        sink = _NoSink()
        feed = parser.feed_frame
        for r, f in frames:
            feed(f, r, sink)

    fields = []
    for r, f in frames:
        ev = parser._decode_fast(f).data
        fields.append((ev.s, ev.T, ev.p, ev.q, not ev.m, r, ev.id))
    venue = parser.venue

    def run_builder_alone() -> None:
        b = CandleBuilder()
        add_raw = b.add_raw
        close_due = b.close_due
        for s, ts, p, q, buy, r, tid in fields:
            if r >= b.next_due_ms:
                close_due(r)
            add_raw(venue, s, ts, p, q, buy, r, tid)
        b.flush()

    def run_parse() -> None:
        parse = parser.parse_frame
        for r, f in frames:
            parse(f, r)

    def run_checked() -> None:
        parse = parser._parse_checked
        for r, f in frames:
            parse(f, r)

    decode = parser._decode_fast

    def run_inline_floor() -> None:
        # Not the builder: its per-trade update written straight into the loop for one symbol
        # (no method call, no venue, no clock, no closing). Any per-frame API costs more.
        acc: list[float] = []
        end = 0
        for _r, f in frames:
            if f[-3] != "e":
                continue
            ev = decode(f).data
            ts = ev.T
            p = ev.p
            q = ev.q
            if ts < end:
                acc[0] = p
                if p > acc[1]:
                    acc[1] = p
                elif p < acc[2]:
                    acc[2] = p
                acc[3] += q
                acc[4] += p * q
                acc[5] += 1
                if not ev.m:
                    acc[6] += q
            else:
                end = ts - ts % 1000 + 1000
                acc = [p, p, p, q, p * q, 1, 0.0 if ev.m else q]

    return {
        "orjson.loads": run_orjson,
        "msgspec typed": run_msgspec,
        "msgspec typed, fields in frame order": run_msgspec_in_order,
        "ours, fast path (feed_frame -> add_raw)": run_fast,
        "  fast path, symbols not listed (replay)": run_fast_unlisted,
        "ours, normalised (parse_frame -> add_frame)": run_normalised,
        "  live: feed_frame -> Feed.add_raw -> add_raw": run_live,
        "  fast path, parser half (no-op sink)": run_feed_no_builder,
        "  fast path, builder half (add_raw, closing)": run_builder_alone,
        "  parse_frame alone": run_parse,
        "  checked path alone (parse_frame before)": run_checked,
        "  floor: decode + update inlined in the loop": run_inline_floor,
    }


def measure(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):  # interleaved rounds: noise hits every case alike
        for name, fn in fns.items():
            gc.collect()
            t0 = time.process_time()  # CPU time: time-slicing by other processes does not count
            fn()
            times[name].append(time.process_time() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--skip-replay", action="store_true")
    args = ap.parse_args()

    frames = load_trade_frames(args.file)
    n = len(frames)
    parser = BinanceFuturesParser()
    n_trades = sum(len(parser.parse_frame(f, r) or []) for r, f in frames)
    print(f"file: {args.file}")
    print(f"trade frames in memory: {n:,} ({n_trades:,} trades)  python {sys.version.split()[0]}")
    print(f"{args.repeat} interleaved rounds, process CPU time; load average {os.getloadavg()}")

    times = measure(cases(frames), args.repeat)
    best = {name: min(ts) for name, ts in times.items()}
    # The goal is judged against the faster of the two msgspec declarations (the stricter).
    base = min(best["msgspec typed"], best["msgspec typed, fields in frame order"])
    print(
        f"\n{'case':46} {'frames/s':>10} {'trades/s':>10} {'ns/frame':>8} "
        f"{'vs typed':>8} {'noise':>6}"
    )
    for name, secs in best.items():
        noise = statistics.median(times[name]) / secs - 1
        print(
            f"{name:46} {n / secs:10,.0f} {n_trades / secs:10,.0f} {secs / n * 1e9:8.0f} "
            f"{base / secs:8.0%} {noise:+6.0%}"
        )
    fast = best["ours, fast path (feed_frame -> add_raw)"]
    normalised = best["ours, normalised (parse_frame -> add_frame)"]
    print(
        f"\nours, fast path: {n / fast:,.0f} frames/s, {n_trades / fast:,.0f} trades/s = "
        f"{base / fast:.0%} of msgspec typed, the faster declaration (goal >= 50%); "
        f"{best['msgspec typed'] / fast:.0%} of the fields in documentation order; "
        f"normalised path {base / normalised:.0%}"
    )
    print("(noise: median round vs best round of the same case)")

    dedup_micro(frames, args.repeat)
    if not args.skip_replay:
        replay_subprocess(args.file)
    memory_10k()


def dedup_micro(frames: list[tuple[int, str]], rounds: int) -> None:
    """The live feed's own per-trade costs, alone: de-duplication, the set path (every venue
    before, and still the path of venues without consecutive ids) against runs of ids
    (``int_ids``), and the status counters (``FeedStatus.record_trade``)."""
    trades = []
    for _r, f in frames:
        ev = binance.fast_decoder(FUTURES)(f).data
        trades.append((ev.id, ev.T))
    horizon = 15_000  # FeedConfig.dedup_horizon_ms

    def run_set() -> None:
        accept = Track("BTCUSDT", horizon).accept_id
        for tid, ts in trades:
            accept(str(tid), ts)

    def run_runs() -> None:
        accept = Track("BTCUSDT", horizon, int_ids=True).accept_raw
        for tid, ts in trades:
            accept(tid, ts)

    def run_loop() -> None:
        for _tid, _ts in trades:
            pass

    times_ms = [(ts, r) for (_tid, ts), (r, _f) in zip(trades, frames, strict=True)]

    def run_status() -> None:
        # the live feed's other per-trade cost: rate and lag counters (this file's lags are
        # negative, ~-1.27 s: the recorder's clock was behind; the same bin table covers them)
        record = FeedStatus("binance", "futures").record_trade
        for ts, r in times_ms:
            record(ts, r)

    times = measure(
        {"set": run_set, "runs": run_runs, "status": run_status, "loop": run_loop}, rounds
    )
    loop = min(times["loop"])
    n = len(trades)
    print(f"\nlive feed per trade ({n:,} trades, loop overhead subtracted):")
    for name, label in (
        ("set", "str(id) + Track.accept_id (set path)"),
        ("runs", "Track.accept_raw (int ids, runs)"),
        ("status", "FeedStatus.record_trade (not de-dup.)"),
    ):
        print(f"  {label:38} {(min(times[name]) - loop) / n * 1e9:5.0f} ns")


def replay_subprocess(path: Path) -> None:
    wickwatch = shutil.which("wickwatch") or "wickwatch"
    cmd = [wickwatch, "replay", str(path), "--speed", "max"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    summary = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "(no output)"
    print(f"\nreplay subprocess: wickwatch replay {path} --speed max")
    print(f"  exit {proc.returncode}, wall {wall:.2f} s (incl. interpreter start)")
    print(f"  {summary}")
    m = re.search(r"in ([\d.]+) s", summary)
    if m:
        print(f"  replay loop {m.group(1)} s; startup + imports {wall - float(m.group(1)):.2f} s")


def memory_10k(symbols: int = 10_000) -> None:
    gc.collect()
    before = rss_kb()
    b = CandleBuilder()
    minutes = MinuteAggregator()
    venues = [("binance", "spot"), ("binance", "futures"), ("okx", "spot"), ("bybit", "futures")]
    t0 = 1_723_161_256_000
    names = [f"SYM{i:05d}USDT" for i in range(symbols)]
    for sec in range(3):  # every symbol trades in 3 seconds: 2 closed, 1 left open
        for i, name in enumerate(names):
            ex, mk = venues[i % len(venues)]
            ts = t0 + sec * 1000 + i % 997
            for k in range(3):
                b.add(Trade(ex, mk, name, 1.5 + k, 2.0, 3.0, BUY, ts + k, ts + 5, str(k)))
        if sec < 2:
            for c in b.close_due(t0 + sec * 1000 + 1_300):
                minutes.add(c)
    gc.collect()
    after = rss_kb()
    print(
        f"\nmemory: {b.symbols:,} symbols, {b.open_candles:,} open 1 s candles, "
        f"{sum(len(v) for v in minutes._open.values()):,} open minutes: "
        f"RSS +{(after - before) / 1024:.1f} MB (goal < 100 MB)"
    )


if __name__ == "__main__":
    main()
