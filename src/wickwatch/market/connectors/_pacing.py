"""Pacing: sliding-window rate limiters, jittered exponential back-off, and the limiters shared by
every feed of one exchange in a process (connections per IP, REST weight per IP)."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


class WindowLimiter:
    """At most ``limit`` units of weight in any ``window_s`` seconds (sliding window).

    ``acquire`` waits until the weight fits; ``pause`` blocks every acquirer until a time (the
    venue said "too many requests, retry after …").
    """

    def __init__(self, limit: int, window_s: float, *, clock: Clock = time.monotonic) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(f"bad rate limit {limit}/{window_s}s")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: deque[tuple[float, int]] = deque()
        self._used = 0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def scaled(cls, limit: int, window_s: float, margin: float) -> WindowLimiter:
        """A limiter allowing ``margin`` of a documented ``limit`` (at least 1 per window)."""
        return cls(max(1, math.floor(limit * margin)), window_s)

    def _expire(self, now: float) -> None:
        horizon = now - self.window_s
        while self._events and self._events[0][0] <= horizon:
            self._used -= self._events.popleft()[1]

    def delay(self, weight: int = 1) -> float:
        """Seconds until ``weight`` would fit (0 if now)."""
        now = self._clock()
        self._expire(now)
        wait = max(0.0, self._paused_until - now)
        weight = min(weight, self.limit)
        if self._used + weight > self.limit:
            excess = self._used + weight - self.limit
            for stamp, used in self._events:
                excess -= used
                if excess <= 0:
                    wait = max(wait, stamp + self.window_s - now)
                    break
        return wait

    async def acquire(self, weight: int = 1) -> None:
        async with self._lock:
            wait = self.delay(weight)
            while wait > 0:
                await asyncio.sleep(wait + 0.001)
                wait = self.delay(weight)
            self._events.append((self._clock(), min(weight, self.limit)))
            self._used += min(weight, self.limit)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class Backoff:
    """Jittered exponential back-off: attempt ``n`` waits a random time in
    ``[d/2, d]`` with ``d = min(max_s, base_s × 2**n)``; :meth:`reset` after a stable period."""

    def __init__(self, base_s: float, max_s: float, rng: random.Random | None = None) -> None:
        self.base_s = base_s
        self.max_s = max_s
        self.attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self, floor_s: float = 0.0) -> float:
        ceiling = min(self.max_s, self.base_s * 2.0 ** min(self.attempt, 30))
        self.attempt += 1
        return max(floor_s, ceiling / 2 + self._rng.random() * ceiling / 2)

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class SharedLimits:
    """Per-IP budgets shared by every feed of a process, keyed by exchange.

    The supervisor creates one and passes it to every :class:`~.feed.Feed`; a feed built without
    one gets its own (fine for a single feed, as in ``wickwatch record``).
    """

    connects: dict[str, WindowLimiter] = field(default_factory=dict)
    rest: dict[str, WindowLimiter] = field(default_factory=dict)
    open_connections: dict[str, int] = field(default_factory=dict)

    def connect_limiter(
        self, exchange: str, limit: int, window_s: float, margin: float
    ) -> WindowLimiter:
        if exchange not in self.connects:
            self.connects[exchange] = WindowLimiter.scaled(limit, window_s, margin)
        return self.connects[exchange]

    def rest_limiter(
        self, exchange: str, limit: int, window_s: float, margin: float
    ) -> WindowLimiter:
        if exchange not in self.rest:
            self.rest[exchange] = WindowLimiter.scaled(limit, window_s, margin)
        return self.rest[exchange]
