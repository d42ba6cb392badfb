"""The write-behind queues of the collector (alerts, minutes, market spikes): what a write in
progress, a full queue and a stop during a database outage do to the items queued."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from wickwatch.roles.persist import AlertWriter, MinuteWriter


class Blocked:
    """A transaction that waits for the test, then records its batch (or fails)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.batches: list[list[Any]] = []

    async def __call__(self, batch: list[Any], *_: Any) -> list[Any]:
        self.started.set()
        await self.release.wait()
        self.batches.append(list(batch))
        return []


async def test_a_full_queue_drops_queued_items_never_the_batch_being_written() -> None:
    writer = AlertWriter(None, None, max_batch=5, max_queue=10)  # type: ignore[arg-type]
    blocked = Blocked()
    writer._transaction = blocked  # type: ignore[method-assign]
    writer.put(range(10))  # type: ignore[arg-type]
    write = asyncio.create_task(writer._write_once())
    await blocked.started.wait()
    writer.put(range(10, 13))  # type: ignore[arg-type]  # arrives while 0-4 are being written
    blocked.release.set()
    await write
    while writer.queue:
        await writer._write_once()
    written = [x for batch in blocked.batches for x in batch]
    assert written == list(range(13)) and writer.dropped == 0


async def test_a_failed_write_puts_its_batch_back_in_order() -> None:
    writer = MinuteWriter(None, max_batch=3)  # type: ignore[arg-type]

    async def fail(batch: list[Any]) -> int:
        raise ConnectionError("database away")

    writer._transaction = fail  # type: ignore[method-assign]
    for n in range(5):
        writer.add(n)  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        await writer._write_once()
    assert list(writer.queue) == [0, 1, 2, 3, 4]


async def test_a_stop_during_an_outage_reaches_the_time_limited_flush() -> None:
    """Retrying for ever in the background would hold the collector's stop (and lose the queue
    to the SIGKILL that follows): the retry ends at stop, the flush tries within its limit."""
    writer = MinuteWriter(None, interval_s=0.01)  # type: ignore[arg-type]
    writer.retry_max_s = 5.0

    async def fail(batch: list[Any]) -> int:
        raise ConnectionError("database away")

    writer._transaction = fail  # type: ignore[method-assign]
    writer.add(1)  # type: ignore[arg-type]
    runner = asyncio.create_task(writer.run())
    await asyncio.sleep(1.0)  # a few retries, the back-off grown
    started = time.monotonic()
    writer.stop()
    await asyncio.wait_for(runner, 10.0)
    assert not await writer.flush(0.5)
    assert time.monotonic() - started < 3.0
    assert list(writer.queue) == [1]  # still there for whoever shuts down to report
