"""Soak: the roles for a long time at a steady market load; do memory, tasks and connections stay
flat?

    uv run python bench/bench_soak.py                    # 60 minutes, SQLite, in-memory bus
    uv run python bench/bench_soak.py --minutes 5 --every 30
    uv run python bench/bench_soak.py --database-url postgresql://postgres@127.0.0.1/soak \\
        --redis-url redis://127.0.0.1:6379/14         # the distributed backends (one process)

This process runs the exchange simulators of every feed that has one (``--symbols`` spread over
them, ``--trades-per-s`` in total, no natural wicks or bursts; one injected 2–8 % wick every
``--wick-every`` seconds) and the Telegram stand-in, and fills a fresh database with ``--users``
users (10 % with 2 % / 2 s rules and a Telegram chat, the others the default rules). A child
process runs the collector, the notifier and the API in one event loop (``run_roles``, what
``wickwatch all`` runs) against them, and every ``--every`` seconds reports its RSS, asyncio task
count, open file descriptors and sockets. The table adds what the roles did meanwhile (the feeds'
trades/s from ``exchange_stats``, alerts stored, deliveries sent). The roles log every event-loop
step longer than ``--slow-step-ms`` (``wickwatch.ops.stalls``) between the rows. Not a test:
nothing is asserted; compare the first and the last rows.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ctypes
import gc
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECRET_KEY = "soak-bench-secret-key-" + "x" * 32
BOT_TOKEN = "123456:soak-bench-service-bot"
PREFIX = "SOAK "
CENSUS = "CENSUS "


# --- the child: the roles, sampled -----------------------------------------------------------


def _proc_sample() -> dict[str, int]:
    rss_kb = 0
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    fds = sockets = 0
    for name in os.listdir("/proc/self/fd"):
        fds += 1
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                sockets += 1
        except OSError:
            pass
    return {"rss_mb": rss_kb // 1024, "fds": fds, "sockets": sockets}


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _heap_sample() -> dict[str, int]:
    """Where the RSS is: blocks the Python allocator hands out, and glibc malloc's own books
    (bytes in use, bytes free but still held) — a growing ``malloc_free_mb`` with a flat
    ``malloc_in_use_mb`` is fragmentation, not a leak."""
    sample = {"py_blocks_k": sys.getallocatedblocks() // 1000}
    sample.update(_pymalloc_sample())
    try:  # SQLite's own heap (page caches, statements), all connections: part of malloc's
        import _sqlite3

        used = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
        used.restype = ctypes.c_int64
        sample["sqlite_mb"] = used() >> 20
    except (ImportError, OSError, AttributeError):
        pass
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Mallinfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return sample
    mb = 1024 * 1024
    sample["malloc_in_use_mb"] = (info.uordblks + info.hblkhd) // mb
    sample["malloc_free_mb"] = info.fordblks // mb
    return sample


def _pymalloc_sample() -> dict[str, int]:
    """Python's small-object allocator: memory in its arenas, and what its blocks hold (an
    arena goes back to the system only when all of its blocks are free)."""
    stderr = sys.stderr.fileno()
    saved = os.dup(stderr)
    with tempfile.TemporaryFile() as out:
        os.dup2(out.fileno(), stderr)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, stderr)
            os.close(saved)
        out.seek(0)
        text = out.read().decode("ascii", "replace")
    found: dict[str, int] = {}
    for line in text.splitlines():
        label, _, value = line.partition("=")
        label = label.strip()
        if label.endswith("bytes/arena"):  # "<n> arenas * <size> bytes/arena = <total>"
            found["pymalloc_mb"] = int(value.replace(",", ""))
        elif label == "# bytes in allocated blocks":
            found["pymalloc_used_mb"] = int(value.replace(",", ""))
    return {k: v >> 20 for k, v in found.items()}


class _Pauses:
    """The longest event-loop stall and the longest garbage collection since the last read."""

    def __init__(self) -> None:
        self.loop_max_s = 0.0
        self.gc_max_s = 0.0
        self.gc_full = 0
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_max_s = max(self.gc_max_s, time.perf_counter() - self._gc_started)
            self.gc_full += info["generation"] == 2

    async def watch_loop(self, tick_s: float = 0.1) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(tick_s)
            self.loop_max_s = max(self.loop_max_s, time.perf_counter() - before - tick_s)

    def read(self) -> dict[str, Any]:
        out = {
            "loop_max_ms": round(self.loop_max_s * 1000),
            "gc_max_ms": round(self.gc_max_s * 1000),
            "gc_full": self.gc_full,
        }
        self.loop_max_s = self.gc_max_s = 0.0
        self.gc_full = 0
        return out


def _census() -> dict[str, Any]:
    """What the heap holds: live objects per type and the largest containers (len), so that a
    growing RSS names its cause. Walks every tracked object (about a second; rare)."""
    from collections import Counter

    counts: Counter[str] = Counter()
    largest: list[tuple[int, str]] = []
    for obj in gc.get_objects():
        kind = type(obj)
        counts[kind.__qualname__] += 1
        if kind in (dict, list, set, collections.deque, collections.OrderedDict):
            size = len(obj)
            if size >= 2_000:
                hint = ""
                if isinstance(obj, dict) and obj:
                    key = next(iter(obj))
                    hint = f" key={key!r:.40} value={type(obj[key]).__qualname__}"
                elif obj:
                    first = next(iter(obj))
                    hint = f" item={type(first).__qualname__}:{first!r:.40}"
                largest.append((size, f"{kind.__qualname__}{hint}"))
    largest.sort(reverse=True)
    return {"types": dict(counts.most_common(40)), "largest": largest[:12]}


async def _child(every_s: float, census_every_s: float) -> None:
    from wickwatch.config import Settings
    from wickwatch.ops.logging import configure_logging
    from wickwatch.roles.runtime import run_roles

    settings = Settings()
    error_log = configure_logging("WARNING", "text")
    roles = asyncio.create_task(
        run_roles(
            settings,
            collector=True,
            notifier=True,
            api=True,
            bot=False,
            error_log=error_log,
            status_line=False,
        )
    )
    pauses = _Pauses()
    watcher = asyncio.create_task(pauses.watch_loop())
    started = time.monotonic()
    next_census = started + min(180.0, census_every_s)
    while not roles.done():
        sample = {"t": round(time.monotonic() - started), "tasks": len(asyncio.all_tasks()) - 1}
        sample.update(_proc_sample())
        sample.update(_heap_sample())
        sample.update(pauses.read())
        print(PREFIX + json.dumps(sample), flush=True)
        if census_every_s and time.monotonic() >= next_census:
            next_census += census_every_s
            census = {"t": round(time.monotonic() - started), **_census()}
            print(CENSUS + json.dumps(census), flush=True)
        await asyncio.wait({roles}, timeout=every_s)
    watcher.cancel()
    await roles


# --- the parent: market, users, table ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _add_users(sessionmaker: Any, count: int) -> None:
    from wickwatch.detection import ThresholdGroup, UserSettings
    from wickwatch.storage.models import Channel, User
    from wickwatch.storage.models import UserSettings as UserSettingsRow

    spiky = UserSettings(
        thresholds=[ThresholdGroup(min_delta_pct=2.0, min_volume_usd=0.0, window_s=2)],
        cooldown_s=60,
        destinations=["browser", "telegram"],
    ).model_dump(mode="json")
    async with sessionmaker() as session:
        for i in range(count):
            user = User(email=f"soak{i}@example.com", password_hash="-", role="user")
            session.add(user)
            await session.flush()
            if i % 10 == 0:
                session.add(UserSettingsRow(user_id=user.id, document=spiky, version=1))
                session.add(
                    Channel(
                        user_id=user.id,
                        kind="telegram",
                        name="Telegram",
                        config={"chat_id": 800_000 + i, "chat_type": "private", "bot": "service"},
                        enabled=True,
                    )
                )
        await session.commit()


async def _activity(sessionmaker: Any) -> dict[str, float]:
    from sqlalchemy import func, select

    from wickwatch.storage.models import Alert, AlertDelivery, ExchangeStats

    async with sessionmaker() as session:
        trades = await session.scalar(select(func.sum(ExchangeStats.trades_per_s)))
        up = await session.scalar(
            select(func.count()).select_from(ExchangeStats).where(ExchangeStats.status == "up")
        )
        alerts = await session.scalar(select(func.count()).select_from(Alert))
        sent = await session.scalar(
            select(func.count()).select_from(AlertDelivery).where(AlertDelivery.status == "sent")
        )
    return {
        "trades_s": float(trades or 0),
        "feeds_up": int(up or 0),
        "alerts": int(alerts or 0),
        "sent": int(sent or 0),
    }


async def _parent(args: argparse.Namespace) -> None:
    from wickwatch.notify.standin import TelegramStandIn
    from wickwatch.roles.demo import DemoOptions, WickInjector, start_simulators
    from wickwatch.storage import create_engine, create_sessionmaker, migrate

    tmp = Path(tempfile.mkdtemp(prefix="wickwatch-soak-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'soak.db'}"
    async with TelegramStandIn() as standin:
        probe, _ = await start_simulators(DemoOptions(symbols=1))
        feeds = len(probe)
        for sim in probe.values():
            await sim.stop()
        per_feed = max(1, args.symbols // feeds)
        options = DemoOptions(
            symbols=per_feed,
            trades_per_s=args.trades_per_s / (per_feed * feeds),
            wick_prob=0.0,
            seed=7,
        )
        sims, _ = await start_simulators(options)
        for sim in sims.values():
            sim.market_gen.burst_prob = 0.0
            # a minute of each symbol's trades for backfill; the default 2,000 a symbol would be
            # ~10 million trades in this process, whose full collections stall the market
            sim.log.keep = 240
        await migrate.upgrade(database_url)
        engine = create_engine(database_url)
        sessionmaker = create_sessionmaker(engine)
        await _add_users(sessionmaker, args.users)
        endpoints = {
            name: {"rest_url": sim.endpoints.rest_url, "ws_url": sim.endpoints.ws_url}
            for name, sim in sims.items()
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("WICKWATCH_")}
        env.update(
            {
                "WICKWATCH_DATA_DIR": str(tmp),
                "WICKWATCH_DATABASE_URL": database_url,
                "WICKWATCH_SECRET_KEY": SECRET_KEY,
                "WICKWATCH_MARKETS": ",".join(sims),
                "WICKWATCH_EXCHANGE_ENDPOINTS": json.dumps(endpoints),
                "WICKWATCH_TELEGRAM_API_URL": standin.url,
                "WICKWATCH_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
                "WICKWATCH_API_PORT": str(_free_port()),
                "WICKWATCH_SLOW_STEP_MS": str(args.slow_step_ms),
            }
        )
        if args.redis_url:
            env["WICKWATCH_REDIS_URL"] = args.redis_url
        print(
            f"soak: {len(sims)} feeds × {per_feed} symbols, {args.trades_per_s:,.0f} trades/s, "
            f"{args.users} users, {args.minutes} min, database {database_url.split('://')[0]}, "
            f"bus {'Redis' if args.redis_url else 'in-memory'}",
            flush=True,
        )
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--child",
            "--every",
            str(args.every),
            "--census-every",
            str(args.census_every * 60),
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        # The simulators' trade logs (a minute of trades per symbol, ~1.2 million objects) out
        # of the cyclic collector's scans: its full collections of this process stalled the
        # market for 1–8 s (the feeds' dips in earlier runs). Refrozen every 30 s as the logs
        # turn over; trades are freed by reference counting.
        freezer = asyncio.create_task(_keep_frozen(30.0))
        injector = WickInjector(sims, every_s=args.wick_every, first_s=30.0, seed=3)
        wicks = asyncio.create_task(injector.run())
        header = (
            f"{'min':>6} {'RSS MB':>7} {'py blk k':>8} {'pymalloc MB':>11} {'used MB':>7} "
            f"{'malloc MB':>9} {'free MB':>7} {'sqlite MB':>9} "
            f"{'tasks':>6} {'fds':>5} {'sockets':>8} {'trades/s':>9} {'feeds up':>9} "
            f"{'alerts':>7} {'sent':>6} {'sim trades/s':>13} {'stall ms':>8} {'gc ms':>6} "
            f"{'sim stall ms':>12} {'sim gc ms':>9}"
        )
        print(header, flush=True)
        deadline = time.monotonic() + args.minutes * 60
        emitted_before, at_before = _emitted(sims), time.monotonic()
        assert child.stdout is not None
        baseline: dict[str, Any] | None = None
        sim_pauses = _Pauses()
        sim_watcher = asyncio.create_task(sim_pauses.watch_loop())
        try:
            while time.monotonic() < deadline + 1:
                line = await asyncio.wait_for(child.stdout.readline(), args.every * 3)
                if not line:
                    break
                text = line.decode(errors="replace").strip()
                if text.startswith(CENSUS):
                    baseline = _report_census(json.loads(text[len(CENSUS) :]), baseline)
                    continue
                if not text.startswith(PREFIX):
                    continue
                sample = json.loads(text[len(PREFIX) :])
                act = await _activity(sessionmaker)
                emitted, now = _emitted(sims), time.monotonic()
                sim_rate = (emitted - emitted_before) / max(1e-9, now - at_before)
                emitted_before, at_before = emitted, now
                own = sim_pauses.read()
                print(
                    f"{sample['t'] / 60:>6.1f} {sample['rss_mb']:>7} "
                    f"{sample['py_blocks_k']:>8} {sample.get('pymalloc_mb', '-'):>11} "
                    f"{sample.get('pymalloc_used_mb', '-'):>7} "
                    f"{sample.get('malloc_in_use_mb', '-'):>9} "
                    f"{sample.get('malloc_free_mb', '-'):>7} {sample.get('sqlite_mb', '-'):>9} "
                    f"{sample['tasks']:>6} "
                    f"{sample['fds']:>5} {sample['sockets']:>8} {act['trades_s']:>9,.0f} "
                    f"{act['feeds_up']:>9} {act['alerts']:>7} {act['sent']:>6} {sim_rate:>13,.0f} "
                    f"{sample['loop_max_ms']:>8} {sample['gc_max_ms']:>6} "
                    f"{own['loop_max_ms']:>12} {own['gc_max_ms']:>9}",
                    flush=True,
                )
        finally:
            wicks.cancel()
            sim_watcher.cancel()
            freezer.cancel()
            child.terminate()
            await child.wait()
            for sim in sims.values():
                await sim.stop()
            await engine.dispose()
    print(f"wicks injected: {injector.injected}; telegram messages: {len(standin.messages())}")


async def _keep_frozen(every_s: float) -> None:
    while True:
        gc.collect(1)
        gc.freeze()
        await asyncio.sleep(every_s)


def _report_census(census: dict[str, Any], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """Print the object types that grew since the first census, and the largest containers."""
    minute = census["t"] / 60
    if baseline is None:
        total = sum(census["types"].values())
        print(f"census at {minute:.1f} min (baseline): {total:,} objects in the top types")
    else:
        grown = sorted(
            ((n - baseline["types"].get(name, 0), name, n) for name, n in census["types"].items()),
            reverse=True,
        )
        print(f"census at {minute:.1f} min, growth since {baseline['t'] / 60:.1f} min:")
        for delta, name, n in grown[:8]:
            print(f"    {name:<28} {n:>10,} ({delta:+,})")
    for size, what in census["largest"][:6]:
        print(f"    largest: {size:>9,}  {what}")
    return baseline or census


def _emitted(sims: dict[str, Any]) -> int:
    """Trades the simulators generated so far (each symbol's walk numbers its trades)."""
    return sum(w.num for sim in sims.values() for w in sim.market_gen.walks.values())


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--trades-per-s", type=float, default=20_000.0, help="all feeds together")
    ap.add_argument("--symbols", type=int, default=5_000, help="all feeds together")
    ap.add_argument("--users", type=int, default=1_000)
    ap.add_argument("--wick-every", type=float, default=20.0, help="seconds between wicks")
    ap.add_argument("--database-url", help="default: SQLite in a temporary directory")
    ap.add_argument("--redis-url", help="default: the in-memory bus")
    ap.add_argument(
        "--census-every", type=float, default=15.0, help="minutes between heap censuses (0: none)"
    )
    ap.add_argument(
        "--slow-step-ms",
        type=float,
        default=100.0,
        help="the roles log every event-loop step longer than this (WICKWATCH_SLOW_STEP_MS)",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        asyncio.run(_child(args.every, args.census_every))
    else:
        asyncio.run(_parent(args))


if __name__ == "__main__":
    main()
