"""The bus interface every role talks to, the message shape, topics and their limits.

A topic is a bounded, ordered log of messages. Two ways of reading it, usable on the same topic:

* **work queue** — :meth:`Bus.consume` with a consumer *group*: each message goes to one consumer
  of the group; it stays *pending* until :meth:`Bus.ack`; a message left unacknowledged for
  ``claim_idle_ms`` (its consumer died or hung) is handed to the next consumer of the group that
  asks, with ``deliveries`` incremented; a message delivered ``max_deliveries`` times without an
  ack goes to the dead-letter topic ``<topic>.dead`` instead. A group created for the first time
  starts at the oldest retained message, so nothing published before the first consumer started
  is skipped. Delivery is at-least-once: consumers dedupe by :attr:`Message.key`.
* **broadcast** — :meth:`Bus.subscribe`: every subscription gets every message published after it
  started, in order, through its own bounded buffer; a subscriber that falls behind loses its
  oldest messages (counted in :attr:`Subscription.dropped`) and never slows publishers or other
  subscribers.

Payloads are a ``dict`` (or any msgspec-encodable value such as a ``msgspec.Struct``), encoded as
JSON, or raw ``bytes`` passed through. Ids are Redis stream ids (``<ms>-<seq>``), increasing within
a topic, in both implementations.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import msgspec
import orjson

from wickwatch.errors import ServiceUnavailable

# --- topics ----------------------------------------------------------------------------------

#: Alerts from detection to notifiers and the API's WebSockets: durable, consumed by groups.
ALERTS = "alerts"
#: Candles of watched symbols from collectors to API replicas (live charts): lossy, broadcast.
CANDLES = "candles"
#: Feed status snapshots every few seconds: broadcast, the latest one wins.
STATUS = "status"
#: Settings invalidation ("user 42 is at settings version 7"): broadcast to every process.
SETTINGS = "settings"
#: Price alerts invalidation ("user 42 changed their price alerts"): broadcast to collectors.
PRICE_ALERTS = "price_alerts"

DEAD_LETTER_SUFFIX = ".dead"


def dead_letter_topic(topic: str) -> str:
    """Where messages of ``topic`` go after ``max_deliveries`` deliveries without an ack."""
    return topic + DEAD_LETTER_SUFFIX


class TopicConfig(msgspec.Struct, frozen=True):
    """Limits of one topic.

    ``maxlen`` bounds the retained log (exact in memory, approximate ``MAXLEN ~`` on Redis, which
    trims whole nodes and so keeps a little more). ``buffer`` bounds what a Redis bus keeps in
    memory while Redis is unreachable; when it is full a ``durable`` topic refuses the message
    (:class:`BusOverflow`) and a lossy one drops its oldest buffered message (counted).
    """

    maxlen: int = 10_000
    durable: bool = True
    buffer: int = 10_000


DEFAULT_TOPICS: dict[str, TopicConfig] = {
    ALERTS: TopicConfig(maxlen=100_000, durable=True, buffer=100_000),
    CANDLES: TopicConfig(maxlen=10_000, durable=False, buffer=10_000),
    STATUS: TopicConfig(maxlen=1_000, durable=False, buffer=100),
    SETTINGS: TopicConfig(maxlen=10_000, durable=True, buffer=10_000),
    PRICE_ALERTS: TopicConfig(maxlen=10_000, durable=True, buffer=10_000),
}


class BusConfig(msgspec.Struct, frozen=True):
    """Bus-wide settings; the defaults suit production, tests shorten the timeouts."""

    topics: dict[str, TopicConfig] = msgspec.field(default_factory=lambda: dict(DEFAULT_TOPICS))
    #: Limits of any topic not in ``topics`` (dead-letter topics included).
    default_topic: TopicConfig = TopicConfig()
    #: A pending message idle this long is handed to another consumer of its group.
    claim_idle_ms: int = 30_000
    #: Deliveries without an ack after which a message goes to ``<topic>.dead``.
    max_deliveries: int = 5
    #: Default per-subscription buffer (messages) before the oldest are dropped.
    subscriber_buffer: int = 1_000

    def topic(self, name: str) -> TopicConfig:
        return self.topics.get(name, self.default_topic)

    def __post_init__(self) -> None:
        if self.claim_idle_ms < 1 or self.max_deliveries < 1 or self.subscriber_buffer < 1:
            raise ValueError("claim_idle_ms, max_deliveries and subscriber_buffer must be >= 1")
        for name, cfg in {**self.topics, "(default)": self.default_topic}.items():
            if cfg.maxlen < 1 or cfg.buffer < 1:
                raise ValueError(f"topic {name}: maxlen and buffer must be >= 1")


# --- errors ----------------------------------------------------------------------------------


class BusError(ServiceUnavailable):
    """The bus cannot take or give messages right now."""

    code = "bus_unavailable"


class BusClosed(BusError):
    """The bus was closed."""


class BusOverflow(BusError):
    """A durable topic's outage buffer is full: the message was not accepted."""


# --- messages --------------------------------------------------------------------------------

T = TypeVar("T")

#: What can be published: a dict (or any msgspec-encodable value) sent as JSON, or raw bytes.
Payload = Mapping[str, Any] | msgspec.Struct | bytes

_json_encoder = msgspec.json.Encoder()
_json_decoder = msgspec.json.Decoder()


def compact(data: bytes) -> bytes:
    """An exact-size copy of an encoder's output. orjson (3.13) returns every document in an
    8 KiB allocation and msgspec in one rounded up to its buffer; a bus retains up to 100,000
    messages, so a 400-byte alert would otherwise hold 8 KiB (800 MB at the alerts topic's
    retention; measured with tracemalloc)."""
    return memoryview(data).tobytes()


def encode_payload(payload: Payload | Any) -> tuple[bytes, bool]:
    """``(data, binary)``: JSON for everything but bytes, which pass through (``binary``);
    always exact-size (:func:`compact`), because buses keep what they are given."""
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload), True
    if type(payload) is dict:
        try:
            return compact(orjson.dumps(payload)), False
        except TypeError:  # Decimal, int keys, huge ints: msgspec knows more types
            pass
    return compact(_json_encoder.encode(payload)), False


class Message(msgspec.Struct, frozen=True, dict=True):
    """One delivered message. ``payload`` is decoded on first access (and then cached)."""

    id: str  #: ``<ms>-<seq>``, increasing within a topic
    topic: str
    data: bytes  #: the payload as sent over the wire (JSON unless ``binary``)
    binary: bool = False
    key: str | None = None  #: publisher's idempotency key (alert id …) for consumer-side dedupe
    deliveries: int = 1  #: times delivered to this group (1 on first delivery, broadcast: 1)
    #: Extra text fields; dead letters carry ``topic``, ``group``, ``original_id``, ``deliveries``.
    headers: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def payload(self) -> Any:
        """The published dict (JSON decoded), or the published bytes."""
        if self.binary:
            return self.data
        cache = self.__dict__  # (functools.cached_property takes a lock on 3.11: 3x slower)
        try:
            return cache["_payload"]
        except KeyError:
            value = cache["_payload"] = _json_decoder.decode(self.data)
            return value

    def decode(self, type: type[T]) -> T:
        """The payload decoded and validated as ``type`` (a ``msgspec.Struct`` such as Candle)."""
        return msgspec.json.decode(self.data, type=type)


class QueueDepth(msgspec.Struct, frozen=True):
    """Size of a topic and how far one group is behind (for metrics)."""

    length: int  #: messages retained in the topic
    pending: int  #: delivered to the group and not yet acknowledged
    lag: int | None  #: not yet delivered to the group (None when Redis cannot tell)


def parse_id(message_id: str | bytes) -> tuple[int, int]:
    """``"1700000000000-3"`` → ``(1700000000000, 3)``, ordered like the stream."""
    text = message_id.decode() if isinstance(message_id, bytes) else message_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


class IdGenerator:
    """Stream ids the way Redis makes them: wall-clock ms, a sequence within the same ms, never
    going backwards even if the clock does."""

    def __init__(self) -> None:
        self._ms = 0
        self._seq = 0

    def __call__(self) -> str:
        ms = time.time_ns() // 1_000_000
        if ms > self._ms:
            self._ms, self._seq = ms, 0
        else:
            self._seq += 1
        return f"{self._ms}-{self._seq}"


# --- broadcast subscriptions -----------------------------------------------------------------


class Subscription:
    """A broadcast reader: an async iterator of :class:`Message`, in publish order.

    It starts receiving when started — ``async with bus.subscribe(topic) as sub`` or
    ``await sub.start()`` (iterating an unstarted subscription starts it). Its buffer holds at most
    ``buffer`` messages; when the reader is slower than the topic the oldest are dropped and
    counted in :attr:`dropped`. Iteration ends when the subscription or the bus is closed.
    """

    def __init__(
        self,
        topic: str,
        buffer: int,
        *,
        on_start: Callable[[Subscription], Awaitable[None]],
        on_close: Callable[[Subscription], None],
        on_drop: Callable[[int], None] | None = None,
    ) -> None:
        if buffer < 1:
            raise ValueError("subscription buffer must be >= 1")
        self.topic = topic
        self.buffer = buffer
        self.dropped = 0
        self._items: deque[Message] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._on_start = on_start
        self._on_close = on_close
        self._on_drop = on_drop
        self._started = False
        self._closed = False
        #: Implementation data (e.g. the id after which this subscription's messages start).
        self.after: tuple[int, int] = (0, 0)
        self.held: list[Message] | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def qsize(self) -> int:
        """Messages waiting to be read."""
        return len(self._items)

    async def start(self) -> Self:
        """Begin receiving (idempotent); messages published from now on will be delivered."""
        if self._closed:
            raise BusClosed(f"subscription to {self.topic!r} is closed")
        if not self._started:
            self._started = True
            await self._on_start(self)
        return self

    def push(self, message: Message) -> None:
        """Called by the bus: queue a message, dropping the oldest if the buffer is full."""
        if self._closed:
            return
        if self.held is not None:  # still catching up (Redis): kept aside, in order
            self.held.append(message)
            return
        if len(self._items) >= self.buffer:
            self._items.popleft()
            self.dropped += 1
            if self._on_drop is not None:
                self._on_drop(1)
        self._items.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        """Stop receiving; a pending ``async for`` ends after the buffered messages."""
        if self._closed:
            return
        self._closed = True
        if self._started:
            self._on_close(self)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Message:
        if not self._started:
            await self.start()
        while True:
            if self._items:
                return self._items.popleft()
            if self._closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# --- the interface ---------------------------------------------------------------------------


class Bus(ABC):
    """One interface, two implementations (:mod:`.memory`, :mod:`.redis`); see the module doc."""

    config: BusConfig

    @abstractmethod
    async def publish(self, topic: str, payload: Payload, *, key: str | None = None) -> str | None:
        """Append one message; its id, or None if it was buffered because the backend is down."""

    @abstractmethod
    async def publish_many(
        self,
        topic: str,
        payloads: Iterable[Payload],
        *,
        keys: Sequence[str | None] | None = None,
    ) -> list[str | None]:
        """Append many messages in one round trip (ids as for :meth:`publish`)."""

    @abstractmethod
    async def consume(
        self,
        topic: str,
        group: str,
        consumer: str,
        *,
        batch: int = 100,
        block_ms: int = 1_000,
    ) -> list[Message]:
        """Up to ``batch`` messages for ``consumer`` of ``group``, waiting up to ``block_ms`` for
        the first. Messages idle past ``claim_idle_ms`` at other consumers come first."""

    @abstractmethod
    async def ack(self, topic: str, group: str, ids: Iterable[str]) -> int:
        """Mark messages done for ``group``; how many were pending."""

    @abstractmethod
    def subscribe(self, topic: str, *, buffer: int | None = None) -> Subscription:
        """A broadcast subscription (not yet started; see :class:`Subscription`)."""

    @abstractmethod
    async def latest(self, topic: str) -> Message | None:
        """The newest retained message of ``topic`` (for "latest wins" topics such as status)."""

    @abstractmethod
    async def depth(self, topic: str, group: str) -> QueueDepth:
        """Retained length, pending and lag of ``group`` on ``topic``."""

    @abstractmethod
    async def ping(self) -> bool:
        """True when the backend answers now."""

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Counters for metrics (published, dropped, dead-lettered, buffered, …)."""

    @abstractmethod
    async def close(self) -> None:
        """Stop every subscription and release connections (idempotent)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
