"""Freed memory goes back to the system: what keeps a long-running role's RSS flat."""

from __future__ import annotations

import asyncio
import gc

import pytest

from wickwatch.ops import memory

MB = 1 << 20


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def glibc() -> None:
    if memory._malloc_trim() is None:
        pytest.skip("the C library has no malloc_trim (not glibc)")


def _fragment(count: int = 100_000, size: int = 2_000) -> list[bytes]:
    """~200 MB of malloc'ed buffers (Python objects over 512 bytes come from malloc), of which
    every 50th is kept: the freed ones lie between kept ones, so free() cannot return them."""
    blocks = [bytes([i & 0xFF]) * size for i in range(count)]
    kept = blocks[::50]
    del blocks
    gc.collect()
    return kept


def test_release_free_memory_returns_held_pages(glibc: None) -> None:
    before = _rss()
    kept = _fragment()
    held = _rss() - before
    assert held > 150 * MB, "the freed buffers should still be held by malloc"
    assert memory.release_free_memory() is True
    after = _rss() - before
    gave = (held - after) / MB
    assert after < held - 120 * MB, f"trim gave back {gave:.0f} MB of {held / MB:.0f}"
    assert all(len(b) == 2_000 for b in kept)  # what is in use is untouched


async def test_released_periodically_off_the_loop(glibc: None) -> None:
    before = _rss()
    kept = _fragment()
    held = _rss() - before
    task = asyncio.create_task(memory.release_free_memory_forever(every_s=0.05))
    try:
        for _ in range(100):
            await asyncio.sleep(0.05)
            if _rss() - before < held - 120 * MB:
                break
        assert _rss() - before < held - 120 * MB
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(kept) == 2_000
