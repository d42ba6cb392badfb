"""Delivery latency: alert committed → Telegram request received by the stand-in, at a steady rate.

    uv run python bench/bench_delivery.py                      # SQLite, 100 alerts/s for 10 s
    uv run python bench/bench_delivery.py --db postgresql://postgres@127.0.0.1/postgres --rate 100

The alert is written (alert row + outbox row, one transaction, as the detection consumer does) at
the moment its candle closed; the clock stops when the stand-in has the ``sendMessage`` request.
Two shapes of traffic:

* ``own-bots`` — every chat is reached through its user's own bot, each chat gets an alert every
  few seconds: nothing waits for Telegram's limits, the figures are the pipeline's own cost.
* ``service-bot`` — all chats share the service bot and each chat gets several alerts a second:
  Telegram's limits (1/s per chat, 30/s per bot) bind, bursts fold into digests, and the figures
  include the wait for a chat's next second.

Prints p50/p90/p99/max per shape. The dispatcher runs in this process and is woken after each
commit (the embedded mode); a PostgreSQL run uses a throwaway database.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wickwatch.notify.dispatcher import Dispatcher, DispatcherConfig
from wickwatch.notify.repository import create_alert_with_deliveries
from wickwatch.notify.standin import TelegramStandIn
from wickwatch.notify.telegram import TelegramNotifier
from wickwatch.storage import create_engine, create_sessionmaker, migrate
from wickwatch.storage.models import Channel, User

SERVICE_TOKEN = "100000:bench-service-bot-token"


@dataclass(frozen=True)
class Draft:
    user_id: int
    symbol: str
    ts_ms: int
    exchange: str = "binance"
    market: str = "futures"
    base: str = "BTC"
    quote: str = "USDT"
    window_s: int = 1
    direction: str = "up"
    delta_pct: float = 4.2
    wick_pct: float = 10.0
    volume_usd: float = 250_000.0
    price: Decimal = Decimal("64000")
    rule: str = "bench"
    strategy: str | None = None
    series_count: int = 1
    folded_count: int = 0
    template: str = "{symbol} {delta_formatted}"
    timezone: str = "UTC"
    chart: bool = False
    destinations: tuple[str, ...] = ("telegram",)


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


async def run_shape(shape: str, url: str, rate: float, seconds: float) -> list[float]:
    await migrate.upgrade(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    standin = TelegramStandIn()
    await standin.start()
    chats = 3000 if shape == "own-bots" else 20
    async with sessionmaker() as session:
        users = [User(email=f"{shape}{i}@bench.test", password_hash="x") for i in range(chats)]
        session.add_all(users)
        await session.flush()
        session.add_all(
            Channel(
                user_id=user.id,
                kind="telegram",
                name="bench",
                config={"chat_id": 1000 + i, "bot": "own" if shape == "own-bots" else "service"},
                secret_ciphertext=f"{200000 + i}:bench-own-bot-token"
                if shape == "own-bots"
                else None,
            )
            for i, user in enumerate(users)
        )
        await session.commit()
        user_ids = [u.id for u in users]
    notifier = TelegramNotifier(service_token=SERVICE_TOKEN, api_url=standin.url)
    dispatcher = Dispatcher(
        sessionmaker,
        {"telegram": notifier},
        config=DispatcherConfig(poll_interval_s=0.25),
        open_secret=lambda plain: plain,  # the bench stores tokens unencrypted
    )
    task = asyncio.create_task(dispatcher.run())
    await asyncio.sleep(0.5)
    created: dict[str, float] = {}
    total = int(rate * seconds)
    start = time.perf_counter()
    rng = random.Random(7)
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        symbol = f"B{i}USDT"
        created[symbol] = time.time()
        draft = Draft(user_id=rng.choice(user_ids), symbol=symbol, ts_ms=int(time.time() * 1000))
        async with sessionmaker() as session:
            await create_alert_with_deliveries(session, draft)
            await session.commit()
        dispatcher.wake()
    deadline = time.monotonic() + 60
    seen: dict[str, float] = {}
    while time.monotonic() < deadline and len(seen) < total:
        for call in standin.messages():
            for symbol in set(re.findall(r"B\d+USDT", call.text or "")):
                seen.setdefault(symbol, call.wall)
        await asyncio.sleep(0.1)
    dispatcher.stop()
    await task
    await notifier.aclose()
    await standin.stop()
    await engine.dispose()
    print(
        f"{shape}: {total} alerts at {rate:g}/s → {len(standin.messages())} messages "
        f"({len(seen)} alerts seen), flood violations {len(standin.violations)}"
    )
    return [(seen[s] - created[s]) * 1000 for s in seen]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", help="PostgreSQL admin URL (default: a SQLite file)")
    parser.add_argument("--rate", type=float, default=100.0, help="alerts per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    for shape in ("own-bots", "service-bot"):
        url, name = await database(args.db)
        try:
            latencies = await run_shape(shape, url, args.rate, args.seconds)
        finally:
            if name and args.db:
                import asyncpg

                admin = await asyncpg.connect(args.db)
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
        print(
            f"  latency ms: p50 {pct(latencies, 0.5):.1f}  p90 {pct(latencies, 0.9):.1f}  "
            f"p99 {pct(latencies, 0.99):.1f}  max {max(latencies):.1f}  "
            f"mean {statistics.fmean(latencies):.1f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
