"""Message bus between roles: in-memory (embedded) and Redis Streams (distributed)."""

from __future__ import annotations

from wickwatch.bus.base import (
    ALERTS,
    CANDLES,
    PRICE_ALERTS,
    SETTINGS,
    STATUS,
    Bus,
    BusClosed,
    BusConfig,
    BusError,
    BusOverflow,
    Message,
    Payload,
    QueueDepth,
    Subscription,
    TopicConfig,
    compact,
    dead_letter_topic,
)

__all__ = [
    "ALERTS",
    "CANDLES",
    "PRICE_ALERTS",
    "SETTINGS",
    "STATUS",
    "Bus",
    "BusClosed",
    "BusConfig",
    "BusError",
    "BusOverflow",
    "Message",
    "Payload",
    "QueueDepth",
    "Subscription",
    "TopicConfig",
    "compact",
    "create_bus",
    "dead_letter_topic",
]


def create_bus(
    redis_url: str | None,
    *,
    config: BusConfig | None = None,
    prefix: str | None = None,
) -> Bus:
    """The Redis Streams bus when ``redis_url`` is set, else the in-memory bus (embedded mode)."""
    if redis_url is None:
        from wickwatch.bus.memory import MemoryBus

        return MemoryBus(config)
    from wickwatch.bus.redis import DEFAULT_PREFIX, RedisBus

    return RedisBus(redis_url, config=config, prefix=prefix or DEFAULT_PREFIX)
