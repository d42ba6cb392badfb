"""Detection benchmark: 10,000 users, 5,000 symbols at one candle per second each.

    uv run python bench/bench_detection.py [--users 10000] [--symbols 5000] [--seconds 60]
                                           [--warmup 60] [--trades-per-candle 4] [--spikes 1]

Each simulated second: every symbol gets a frame of trades (count drawn around
``--trades-per-candle``, heavy tail), the real :class:`~wickwatch.market.CandleBuilder` builds
them (``add_frame`` per symbol), then closes the second and hands the candles to
:class:`~wickwatch.detection.Detector`:

* ``--handover slice`` (default, what the collector does): ``close_due_slices`` closes one
  venue × second at a time (~420 candles here) and each slice goes through
  ``Detector.on_candles`` before the next one is closed;
* ``--handover second``: one ``close_due``, then ``on_candles`` on the whole 5,000-candle batch
  (the previous hand-over); ``--each``: ``on_candle`` per candle (the scalar path).

``--spikes`` symbols per second get a wick of 1-10 % (up or down, reverting), so alerts,
de-duplication and cooldown work is included.

Reported:

* building cost per candle (``add_frame`` + closing) vs detection cost per candle, both in
  process CPU time over the measured seconds (the warm-up fills the 60 s windows first);
* per-candle ``on_candle`` wall time percentiles (``--each``);
* close → draft latency, wall time: per candle and per draft, from the moment its slice (or
  batch) was closed to the moment the detector returned it; from the moment the closing of its
  slice started (an upper bound of the candle's own close, which is inside that); and per draft
  from the moment ``close_due`` was called for the second (every earlier slice's closing and
  detection included);
* garbage-collector pauses during the measured seconds (``gc.callbacks``);
* index build time for the users, one ``update_user`` (settings change) time.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from typing import Any

from wickwatch.detection import Detector, UserSettings
from wickwatch.detection.schemas import EXCHANGE_MARKETS
from wickwatch.market.candles import CandleBuilder
from wickwatch.market.types import BUY, SELL, Trade

#: Users' minimum delta (%) of their global group: mostly 2-5 %, 3 % of users at 1 %.
DELTAS = [1.0] * 3 + [2.0] * 17 + [3.0] * 40 + [5.0] * 25 + [10.0] * 15
#: ``--aggressive``: 1 % of users at 0.5 %, 9 % at 1 % (alert floods for those users).
AGGRESSIVE_DELTAS = [0.5] + [1.0] * 9 + [2.0] * 25 + [3.0] * 35 + [5.0] * 20 + [10.0] * 10
#: Users' window (s): short windows are the common choice, every size 1-60 appears.
WINDOWS = [1] * 30 + [2] * 10 + [3] * 10 + [5] * 15 + [10] * 10 + [15] * 5 + [30] * 5 + [60] * 5
WINDOWS += list(range(1, 61))
QUOTE_USD = {"FDUSD": 1.0, "USDT": 1.0, "USDC": 1.0, "BTC": 60_000.0, "ETH": 3_000.0, "TRY": 0.03}
QUOTES = ["USDT"] * 70 + ["USDC"] * 12 + ["FDUSD"] * 4 + ["BTC"] * 8 + ["ETH"] * 3 + ["TRY"] * 3


Sym = tuple[str, str, str, float, float, float]


def make_symbols(n: int, rnd: random.Random) -> list[Sym]:
    """(exchange, market, symbol, start price, 1 s volatility %, USD per quote unit)."""
    out: list[Sym] = [
        ("binance", "spot", "BTCUSDT", 60_000.0, 0.02, 1.0),
        ("binance", "spot", "ETHUSDT", 3_000.0, 0.03, 1.0),
        ("binance", "spot", "TRYUSDT", 0.03, 0.01, 1.0),  # (not the real inverse, a rate source)
    ]
    i = 0
    while len(out) < n:
        em = EXCHANGE_MARKETS[i % len(EXCHANGE_MARKETS)]
        exchange, market = em.split("_")
        quote = rnd.choice(QUOTES)
        base = f"C{i:05d}"
        if exchange == "hyperliquid":
            quote = "USDC"
        if exchange == "okx":
            symbol = f"{base}-{quote}" + ("-SWAP" if market == "futures" else "")
        elif exchange == "gate":
            symbol = f"{base}_{quote}"
        elif exchange == "hyperliquid" and market == "futures":
            symbol = base
        else:
            symbol = f"{base}{quote}"
        price = 10 ** rnd.uniform(-4, 3) / QUOTE_USD[quote]
        vol = rnd.choice([0.005, 0.01, 0.015, 0.02, 0.03, 0.05])  # 1 s σ, %
        out.append((exchange, market, symbol, price, vol, QUOTE_USD[quote]))
        i += 1
    return out


def make_users(n: int, rnd: random.Random, bases: list[str]) -> list[UserSettings]:
    users = []
    for _ in range(n):
        doc: dict[str, Any] = {
            "cooldown_s": rnd.choice([0, 30, 60, 60, 60, 300]),
            "thresholds": [
                {
                    "min_delta_pct": rnd.choice(DELTAS),
                    "min_volume_usd": rnd.choice([0, 5_000, 10_000, 50_000, 100_000]),
                    "min_wick_pct": rnd.choice([0, 0, 0, 30, 50]),
                    "window_s": rnd.choice(WINDOWS),
                }
            ],
        }
        r = rnd.random()
        if r < 0.3:  # per-exchange / per-quote groups, some feeds off
            seen = {("*", "*", "*")}
            for _ in range(rnd.randint(1, 4)):
                key = (
                    rnd.choice(["binance", "bybit", "okx", "bitget", "gate", "*"]),
                    rnd.choice(["spot", "futures", "*"]),
                    rnd.choice(["USDT", "BTC", "USDC", "*"]),
                )
                if key in seen:
                    continue
                seen.add(key)
                doc["thresholds"].append(
                    {
                        "exchange": key[0],
                        "market": key[1],
                        "quote": key[2],
                        "min_delta_pct": rnd.choice([1.0, 2.0, 4.0, 8.0]),
                        "min_volume_usd": rnd.choice([0, 20_000]),
                        "window_s": rnd.choice([1, 5, 20]),
                    }
                )
            doc["switches"] = {
                "hyperliquid": {"spot": False},
                "gate": {"futures": rnd.random() < 0.5},
            }
        if rnd.random() < 0.3:
            doc["blacklist"] = rnd.sample(bases, rnd.randint(1, 30))
        if rnd.random() < 0.05:
            doc["whitelist"] = rnd.sample(bases, rnd.randint(5, 100))
        if rnd.random() < 0.15:
            doc["overrides"] = [
                {"symbol": b, "min_delta_pct": rnd.choice([0.5, 1.0, 10.0]), "window_s": 3}
                for b in rnd.sample(bases, rnd.randint(1, 20))
            ]
        if rnd.random() < 0.15:
            doc["strategies"] = [
                {
                    "name": f"s{k}",
                    "use_global_thresholds": (own := rnd.random() < 0.5) is False,
                    "window_s": rnd.choice([5, 30, 60]),
                    "destinations": ["telegram"],
                    "conditions": [
                        {"type": "delta", "min_pct": rnd.choice([2.0, 5.0, 10.0])},
                        *([{"type": "direction", "direction": "down"}] if own else []),
                        *(
                            [{"type": "series", "count": 3, "within_s": 3600}]
                            if rnd.random() < 0.5
                            else []
                        ),
                    ],
                }
                for k in range(rnd.randint(1, 3))
            ]
        users.append(UserSettings.model_validate(doc))
    return users


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q / 100 * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--users", type=int, default=10_000)
    ap.add_argument("--symbols", type=int, default=5_000)
    ap.add_argument("--seconds", type=int, default=60, help="measured seconds")
    ap.add_argument("--warmup", type=int, default=60, help="seconds before measuring")
    ap.add_argument("--trades-per-candle", type=float, default=4.0, help="mean trades per candle")
    ap.add_argument("--spikes", type=float, default=0.1, help="spiking symbols per second")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--aggressive", action="store_true", help="more users at 0.5-1 %% thresholds")
    ap.add_argument("--each", action="store_true", help="on_candle per candle, not on_candles")
    ap.add_argument(
        "--handover",
        choices=["slice", "second"],
        default="slice",
        help="slice: close_due_slices, detection per venue × second as it closes (what the "
        "collector does); second: one close_due, then the whole batch (the previous hand-over)",
    )
    ap.add_argument(
        "--refreeze",
        action="store_true",
        help="gc.freeze() again after the warm-up (symbol states and windows out of GC scans)",
    )
    args = ap.parse_args()
    if args.each:
        args.handover = "second"
    if args.aggressive:
        global DELTAS
        DELTAS = AGGRESSIVE_DELTAS
    rnd = random.Random(args.seed)

    symbols = make_symbols(args.symbols, rnd)
    bases = sorted({s[2][:6] for s in symbols if s[2].startswith("C")})
    t0 = time.perf_counter()
    users = make_users(args.users, rnd, bases)
    t_validate = time.perf_counter() - t0

    detector = Detector()
    t0 = time.perf_counter()
    detector.load_users(enumerate(users, start=1))
    t_index = time.perf_counter() - t0
    print(
        f"users: {args.users:,} validated in {t_validate:.2f} s, indexed in {t_index:.2f} s "
        f"({detector.rule_count:,} compiled rules)"
    )

    # Long-lived state (settings models, compiled rules) out of the cyclic GC's way, as the
    # detection process should do after loading users (gen-2 passes over ~10^6 objects cost
    # tens of milliseconds each).
    gc.collect()
    gc.freeze()
    builder = CandleBuilder(grace_ms=0)
    prices = [s[3] for s in symbols]
    usd = [s[5] for s in symbols]
    start_ms = 1_700_000_000_000
    mean_n = args.trades_per_candle

    def trades_of_second(sec: int) -> list[list[Trade]]:
        frames = []
        spiking = (
            set(rnd.sample(range(len(symbols)), int(args.spikes))) if args.spikes >= 1 else set()
        )
        if args.spikes < 1 and rnd.random() < args.spikes:
            spiking = {rnd.randrange(len(symbols))}
        base_ms = start_ms + sec * 1000
        for i, (exchange, market, symbol, _, vol, _usd) in enumerate(symbols):
            n = max(1, int(rnd.expovariate(1 / mean_n)))
            p = prices[i]
            frame = []
            for k in range(n):
                p *= 1 + rnd.gauss(0, vol / 100 / max(1, n) ** 0.5)
                if i in spiking and k == n // 2:
                    size = rnd.uniform(1, 10) / 100 * rnd.choice([1, -1])
                    ts = base_ms + 500
                    sp = p * (1 + size)
                    sq = rnd.uniform(20_000, 200_000) / usd[i] / sp
                    frame.append(
                        Trade(
                            exchange,
                            market,
                            symbol,
                            sp,
                            sq,
                            sp * sq,
                            BUY,
                            ts,
                            ts + 30,
                            f"x{sec}",
                        )
                    )
                ts = base_ms + (k * 997) // n
                q = rnd.lognormvariate(5, 1.5) / usd[i] / p  # ~150 USD median, heavy tail
                frame.append(
                    Trade(
                        exchange,
                        market,
                        symbol,
                        p,
                        q,
                        p * q,
                        BUY if k % 2 else SELL,
                        ts,
                        ts + 30,
                        f"{sec}-{k}",
                    )
                )
            prices[i] = p
            frame.sort(key=lambda t: t.ts_ms)
            frames.append(frame)
        return frames

    build_cpu = detect_cpu = 0.0
    candles_n = trades_n = drafts_n = 0
    per_candle: list[float] = []
    draft_latency: list[float] = []
    draft_latency_built: list[float] = []
    candle_latency: list[float] = []
    slice_latency: list[float] = []
    slice_detect: list[float] = []
    slice_detect_cpu: list[float] = []
    slice_sizes: list[int] = []
    batch_detect: list[float] = []
    close_wall: list[float] = []
    close_cpu: list[float] = []
    detect_batch_cpu: list[float] = []
    batch_secs: list[int] = []
    gc_pauses: list[float] = []
    gc_full: list[float] = []
    gc_start = [0.0]
    measuring = False

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_start[0] = time.perf_counter()
        elif measuring:
            gc_pauses.append(time.perf_counter() - gc_start[0])
            if info["generation"] == 2:
                gc_full.append(gc_pauses[-1])

    gc.callbacks.append(on_gc)
    total = args.warmup + args.seconds
    perf = time.perf_counter
    for sec in range(total):
        frames = trades_of_second(sec)
        if sec == args.warmup and args.refreeze:
            gc.collect()
            gc.freeze()
        measuring = sec >= args.warmup
        c0 = time.process_time()
        for frame in frames:
            builder.add_frame(frame)
        c1 = time.process_time()
        due = start_ms + (sec + 1) * 1000 + 30
        lat_c: list[float] = []  # per candle: its batch / slice closed → detection done
        lat_s: list[float] = []  # per candle: closing of its slice started → detection done
        lat_d: list[float] = []  # per draft: its batch / slice closed → detection done
        lat_b: list[float] = []  # per draft: close_due called → detection done
        n_closed = 0
        if args.handover == "slice":
            # What the collector does: close_due_slices closes one venue × second at a time
            # and each slice goes through detection before the next one is closed.
            build_s = detect_s = close_w = detect_w = 0.0
            w_close = perf()
            slices = builder.close_due_slices(due)
            while True:
                ca = time.process_time()
                wa = perf()
                part = next(slices, None)
                wb = perf()
                cb = time.process_time()
                build_s += cb - ca
                close_w += wb - wa
                if part is None:
                    break
                drafts = detector.on_candles(part)
                b = perf()
                cc = time.process_time()
                detect_s += cc - cb
                detect_w += b - wb
                n = len(part)
                n_closed += n
                lat_c.extend([b - wb] * n)
                lat_s.extend([b - wa] * n)
                if drafts:
                    lat_d.extend([b - wb] * len(drafts))
                    lat_b.extend([b - w_close] * len(drafts))
                drafts_n += len(drafts) if measuring else 0
                if measuring:
                    slice_detect.append(b - wb)
                    slice_detect_cpu.append(cc - cb)
                    slice_sizes.append(n)
            c2 = c1 + build_s
            c3 = c2 + detect_s
            w0 = w1 = 0.0
        else:
            w_close = perf()
            closed = builder.close_due(due)
            w_closed = perf()
            c2 = time.process_time()
            close_w = w_closed - w_close
            n_closed = len(closed)
            w0 = perf()
            if args.each:
                on_candle = detector.on_candle
                for c in closed:
                    a = perf()
                    drafts = on_candle(c)
                    b = perf()
                    if measuring:
                        per_candle.append(b - a)
                        lat_c.append(b - w_closed)
                        if drafts:
                            lat_d.extend([b - w_closed] * len(drafts))
                            lat_b.extend([b - w_close] * len(drafts))
                    drafts_n += len(drafts) if measuring else 0
            else:
                drafts = detector.on_candles(closed)
            w1 = perf()
            c3 = time.process_time()
            detect_w = w1 - w0
            if not args.each:
                lat_c.extend([w1 - w_closed] * n_closed)
                lat_d.extend([w1 - w_closed] * len(drafts))
                lat_b.extend([w1 - w_close] * len(drafts))
                drafts_n += len(drafts) if measuring else 0
            lat_s = lat_c
        if measuring:
            build_cpu += (c1 - c0) + (c2 - c1)
            detect_cpu += c3 - c2
            candles_n += n_closed
            trades_n += sum(len(f) for f in frames)
            candle_latency.extend(lat_c)
            slice_latency.extend(lat_s)
            draft_latency.extend(lat_d)
            draft_latency_built.extend(lat_b)
            batch_detect.append(detect_w)
            close_wall.append(close_w)
            close_cpu.append(c2 - c1)
            detect_batch_cpu.append(c3 - c2)
            batch_secs.append(sec)
        if sec % 20 == 19:
            print(f"  second {sec + 1}/{total}: {n_closed} candles", flush=True)
    gc.callbacks.remove(on_gc)

    # The timing inside the batch loop (two perf_counter calls, list appends per candle) is not
    # detection: calibrate it with a no-op in place of on_candle and subtract it.
    def noop(c: object) -> tuple[()]:
        return ()

    def timed_loop() -> None:
        sink: list[float] = []
        for c in closed:
            a = perf()
            drafts = noop(c)
            b = perf()
            sink.append(b - a)
            sink.append(b - w_close)
            if drafts:
                sink.append(b)

    def bare_loop() -> None:
        for c in closed:
            noop(c)

    loop_overhead = 0.0
    if args.each:
        reps = 50
        c0 = time.process_time()
        for _ in range(reps):
            timed_loop()
        c1 = time.process_time()
        for _ in range(reps):
            bare_loop()
        c2 = time.process_time()
        loop_overhead = ((c1 - c0) - (c2 - c1)) / reps / len(closed) * candles_n

    detect_net = detect_cpu - loop_overhead
    print()
    print(
        f"measured: {args.seconds} s, {candles_n:,} candles, {trades_n:,} trades "
        f"({trades_n / candles_n:.1f} per candle), {drafts_n:,} alert drafts"
    )
    print(
        f"candle building (CandleBuilder add_frame + close_due): "
        f"{build_cpu / candles_n * 1e6:.2f} µs/candle, {build_cpu / trades_n * 1e6:.2f} µs/trade"
    )
    if args.each:
        api = "on_candle per candle, timing overhead removed"
    elif args.handover == "slice":
        api = "on_candles per venue × second slice"
    else:
        api = "on_candles per second's batch"
    print(f"detection (Detector.{api}): {detect_net / candles_n * 1e6:.2f} µs/candle")
    print(f"detection / building = {detect_net / build_cpu * 100:.1f} %")
    evaluated = detector.evaluated / detector.candles
    print(f"candles past the delta bounds (windows computed): {evaluated:.1%}")
    if per_candle:
        us = [x * 1e6 for x in per_candle[:candles_n]]
        print(
            f"on_candle wall time: p50 {pct(us, 50):.2f} µs, p99 {pct(us, 99):.2f} µs, "
            f"p99.9 {pct(us, 99.9):.1f} µs, max {max(us):.0f} µs"
        )
    print(
        f"closing one second ({args.symbols:,} candles, close_due or all its slices): "
        f"median {statistics.median(close_wall) * 1e3:.2f} ms, max {max(close_wall) * 1e3:.2f} ms"
    )
    print(
        f"detection of one second (all its slices): "
        f"median {statistics.median(batch_detect) * 1e3:.2f} ms, "
        f"p99 {pct(batch_detect, 99) * 1e3:.2f} ms, max {max(batch_detect) * 1e3:.2f} ms"
    )
    cc = [x * 1e3 for x in close_cpu]
    dc = [x * 1e3 for x in detect_batch_cpu]
    print(
        f"the same in process CPU time (what the load on the machine does not inflate): "
        f"closing p50 {pct(cc, 50):.2f} ms, p99 {pct(cc, 99):.2f} ms; "
        f"detection p50 {pct(dc, 50):.2f} ms, p99 {pct(dc, 99):.2f} ms"
    )
    slowest = sorted(zip(detect_batch_cpu, batch_secs, strict=True), reverse=True)[:6]
    print(
        "slowest seconds (detection CPU ms @ simulated second): "
        + ", ".join(f"{x * 1e3:.1f} @ {sec}" for x, sec in slowest)
    )
    if slice_sizes:
        sd = [x * 1e3 for x in slice_detect]
        sdc = [x * 1e3 for x in slice_detect_cpu]
        print(
            f"slices: {len(slice_sizes) / args.seconds:.1f} per second, "
            f"{statistics.median(slice_sizes):.0f} candles median, {max(slice_sizes)} max; "
            f"detection of one slice p50 {pct(sd, 50):.2f} ms, p99 {pct(sd, 99):.2f} ms, "
            f"max {max(sd):.2f} ms (CPU p50 {pct(sdc, 50):.2f}, p99 {pct(sdc, 99):.2f} ms)"
        )
    unit = "batch" if args.handover == "second" else "slice"
    cl = [x * 1e3 for x in candle_latency]
    print(
        f"per candle, its {unit} closed → detection done: "
        f"p50 {pct(cl, 50):.2f} ms, p99 {pct(cl, 99):.2f} ms, max {max(cl):.2f} ms"
    )
    if args.handover == "slice":
        sl = [x * 1e3 for x in slice_latency]
        print(
            f"per candle, closing of its slice started (≥ its own close) → detection done: "
            f"p50 {pct(sl, 50):.2f} ms, p99 {pct(sl, 99):.2f} ms, max {max(sl):.2f} ms"
        )
    dl = [x * 1e3 for x in draft_latency]
    print(
        f"per draft, its {unit} closed → alert draft: p50 {pct(dl, 50):.2f} ms, "
        f"p99 {pct(dl, 99):.2f} ms, max {max(dl) if dl else float('nan'):.2f} ms "
        f"({len(dl):,} drafts)"
    )
    bl = [x * 1e3 for x in draft_latency_built]
    print(
        f"per draft, close_due called for the second → alert draft: "
        f"p50 {pct(bl, 50):.2f} ms, p99 {pct(bl, 99):.2f} ms"
    )
    gp = [x * 1e3 for x in gc_pauses]
    print(
        f"GC pauses while measuring: {len(gp)}, total {sum(gp):.1f} ms, "
        f"max {max(gp) if gp else 0.0:.2f} ms; full collections {len(gc_full)}, "
        f"{sum(gc_full) * 1e3:.1f} ms"
    )

    # a settings change
    t0 = time.perf_counter()
    reps = min(200, len(users))
    for k in range(reps):
        detector.update_user(1 + k, users[k])
    t_update = (time.perf_counter() - t0) / reps
    print(f"update_user (re-index one user): {t_update * 1e6:.0f} µs")
    per_user_hour = drafts_n / args.users / args.seconds * 3600
    print(f"alerts per user per hour (before delivery limits): {per_user_hour:.1f}")
    print(f"RSS: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
