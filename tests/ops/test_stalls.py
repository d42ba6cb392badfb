"""The slow-step watch names the task that held the event loop, and nothing else."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Iterator

import pytest

from wickwatch.ops.stalls import (
    SLOW_STEP_SECONDS,
    expected_hold,
    stop_watching_slow_steps,
    watch_slow_steps,
)


@pytest.fixture
def watching() -> Iterator[None]:
    original = asyncio.Handle._run
    watch_slow_steps(0.05)
    yield
    stop_watching_slow_steps()
    assert asyncio.Handle._run is original


def _slow_count() -> float:
    for metric in SLOW_STEP_SECONDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count"):
                return sample.value
    raise AssertionError("no _count sample")


def _busy(seconds: float) -> None:
    """Synchronous work (a spin, not a sleep) inside the calling step."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        pass


async def _blocks_the_loop() -> None:
    await asyncio.sleep(0)
    _busy(0.12)
    await asyncio.sleep(0)


async def _behaves() -> None:
    for _ in range(50):
        await asyncio.sleep(0.001)


def test_a_slow_task_is_named_with_where_it_is_and_counted(
    watching: None, caplog: pytest.LogCaptureFixture
) -> None:
    before = _slow_count()

    async def main() -> None:
        await asyncio.gather(
            asyncio.create_task(_behaves(), name="well.behaved"),
            asyncio.create_task(_blocks_the_loop(), name="candle.ticker"),
        )

    with caplog.at_level(logging.WARNING, logger="wickwatch.ops.stalls"):
        asyncio.run(main())
    [record] = [r for r in caplog.records if r.name == "wickwatch.ops.stalls"]
    message = record.getMessage()
    assert "'candle.ticker'" in message
    assert "_blocks_the_loop" in message
    assert "test_stalls.py:" in message  # where it is suspended after the slow part
    held_ms = int(message.split("held ")[1].split(" ms")[0])
    assert 120 <= held_ms < 2000
    assert "well.behaved" not in message
    assert _slow_count() == before + 1


def test_garbage_collection_inside_the_step_is_told_apart(
    watching: None, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        junk = [[i] for i in range(400_000)]
        started = time.perf_counter()
        while time.perf_counter() - started < 0.06:
            gc.collect()
        del junk

    with caplog.at_level(logging.WARNING, logger="wickwatch.ops.stalls"):
        asyncio.run(main())
    [record] = [r for r in caplog.records if r.name == "wickwatch.ops.stalls"]
    message = record.getMessage()
    held_ms = int(message.split("held ")[1].split(" ms")[0])
    gc_ms = int(message.split("(")[1].split(" ms of it garbage collection")[0])
    assert 0 < gc_ms <= held_ms


def test_callbacks_are_named_without_their_arguments(
    watching: None, caplog: pytest.LogCaptureFixture
) -> None:
    def slow_callback(secret: str) -> None:
        time.sleep(0.08)

    async def main() -> None:
        asyncio.get_running_loop().call_soon(slow_callback, "bot-token-123:ABC")
        await asyncio.sleep(0.2)

    with caplog.at_level(logging.WARNING, logger="wickwatch.ops.stalls"):
        asyncio.run(main())
    [record] = [r for r in caplog.records if r.name == "wickwatch.ops.stalls"]
    assert "slow_callback" in record.getMessage()
    assert "bot-token" not in record.getMessage()


def test_a_burst_of_slow_steps_is_one_line_a_second(
    watching: None, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        for _ in range(3):
            _busy(0.06)
            await asyncio.sleep(0)
        await asyncio.sleep(1.0)
        _busy(0.06)

    with caplog.at_level(logging.WARNING, logger="wickwatch.ops.stalls"):
        asyncio.run(main())
    lines = [r.getMessage() for r in caplog.records if r.name == "wickwatch.ops.stalls"]
    assert len(lines) == 2
    assert "more slow steps" not in lines[0]
    assert "(2 more slow steps in the last second)" in lines[1]


def test_a_hold_on_purpose_is_told_at_info_not_warned_about(
    watching: None, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        with expected_hold("freezing the heap"):
            _busy(0.08)
        await asyncio.sleep(0)
        _busy(0.08)  # the next slow step is not on purpose

    with caplog.at_level(logging.INFO, logger="wickwatch.ops.stalls"):
        asyncio.run(main())
    records = [r for r in caplog.records if r.name == "wickwatch.ops.stalls"]
    assert [r.levelno for r in records] == [logging.INFO, logging.WARNING]
    assert "on purpose: freezing the heap" in records[0].getMessage()
    assert "on purpose" not in records[1].getMessage()
