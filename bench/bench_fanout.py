"""A crowded spike: one candle matched by thousands of users, and what each alert draft costs.

    uv run python bench/bench_fanout.py [--users 10000] [--move 12] [--rounds 15]
    valgrind --tool=callgrind --toggle-collect=starmap_next \\
        .venv/bin/python bench/bench_fanout.py --rounds 1 --callgrind

The users are ``bench_detection.py``'s (varied thresholds, windows, volume floors, lists,
overrides and strategies, same seed). One symbol (``binance`` spot ``C00000USDT``, one of their
coins) gets a minute of quiet candles, then a round is: a ``--move`` % up wick of 1 MUSD in one
candle (the spike the users' rules fan out to), then 300 quiet seconds (every de-duplication
window and cooldown passes; strategies with a series condition join from the round their
series is complete). Reported: drafts per spike, the spike candle's ``on_candles`` time and the
time per draft (best and median round), and what appending the drafts to the alert spill's
journal costs (``roles/spill.py``: the collector does it before the alert writer has them).

``--callgrind``: the spike calls run inside ``itertools.starmap()`` (which the detector does
not use), so ``--toggle-collect=starmap_next`` counts their instructions alone
(load-independent: compare two commits on a busy machine). The drafts are kept until the
end, so freeing them is not counted.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from itertools import starmap
from pathlib import Path

from bench_detection import make_users
from wickwatch.detection import AlertDraft, Detector
from wickwatch.market.types import Candle
from wickwatch.roles.spill import AlertSpill

SYMBOL = ("binance", "spot", "C00000USDT")
PRICE = 2.0
T0 = 1_767_225_600_000


def quiet(ts_ms: int) -> Candle:
    return Candle(*SYMBOL, ts_ms, PRICE, PRICE * 1.0001, PRICE * 0.9999, PRICE, 500.0,
                  500.0 * PRICE, 7, 250.0)  # fmt: skip


def spike(ts_ms: int, move_pct: float) -> Candle:
    high = PRICE * (1 + move_pct / 100)
    volume = 1_000_000 / PRICE
    return Candle(*SYMBOL, ts_ms, PRICE, high, PRICE * 0.9999, PRICE * 1.001, volume,
                  volume * PRICE, 900, volume / 2)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--move", type=float, default=12.0, help="the wick, %% above the open")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--callgrind", action="store_true", help="spike calls inside starmap()")
    args = parser.parse_args()

    rnd = random.Random(args.seed)
    bases = [f"C{i:05d}" for i in range(5_000)]
    detector = Detector()
    detector.load_users(enumerate(make_users(args.users, rnd, bases), start=1))
    gc.collect()
    gc.freeze()
    ts = T0
    for _ in range(61):
        detector.on_candles([quiet(ts)])
        ts += 1000

    kept: list[list[AlertDraft]] = []
    seconds: list[float] = []
    journal_seconds: list[float] = []
    spill = AlertSpill(Path(tempfile.mkdtemp(prefix="fanout-spill-")))
    spill.open()
    for _ in range(args.rounds):
        candle = spike(ts, args.move)
        if args.callgrind:
            kept.extend(starmap(detector.on_candles, [([candle],)]))
        else:
            started = time.perf_counter()
            kept.append(detector.on_candles([candle]))
            seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            spill.journal(kept[-1], [])
            journal_seconds.append(time.perf_counter() - started)
            spill.journal_clear()
        for _ in range(300):
            ts += 1000
            detector.on_candles([quiet(ts)])
        ts += 1000
    drafts = [len(k) for k in kept]
    print(f"users {args.users:,}, spike +{args.move:g} %: drafts per spike"
          f" {min(drafts):,}-{max(drafts):,}")  # fmt: skip
    if seconds:
        per = [s / n for s, n in zip(seconds, drafts, strict=True)]
        print(
            f"spike candle → drafts: best {min(seconds) * 1e3:.2f} ms,"
            f" median {statistics.median(seconds) * 1e3:.2f} ms; per draft:"
            f" best {min(per) * 1e6:.2f} µs, median {statistics.median(per) * 1e6:.2f} µs"
        )
        journal = [s / n for s, n in zip(journal_seconds, drafts, strict=True)]
        print(
            f"+ journal append: best {min(journal_seconds) * 1e3:.2f} ms, per draft best"
            f" {min(journal) * 1e6:.2f} µs, median {statistics.median(journal) * 1e6:.2f} µs"
            f" ({statistics.median(journal) / statistics.median(per):.0%} of the detection's)"
        )
    spill.close()


if __name__ == "__main__":
    main()
