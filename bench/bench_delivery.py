"""Delivery latency: closed candle → detector → alert + outbox → dispatcher → Telegram request
received by the stand-in, at a steady rate of alerts.

    uv run python bench/bench_delivery.py                      # SQLite, 100 alerts/s for 10 s
    uv run python bench/bench_delivery.py --db postgresql://postgres@127.0.0.1/postgres --rate 100

Every user watches one coin (a whitelist) with a 2 % / 1 s threshold, so one spike candle is one
alert. Each alert starts as a closed 1-second candle with a 4 % wick handed to the real
:class:`~wickwatch.detection.Detector` (the clock starts there); the drafts go to the real
:class:`~wickwatch.roles.persist.AlertWriter` (alert + outbox rows in one transaction per batch,
then the committed callback wakes the dispatcher, as in the embedded mode), the real
:class:`~wickwatch.notify.dispatcher.Dispatcher` (with the spike-chart source, as the notifier role
runs it: these coins have no stored history, so it is one lookup and a text message) sends through
aiogram, and the clock stops when the stand-in has the request. Two shapes of traffic:

* ``own-bots`` — every chat is reached through its user's own bot, each chat gets an alert every
  few seconds: nothing waits for Telegram's limits, the figures are the pipeline's own cost.
* ``service-bot`` — all chats share the service bot and each chat gets several alerts a second:
  Telegram's limits (1/s per chat, 30/s per bot) bind, bursts fold into digests, and the figures
  include the wait for a chat's next second.

Prints p50/p90/p99/max per shape: candle → request received, and candle → alert committed. The
pipeline runs in this process (the embedded mode), the stand-in in a child process (Telegram is
elsewhere too); a PostgreSQL run uses a throwaway database.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wickwatch.detection import Detector, UserSettings
from wickwatch.market.types import Candle
from wickwatch.notify.charts import SpikeCharts
from wickwatch.notify.dispatcher import Dispatcher, DispatcherConfig
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.roles.persist import AlertWriter
from wickwatch.storage import create_engine, create_sessionmaker, migrate
from wickwatch.storage.models import Channel, User

SERVICE_TOKEN = "100000:bench-service-bot-token"
SHAPES = ("own-bots", "service-bot")


def coin(i: int) -> str:
    return f"B{i:05d}"


def watcher(i: int) -> UserSettings:
    """User ``i`` watches coin ``i`` only: one spike of it is one alert."""
    return UserSettings.model_validate(
        {
            "cooldown_s": 0,
            "whitelist": [coin(i)],
            "thresholds": [{"min_delta_pct": 2.0, "min_volume_usd": 0, "window_s": 1}],
            "destinations": ["telegram"],
            "message_template": "{symbol} {delta_formatted}",
        }
    )


def candle(i: int, ts_ms: int, *, spike: bool) -> Candle:
    high = 104.0 if spike else 100.1
    return Candle(
        "binance",
        "futures",
        f"{coin(i)}USDT",
        ts_ms,
        100.0,
        high,
        99.9,
        100.0,
        50.0,
        5000.0,
        20,
        25.0,
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def database(url: str | None) -> tuple[str, str | None]:
    if not url:
        return f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db", None
    import asyncpg

    name = f"wickwatch_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = url.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+asyncpg://{base}/{name}", name


class RemoteStandIn:
    """The Telegram stand-in in its own process, as Telegram is not in the dispatcher's: its
    request parsing does not compete with the pipeline for this process's event loop."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_standin, args=(child,), daemon=True)
        self._process.start()
        self.url: str = self._conn.recv()

    def stop(self) -> tuple[list[tuple[str, float]], int]:
        """Stops the server; returns ``(text or caption, arrival wall time)`` of every successful
        send and the number of flood-limit violations."""
        self._conn.send("stop")
        calls, violations = self._conn.recv()
        self._process.join(timeout=30)
        return calls, violations


def _serve_standin(conn: Connection) -> None:
    async def serve() -> None:
        standin = TelegramStandIn()
        conn.send(await standin.start())
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        calls = [(c.body, c.wall) for c in standin.messages()]
        conn.send((calls, len(standin.violations)))
        await standin.stop()

    asyncio.run(serve())


async def run_shape(
    shape: str, url: str, rate: float, seconds: float, *, charts_on: bool = True
) -> tuple[list[float], list[float]]:
    """Latencies (ms) candle → received and candle → committed of every alert seen."""
    await migrate.upgrade(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    standin = RemoteStandIn()
    total = int(rate * seconds)
    chats = max(total, 1) if shape == "own-bots" else 20
    coins = max(total, chats)
    async with sessionmaker() as session:
        users = [User(email=f"{shape}{i}@bench.test", password_hash="x") for i in range(coins)]
        session.add_all(users)
        await session.flush()
        session.add_all(
            Channel(
                user_id=user.id,
                kind="telegram",
                name="bench",
                config={
                    "chat_id": 1000 + i % chats,
                    "bot": "own" if shape == "own-bots" else "service",
                },
                secret_ciphertext=f"{200000 + i}:bench-own-bot-token"
                if shape == "own-bots"
                else None,
            )
            for i, user in enumerate(users)
        )
        await session.commit()
        user_ids = [u.id for u in users]
    detector = Detector()
    detector.load_users((uid, watcher(i)) for i, uid in enumerate(user_ids))
    notifier = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    charts = SpikeCharts(sessionmaker)
    dispatcher = Dispatcher(
        sessionmaker,
        {"telegram": notifier},
        config=DispatcherConfig(poll_interval_s=0.25),
        open_secret=lambda plain: plain,  # the bench stores tokens unencrypted
        charts=charts if charts_on else None,
    )
    committed: dict[str, float] = {}

    def on_committed(events: list[dict[str, Any]]) -> None:
        at = time.time()
        for event in events:
            committed.setdefault(event["symbol"], at)
        dispatcher.wake()

    writer = AlertWriter(sessionmaker, None, on_committed=[on_committed])
    tasks = [asyncio.create_task(dispatcher.run()), asyncio.create_task(writer.run())]
    # A quiet second of every coin first: the detector has seen the symbols.
    warm_ms = (int(time.time()) - 2) * 1000
    for i in range(coins):
        detector.on_candle(candle(i, warm_ms, spike=False))
    await asyncio.sleep(0.5)
    closed: dict[str, float] = {}
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.time()
        spike = candle(i, (int(now) - 1) * 1000, spike=True)  # the second that just closed
        closed[spike.symbol] = now
        drafts = detector.on_candle(spike)
        if drafts:
            writer.put(drafts)
    for _ in range(600):  # at most a minute for the last deliveries
        if dispatcher.sent >= total:
            break
        await asyncio.sleep(0.1)
    writer.stop()
    dispatcher.stop()
    await asyncio.gather(*tasks)
    charts.close()
    await notifier.aclose()
    calls, violations = standin.stop()
    await engine.dispose()
    seen: dict[str, float] = {}
    for text, wall in calls:
        for symbol in set(re.findall(r"B\d+USDT", text)):
            seen.setdefault(symbol, wall)
    print(
        f"{shape}: {total} alerts at {rate:g}/s → {len(calls)} messages "
        f"({len(seen)} alerts seen), flood violations {violations}"
    )
    received = [(seen[s] - closed[s]) * 1000 for s in seen]
    stored = [(committed[s] - closed[s]) * 1000 for s in seen if s in committed]
    return received, stored


def summary(latencies: list[float]) -> str:
    return (
        f"p50 {pct(latencies, 0.5):.1f}  p90 {pct(latencies, 0.9):.1f}  "
        f"p99 {pct(latencies, 0.99):.1f}  max {max(latencies):.1f}  "
        f"mean {statistics.fmean(latencies):.1f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", help="PostgreSQL admin URL (default: a SQLite file)")
    parser.add_argument("--rate", type=float, default=100.0, help="alerts per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--no-charts", action="store_true", help="dispatcher without the spike-chart source"
    )
    parser.add_argument(
        "--shapes", nargs="+", default=["own-bots", "service-bot"], choices=SHAPES, metavar="SHAPE"
    )
    args = parser.parse_args()
    for shape in args.shapes:
        url, name = await database(args.db)
        try:
            received, stored = await run_shape(
                shape, url, args.rate, args.seconds, charts_on=not args.no_charts
            )
        finally:
            if name and args.db:
                import asyncpg

                admin = await asyncpg.connect(args.db)
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
        print(f"  candle → received ms:  {summary(received)}")
        print(f"  candle → committed ms: {summary(stored)}")


if __name__ == "__main__":
    asyncio.run(main())
