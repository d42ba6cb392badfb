"""Giving freed memory back to the operating system.

glibc's malloc keeps freed chunks inside its heaps for reuse and returns only the free top of a
heap to the system. In a long-running role the freed chunks are scattered (buffers of frames,
query results, large dicts resized), so its RSS creeps up by memory that is free but held: the
soak (docs/performance.md) saw malloc's free-but-held bytes grow from 15 to 30 MB in 50 minutes
with the bytes in use flat, and one ``malloc_trim(0)`` gave 27 MB back. Trimming once a minute,
in a worker thread (ctypes releases the GIL; Python's small objects do not use malloc's locks),
keeps that part flat.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None on a C library without it (musl, macOS)."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return malloc's free pages to the system now; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


async def release_free_memory_forever(every_s: float = 60.0) -> None:
    """:func:`release_free_memory` every ``every_s`` seconds, off the event loop."""
    if _malloc_trim() is None:
        return
    while True:
        await asyncio.sleep(every_s)
        started = time.perf_counter()
        await asyncio.to_thread(release_free_memory)
        log.debug("malloc_trim took %.1f ms", (time.perf_counter() - started) * 1000)
