"""Per-symbol bookkeeping of a feed: recent trade ids (de-duplication) and gap recovery state."""

from __future__ import annotations

from collections import deque

from wickwatch.market.connectors.base import Since
from wickwatch.market.types import Trade

#: ``Track.floor`` before the first trade: every exchange time passes it
_NO_FLOOR = -(1 << 62)
#: How far before the last frame received a symbol never seen trading is backfilled from.
UNSEEN_SLACK_MS = 1_000


def _decimal_id(tid: str) -> int | None:
    """The int whose ``str()`` is ``tid``, else None: exactly the texts that compare equal
    as ints and as text (no sign, leading zero, space, ``_`` or non-ASCII digit)."""
    try:
        n = int(tid)
    except ValueError:
        return None
    return n if str(n) == tid else None


class Track:
    """What the feed knows of one symbol.

    De-duplication: a trade is accepted unless its id was accepted before, or it is older than
    ``horizon_ms`` (exchange time) behind the newest trade seen — such a trade is taken as
    already processed. An id names one trade, so a repeat has the same exchange time: ids of
    trades behind the horizon can be forgotten, a repeat is dropped by its time anyway.
    While ``recovering`` (its connection dropped), live trades wait in ``buffer`` until the
    backfill over REST is merged in front of them.

    ``int_ids`` (a venue with consecutive integer ids, e.g. Binance): ids that are decimal text
    (:func:`_decimal_id`) or ints are kept as runs of consecutive ints instead of a set. The
    newest run ``[lo, nxt)`` holds the highest id accepted, so the next id, ``nxt``, is new:
    accepting it is one comparison and one store (:meth:`accept_raw`), no set insert, no
    queue. Other ids — an older id arriving late (out of order, a backfill filling a hole) and
    any non-decimal text — go to the set, as on every other venue; a forward jump (an id
    skipped, e.g. a liquidation fill the parser drops) starts a new run and keeps the old one
    until it is behind the horizon. The decisions are the same as without ``int_ids``.
    """

    __slots__ = (
        "buffer",
        "buffer_since",
        "epoch",
        "floor",
        "horizon_ms",
        "ids",
        "int_ids",
        "job",
        "last_id",
        "last_ts",
        "lo",
        "nxt",
        "order",
        "ready_at",
        "recovering",
        "runs",
        "since",
        "symbol",
    )

    def __init__(self, symbol: str, horizon_ms: int, *, int_ids: bool = False) -> None:
        self.symbol = symbol
        self.horizon_ms = horizon_ms
        self.int_ids = int_ids
        #: accepted ids not in a run (every id without ``int_ids``), with their times, oldest
        #: accepted first, forgotten once behind the horizon
        self.ids: set[int | str] = set()
        self.order: deque[tuple[int, int | str]] = deque()
        #: newest run of accepted ids ``[lo, nxt)`` (None: none yet); ``nxt - 1`` is the
        #: highest id accepted, so ``nxt`` itself is new
        self.lo = 0
        self.nxt: int | None = None
        #: older runs ``(lo, end, newest time)``, oldest first, dropped behind the horizon
        self.runs: deque[tuple[int, int, int]] = deque()
        self.last_ts: int | None = None
        #: id of the newest trade (by exchange time, then arrival): text, or an int on the
        #: int-id path (``str()`` gives the text)
        self.last_id: str | int | None = None
        #: ``last_ts - horizon_ms``: older trades are dropped
        self.floor = _NO_FLOOR
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
        """:meth:`accept` for a trade given as its id (text) and exchange time."""
        if self.int_ids:
            n = _decimal_id(tid)
            if n is not None:
                return self.accept_raw(n, ts)
        return self._accept_other(tid, ts)

    def accept_raw(self, tid: int | str, ts: int) -> bool:
        """:meth:`accept_id` for ``str(tid)``; an int id is not turned into text. The fast path
        of a parser's ``feed_frame`` (Binance: the next id of the symbol, in order)."""
        if tid == self.nxt and ts >= self.floor:
            self.nxt = tid + 1
            if ts >= self.last_ts:  # type: ignore[operator]  # a run exists: not None
                self.last_ts = ts
                self.last_id = tid
                self.floor = ts - self.horizon_ms
            return True
        if type(tid) is not int or not self.int_ids:
            return self.accept_id(str(tid), ts)
        return self._accept_int(tid, ts)

    def _accept_int(self, tid: int, ts: int) -> bool:
        if ts < self.floor:
            return False
        nxt = self.nxt
        if nxt is not None:
            if self.lo <= tid < nxt:
                return False
            for lo, end, _ in self.runs:
                if lo <= tid < end:
                    return False
        if tid in self.ids:
            return False
        last = self.last_ts
        if last is not None and ts - self.horizon_ms > last:
            # Everything remembered is now behind the horizon (a quiet spell, or ids that
            # started over): forget it, so that this id starts a fresh run.
            self.runs.clear()
            self.ids.clear()
            self.order.clear()
            nxt = None
        if nxt is None or tid > nxt:  # above every id accepted: a new newest run
            if nxt is not None:
                self.runs.append((self.lo, nxt, last))  # type: ignore[arg-type]  # not None
            self.lo = tid
            self.nxt = tid + 1
        else:  # an older id not seen yet: out of order, or a backfill filling a hole
            self.ids.add(tid)
            self.order.append((ts, tid))
        self._newest(tid, ts)
        return True

    def _accept_other(self, tid: str, ts: int) -> bool:
        # The set path: every id of a venue without int ids, and text that is not decimal.
        if tid in self.ids:
            return False
        if ts < self.floor:
            return False
        self.ids.add(tid)
        self.order.append((ts, tid))
        self._newest(tid, ts)
        return True

    def _newest(self, tid: int | str, ts: int) -> None:
        """Bookkeeping after an accept off the fast path: newest trade, horizon, forgetting."""
        last = self.last_ts
        if last is None or ts >= last:
            self.last_ts = ts
            self.last_id = tid
            self.floor = floor = ts - self.horizon_ms
        else:
            floor = self.floor
        order = self.order
        while order and order[0][0] < floor:
            self.ids.discard(order.popleft()[1])
        runs = self.runs
        while runs and runs[0][2] < floor:
            runs.popleft()

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
            self.since = Since(str(self.last_id), self.last_ts)
        else:
            # No trade of the symbol was seen, so none can repeat: reach back past the network
            # latency and clock skew between the venue's trade times and our receive time.
            self.since = Since(None, alive_ms - UNSEEN_SLACK_MS)
        self.buffer = []

    def end_recovery(self) -> list[Trade]:
        buffered = self.buffer
        self.recovering = False
        self.epoch += 1
        self.job = ""
        self.since = None
        self.buffer = []
        return buffered
