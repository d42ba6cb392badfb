"""Per-symbol bookkeeping of a feed: recent trade ids (de-duplication) and gap recovery state."""

from __future__ import annotations

from collections import deque

from wickwatch.market.connectors.base import Since
from wickwatch.market.types import Trade


class Track:
    """What the feed knows of one symbol.

    De-duplication keeps the ids of the trades of the last ``horizon_ms`` (exchange time) behind
    the newest trade seen; a trade older than that horizon is taken as already processed.
    While ``recovering`` (its connection dropped), live trades wait in ``buffer`` until the
    backfill over REST is merged in front of them.
    """

    __slots__ = (
        "buffer",
        "buffer_since",
        "epoch",
        "horizon_ms",
        "ids",
        "job",
        "last_id",
        "last_ts",
        "order",
        "ready_at",
        "recovering",
        "since",
        "symbol",
    )

    def __init__(self, symbol: str, horizon_ms: int) -> None:
        self.symbol = symbol
        self.horizon_ms = horizon_ms
        self.ids: set[str] = set()
        self.order: deque[tuple[int, str]] = deque()
        self.last_ts: int | None = None
        self.last_id: str | None = None
        self.recovering = False
        self.since: Since | None = None
        self.buffer: list[Trade] = []
        self.buffer_since = 0.0  # monotonic time the first live trade was buffered
        self.epoch = 0  # bumped at each recovery start/end: stale backfill results are ignored
        self.job = ""  # "", "waiting" (for a first live trade), "queued", "running"
        self.ready_at = 0.0  # monotonic time a "waiting" backfill gets queued

    def accept(self, trade: Trade) -> bool:
        """True for a trade not seen before (and remember it); False for a duplicate."""
        return self.accept_id(trade.trade_id, trade.ts_ms)

    def accept_id(self, tid: str, ts: int) -> bool:
        """:meth:`accept` for a trade given as its id and exchange time."""
        if tid in self.ids:
            return False
        last = self.last_ts
        if last is not None and ts < last - self.horizon_ms:
            return False
        self.ids.add(tid)
        order = self.order
        order.append((ts, tid))
        if last is None or ts >= last:
            self.last_ts = last = ts
            self.last_id = tid
        horizon = last - self.horizon_ms
        while order[0][0] < horizon:
            self.ids.discard(order.popleft()[1])
        return True

    def begin_recovery(self, alive_ms: int) -> None:
        if self.recovering:
            # Dropped again while recovering: the backfill in flight (and the live trades of the
            # short-lived session) may not reach the new drop; start over from the same point.
            self.epoch += 1
            self.job = ""
            self.buffer = []
            return
        self.recovering = True
        self.epoch += 1
        self.job = ""
        if self.last_ts is not None:
            self.since = Since(self.last_id, self.last_ts)
        else:
            self.since = Since(None, alive_ms)
        self.buffer = []

    def end_recovery(self) -> list[Trade]:
        buffered = self.buffer
        self.recovering = False
        self.epoch += 1
        self.job = ""
        self.since = None
        self.buffer = []
        return buffered
