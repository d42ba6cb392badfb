"""The Redis Streams bus of the distributed mode.

One stream per topic (``<prefix><topic>``), written with ``XADD … MAXLEN ~`` (pipelined for
batches). Work queues are consumer groups: ``XGROUP CREATE … 0 MKSTREAM`` on first use (and again
after a Redis restart lost them), ``XREADGROUP >``, ``XACK``; every ``claim_idle_ms / 4`` a consumer
runs one Lua script that does ``XAUTOCLAIM`` for messages idle at other consumers, reads each
claimed message's delivery count (``XPENDING``) and moves the over-delivered ones to
``<topic>.dead`` (``XADD`` + ``XACK``, atomically). Broadcast: one reader task per subscribed topic
per process runs ``XREAD BLOCK`` from the last id it saw and fans out to the local subscriptions.

Outages. Every command runs under a timeout; a connection error marks the bus *down*. While down,
``publish`` does not touch the network: messages go to a bounded per-topic buffer (durable topics
refuse with :class:`BusOverflow` when theirs is full, lossy ones drop the oldest, counted). A
recovery task pings with jittered exponential back-off, flushes the buffers in order (pipelined)
when Redis answers, and only then marks the bus up, so order within a topic is kept. Consumers and
readers retry with the same back-off and resume where they were; ``consume`` returns ``[]`` while
Redis is down. Delivery stays at-least-once: a write whose reply was lost is sent again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from wickwatch.bus.base import (
    Bus,
    BusClosed,
    BusConfig,
    BusError,
    BusOverflow,
    Message,
    Payload,
    QueueDepth,
    Subscription,
    dead_letter_topic,
    encode_payload,
    parse_id,
)

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "wickwatch:"

#: Errors meaning "Redis cannot take writes now" (as opposed to a bad command): not reachable,
#: or refusing writes (maxmemory reached, a read-only replica). Publishing buffers on these, as
#: for an outage; the recovery retries until Redis takes them again.
DOWN_ERRORS: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    TimeoutError,
    OSError,
    OutOfMemoryError,
    ReadOnlyError,
)


#: What a publish catches to tell (with :func:`_down`) an outage from a bug.
PUBLISH_ERRORS: tuple[type[BaseException], ...] = (*DOWN_ERRORS, ResponseError)


def _down(exc: BaseException) -> bool:
    """Whether ``exc`` says Redis cannot take writes now. ``MISCONF`` (it could not save its
    data, e.g. a full disk, and stops writes) comes as a plain error reply; so may OOM and
    READONLY from older servers."""
    if isinstance(exc, DOWN_ERRORS):
        return True
    return isinstance(exc, ResponseError) and str(exc).startswith(("MISCONF", "OOM", "READONLY"))


_FLUSH_CHUNK = 500
_PIPELINE_CHUNK = 1_000

Fields = dict[bytes, bytes]

# KEYS: stream, dead-letter stream. ARGV: group, consumer, min-idle ms, cursor, count,
# max deliveries, dead-letter maxlen, topic. Returns {next cursor, {{id, fields, deliveries}…},
# number dead-lettered}.
_CLAIM_SCRIPT = """
local stream, dead = KEYS[1], KEYS[2]
local group, consumer = ARGV[1], ARGV[2]
local max_deliveries = tonumber(ARGV[6])
local claimed = redis.call('XAUTOCLAIM', stream, group, consumer, ARGV[3], ARGV[4],
                           'COUNT', ARGV[5])
local out, dead_count = {}, 0
for _, entry in ipairs(claimed[2]) do
  local id, fields = entry[1], entry[2]
  local info = redis.call('XPENDING', stream, group, id, id, 1)[1]
  local deliveries = 1
  if info then deliveries = info[4] end
  if deliveries > max_deliveries then
    local args = {'XADD', dead, 'MAXLEN', '~', ARGV[7], '*'}
    for _, value in ipairs(fields) do args[#args + 1] = value end
    for _, value in ipairs({'topic', ARGV[8], 'group', group, 'original_id', id,
                            'deliveries', tostring(deliveries - 1)}) do
      args[#args + 1] = value
    end
    redis.call(unpack(args))
    redis.call('XACK', stream, group, id)
    dead_count = dead_count + 1
  else
    out[#out + 1] = {id, fields, deliveries}
  end
end
return {claimed[1], out, dead_count}
"""


@dataclass(slots=True)
class _ClaimState:
    cursor: bytes = b"0-0"
    next_at: float = 0.0  # monotonic time of the next XAUTOCLAIM


@dataclass(slots=True)
class _Reader:
    """The one XREAD loop of a topic in this process and the subscriptions it feeds."""

    topic: str
    stream: str
    last: str
    subs: list[Subscription] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    @property
    def last_t(self) -> tuple[int, int]:
        return parse_id(self.last)


def _fields(payload: Payload, key: str | None) -> Fields:
    data, binary = encode_payload(payload)
    fields: Fields = {b"b" if binary else b"j": data}
    if key is not None:
        fields[b"k"] = key.encode()
    return fields


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _message(topic: str, raw_id: Any, raw_fields: Any, deliveries: int) -> Message:
    """A :class:`Message` from a stream entry as redis-py returns it (bytes id, bytes dict)."""
    fields: Fields = dict(raw_fields or {})
    binary = False
    data = fields.pop(b"j", None)
    if data is None:
        data = fields.pop(b"b", b"")
        binary = True
    key = fields.pop(b"k", None)
    return Message(
        id=_text(raw_id),
        topic=topic,
        data=data,
        binary=binary,
        key=key.decode() if key is not None else None,
        deliveries=deliveries,
        headers={k.decode(): v.decode() for k, v in fields.items()},
    )


def _pairs(flat: list[bytes]) -> Fields:
    return dict(zip(flat[::2], flat[1::2], strict=True))


class RedisBus(Bus):
    """:class:`~wickwatch.bus.base.Bus` on Redis Streams; see the module docstring.

    ``op_timeout`` bounds every command (and connecting); blocking reads get their block time on
    top. ``max_backoff`` caps the reconnect back-off, and so how long after Redis returns the
    buffered messages are flushed. ``read_block_ms`` is the broadcast readers' XREAD block time.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        config: BusConfig | None = None,
        op_timeout: float = 5.0,
        min_backoff: float = 0.05,
        max_backoff: float = 1.0,
        read_block_ms: int = 5_000,
        read_count: int = 500,
    ) -> None:
        self.config = config or BusConfig()
        self.prefix = prefix
        self._op_timeout = op_timeout
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._read_block_ms = read_block_ms
        self._read_count = read_count
        # No socket timeout (blocking reads would trip it): each call runs under asyncio.timeout
        # instead, and a cancelled command makes redis-py drop its connection. One retry heals a
        # pooled connection that a Redis restart left dead.
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=op_timeout,
            socket_timeout=None,
            retry=Retry(NoBackoff(), 1),
            decode_responses=False,
        )
        self._claim_script = self._redis.register_script(_CLAIM_SCRIPT)
        self._up = True
        self._closed = False
        self._recovery: asyncio.Task[None] | None = None
        self._buffers: dict[str, deque[Fields]] = {}
        self._inflight = 0
        self._groups_ready: set[tuple[str, str]] = set()
        self._claims: dict[tuple[str, str], _ClaimState] = {}
        self._readers: dict[str, _Reader] = {}
        self._consume_backoff = min_backoff
        self._stats = {
            "published": 0,
            "delivered": 0,
            "redelivered": 0,
            "acked": 0,
            "ack_failures": 0,
            "dead_lettered": 0,
            "subscriber_dropped": 0,
            "buffer_dropped": 0,
            "flushed": 0,
            "outages": 0,
            "reconnects": 0,
        }

    # --- helpers -----------------------------------------------------------------------------

    def key(self, topic: str) -> str:
        """The Redis key of a topic's stream."""
        return self.prefix + topic

    @property
    def up(self) -> bool:
        """False from a connection error until Redis answered and the buffers were flushed."""
        return self._up

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosed("the bus is closed")

    def _timeout(self, block_ms: int | None = None) -> asyncio.Timeout:
        return asyncio.timeout(self._op_timeout + (block_ms or 0) / 1000)

    def _buffered(self) -> int:
        return sum(len(b) for b in self._buffers.values()) + self._inflight

    def _mark_down(self, exc: BaseException) -> None:
        if self._up:
            self._up = False
            self._stats["outages"] += 1
            log.warning("redis bus down: %s: %s", type(exc).__name__, exc)
        if not self._closed and (self._recovery is None or self._recovery.done()):
            self._recovery = asyncio.create_task(self._recover(), name="wickwatch-bus-recovery")

    def _backoff(self, delay: float) -> float:
        return delay * random.uniform(0.5, 1.0)

    # --- outage buffer -----------------------------------------------------------------------

    def _buffer(self, topic: str, items: Sequence[Fields]) -> None:
        cfg = self.config.topic(topic)
        buf = self._buffers.setdefault(topic, deque())
        if cfg.durable and len(buf) + len(items) > cfg.buffer:
            raise BusOverflow(
                f"redis is down and the {topic!r} buffer is full ({len(buf)} messages)",
                details={"topic": topic, "buffered": len(buf), "refused": len(items)},
            )
        buf.extend(items)
        self._trim_buffer(topic, buf)

    def _trim_buffer(self, topic: str, buf: deque[Fields]) -> None:
        cfg = self.config.topic(topic)
        if cfg.durable:
            return
        while len(buf) > cfg.buffer:
            buf.popleft()
            self._stats["buffer_dropped"] += 1

    async def _recover(self) -> None:
        """Ping with back-off until Redis answers, flush the buffers, then mark the bus up."""
        delay = self._min_backoff
        while not self._closed:
            try:
                async with self._timeout():
                    await self._redis.ping()
                await self._flush()
            except PUBLISH_ERRORS as exc:
                if not _down(exc):
                    log.exception("redis bus: recovery failed")
                await asyncio.sleep(self._backoff(delay))
                delay = min(delay * 2, self._max_backoff)
                continue
            except Exception:  # a bug must not leave the bus buffering forever: keep trying
                log.exception("redis bus: recovery failed")
                await asyncio.sleep(self._max_backoff)
                continue
            if self._buffered() == 0:  # nothing awaited since the flush: no publish slipped in
                self._up = True
                self._stats["reconnects"] += 1
                log.info("redis bus up again")
                return

    async def _flush(self) -> None:
        """Send every buffered message, oldest first per topic, in pipelined chunks."""
        while True:
            topics = [t for t, b in self._buffers.items() if b]
            if not topics:
                return
            for topic in topics:
                buf = self._buffers[topic]
                cfg = self.config.topic(topic)
                stream = self.key(topic)
                while buf:
                    chunk = [buf.popleft() for _ in range(min(len(buf), _FLUSH_CHUNK))]
                    self._inflight += len(chunk)
                    try:
                        async with (
                            self._timeout(),
                            self._redis.pipeline(transaction=False) as pipe,
                        ):
                            for fields in chunk:
                                pipe.xadd(stream, fields, maxlen=cfg.maxlen, approximate=True)  # type: ignore[arg-type]
                            results = await pipe.execute(raise_on_error=False)
                    except BaseException:
                        buf.extendleft(reversed(chunk))
                        self._trim_buffer(topic, buf)
                        raise
                    finally:
                        self._inflight -= len(chunk)
                    refused = [j for j, r in enumerate(results) if _down(r)]
                    if refused:  # full, read-only, cannot save: back in front, tried again
                        buf.extendleft(reversed([chunk[j] for j in refused]))
                        sent = len(chunk) - len(refused)
                        self._stats["flushed"] += sent
                        self._stats["published"] += sent
                        raise results[refused[0]]
                    failed = [r for r in results if isinstance(r, Exception)]
                    if failed:  # a command error (not an outage): retrying cannot help
                        log.error(
                            "redis bus: %d buffered %s messages refused: %s",
                            len(failed),
                            topic,
                            failed[0],
                        )
                    self._stats["flushed"] += len(chunk) - len(failed)
                    self._stats["published"] += len(chunk) - len(failed)

    # --- publishing --------------------------------------------------------------------------

    async def publish(self, topic: str, payload: Payload, *, key: str | None = None) -> str | None:
        self._check_open()
        fields = _fields(payload, key)
        if not self._up:
            self._buffer(topic, [fields])
            return None
        try:
            async with self._timeout():
                message_id: Any = await self._redis.xadd(
                    self.key(topic),
                    fields,  # type: ignore[arg-type]
                    maxlen=self.config.topic(topic).maxlen,
                    approximate=True,
                )
        except PUBLISH_ERRORS as exc:
            if not _down(exc):
                raise
            self._mark_down(exc)
            self._buffer(topic, [fields])
            return None
        self._stats["published"] += 1
        return _text(message_id)

    async def publish_many(
        self,
        topic: str,
        payloads: Iterable[Payload],
        *,
        keys: Sequence[str | None] | None = None,
    ) -> list[str | None]:
        self._check_open()
        items = list(payloads)
        if keys is not None and len(keys) != len(items):
            raise ValueError(f"{len(items)} payloads but {len(keys)} keys")
        all_fields = [
            _fields(payload, keys[i] if keys else None) for i, payload in enumerate(items)
        ]
        if not self._up:
            self._buffer(topic, all_fields)
            return [None] * len(all_fields)
        stream = self.key(topic)
        maxlen = self.config.topic(topic).maxlen
        ids: list[str | None] = []
        try:
            for start in range(0, len(all_fields), _PIPELINE_CHUNK):
                async with self._timeout(), self._redis.pipeline(transaction=False) as pipe:
                    for fields in all_fields[start : start + _PIPELINE_CHUNK]:
                        pipe.xadd(stream, fields, maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
                    results = await pipe.execute()
                ids.extend(_text(r) for r in results)
        except PUBLISH_ERRORS as exc:
            if not _down(exc):
                raise
            self._mark_down(exc)
            self._buffer(topic, all_fields[len(ids) :])
            ids.extend([None] * (len(all_fields) - len(ids)))
        self._stats["published"] += sum(1 for i in ids if i is not None)
        return ids

    # --- work queues -------------------------------------------------------------------------

    async def _ensure_group(self, stream: str, group: str) -> None:
        if (stream, group) in self._groups_ready:
            return
        try:
            async with self._timeout():
                await self._redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups_ready.add((stream, group))

    async def _claim(
        self, topic: str, stream: str, group: str, consumer: str, limit: int
    ) -> list[Message]:
        state = self._claims.setdefault((stream, group), _ClaimState())
        now = time.monotonic()
        if now < state.next_at:
            return []
        async with self._timeout():
            result = await self._claim_script(
                keys=[stream, self.key(dead_letter_topic(topic))],
                args=[
                    group,
                    consumer,
                    self.config.claim_idle_ms,
                    state.cursor,
                    limit,
                    self.config.max_deliveries,
                    self.config.topic(dead_letter_topic(topic)).maxlen,
                    topic,
                ],
            )
        cursor, claimed, dead = result
        state.cursor = bytes(cursor)
        # A cursor other than 0-0 means the scan stopped at ``limit``: continue on the next call.
        interval = self.config.claim_idle_ms / 4000
        state.next_at = now if state.cursor != b"0-0" else now + interval
        self._stats["dead_lettered"] += int(dead)
        out = [_message(topic, raw_id, _pairs(flat), int(n)) for raw_id, flat, n in claimed]
        self._stats["redelivered"] += len(out)
        return out

    async def _read_group(
        self, topic: str, stream: str, group: str, consumer: str, count: int, block_ms: int | None
    ) -> list[Message]:
        async with self._timeout(block_ms):
            response: Any = await self._redis.xreadgroup(
                group, consumer, {stream: ">"}, count=count, block=block_ms
            )
        out: list[Message] = []
        for _stream, entries in response or []:
            out.extend(_message(topic, raw_id, fields, 1) for raw_id, fields in entries)
        return out

    async def consume(
        self,
        topic: str,
        group: str,
        consumer: str,
        *,
        batch: int = 100,
        block_ms: int = 1_000,
    ) -> list[Message]:
        if batch < 1:
            raise ValueError("batch must be >= 1")
        self._check_open()
        stream = self.key(topic)
        deadline = time.monotonic() + max(0, block_ms) / 1000
        try:
            while True:
                out = await self._consume_once(topic, stream, group, consumer, batch, deadline)
                if out or time.monotonic() >= deadline:
                    break
                self._check_open()
        except PUBLISH_ERRORS as exc:
            if not _down(exc):
                raise
            self._mark_down(exc)
            if self._closed:
                raise BusClosed("the bus is closed") from exc
            await asyncio.sleep(self._backoff(self._consume_backoff))
            self._consume_backoff = min(self._consume_backoff * 2, self._max_backoff)
            return []
        self._consume_backoff = self._min_backoff
        self._stats["delivered"] += len(out)
        return out

    async def _consume_once(
        self, topic: str, stream: str, group: str, consumer: str, batch: int, deadline: float
    ) -> list[Message]:
        """Claim idle messages if due, then read new ones, blocking until the deadline at most
        and never past the next claim (so an idle message is picked up while we wait)."""
        for attempt in (1, 2):
            try:
                await self._ensure_group(stream, group)
                out = await self._claim(topic, stream, group, consumer, batch)
                if len(out) >= batch:
                    return out
                block: int | None = None
                now = time.monotonic()
                if not out and deadline > now:
                    wake = min(deadline, self._claims[(stream, group)].next_at)
                    block = max(1, int((wake - now) * 1000))  # never 0: that blocks forever
                return out + await self._read_group(
                    topic, stream, group, consumer, batch - len(out), block
                )
            except ResponseError as exc:  # Redis restarted without our group: create it again
                if "NOGROUP" not in str(exc) or attempt == 2:
                    raise
                self._groups_ready.discard((stream, group))
        raise AssertionError("unreachable")

    async def ack(self, topic: str, group: str, ids: Iterable[str]) -> int:
        self._check_open()
        id_list = list(ids)
        if not id_list:
            return 0
        try:
            async with self._timeout():
                done = int(await self._redis.xack(self.key(topic), group, *id_list))
        except PUBLISH_ERRORS as exc:
            if _down(exc):
                # Not fatal: the messages stay pending and are delivered again (at-least-once).
                self._mark_down(exc)
                self._stats["ack_failures"] += len(id_list)
                return 0
            if "NOGROUP" not in str(exc):
                raise
            return 0  # no such group (any more: Redis restarted): nothing was pending
        self._stats["acked"] += done
        return done

    # --- broadcast ---------------------------------------------------------------------------

    def subscribe(self, topic: str, *, buffer: int | None = None) -> Subscription:
        return Subscription(
            topic,
            buffer or self.config.subscriber_buffer,
            on_start=self._start_subscription,
            on_close=self._close_subscription,
            on_drop=self._on_drop,
        )

    def _on_drop(self, count: int) -> None:
        self._stats["subscriber_dropped"] += count

    async def _last_id(self, stream: str) -> str:
        async with self._timeout():
            newest: Any = await self._redis.xrevrange(stream, count=1)
        return _text(newest[0][0]) if newest else "0-0"

    async def _start_subscription(self, sub: Subscription) -> None:
        self._check_open()
        stream = self.key(sub.topic)
        try:
            after = await self._last_id(stream)
        except DOWN_ERRORS as exc:
            # Cannot ask where the stream ends: start at the current time (ids are Redis's
            # wall-clock ms, so anything published from now on is later).
            self._mark_down(exc)
            after = f"{time.time_ns() // 1_000_000 - 1}-{2**63}"
        self._check_open()
        if sub.closed:  # closed while we were asking
            return
        sub.after = parse_id(after)
        reader = self._readers.get(sub.topic)
        if reader is None:
            reader = _Reader(sub.topic, stream, last=after, subs=[sub])
            self._readers[sub.topic] = reader
            reader.task = asyncio.create_task(
                self._read_loop(reader), name=f"wickwatch-bus-read-{sub.topic}"
            )
            return
        reader.subs.append(sub)
        if reader.last_t <= sub.after:
            return  # the reader has not passed our start: it will deliver everything we need
        # The reader already fanned out messages after our start (published while we asked
        # where the stream ends): fetch those, keeping what it delivers meanwhile aside.
        upto = reader.last
        sub.held = []
        try:
            async with self._timeout():
                missed: Any = await self._redis.xrevrange(
                    stream, max=upto, min="(" + after, count=sub.buffer
                )
        except DOWN_ERRORS as exc:
            self._mark_down(exc)
            missed = []
        held, sub.held = sub.held, None
        for raw_id, fields in reversed(missed):
            sub.push(_message(sub.topic, raw_id, fields, 1))
        for message in held:
            sub.push(message)

    def _close_subscription(self, sub: Subscription) -> None:
        reader = self._readers.get(sub.topic)
        if reader is None or sub not in reader.subs:
            return
        reader.subs.remove(sub)
        if not reader.subs:
            del self._readers[sub.topic]
            if reader.task is not None:
                reader.task.cancel()

    async def _read_loop(self, reader: _Reader) -> None:
        delay = self._min_backoff
        block = self._read_block_ms
        while reader.subs and not self._closed:
            try:
                async with self._timeout(block):
                    response: Any = await self._redis.xread(
                        {reader.stream: reader.last}, count=self._read_count, block=block
                    )
            except DOWN_ERRORS as exc:
                self._mark_down(exc)
                await asyncio.sleep(self._backoff(delay))
                delay = min(delay * 2, self._max_backoff)
                continue
            except asyncio.CancelledError:
                raise
            except Exception:  # never let one bad reply kill every subscription of the topic
                log.exception("redis bus: reading %s failed", reader.topic)
                await asyncio.sleep(self._max_backoff)
                continue
            delay = self._min_backoff
            for _stream, entries in response or []:
                for raw_id, fields in entries:
                    id_t = parse_id(raw_id)
                    reader.last = _text(raw_id)
                    for sub in reader.subs:
                        if id_t > sub.after:
                            sub.push(_message(reader.topic, raw_id, fields, 1))

    # --- inspection --------------------------------------------------------------------------

    async def latest(self, topic: str) -> Message | None:
        self._check_open()
        try:
            async with self._timeout():
                newest: Any = await self._redis.xrevrange(self.key(topic), count=1)
        except DOWN_ERRORS as exc:
            self._mark_down(exc)
            raise BusError(f"redis is down: {exc}") from exc
        if not newest:
            return None
        raw_id, fields = newest[0]
        return _message(topic, raw_id, fields, 1)

    async def depth(self, topic: str, group: str) -> QueueDepth:
        self._check_open()
        stream = self.key(topic)
        try:
            async with self._timeout():
                length = int(await self._redis.xlen(stream))
                groups: Any = []
                if length or await self._redis.exists(stream):
                    groups = await self._redis.xinfo_groups(stream)
        except DOWN_ERRORS as exc:
            self._mark_down(exc)
            raise BusError(f"redis is down: {exc}") from exc
        for info in groups:
            if _text(info["name"]) == group:
                lag = info.get("lag")
                return QueueDepth(
                    length=length,
                    pending=int(info["pending"]),
                    lag=int(lag) if lag is not None else None,
                )
        return QueueDepth(length=length, pending=0, lag=length)

    async def ping(self) -> bool:
        if self._closed:
            return False
        try:
            async with self._timeout():
                await self._redis.ping()
        except PUBLISH_ERRORS as exc:
            if not _down(exc):  # (MISCONF refuses even a PING)
                raise
            self._mark_down(exc)
            return False
        return True

    def stats(self) -> dict[str, int]:
        return {
            **self._stats,
            "buffered": self._buffered(),
            "up": int(self._up),
            "subscribers": sum(len(r.subs) for r in self._readers.values()),
        }

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        tasks: list[asyncio.Task[None]] = []
        for reader in list(self._readers.values()):
            for sub in list(reader.subs):
                sub.close()
            if reader.task is not None:
                tasks.append(reader.task)
        self._readers.clear()
        if self._recovery is not None:
            self._recovery.cancel()
            tasks.append(self._recovery)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            if self._buffered():
                try:  # one last attempt, so a clean shutdown right after an outage loses nothing
                    await self._flush()
                except PUBLISH_ERRORS as exc:
                    if not _down(exc):
                        raise
                    log.error("redis bus closed with %d unsent messages: %s", self._buffered(), exc)
        finally:
            await self._redis.aclose()
