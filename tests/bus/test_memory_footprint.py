"""What the in-memory bus keeps costs what it holds: a retained message is its own size, not
the JSON encoder's buffer (orjson hands back every document in an 8 KiB allocation)."""

from __future__ import annotations

import tracemalloc

from wickwatch.bus import ALERTS, compact
from wickwatch.bus.memory import MemoryBus


def _alert(i: int) -> dict[str, object]:
    return {
        "id": i,
        "user_id": i % 1000,
        "kind": "spike",
        "exchange": "binance",
        "market": "futures",
        "symbol": "BTCUSDT",
        "delta_pct": 5.25,
        "price": "64123.5",
        "rule": "binance futures USDT",
        "deliveries": [{"id": i, "channel": "telegram", "state": "pending"}],
    }


async def test_retained_alerts_take_their_own_size() -> None:
    bus = MemoryBus()
    events = [_alert(i) for i in range(2_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for start in range(0, len(events), 500):
            await bus.publish_many(ALERTS, events[start : start + 500])
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        await bus.close()
    per_message = retained / len(events)
    assert per_message < 1_024, f"{per_message:.0f} bytes per retained ~270-byte alert"


def test_compact_is_an_exact_copy() -> None:
    data = b'{"a":1}'
    assert compact(data) == data and compact(b"") == b""
