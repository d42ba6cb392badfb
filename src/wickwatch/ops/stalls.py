"""Naming what blocks the event loop.

A role's event loop runs everything: the feeds, candle closing and detection, the alert writer,
the API. One step that runs long (a callback, or one resumption of a task between two awaits)
holds all the others up: trades wait in the sockets, the API stops answering. asyncio names such
steps only in debug mode, which costs too much to leave on. :func:`watch_slow_steps` times every
step with one ``perf_counter`` pair (~0.1 µs) and, for a step over the threshold, logs a warning
with the task's name and coroutine, where it is suspended now (just after the slow part), and how
much of the time was the garbage collector; ``wickwatch_event_loop_slow_step_seconds`` counts
them. At most one line a second is logged; the others are counted into the next line. Work that
holds the loop on purpose says so (:func:`expected_hold`): its step is logged at INFO.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import Histogram

log = logging.getLogger(__name__)

SLOW_STEP_SECONDS = Histogram(
    "wickwatch_event_loop_slow_step_seconds",
    "Event-loop steps (callbacks, task resumptions) that ran longer than the slow-step "
    "threshold, by how long they held the loop.",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

_original_run: Callable[[asyncio.Handle], None] | None = None
#: Why the running step holds the loop on purpose (see :func:`expected_hold`).
_expected: list[str] = []


@contextlib.contextmanager
def expected_hold(reason: str) -> Iterator[None]:
    """Mark work that holds the event loop on purpose (the full collection before the heap is
    frozen): if its step is slow, it is logged at INFO with ``reason``, not warned about."""
    try:
        yield
    finally:
        _expected.append(reason)


class _GcClock:
    """Seconds spent in the cyclic garbage collector so far (in every thread)."""

    __slots__ = ("_started", "total")

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


class _Reporter:
    __slots__ = ("last_log", "suppressed")

    def __init__(self) -> None:
        self.last_log = -1e9
        self.suppressed = 0

    def report(self, handle: asyncio.Handle, took_s: float, gc_s: float) -> None:
        SLOW_STEP_SECONDS.observe(took_s)
        if _expected:
            log.info(
                "event loop held %.0f ms (%.0f ms of it garbage collection) by %s, on purpose: %s",
                took_s * 1000,
                gc_s * 1000,
                describe_step(handle),
                "; ".join(_expected),
            )
            return
        now = time.monotonic()
        if now - self.last_log < 1.0:
            self.suppressed += 1
            return
        more = f" ({self.suppressed} more slow steps in the last second)" if self.suppressed else ""
        self.last_log = now
        self.suppressed = 0
        log.warning(
            "event loop held %.0f ms (%.0f ms of it garbage collection) by %s%s",
            took_s * 1000,
            gc_s * 1000,
            describe_step(handle),
            more,
        )


def describe_step(handle: asyncio.Handle) -> str:
    """The task (name, coroutine, where it is suspended) or the callback a handle runs; never
    its arguments (they may hold messages or secrets)."""
    callback: Any = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro: Any = owner.get_coro()
        where = ""
        frame = getattr(coro, "cr_frame", None)
        if frame is not None:
            where = f" at {frame.f_code.co_filename}:{frame.f_lineno}"
        name = getattr(coro, "__qualname__", type(coro).__name__)
        return f"task {owner.get_name()!r} ({name}{where})"
    name = getattr(callback, "__qualname__", None) or type(callback).__name__
    module = getattr(callback, "__module__", None)
    return f"callback {module}.{name}" if module else f"callback {name}"


def watch_slow_steps(threshold_s: float = 0.1) -> None:
    """Time every event-loop step of this process from now on (every loop, every thread);
    report those of ``threshold_s`` or more. Calling it again only changes the threshold."""
    global _original_run
    reporter = _Reporter()
    if _original_run is None:
        _original_run = asyncio.Handle._run
    original = _original_run
    gc_clock = _GcClock()
    gc.callbacks[:] = [cb for cb in gc.callbacks if not isinstance(cb, _GcClock)]
    gc.callbacks.append(gc_clock)
    perf_counter = time.perf_counter

    def timed_run(self: asyncio.Handle) -> None:
        started = perf_counter()
        gc_before = gc_clock.total
        original(self)
        took = perf_counter() - started
        if took >= threshold_s:
            reporter.report(self, took, gc_clock.total - gc_before)
        if _expected:
            _expected.clear()

    asyncio.Handle._run = timed_run  # type: ignore[method-assign]


def stop_watching_slow_steps() -> None:
    """Undo :func:`watch_slow_steps` (tests)."""
    global _original_run
    if _original_run is not None:
        asyncio.Handle._run = _original_run  # type: ignore[method-assign,assignment]
        _original_run = None
    gc.callbacks[:] = [cb for cb in gc.callbacks if not isinstance(cb, _GcClock)]
