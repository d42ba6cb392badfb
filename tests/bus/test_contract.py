"""The bus contract: one suite, run against the in-memory bus and Redis Streams (the real server).

``make_bus`` hands out buses on one backend: for memory always the same instance (one process has
one bus), for Redis a new client each time, as separate processes would have. Timeouts are short
(idle claim after 150 ms, dead-letter after 2 deliveries) so the suite stays fast. The Redis-only
tests at the end run their own ``redis-server`` on a free port, to kill and restart it.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import msgspec
import pytest
import redis.asyncio as aioredis

from tests.conftest import require
from wickwatch.bus import (
    ALERTS,
    CANDLES,
    SETTINGS,
    STATUS,
    Bus,
    BusClosed,
    BusConfig,
    BusOverflow,
    Message,
    Subscription,
    TopicConfig,
    create_bus,
    dead_letter_topic,
)
from wickwatch.bus.base import parse_id
from wickwatch.bus.memory import MemoryBus
from wickwatch.bus.redis import RedisBus
from wickwatch.market.types import Candle

IDLE_MS = 150
FAST = BusConfig(claim_idle_ms=IDLE_MS, max_deliveries=2)

MakeBus = Callable[..., Bus]


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> str | None:
    """None for the in-memory bus, else the URL of the local Redis (flushed db 15)."""
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def make_bus(backend: str | None) -> AsyncIterator[MakeBus]:
    """``make_bus(config=FAST)``: a bus on this test's backend (see the module docstring)."""
    created: list[Bus] = []
    prefix = f"test-{uuid.uuid4().hex[:8]}:"
    redis_url = backend

    def make(config: BusConfig = FAST) -> Bus:
        if redis_url is None and created:
            assert config is created[0].config, "the in-memory backend has one config"
            return created[0]
        bus = (
            MemoryBus(config)
            if redis_url is None
            else RedisBus(redis_url, config=config, prefix=prefix, read_block_ms=1_000)
        )
        created.append(bus)
        return bus

    yield make
    for bus in created:
        await bus.close()


@pytest.fixture
def bus(make_bus: MakeBus) -> Bus:
    return make_bus()


async def collect(sub: Subscription, count: int, within: float = 3.0) -> list[Message]:
    out: list[Message] = []
    async with asyncio.timeout(within):
        while len(out) < count:
            out.append(await anext(sub))
    return out


async def drain(
    bus: Bus,
    topic: str,
    group: str,
    consumer: str,
    count: int,
    *,
    ack: bool = True,
    batch: int = 100,
) -> list[Message]:
    """Consume until ``count`` messages arrived (acknowledging them), failing after 5 s."""
    out: list[Message] = []
    async with asyncio.timeout(5):
        while len(out) < count:
            got = await bus.consume(topic, group, consumer, batch=batch, block_ms=100)
            if ack and got:
                await bus.ack(topic, group, [m.id for m in got])
            out += got
    return out


# --- work queue ------------------------------------------------------------------------------


async def test_publish_consume_ack(bus: Bus) -> None:
    candle = Candle(
        "binance", "futures", "BTCUSDT", 1_700_000_000_000, 1, 2, 0.5, 1.5, 10, 15, 7, 4
    )
    first = await bus.publish(ALERTS, {"rule": 7, "move": 0.031}, key="alert-1")
    await bus.publish(ALERTS, b"\x00raw bytes\xff")
    await bus.publish(ALERTS, candle)
    assert first is not None

    got = await bus.consume(ALERTS, "notifiers", "n1", batch=10, block_ms=100)

    assert got[0].id == first
    assert got[0].payload == {"rule": 7, "move": 0.031}
    assert (got[0].key, got[0].deliveries, got[0].binary) == ("alert-1", 1, False)
    assert got[0].topic == ALERTS
    assert got[1].payload == b"\x00raw bytes\xff" and got[1].binary and got[1].key is None
    assert got[2].decode(Candle) == candle
    assert (await bus.depth(ALERTS, "notifiers")).pending == 3
    assert await bus.ack(ALERTS, "notifiers", [m.id for m in got]) == 3
    assert await bus.ack(ALERTS, "notifiers", [first]) == 0  # already done
    assert await bus.ack(ALERTS, "no-such-group", [first]) == 0
    assert await bus.ack(ALERTS, "notifiers", []) == 0
    assert (await bus.depth(ALERTS, "notifiers")).pending == 0
    assert await bus.consume(ALERTS, "notifiers", "n1", block_ms=50) == []


async def test_consume_blocks_until_a_message_arrives(bus: Bus) -> None:
    # A long block: woken by the message, it returns long before the block would end, even
    # on a loaded machine.
    waiting = asyncio.create_task(bus.consume(ALERTS, "g", "c", block_ms=20_000))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    started = time.monotonic()
    await bus.publish(ALERTS, {"n": 1})
    got = await asyncio.wait_for(waiting, 20)
    assert [m.payload for m in got] == [{"n": 1}]
    assert time.monotonic() - started < 10.0


async def test_empty_consume_returns_after_block_ms(bus: Bus) -> None:
    started = time.monotonic()
    assert await bus.consume(ALERTS, "g", "c", block_ms=100) == []
    assert 0.05 < time.monotonic() - started < 1.0


async def test_each_message_goes_to_exactly_one_consumer_of_a_group(make_bus: MakeBus) -> None:
    producer, worker_a, worker_b = make_bus(), make_bus(), make_bus()
    keys = [f"k{n}" for n in range(60)]
    await producer.publish_many(ALERTS, [{"n": n} for n in range(60)], keys=keys)
    seen: dict[str, list[int]] = {"a": [], "b": []}

    async def work(bus: Bus, name: str) -> None:
        while len(seen["a"]) + len(seen["b"]) < 60:
            batch = await bus.consume(ALERTS, "notifiers", name, batch=4, block_ms=50)
            seen[name] += [m.payload["n"] for m in batch]
            await bus.ack(ALERTS, "notifiers", [m.id for m in batch])
            await asyncio.sleep(0)  # let the other worker in

    await asyncio.wait_for(asyncio.gather(work(worker_a, "a"), work(worker_b, "b")), 10)
    assert seen["a"] and seen["b"], "both consumers should have had work"
    assert sorted(seen["a"] + seen["b"]) == list(range(60))  # every message once, none twice


async def test_every_group_gets_every_message(bus: Bus) -> None:
    await bus.publish_many(ALERTS, [{"n": n} for n in range(5)])
    telegram = await drain(bus, ALERTS, "telegram", "t1", 5)
    webhooks = await drain(bus, ALERTS, "webhooks", "w1", 5)
    assert [m.payload["n"] for m in telegram] == list(range(5))
    assert [m.payload["n"] for m in webhooks] == list(range(5))


async def test_a_new_group_starts_at_the_oldest_retained_message(bus: Bus) -> None:
    await bus.publish(ALERTS, {"n": "published before any consumer existed"})
    got = await bus.consume(ALERTS, "late-group", "c", block_ms=100)
    assert [m.payload["n"] for m in got] == ["published before any consumer existed"]


async def test_unacked_message_goes_to_another_consumer_after_idle_timeout(
    make_bus: MakeBus,
) -> None:
    producer, dying, healthy = make_bus(), make_bus(), make_bus()
    message_id = await producer.publish(ALERTS, {"alert": 1}, key="a1")
    assert message_id is not None
    taken = await dying.consume(ALERTS, "notifiers", "dying", block_ms=100)
    assert [m.id for m in taken] == [message_id]
    # ... and "dying" never acknowledges. Before the idle timeout nobody else gets it:
    assert await healthy.consume(ALERTS, "notifiers", "healthy", block_ms=20) == []

    await asyncio.sleep(IDLE_MS / 1000 + 0.05)
    again = await healthy.consume(ALERTS, "notifiers", "healthy", block_ms=500)

    assert [(m.id, m.key, m.deliveries) for m in again] == [(message_id, "a1", 2)]
    assert again[0].payload == {"alert": 1}
    assert await healthy.ack(ALERTS, "notifiers", [message_id]) == 1
    assert (await producer.depth(ALERTS, "notifiers")).pending == 0


async def test_a_blocked_consumer_wakes_up_for_an_idle_message(make_bus: MakeBus) -> None:
    dying, healthy = make_bus(), make_bus()
    await dying.publish(ALERTS, {"alert": 1})
    assert len(await dying.consume(ALERTS, "g", "dying", block_ms=100)) == 1
    started = time.monotonic()
    again = await healthy.consume(ALERTS, "g", "healthy", block_ms=5_000)
    assert len(again) == 1 and again[0].deliveries == 2
    assert time.monotonic() - started < 2.0  # not the whole 5 s block


async def test_dead_letter_after_max_deliveries(make_bus: MakeBus) -> None:
    bus = make_bus()
    message_id = await bus.publish(ALERTS, {"poison": True}, key="p1")
    for delivery in (1, 2):  # FAST.max_deliveries == 2
        if delivery > 1:
            await asyncio.sleep(IDLE_MS / 1000 + 0.05)
        got = await bus.consume(ALERTS, "notifiers", f"c{delivery}", block_ms=500)
        assert [(m.id, m.deliveries) for m in got] == [(message_id, delivery)]
    await asyncio.sleep(IDLE_MS / 1000 + 0.05)

    assert await bus.consume(ALERTS, "notifiers", "c3", block_ms=100) == []
    assert (await bus.depth(ALERTS, "notifiers")).pending == 0
    dead = await bus.consume(dead_letter_topic(ALERTS), "ops", "o1", block_ms=100)
    assert len(dead) == 1
    assert (dead[0].payload, dead[0].key) == ({"poison": True}, "p1")
    assert dead[0].headers == {
        "topic": ALERTS,
        "group": "notifiers",
        "original_id": message_id,
        "deliveries": "2",
    }
    assert make_bus().stats()["dead_lettered"] + bus.stats()["dead_lettered"] >= 1


async def test_order_within_a_topic(make_bus: MakeBus) -> None:
    producer, consumer = make_bus(), make_bus()
    async with consumer.subscribe(CANDLES) as sub:
        ids = [await producer.publish(CANDLES, {"n": n}) for n in range(200)]
        broadcast = await collect(sub, 200)
    queued = await drain(consumer, CANDLES, "charts", "c", 200)
    assert all(i is not None for i in ids)
    assert [parse_id(i or "") for i in ids] == sorted(parse_id(i or "") for i in ids)
    assert len(set(ids)) == 200
    for received in (broadcast, queued):
        assert [m.payload["n"] for m in received] == list(range(200))
        assert [m.id for m in received] == ids


async def test_publish_many(bus: Bus) -> None:
    count = 2_500  # more than one pipeline chunk
    ids = await bus.publish_many(
        CANDLES, [{"n": n} for n in range(count)], keys=[f"BTCUSDT:{n}" for n in range(count)]
    )
    assert len(ids) == count and None not in ids
    assert [parse_id(i or "") for i in ids] == sorted(parse_id(i or "") for i in ids)
    got = await drain(bus, CANDLES, "g", "c", count)
    assert [(m.payload["n"], m.key) for m in got] == [(n, f"BTCUSDT:{n}") for n in range(count)]
    assert await bus.publish_many(CANDLES, []) == []
    with pytest.raises(ValueError, match="keys"):
        await bus.publish_many(CANDLES, [{"n": 1}], keys=["a", "b"])


async def test_depth_and_pending_counts(bus: Bus) -> None:
    assert await bus.depth(ALERTS, "g") == msgspec.convert(
        {"length": 0, "pending": 0, "lag": 0}, type=type(await bus.depth(ALERTS, "g"))
    )
    await bus.publish_many(ALERTS, [{"n": n} for n in range(10)])
    before = await bus.depth(ALERTS, "g")
    assert (before.length, before.pending, before.lag) == (10, 0, 10)

    got = await bus.consume(ALERTS, "g", "c", batch=4, block_ms=100)
    mid = await bus.depth(ALERTS, "g")
    assert (mid.length, mid.pending, mid.lag) == (10, 4, 6)

    await bus.ack(ALERTS, "g", [m.id for m in got[:2]])
    after = await bus.depth(ALERTS, "g")
    assert (after.length, after.pending, after.lag) == (10, 2, 6)


async def test_topics_are_bounded(make_bus: MakeBus) -> None:
    config = BusConfig(
        claim_idle_ms=IDLE_MS, topics={CANDLES: TopicConfig(maxlen=100, durable=False)}
    )
    bus = make_bus(config)
    for start in range(0, 1_000, 100):
        await bus.publish_many(CANDLES, [{"n": n} for n in range(start, start + 100)])
    length = (await bus.depth(CANDLES, "g")).length
    # memory trims exactly; Redis "MAXLEN ~" trims whole radix-tree nodes (100 entries each)
    assert 100 <= length <= 300
    newest = await bus.latest(CANDLES)
    assert newest is not None and newest.payload == {"n": 999}


# --- broadcast -------------------------------------------------------------------------------


async def test_broadcast_reaches_every_subscriber_and_only_later_messages(
    make_bus: MakeBus,
) -> None:
    publisher, replica_1, replica_2 = make_bus(), make_bus(), make_bus()
    await publisher.publish(STATUS, {"n": "before"})
    async with (
        replica_1.subscribe(STATUS) as sub_1,
        replica_1.subscribe(STATUS) as sub_1b,
        replica_2.subscribe(STATUS) as sub_2,
    ):
        await publisher.publish_many(STATUS, [{"n": n} for n in range(5)])
        for sub in (sub_1, sub_1b, sub_2):
            got = await collect(sub, 5)
            assert [m.payload["n"] for m in got] == list(range(5))
            assert sub.qsize() == 0 and sub.dropped == 0


async def test_latest_wins(bus: Bus) -> None:
    assert await bus.latest(STATUS) is None
    await bus.publish(STATUS, {"feeds": 1})
    await bus.publish(STATUS, {"feeds": 2})
    latest = await bus.latest(STATUS)
    assert latest is not None and latest.payload == {"feeds": 2}


async def test_slow_subscriber_does_not_block_publisher_or_others(make_bus: MakeBus) -> None:
    publisher, replica = make_bus(), make_bus()
    async with (
        replica.subscribe(CANDLES, buffer=5) as slow,
        replica.subscribe(CANDLES) as fast,
    ):
        started = time.monotonic()
        for n in range(50):
            await publisher.publish(CANDLES, {"n": n})
        assert time.monotonic() - started < 2.0
        assert [m.payload["n"] for m in await collect(fast, 50)] == list(range(50))
        # "slow" never read: it keeps the newest 5 and counts what it lost
        assert slow.qsize() == 5 and slow.dropped == 45
        assert [m.payload["n"] for m in await collect(slow, 5)] == list(range(45, 50))
    assert replica.stats()["subscriber_dropped"] >= 45


async def test_subscribers_joining_while_messages_flow_see_a_gapless_suffix(
    make_bus: MakeBus,
) -> None:
    publisher, replica = make_bus(), make_bus()
    total = 300
    published = 0
    subs: list[tuple[int, Subscription]] = []

    async def publish_all() -> None:
        nonlocal published
        for n in range(total):
            await publisher.publish(CANDLES, {"n": n})
            published = n + 1
            if n % 20 == 0:
                await asyncio.sleep(0.005)

    async def join_all() -> None:
        for _ in range(6):
            sub = replica.subscribe(CANDLES, buffer=total)
            before = published
            await sub.start()
            subs.append((before, sub))
            await asyncio.sleep(0.01)

    await asyncio.gather(publish_all(), join_all())
    for before, sub in subs:
        received: list[int] = []
        while received[-1:] != [total - 1]:
            message = await asyncio.wait_for(anext(sub), 3)
            received.append(message.payload["n"])
        assert received[0] >= before  # nothing published before it started
        assert received == list(range(received[0], total))  # and no gap after that
        sub.close()


async def test_settings_invalidation_reaches_other_processes_within_a_second(
    make_bus: MakeBus,
) -> None:
    api, worker_1, worker_2 = make_bus(), make_bus(), make_bus()
    async with worker_1.subscribe(SETTINGS) as sub_1, worker_2.subscribe(SETTINGS) as sub_2:
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await api.publish(SETTINGS, {"user_id": 42, "version": 7}, key="42")
        for sub in (sub_1, sub_2):
            message = await asyncio.wait_for(anext(sub), 1)
            assert (message.payload, message.key) == ({"user_id": 42, "version": 7}, "42")
        assert time.monotonic() - started < 1.0


async def test_close_ends_subscriptions_and_refuses_work(make_bus: MakeBus) -> None:
    bus = make_bus()
    sub = bus.subscribe(SETTINGS)
    await sub.start()
    reading = asyncio.create_task(anext(sub))
    await asyncio.sleep(0.01)
    await bus.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reading, 2)
    with pytest.raises(BusClosed):
        await bus.publish(SETTINGS, {"x": 1})
    with pytest.raises(BusClosed):
        await bus.consume(SETTINGS, "g", "c", block_ms=10)
    assert await bus.ping() is False
    await bus.close()  # idempotent


async def test_closing_one_subscription_keeps_the_others(bus: Bus) -> None:
    async with bus.subscribe(STATUS) as keep:
        gone = bus.subscribe(STATUS)
        async with gone:
            pass
        assert gone.closed
        await bus.publish(STATUS, {"n": 1})
        assert [m.payload for m in await collect(keep, 1)] == [{"n": 1}]
        assert gone.qsize() == 0


async def test_ping(bus: Bus) -> None:
    assert await bus.ping() is True


def test_create_bus_picks_the_implementation() -> None:
    assert isinstance(create_bus(None), MemoryBus)
    redis_bus = create_bus("redis://127.0.0.1:6379/15")
    assert isinstance(redis_bus, RedisBus) and redis_bus.key(ALERTS) == "wickwatch:alerts"
    asyncio.run(redis_bus.close())


# --- Redis outage (own redis-server, killed and restarted) -----------------------------------


class RedisServer:
    """A throwaway ``redis-server`` (no persistence) on a fixed port, to kill and start again."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self._process is None
        self._process = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self._workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill(self) -> None:
        assert self._process is not None
        self._process.kill()
        self._process.wait(timeout=10)
        self._process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open and nothing answers."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis, not yet started."""
    require(shutil.which("redis-server") is not None, "redis-server binary not installed")
    server = RedisServer(_free_port(), tmp_path)
    try:
        yield server
    finally:
        if server._process is not None:
            server.resume()
            server.kill()


async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> None:
    for _ in range(int(within / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met within {within} s")


def _outage_bus(url: str, config: BusConfig = FAST) -> RedisBus:
    return RedisBus(url, config=config, op_timeout=1.0, max_backoff=0.2, read_block_ms=500)


@pytest.mark.redis
async def test_outage_buffers_publishes_and_delivers_them_after_restart(
    redis_server: RedisServer,
) -> None:
    redis_server.start()
    detector, notifier = _outage_bus(redis_server.url), _outage_bus(redis_server.url)
    try:
        async with notifier.subscribe(ALERTS) as websocket:
            await detector.publish_many(ALERTS, [{"n": n} for n in range(5)])
            assert len(await drain(notifier, ALERTS, "notifiers", "n1", 4, batch=4)) == 4
            in_hand = await drain(notifier, ALERTS, "notifiers", "n1", 1, ack=False, batch=1)
            assert len(await collect(websocket, 5)) == 5

            redis_server.kill()
            ids = [await detector.publish(ALERTS, {"n": n}, key=f"a{n}") for n in range(5, 55)]
            ids += await detector.publish_many(
                ALERTS, [{"n": n} for n in range(55, 75)], keys=[f"a{n}" for n in range(55, 75)]
            )
            assert ids == [None] * 70  # buffered, not lost
            assert await detector.ping() is False
            assert detector.stats()["buffered"] == 70 and not detector.up
            # consumers keep running: empty batches, with back-off, no exception
            assert await notifier.consume(ALERTS, "notifiers", "n1", block_ms=50) == []

            redis_server.start()
            await wait_until(lambda: detector.up)
            assert await detector.ping() is True
            # acknowledging what was in hand when Redis died (its group is gone): no error
            assert await notifier.ack(ALERTS, "notifiers", [in_hand[0].id]) == 0
            assert detector.stats()["buffered"] == 0
            assert detector.stats()["flushed"] == 70

            # the consumer group died with Redis and is created again; nothing is missing
            got = await drain(notifier, ALERTS, "notifiers", "n1", 70)
            assert [(m.payload["n"], m.key) for m in got] == [(n, f"a{n}") for n in range(5, 75)]
            broadcast = await collect(websocket, 70)  # the reader reconnected by itself
            assert [m.payload["n"] for m in broadcast] == list(range(5, 75))
        stats = detector.stats()
        assert stats["outages"] >= 1 and stats["reconnects"] >= 1
        assert stats["buffer_dropped"] == 0
    finally:
        await detector.close()
        await notifier.close()


@pytest.mark.redis
async def test_a_hung_redis_times_out_into_the_buffer(redis_server: RedisServer) -> None:
    """A Redis that stops answering (partition, stall) costs one publish ``op_timeout``; the rest
    buffer at once. A write whose reply was lost may arrive twice (at-least-once): dedupe by key."""
    redis_server.start()
    bus = RedisBus(redis_server.url, config=FAST, op_timeout=0.3, max_backoff=0.2)
    try:
        await bus.publish(ALERTS, {"n": 0}, key="a0")
        redis_server.pause()
        started = time.monotonic()
        assert await bus.publish(ALERTS, {"n": 1}, key="a1") is None
        for n in range(2, 20):
            assert await bus.publish(ALERTS, {"n": n}, key=f"a{n}") is None
        assert time.monotonic() - started < 2.0
        assert await bus.ping() is False

        redis_server.resume()
        await wait_until(lambda: bus.up)
        seen: dict[str, int] = {}
        for message in await bus.consume(ALERTS, "g", "c", batch=100, block_ms=100):
            seen[message.key or ""] = seen.get(message.key or "", 0) + 1
        assert set(seen) == {f"a{n}" for n in range(20)}
        assert all(count <= 2 for count in seen.values())
    finally:
        await bus.close()


@pytest.mark.redis
async def test_a_redis_refusing_writes_is_an_outage_not_an_error(
    redis_server: RedisServer,
) -> None:
    """A full Redis (``maxmemory`` with no eviction: OOM on every write): publishes buffer as in
    an outage instead of raising into the collector's loops (MISCONF, a failed save, is taken
    the same way), and are delivered once Redis takes writes again."""
    redis_server.start()
    admin = aioredis.Redis.from_url(redis_server.url)
    bus = _outage_bus(redis_server.url)
    try:
        await bus.publish(ALERTS, {"n": 0}, key="a0")
        await admin.config_set("maxmemory-policy", "noeviction")
        await admin.config_set("maxmemory", "1")
        assert await bus.publish(ALERTS, {"n": 1}, key="a1") is None  # buffered, not raised
        assert await bus.publish_many(ALERTS, [{"n": 2}], keys=["a2"]) == [None]
        assert not bus.up
        await asyncio.sleep(0.5)  # the recovery keeps finding writes refused
        assert not bus.up
        await admin.config_set("maxmemory", "0")
        await wait_until(lambda: bus.up)
        keys = [m.key for m in await bus.consume(ALERTS, "g", "c", batch=10, block_ms=100)]
        assert keys == ["a0", "a1", "a2"]
    finally:
        await bus.close()
        await admin.aclose()


@pytest.mark.redis
async def test_consumers_keep_draining_a_redis_that_refuses_writes(
    redis_server: RedisServer,
) -> None:
    """A full Redis still reads and acknowledges: what is already in a stream is consumed while
    the publishes wait in the buffer (re-creating the group, a write, was refused in a loop)."""
    redis_server.start()
    admin = aioredis.Redis.from_url(redis_server.url)
    bus = _outage_bus(redis_server.url)
    try:
        await bus.publish_many(
            ALERTS, [{"n": n} for n in range(5)], keys=[f"a{n}" for n in range(5)]
        )
        first = await bus.consume(ALERTS, "notifiers", "n1", batch=1, block_ms=100)
        await bus.ack(ALERTS, "notifiers", [m.id for m in first])
        await admin.config_set("maxmemory-policy", "noeviction")
        await admin.config_set("maxmemory", "1")
        assert await bus.publish(ALERTS, {"n": 5}, key="a5") is None  # buffered: Redis is full
        assert not bus.up
        got: list[Message] = []
        async with asyncio.timeout(5):
            while len(got) < 4:
                got += await bus.consume(ALERTS, "notifiers", "n1", batch=10, block_ms=100)
        assert [m.key for m in got] == ["a1", "a2", "a3", "a4"]
    finally:
        await admin.config_set("maxmemory", "0")
        await bus.close()
        await admin.aclose()


@pytest.mark.redis
async def test_a_redis_that_cannot_save_is_an_outage_for_every_call(tmp_path: Path) -> None:
    """MISCONF (a failed save: Redis refuses writes and even PING): consume, ack and ping
    answer as in an outage, and close() still closes the connections after logging what it
    could not send (it raised, and the process's shutdown skipped everything after it)."""
    data = tmp_path / "data"
    data.mkdir()
    server = RedisServer(_free_port(), data)
    server.start()
    admin = aioredis.Redis.from_url(server.url)
    bus = _outage_bus(server.url)
    try:
        await bus.publish(ALERTS, {"n": 0}, key="a0")
        [taken] = await bus.consume(ALERTS, "g", "c", block_ms=100)
        await admin.config_set("save", "3600 1")
        shutil.rmtree(data)  # the next save fails: Redis stops taking writes (MISCONF)
        await admin.bgsave()
        for _ in range(100):
            if (await admin.info("persistence"))["rdb_last_bgsave_status"] == "err":
                break
            await asyncio.sleep(0.05)
        assert await bus.publish(ALERTS, {"n": 1}, key="a1") is None  # buffered
        assert await bus.consume(ALERTS, "g", "c", block_ms=100) == []
        assert await bus.ack(ALERTS, "g", [taken.id]) == 0  # stays pending: delivered again
        assert await bus.ping() is False
        assert len(await admin.client_list()) > 1  # the bus's connections and this one
        await bus.close()
        for _ in range(50):  # the server notices the closed sockets at once, give or take
            if len(await admin.client_list()) == 1:
                break
            await asyncio.sleep(0.02)
        assert len(await admin.client_list()) == 1
    finally:
        await admin.aclose()
        server.kill()


@pytest.mark.redis
async def test_publisher_started_before_redis_flushes_when_it_comes(
    redis_server: RedisServer,
) -> None:
    bus = _outage_bus(redis_server.url)
    try:
        assert await bus.ping() is False
        assert await bus.publish(SETTINGS, {"user_id": 1, "version": 2}) is None
        redis_server.start()
        await wait_until(lambda: bus.up)
        latest = await bus.latest(SETTINGS)
        assert latest is not None and latest.payload == {"user_id": 1, "version": 2}
    finally:
        await bus.close()


@pytest.mark.redis
async def test_outage_buffer_is_bounded(redis_server: RedisServer) -> None:
    config = BusConfig(
        claim_idle_ms=IDLE_MS,
        topics={
            CANDLES: TopicConfig(maxlen=1_000, durable=False, buffer=10),
            ALERTS: TopicConfig(maxlen=1_000, durable=True, buffer=10),
        },
    )
    redis_server.start()
    bus = _outage_bus(redis_server.url, config)
    try:
        redis_server.kill()
        for n in range(25):  # lossy: keeps the newest 10, counts the rest
            assert await bus.publish(CANDLES, {"n": n}) is None
        assert bus.stats()["buffer_dropped"] == 15
        await bus.publish_many(ALERTS, [{"n": n} for n in range(10)])
        with pytest.raises(BusOverflow):  # durable: refuses rather than silently dropping
            await bus.publish(ALERTS, {"n": 10})
        assert bus.stats()["buffered"] == 20

        redis_server.start()
        await wait_until(lambda: bus.up)
        candles = await drain(bus, CANDLES, "g", "c", 10)
        alerts = await drain(bus, ALERTS, "g", "c", 10)
        assert [m.payload["n"] for m in candles] == list(range(15, 25))
        assert [m.payload["n"] for m in alerts] == list(range(10))
    finally:
        await bus.close()


@pytest.mark.redis
async def test_unacked_messages_survive_a_consumer_reconnect(redis_server: RedisServer) -> None:
    """A Redis restart without data loss is invisible apart from redelivery (at-least-once)."""
    redis_server.start()
    bus = _outage_bus(redis_server.url)
    try:
        await bus.publish(ALERTS, {"n": 1})
        assert len(await bus.consume(ALERTS, "g", "c1", block_ms=100)) == 1
        # the connection drops (e.g. a proxy restart): simulate by killing every client
        await bus._redis.client_kill_filter(_type="normal", skipme=False)
        await asyncio.sleep(IDLE_MS / 1000 + 0.05)
        again = await drain(bus, ALERTS, "g", "c2", 1)
        assert again[0].payload == {"n": 1} and again[0].deliveries == 2
    finally:
        await bus.close()


@pytest.mark.redis
async def test_subscriber_starting_behind_the_reader_gets_what_it_missed(redis_url: str) -> None:
    """Redis: while a new subscription asks where the stream ends, the topic's reader (already
    running for an earlier subscription) can fan out messages the new one should also get."""
    publisher = RedisBus(redis_url, prefix="race:")
    replica = RedisBus(redis_url, prefix="race:", read_block_ms=200)
    try:
        async with replica.subscribe(CANDLES) as first:
            await publisher.publish(CANDLES, {"n": 0})
            await collect(first, 1)
            ask_end = replica._last_id

            async def slow_last_id(stream: str) -> str:
                end = await ask_end(stream)  # the new subscription starts after this ...
                await publisher.publish_many(CANDLES, [{"n": 1}, {"n": 2}])
                await collect(first, 2)  # ... but the reader has already passed these
                return end

            replica._last_id = slow_last_id  # type: ignore[method-assign]
            async with replica.subscribe(CANDLES) as second:
                await publisher.publish(CANDLES, {"n": 3})
                assert [m.payload["n"] for m in await collect(second, 3)] == [1, 2, 3]
                assert [m.payload["n"] for m in await collect(first, 1)] == [3]
    finally:
        await publisher.close()
        await replica.close()
