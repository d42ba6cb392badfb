"""Bus throughput: in-memory vs Redis Streams, and our Redis bus vs plain redis-py (same server).

    uv run python bench/bench_bus.py [--n 20000] [--batch 500] [--rounds 3] [--redis-url URL]

Every figure is messages per second over ``--n`` candle-sized messages (~230 bytes of JSON), the
best of ``--rounds`` rounds in which the variants alternate (so machine load hits all alike):

* publish, one ``await publish`` per message, and ``publish_many`` in batches of ``--batch``;
* consume: a consumer group reading batches of ``--batch`` and acknowledging each batch;
* broadcast: publish_many until one subscription has received everything;
* baseline: plain redis-py on the same Redis — XADD awaited one by one, XADD pipelined in batches,
  XREADGROUP + XACK — and, if installed, ``redis-benchmark`` pipelining the same XADD (the server's
  ceiling, no Python at all).

Keys live under a random ``bench-…:`` prefix and are deleted afterwards; nothing else is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import redis.asyncio as aioredis

from wickwatch.bus import Bus
from wickwatch.bus.base import BusConfig, TopicConfig
from wickwatch.bus.memory import MemoryBus
from wickwatch.bus.redis import RedisBus

MAXLEN = 1_000_000  # large enough that trimming never removes unread messages during a run


def candle(n: int) -> dict[str, Any]:
    return {
        "exchange": "binance",
        "market": "futures",
        "symbol": "BTCUSDT",
        "ts_ms": 1_700_000_000_000 + n * 1000,
        "open": 37_000.1,
        "high": 37_010.5,
        "low": 36_990.0,
        "close": 37_005.2,
        "volume": 12.345,
        "quote_volume": 456_789.01,
        "trades": 321,
        "taker_buy_volume": 6.5,
        "complete": True,
    }


async def rate(n: int, work: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await work()
    return n / (time.perf_counter() - started)


async def bench_bus(bus: Bus, n: int, batch: int, tag: str) -> dict[str, float]:
    payloads = [candle(i) for i in range(n)]
    out: dict[str, float] = {}
    each, queue, fanout = f"each-{tag}", f"queue-{tag}", f"fanout-{tag}"

    async def publish_each() -> None:
        for p in payloads:
            await bus.publish(each, p)

    async def publish_batches() -> None:
        for start in range(0, n, batch):
            await bus.publish_many(queue, payloads[start : start + batch])

    async def consume() -> None:
        got = 0
        while got < n:
            messages = await bus.consume(queue, "bench", "c1", batch=batch, block_ms=1_000)
            await bus.ack(queue, "bench", [m.id for m in messages])
            for m in messages:
                _ = m.payload  # decoding is part of consuming
            got += len(messages)

    async def broadcast() -> None:
        async with bus.subscribe(fanout, buffer=n) as sub:
            for start in range(0, n, batch):
                await bus.publish_many(fanout, payloads[start : start + batch])
            for _ in range(n):
                _ = (await anext(sub)).payload

    out["publish (one by one)"] = await rate(n, publish_each)
    out[f"publish_many ({batch}/batch)"] = await rate(n, publish_batches)
    out[f"consume+ack ({batch}/batch)"] = await rate(n, consume)
    out["broadcast publish→subscriber"] = await rate(n, broadcast)
    return out


async def bench_raw(url: str, prefix: str, n: int, batch: int, tag: str) -> dict[str, float]:
    """The same operations written directly against redis-py (pre-encoded payloads)."""
    client = aioredis.Redis.from_url(url)
    encoded = [{b"j": orjson.dumps(candle(i))} for i in range(n)]
    stream = f"{prefix}raw-{tag}"
    out: dict[str, float] = {}

    async def xadd_each() -> None:
        for fields in encoded:
            await client.xadd(f"{stream}-each", fields, maxlen=MAXLEN, approximate=True)  # type: ignore[arg-type]

    async def xadd_pipelined() -> None:
        for start in range(0, n, batch):
            async with client.pipeline(transaction=False) as pipe:
                for fields in encoded[start : start + batch]:
                    pipe.xadd(stream, fields, maxlen=MAXLEN, approximate=True)  # type: ignore[arg-type]
                await pipe.execute()

    async def xreadgroup_ack() -> None:
        await client.xgroup_create(stream, "bench", id="0", mkstream=True)
        got = 0
        while got < n:
            response: Any = await client.xreadgroup(
                "bench", "c1", {stream: ">"}, count=batch, block=1_000
            )
            ids = [entry_id for _s, entries in response for entry_id, _f in entries]
            await client.xack(stream, "bench", *ids)
            for _s, entries in response:
                for _id, fields in entries:
                    orjson.loads(fields[b"j"])
            got += len(ids)

    try:
        out["publish (one by one)"] = await rate(n, xadd_each)
        out[f"publish_many ({batch}/batch)"] = await rate(n, xadd_pipelined)
        out[f"consume+ack ({batch}/batch)"] = await rate(n, xreadgroup_ack)
    finally:
        await client.aclose()
    return out


def redis_benchmark(url: str, prefix: str, n: int, batch: int) -> float | None:
    """``redis-benchmark`` pipelining the same XADD: what the server does without any client."""
    binary = shutil.which("redis-benchmark")
    if binary is None:
        return None
    parsed = aioredis.Redis.from_url(url).connection_pool.connection_kwargs
    payload = orjson.dumps(candle(0)).decode()
    command = [
        binary, "-h", str(parsed.get("host", "127.0.0.1")), "-p", str(parsed.get("port", 6379)),
        "--dbnum", str(parsed.get("db", 0)), "-n", str(n), "-P", str(batch), "-c", "1", "-q",
        "--csv", "XADD", prefix + "redis-benchmark", "MAXLEN", "~", str(MAXLEN), "*", "j", payload,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    for line in result.stdout.splitlines():
        # "<command>","rps",<6 latency columns>; the command's own quotes are not escaped
        cells = line.rsplit(",", 7)
        if len(cells) == 8 and cells[0].startswith('"XADD'):
            return float(cells[1].strip('"'))
    return None


async def cleanup(url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def show(title: str, figures: dict[str, float]) -> None:
    print(f"\n{title}")
    for name, value in figures.items():
        print(f"  {name:<34} {value:>12,.0f} msg/s")


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {name: max(run[name] for run in runs) for name in runs[0]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages per measurement")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many, interleaved")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    n, batch, url, rounds = args.n, args.batch, args.redis_url, args.rounds
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    print(f"{n:,} messages per figure, batches of {batch}, best of {rounds} interleaved rounds")
    print(f"Redis at {url} (keys {prefix}*, deleted afterwards)")

    config = BusConfig(
        default_topic=TopicConfig(maxlen=MAXLEN),
    )
    mem_runs: list[dict[str, float]] = []
    ours_runs: list[dict[str, float]] = []
    raw_runs: list[dict[str, float]] = []
    server: float | None = None
    redis_bus = RedisBus(url, prefix=prefix, config=config)
    try:
        for r in range(rounds):
            memory = MemoryBus(config)
            mem_runs.append(await bench_bus(memory, n, batch, str(r)))
            await memory.close()
            del memory
            gc.collect()
            ours_runs.append(await bench_bus(redis_bus, n, batch, str(r)))
            raw_runs.append(await bench_raw(url, prefix, n, batch, str(r)))
            await cleanup(url, prefix)
        server = redis_benchmark(url, prefix, n * 5, batch)
    finally:
        await redis_bus.close()
        await cleanup(url, prefix)
    mem, ours, raw = best(mem_runs), best(ours_runs), best(raw_runs)
    show("in-memory bus", mem)
    show("Redis Streams bus (ours)", ours)
    show("plain redis-py on the same Redis", raw)
    if server is not None:
        show("redis-benchmark (C client, no Python)", {f"XADD pipelined -P {batch}": server})

    print("\nratios")
    for name, value in raw.items():
        print(f"  ours / redis-py   {name:<34} {ours[name] / value:>6.2f}")
    for name, value in ours.items():
        print(f"  memory / redis    {name:<34} {mem[name] / value:>6.1f}")
    if server is not None:
        key = f"publish_many ({batch}/batch)"
        print(f"  ours / redis-benchmark  {key:<28} {ours[key] / server:>6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
