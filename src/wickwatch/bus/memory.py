"""The in-memory bus of the embedded mode: one process, one asyncio loop, Redis Streams semantics.

Each topic is a bounded log (a deque trimmed to ``maxlen``). A consumer group is a cursor into the
log plus a table of pending (delivered, unacknowledged) messages; pending messages stay pending
even if trimmed from the log, so a slow group never loses a message it was given. Subscriptions are
fed at publish time, each through its own bounded buffer (drop-oldest), so publishing never waits.
Everything runs on the event loop without locks: no method awaits while it changes state.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import msgspec

from wickwatch.bus.base import (
    Bus,
    BusClosed,
    BusConfig,
    IdGenerator,
    Message,
    Payload,
    QueueDepth,
    Subscription,
    dead_letter_topic,
    encode_payload,
)


class _Entry(msgspec.Struct, frozen=True, gc=False):
    id: str
    data: bytes
    binary: bool
    key: str | None
    headers: dict[str, str] | None


@dataclass(slots=True)
class _Pending:
    entry: _Entry
    consumer: str
    delivered_at: float  # monotonic seconds
    deliveries: int


@dataclass(slots=True)
class _Group:
    name: str
    cursor: int  # sequence number of the next message to hand out
    pending: dict[str, _Pending] = field(default_factory=dict)  # in id order
    next_claim_check: float = math.inf  # no pending message can be idle before this time


@dataclass(slots=True)
class _Topic:
    log: deque[_Entry]
    next_seq: int = 0  # sequence number the next appended entry gets
    groups: dict[str, _Group] = field(default_factory=dict)
    subscribers: list[Subscription] = field(default_factory=list)
    changed: asyncio.Event | None = None  # set (and dropped) on append, if someone waits

    @property
    def first_seq(self) -> int:
        return self.next_seq - len(self.log)


class MemoryBus(Bus):
    """:class:`~wickwatch.bus.base.Bus` for one process; see the module docstring."""

    def __init__(self, config: BusConfig | None = None) -> None:
        self.config = config or BusConfig()
        self._topics: dict[str, _Topic] = {}
        self._next_id = IdGenerator()
        self._closed = False
        self._stats = {
            "published": 0,
            "delivered": 0,
            "redelivered": 0,
            "acked": 0,
            "dead_lettered": 0,
            "subscriber_dropped": 0,
            "trimmed_undelivered": 0,
        }

    # --- internals ---------------------------------------------------------------------------

    def _topic(self, name: str) -> _Topic:
        topic = self._topics.get(name)
        if topic is None:
            topic = _Topic(log=deque(maxlen=self.config.topic(name).maxlen))
            self._topics[name] = topic
        return topic

    def _check_open(self) -> None:
        if self._closed:
            raise BusClosed("the bus is closed")

    def _append(self, name: str, entry: _Entry) -> None:
        topic = self._topic(name)
        topic.log.append(entry)  # the deque's maxlen trims the oldest
        topic.next_seq += 1
        for sub in topic.subscribers:
            sub.push(_message(entry, name, 1))
        if topic.changed is not None:
            topic.changed.set()
            topic.changed = None

    def _on_drop(self, count: int) -> None:
        self._stats["subscriber_dropped"] += count

    def _group(self, topic: _Topic, name: str) -> _Group:
        group = topic.groups.get(name)
        if group is None:  # a new group starts at the oldest retained message
            group = _Group(name=name, cursor=topic.first_seq)
            topic.groups[name] = group
        return group

    def _claim(self, name: str, group: _Group, consumer: str, limit: int) -> list[Message]:
        """Hand idle pending messages to ``consumer``; dead-letter the over-delivered ones."""
        now = time.monotonic()
        if limit <= 0 or now < group.next_claim_check:
            return []
        idle_s = self.config.claim_idle_ms / 1000
        claimed: list[Message] = []
        dead: list[_Pending] = []
        next_check = math.inf
        for pending in group.pending.values():
            due = pending.delivered_at + idle_s
            if due > now:
                next_check = min(next_check, due)
                continue
            if len(claimed) >= limit:
                next_check = now  # more to claim on the next call
                break
            if pending.deliveries >= self.config.max_deliveries:
                dead.append(pending)
                continue
            pending.consumer = consumer
            pending.delivered_at = now
            pending.deliveries += 1
            next_check = min(next_check, now + idle_s)
            claimed.append(_message(pending.entry, name, pending.deliveries))
        group.next_claim_check = next_check
        for pending in dead:
            del group.pending[pending.entry.id]
            self._dead_letter(name, group.name, pending)
        self._stats["redelivered"] += len(claimed)
        return claimed

    def _dead_letter(self, name: str, group: str, pending: _Pending) -> None:
        entry = pending.entry
        headers = dict(entry.headers or {})
        headers.update(
            topic=name, group=group, original_id=entry.id, deliveries=str(pending.deliveries)
        )
        dead = _Entry(self._next_id(), entry.data, entry.binary, entry.key, headers)
        self._append(dead_letter_topic(name), dead)
        self._stats["dead_lettered"] += 1

    def _take_new(
        self, name: str, topic: _Topic, group: _Group, consumer: str, limit: int
    ) -> list[Message]:
        first = topic.first_seq
        if group.cursor < first:
            self._stats["trimmed_undelivered"] += first - group.cursor
            group.cursor = first
        count = min(limit, topic.next_seq - group.cursor)
        if count <= 0:
            return []
        now = time.monotonic()
        out: list[Message] = []
        log = topic.log
        start = group.cursor - first
        for index in range(start, start + count):
            entry = log[index]
            group.pending[entry.id] = _Pending(entry, consumer, now, 1)
            out.append(_message(entry, name, 1))
        group.cursor += count
        group.next_claim_check = min(group.next_claim_check, now + self.config.claim_idle_ms / 1000)
        return out

    # --- Bus ---------------------------------------------------------------------------------

    async def publish(self, topic: str, payload: Payload, *, key: str | None = None) -> str:
        self._check_open()
        data, binary = encode_payload(payload)
        entry = _Entry(self._next_id(), data, binary, key, None)
        self._append(topic, entry)
        self._stats["published"] += 1
        return entry.id

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
        ids: list[str | None] = []
        for index, payload in enumerate(items):
            data, binary = encode_payload(payload)
            entry = _Entry(self._next_id(), data, binary, keys[index] if keys else None, None)
            self._append(topic, entry)
            ids.append(entry.id)
        self._stats["published"] += len(ids)
        return ids

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
        deadline = time.monotonic() + max(0, block_ms) / 1000
        state = self._topic(topic)
        grp = self._group(state, group)
        while True:
            self._check_open()
            out = self._claim(topic, grp, consumer, batch)
            out += self._take_new(topic, state, grp, consumer, batch - len(out))
            now = time.monotonic()
            if out or now >= deadline:
                self._stats["delivered"] += len(out)
                return out
            if state.changed is None:
                state.changed = asyncio.Event()
            changed = state.changed
            wait = min(deadline, grp.next_claim_check) - now
            try:
                async with asyncio.timeout(max(wait, 0.0)):
                    await changed.wait()
            except TimeoutError:
                pass

    async def ack(self, topic: str, group: str, ids: Iterable[str]) -> int:
        self._check_open()
        state = self._topics.get(topic)
        grp = state.groups.get(group) if state else None
        if grp is None:
            return 0
        done = 0
        for message_id in ids:
            if grp.pending.pop(message_id, None) is not None:
                done += 1
        self._stats["acked"] += done
        return done

    def subscribe(self, topic: str, *, buffer: int | None = None) -> Subscription:
        return Subscription(
            topic,
            buffer or self.config.subscriber_buffer,
            on_start=self._start_subscription,
            on_close=self._close_subscription,
            on_drop=self._on_drop,
        )

    async def _start_subscription(self, sub: Subscription) -> None:
        self._check_open()
        self._topic(sub.topic).subscribers.append(sub)

    def _close_subscription(self, sub: Subscription) -> None:
        topic = self._topics.get(sub.topic)
        if topic is not None and sub in topic.subscribers:
            topic.subscribers.remove(sub)

    async def latest(self, topic: str) -> Message | None:
        self._check_open()
        state = self._topics.get(topic)
        if state is None or not state.log:
            return None
        return _message(state.log[-1], topic, 1)

    async def depth(self, topic: str, group: str) -> QueueDepth:
        self._check_open()
        state = self._topics.get(topic)
        if state is None:
            return QueueDepth(length=0, pending=0, lag=0)
        grp = state.groups.get(group)
        if grp is None:
            return QueueDepth(length=len(state.log), pending=0, lag=len(state.log))
        lag = state.next_seq - max(grp.cursor, state.first_seq)
        return QueueDepth(length=len(state.log), pending=len(grp.pending), lag=lag)

    async def ping(self) -> bool:
        return not self._closed

    def stats(self) -> dict[str, int]:
        return {**self._stats, "buffered": 0, "subscribers": self._subscriber_count()}

    def _subscriber_count(self) -> int:
        return sum(len(t.subscribers) for t in self._topics.values())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for topic in self._topics.values():
            for sub in list(topic.subscribers):
                sub.close()
            if topic.changed is not None:  # wake blocked consumers so they see BusClosed
                topic.changed.set()
                topic.changed = None


def _message(entry: _Entry, topic: str, deliveries: int) -> Message:
    return Message(
        id=entry.id,
        topic=topic,
        data=entry.data,
        binary=entry.binary,
        key=entry.key,
        deliveries=deliveries,
        headers=dict(entry.headers) if entry.headers else {},
    )
