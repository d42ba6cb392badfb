"""Spike history for series conditions ("at least K spikes of this symbol in the last T s").

The detector records every de-duplicated spike of a strategy that has a series condition (whether
it is then sent, held back by the series count, or folded by the cooldown) and asks for the count
in the period, this spike included. Because the history is behind a small protocol, the counts
survive a restart when the implementation is backed by storage: the lead's DB-backed history only
has to implement :class:`SpikeHistory` (suggested: load the last ``max(within_s)`` of rows at start
into an :class:`InMemorySpikeHistory`, write rows behind in batches — ``record`` is on the
detection hot path and must not block).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

#: ``(user_id, strategy name, exchange, market, symbol)``.
SeriesKey = tuple[int, str, str, str, str]

#: Longest series period a strategy may ask for (7 days), and so what a history must keep.
MAX_SERIES_S = 7 * 86400


@runtime_checkable
class SpikeHistory(Protocol):
    """Where spikes are remembered."""

    def record(self, key: SeriesKey, ts_ms: int) -> None:
        """Remember one spike of ``key`` at ``ts_ms`` (candle time)."""

    def count(self, key: SeriesKey, since_ms: int) -> int:
        """Spikes of ``key`` with ``ts_ms >= since_ms``."""


class InMemorySpikeHistory:
    """Per-key sorted timestamp lists; entries older than ``retention_s`` are dropped lazily."""

    def __init__(self, retention_s: int = MAX_SERIES_S) -> None:
        self._retention_ms = retention_s * 1000
        self._spikes: dict[SeriesKey, list[int]] = {}

    def record(self, key: SeriesKey, ts_ms: int) -> None:
        times = self._spikes.get(key)
        if times is None:
            self._spikes[key] = [ts_ms]
            return
        if times[-1] <= ts_ms:
            times.append(ts_ms)
        else:
            insort(times, ts_ms)
        if times[0] < ts_ms - self._retention_ms:
            del times[: bisect_left(times, ts_ms - self._retention_ms)]

    def count(self, key: SeriesKey, since_ms: int) -> int:
        times = self._spikes.get(key)
        if not times:
            return 0
        return len(times) - bisect_left(times, since_ms)

    def forget_user(self, user_id: int) -> None:
        for key in [k for k in self._spikes if k[0] == user_id]:
            del self._spikes[key]

    def records(self) -> Iterator[tuple[SeriesKey, int]]:
        """Every remembered spike (what a persistent store would hold)."""
        for key, times in self._spikes.items():
            for ts in times:
                yield key, ts

    @classmethod
    def from_records(
        cls, records: Iterable[tuple[SeriesKey, int]], retention_s: int = MAX_SERIES_S
    ) -> InMemorySpikeHistory:
        """Rebuild from stored spikes, e.g. after a restart."""
        history = cls(retention_s)
        for key, ts in sorted(records, key=lambda r: r[1]):
            history.record(tuple(key), ts)  # type: ignore[arg-type]
        return history
