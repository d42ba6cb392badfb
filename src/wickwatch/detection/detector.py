"""The streaming spike detector: closed 1-second candles in, alert drafts out.

Per batch of candles (:meth:`Detector.on_candles`; :meth:`Detector.on_candle` is a batch of one),
in order:

1. find each candle's :class:`~wickwatch.detection.windows.SymbolState` (created on first sight,
   base/quote resolved once) and with it its row of
   :class:`~wickwatch.detection.windows.Columns`; drop a candle that is not newer than its
   symbol's last one;
2. **screen** the batch with a few NumPy operations over all its candles at once: keep every
   candle in its symbol's ring, update its 10-second block, and compare the range of the current
   and previous blocks with the smallest threshold of the window sizes those blocks cover, on the
   symbol's *route* (the index tiers of its quote / ``*`` / coin / symbol buckets, rebuilt if any
   user changed). A candle below (the common case) costs nothing more, whatever the number of
   users;
3. walk the batch's few candidates in order, with the candles that price a quote currency
   (:class:`~wickwatch.detection.quotes.QuoteRates` learns from them, so each candidate gets the
   rate as of its own candle): compute each window size on the route in one backward pass over
   the symbol's kept candles, and for each window and tier visit only
   ``rules[:bisect_right(mins, delta)]``;
4. for each candidate rule: max delta, wick, USD volume, direction, blacklist/whitelist,
   precedence exclusions, symbol sets; then **de-duplication**, series, **cooldown**; emit an
   :class:`~wickwatch.detection.drafts.AlertDraft`.

A batch is cut where a symbol repeats (its earlier candle is evaluated before the later one is
taken in), where the memory prune is due and where a new symbol starts tracking a new quote
currency, so a batch gives exactly the drafts of its candles one at a time.

**De-duplication rule.** Per user × alert source (threshold path / strategy) × symbol, the windows
of two reported spikes never overlap: once the window closing at second ``T`` has fired, any
match of a window closing before ``T + N`` (N = that rule's window) shares seconds with it and is
the same spike — it is dropped silently (not sent, not folded, not recorded in series history).
So a spike is reported once, by the first window that contains it and matches — the one
closing in the second the threshold is first reached; a spike that straddles a second boundary is
seen whole by a window of >= 2 s and reported once; a move that keeps going is reported again
only by a window made entirely of later seconds. For ``N = 1`` nothing is dropped (consecutive
1-second windows share no second). This is independent of the cooldown, which then applies to the
de-duplicated spikes (cooldown 0 = every distinct spike is sent).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import islice
from operator import attrgetter

import numpy as np

from wickwatch.detection.cooldown import NEVER, Memo, is_idle
from wickwatch.detection.drafts import AlertDraft
from wickwatch.detection.metrics import DOWN, EPS, UP, VOLUME_TOLERANCE
from wickwatch.detection.quotes import QuoteRates
from wickwatch.detection.rules import CompiledRule, RuleIndex, Tier, UserState, compile_user
from wickwatch.detection.schemas import UserSettings
from wickwatch.detection.series import InMemorySpikeHistory, SeriesKey, SpikeHistory
from wickwatch.detection.symbols import KNOWN_QUOTES, SymbolResolver
from wickwatch.detection.windows import (
    BLOCK_S,
    INF,
    LONG_BLOCKS,
    RETAIN_MS,
    Columns,
    Route,
    SymbolState,
)
from wickwatch.market.types import Candle, Instrument

_RETAIN_MS = RETAIN_MS
#: the memory prune runs once per second of candle time, over 1/60 of the users each time
_PRUNE_STEP_MS = 1000
_PRUNE_STEPS = 60
#: Batches up to this size are taken in candle by candle (below it, the fixed cost of the array
#: operations, ~50 µs, is more than a scalar pass).
_SMALL_BATCH = 16
#: Classes with at least this many candidates remember which rules fired (see ``_match``).
_SKIP_MIN = 4
_NOTHING: tuple[AlertDraft, ...] = ()
#: Route thresholds are lowered by this much so that the bounds, computed in a different order
#: than the exact metrics, never skip a window float rounding puts exactly on a threshold.
_BOUND_SLACK = 4 * EPS


class Detector:
    """Matches closed candles against every user's rules. Not thread-safe: one owner thread
    (or event loop) calls :meth:`on_candle`, :meth:`update_user` and :meth:`remove_user`."""

    def __init__(
        self,
        *,
        history: SpikeHistory | None = None,
        rates: QuoteRates | None = None,
        resolver: SymbolResolver | None = None,
    ) -> None:
        self.history: SpikeHistory = history if history is not None else InMemorySpikeHistory()
        self.rates = rates if rates is not None else QuoteRates()
        self.resolver = resolver if resolver is not None else SymbolResolver()
        self._index = RuleIndex()
        #: routes by the index keys they were built from (shared between symbols)
        self._routes: dict[tuple[str, ...], Route] = {}
        self._routes_by_key: dict[str, set[tuple[str, ...]]] = {}
        #: index key → symbols whose routes may use it
        self._states_by_key: dict[str, list[SymbolState]] = {}
        self._users: dict[int, UserState] = {}
        self._states: dict[tuple[str, str, str], SymbolState] = {}
        #: their rows by venue, then symbol (a batch resolves its venue once, and its candles
        #: find their rows without touching the states)
        self._by_venue: dict[tuple[str, str], dict[str, int]] = {}
        #: every symbol's candle state, row ``SymbolState.row``
        self._cols = Columns()
        self._rows: list[SymbolState] = []
        #: Non-stable currencies some symbol is quoted in: their USD rate is tracked.
        self._rate_currencies: set[str] = {q for q in KNOWN_QUOTES if not self.rates.is_stable(q)}
        self._next_prune = -(2**62)
        #: users still to be looked at in this minute's prune, and how many per step
        self._prune_queue: list[int] = []
        self._prune_slice = 0
        self.candles = 0
        self.stale_candles = 0  #: candles not newer than their symbol's last one (dropped)
        self.evaluated = 0  #: candles whose delta bound passed (windows computed)

    # --- users ---------------------------------------------------------------------------

    def update_user(self, user_id: int, settings: UserSettings) -> None:
        """Apply a user's (new) settings; effective for the next candle. Keeps the user's
        de-duplication and cooldown memory."""
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = UserState(user_id, settings)
        else:
            user.apply(settings)
        self._index.replace_user(user_id, compile_user(user, settings))
        self._invalidate(self._index.take_tightened())

    def load_users(self, users: Iterable[tuple[int, UserSettings]]) -> None:
        """:meth:`update_user` for many users at once (start-up): same result, the index is
        sorted once per tier instead of once per rule."""
        compiled = []
        for user_id, settings in users:
            user = self._users.get(user_id)
            if user is None:
                user = self._users[user_id] = UserState(user_id, settings)
            else:
                user.apply(settings)
            compiled.append((user_id, compile_user(user, settings)))
        self._index.replace_users(compiled)
        self._invalidate(self._index.take_tightened())

    def remove_user(self, user_id: int) -> None:
        """Forget a user (deleted account, or settings no longer served by this process)."""
        if self._users.pop(user_id, None) is not None:
            self._index.remove_user(user_id)

    def settings_of(self, user_id: int) -> UserSettings | None:
        user = self._users.get(user_id)
        return None if user is None else user.settings

    def folded_waiting(self, user_id: int) -> int:
        """Spikes of the user folded by a cooldown since the last alert of their symbol and
        source: the next alert there would report them (a replay's total of folded repeats is
        these plus the ``folded_count`` of its alerts)."""
        user = self._users.get(user_id)
        if user is None:
            return 0
        return sum(memo.folded for memory in user.memory.values() for memo in memory.values())

    @property
    def user_count(self) -> int:
        return len(self._users)

    @property
    def rule_count(self) -> int:
        return len(self._index)

    @property
    def symbol_count(self) -> int:
        return len(self._states)

    def recent_candles(self, exchange: str, market: str, symbol: str) -> list[Candle]:
        """The symbol's latest candles taken in, oldest first (its last 60 s at least): the
        collector charts alerts from them instead of keeping a second copy of every candle."""
        st = self._states.get((exchange, market, symbol))
        return [] if st is None else self._cols.history(st.row)

    # --- symbols -------------------------------------------------------------------------

    def set_instruments(self, instruments: Iterable[Instrument]) -> None:
        """Teach the resolver the venues' instrument lists (exact base/quote); symbols already
        seen are re-resolved."""
        self.resolver.add_instruments(instruments)
        for st in self._states.values():
            base, quote = self.resolver.resolve(st.exchange, st.market, st.symbol)
            if (base, quote) != (st.base, st.quote):
                self._unregister(st)
                st.set_identity(base, quote)
                self._register(st)
                self._note_currency(quote)
                self._unroute(st)
        for st in self._states.values():
            self._cols.rate_src[st.row] = self._is_rate_source(st)

    def _is_rate_source(self, st: SymbolState) -> bool:
        stable = self.rates.is_stable
        return (stable(st.quote) and st.base in self._rate_currencies) or (
            stable(st.base) and st.quote in self._rate_currencies
        )

    def _is_new_currency(self, quote: str) -> bool:
        known = self._rate_currencies
        return bool(quote) and not self.rates.is_stable(quote) and quote not in known

    def _note_currency(self, quote: str) -> None:
        if self._is_new_currency(quote):
            self._rate_currencies.add(quote)
            for st in self._states.values():
                self._cols.rate_src[st.row] = self._is_rate_source(st)

    def max_cooldown_ms(self) -> int:
        """The longest cooldown of any user: how far back a sent alert still matters."""
        return max((user.max_cooldown_ms() for user in self._users.values()), default=0)

    def remember_sent(self, alerts: Iterable[tuple[int, str, str, str, str, int]]) -> int:
        """Seed the de-duplication and cooldown memory with alerts already sent — by this
        collector before a restart, or by another one — as ``(user_id, source, exchange,
        market, symbol, ts_ms)`` (source: the strategy name, or ``""`` for the thresholds), so
        the windows around them and repeats inside their cooldown are not sent again. Users
        not loaded are skipped; returns how many were remembered."""
        remembered = 0
        for user_id, source, exchange, market, symbol, ts in alerts:
            user = self._users.get(user_id)
            if user is None:
                continue
            st = self._states.get((exchange, market, symbol))
            if st is None:
                st = self._add_state(exchange, market, symbol)
            memory = user.memory.setdefault(source, {})
            memo = memory.get(st)
            if memo is None:
                memory[st] = Memo(ts, ts, 0)
            else:
                memo.fired = max(memo.fired, ts)
                memo.sent = max(memo.sent, ts)
            remembered += 1
        return remembered

    def _add_state(self, exchange: str, market: str, symbol: str) -> SymbolState:
        base, quote = self.resolver.resolve(exchange, market, symbol)
        # Symbols' 10 s blocks start at different seconds (by order of appearance): a symbol's
        # bound is loosest just after its block rolls, so this spreads the candidates out.
        row = self._cols.add(len(self._states) % BLOCK_S * 1000)
        st = SymbolState(exchange, market, symbol, base, quote, row)
        self._rows.append(st)
        self._states[(exchange, market, symbol)] = st
        self._by_venue.setdefault((exchange, market), {})[symbol] = row
        self._register(st)
        self._note_currency(quote)
        self._cols.rate_src[row] = self._is_rate_source(st)
        return st

    def _register(self, st: SymbolState) -> None:
        for key in (*st.feed_keys, *st.own_keys):
            self._states_by_key.setdefault(key, []).append(st)

    def _unregister(self, st: SymbolState) -> None:
        for key in (*st.feed_keys, *st.own_keys):
            states = self._states_by_key.get(key)
            if states is not None and st in states:
                states.remove(st)

    def _route_of(self, keys: tuple[str, ...]) -> Route | None:
        buckets = self._index.buckets
        present = tuple(k for k in keys if k in buckets)
        if not present:
            return None
        route = self._routes.get(present)
        if route is None:
            route = self._routes[present] = Route([buckets[k] for k in present], _BOUND_SLACK)
            for key in present:
                self._routes_by_key.setdefault(key, set()).add(present)
        return route

    def _route(self, st: SymbolState) -> None:
        """Point the symbol at its routes: the feed's (its quote and ``*``, shared by every
        symbol of the feed with that quote) and its own (coin and symbol overrides, if any)."""
        routes = tuple(
            r for r in (self._route_of(st.feed_keys), self._route_of(st.own_keys)) if r is not None
        )
        st.routes = routes
        self._cols.set_thresholds(st.row, routes)

    def _unroute(self, st: SymbolState) -> None:
        st.routes = None
        self._cols.routed[st.row] = False

    def _invalidate(self, keys: Iterable[str]) -> None:
        """Routes built from these index keys are stale: drop them and re-route their symbols
        on their next candle."""
        for key in keys:
            for cached in self._routes_by_key.pop(key, ()):
                self._routes.pop(cached, None)
            for st in self._states_by_key.get(key, ()):
                self._unroute(st)

    # --- candles -------------------------------------------------------------------------

    def on_candle(self, c: Candle) -> Sequence[AlertDraft]:
        """Alert drafts of one closed candle (do not mutate the returned sequence)."""
        return self.on_candles((c,))

    def on_candles(self, candles: Iterable[Candle]) -> list[AlertDraft]:
        """Alert drafts of a batch of closed candles (e.g. one ``close_due``), in candle order:
        the same drafts as :meth:`on_candle` on each in turn.

        The batch is taken in and screened by array operations (see the module docstring);
        only its candidates and the candles that price a quote currency are then walked in
        Python, in order, so the quote's USD rate of a candidate is the one as of its candle.
        """
        batch = candles if isinstance(candles, list) else list(candles)
        out: list[AlertDraft] = []
        n = len(batch)
        self.candles += n
        if n <= _SMALL_BATCH:
            for c in batch:
                self._one(c, out)
            return out
        i = 0
        while i < n:
            i = self._segment(batch, i, out)
        return out

    def _one(self, c: Candle, out: list[AlertDraft]) -> None:
        """One candle, with scalar operations on the same state (replays and the settings dry
        run feed candles one at a time)."""
        venue = self._by_venue.get((c.exchange, c.market))
        row = None if venue is None else venue.get(c.symbol)
        st = self._add_state(c.exchange, c.market, c.symbol) if row is None else self._rows[row]
        cols = self._cols
        ts = c.ts_ms
        if ts <= cols.last_ts.item(st.row):
            self.stale_candles += 1
            return
        if cols.rate_src.item(st.row):
            self.rates.observe(st.base, st.quote, c.close, ts, st.spot)
        if ts >= self._next_prune:
            self._prune(ts)
        if st.routes is None:
            self._route(st)
        found = cols.take_one(st.row, ts, c.high, c.low, c)
        if found is not None:
            off, hk, lk = found
            drafts = self._refine(st, c, off, hk, lk, self.rates.rate(st.quote, ts))
            if drafts:
                out.extend(drafts)

    def _segment(self, batch: list[Candle], start: int, out: list[AlertDraft]) -> int:
        """Resolve the symbols of ``batch[start:]`` up to a new quote currency (whose first
        symbol changes which candles are rate sources: it starts the next segment); take the
        segment in, in runs without a repeated symbol. Returns where the segment ends."""
        if not start:
            rows_known = self._rows_of_one_venue(batch)
            if rows_known is not None:
                n = len(batch)
                complete = np.fromiter(map(_COMPLETE, batch), np.bool_, n)
                self._take_part(
                    batch,
                    rows_known,
                    np.fromiter(map(_TS, batch), np.int64, n),
                    np.fromiter(map(_HIGH, batch), np.float64, n),
                    np.fromiter(map(_LOW, batch), np.float64, n),
                    None if complete.all() else complete,
                    out,
                )
                return n
        by_venue = self._by_venue
        rows: list[int] = []
        tss: list[int] = []
        highs: list[float] = []
        lows: list[float] = []
        inc: list[int] = []
        add_row = rows.append
        add_ts = tss.append
        add_high = highs.append
        add_low = lows.append
        lx = lm = ""
        venue: dict[str, int] = {}
        end = len(batch)
        # One Python pass over the candles (each read once); the rest is array operations.
        for j, c in enumerate(batch[start:] if start else batch, start):
            # The builder's candles of one venue share their exchange/market string objects.
            if c.exchange is not lx or c.market is not lm:
                lx = c.exchange
                lm = c.market
                venue = by_venue.get((lx, lm)) or by_venue.setdefault((lx, lm), {})
            row = venue.get(c.symbol)
            if row is None:
                if j > start and self._is_new_currency(self.resolver.resolve(lx, lm, c.symbol)[1]):
                    end = j
                    break
                row = self._add_state(lx, lm, c.symbol).row
            add_row(row)
            add_ts(c.ts_ms)
            add_high(c.high)
            add_low(c.low)
            if not c.complete:
                inc.append(j - start)
        part = batch[start:end] if start or end < len(batch) else batch
        inc_mask: np.ndarray | None = None
        if inc:
            inc_mask = np.ones(len(part), np.bool_)
            inc_mask[inc] = False
        self._take_part(
            part,
            np.array(rows, np.int64),
            np.array(tss, np.int64),
            np.array(highs, np.float64),
            np.array(lows, np.float64),
            inc_mask,
            out,
        )
        return end

    def _rows_of_one_venue(self, batch: list[Candle]) -> np.ndarray | None:
        """The rows of a batch of one venue whose symbols all have one (a slice of the
        builder, once every symbol was seen), read by C-level passes over the candles: about
        half the cost of the general loop. None otherwise (the general loop then)."""
        n = len(batch)
        first = batch[0]
        ex = first.exchange
        mkt = first.market
        if list(map(_EXCHANGE, batch)).count(ex) != n or list(map(_MARKET, batch)).count(mkt) != n:
            return None
        venue = self._by_venue.get((ex, mkt))
        if venue is None:
            return None
        try:
            return np.fromiter(map(venue.get, map(_SYMBOL, batch)), np.int64, n)
        except TypeError:  # a symbol not seen before (None)
            return None

    def _take_part(
        self,
        part: list[Candle],
        r: np.ndarray,
        ts: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        complete: np.ndarray | None,
        out: list[AlertDraft],
    ) -> None:
        """Candles ``part`` (their rows, times, highs, lows, completeness; None: all complete),
        in runs without a repeated symbol."""
        cols = self._cols
        objs = np.fromiter(part, object, len(part))
        k = 0
        n = len(part)
        first = int(ts.min())
        if first >= self._next_prune:
            self._prune(first)
        while k < n:
            stop = k + cols.first_repeat(r[k:])
            sl = slice(k, stop)
            self._run(
                part,
                k,
                r[sl],
                ts[sl],
                high[sl],
                low[sl],
                objs[sl],
                None if complete is None else complete[sl],
                out,
            )
            k = stop

    def _run(
        self,
        part: list[Candle],
        base: int,
        rows: np.ndarray,
        ts: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        objs: np.ndarray,
        complete: np.ndarray | None,
        out: list[AlertDraft],
    ) -> None:
        """Candles ``part[base:base + len(rows)]`` of distinct symbols: take them in, then walk
        the candidates and the rate sources in order."""
        cols = self._cols
        fresh = ts > cols.last_ts[rows]
        pos: np.ndarray | None = None  # positions kept, if some were stale
        if not fresh.all():
            self.stale_candles += int(len(rows) - fresh.sum())
            pos = np.flatnonzero(fresh)
            rows = rows[pos]
            ts = ts[pos]
            high = high[pos]
            low = low[pos]
            objs = objs[pos]
            complete = None if complete is None else complete[pos]
            if not len(rows):
                return
        unrouted = np.flatnonzero(~cols.routed[rows])
        if len(unrouted):
            states = self._rows
            for row in rows[unrouted].tolist():
                self._route(states[row])
        screen = cols.take(rows, ts, high, low, objs, complete)
        sources = np.flatnonzero(cols.rate_src[rows])
        if not len(screen.cand) and not len(sources):
            return
        cand = screen.cand.tolist()
        walk = sorted({*cand, *sources.tolist()})
        which = {p: m for m, p in enumerate(cand)}
        states = self._rows
        rates = self.rates
        row_list = rows.tolist()
        pos_list = None if pos is None else pos.tolist()
        for p in walk:
            st = states[row_list[p]]
            c = part[base + (p if pos_list is None else pos_list[p])]
            if cols.rate_src[st.row]:
                rates.observe(st.base, st.quote, c.close, c.ts_ms, st.spot)
            m = which.get(p)
            if m is not None:
                drafts = self._refine(
                    st,
                    c,
                    int(screen.off[m]),
                    screen.hk[m].tolist(),
                    screen.lk[m].tolist(),
                    rates.rate(st.quote, c.ts_ms),
                )
                if drafts:
                    out.extend(drafts)

    def _refine(
        self,
        st: SymbolState,
        c: Candle,
        off: int,
        hk: list[float],
        lk: list[float],
        rate: float | None,
    ) -> Sequence[AlertDraft]:
        """Per route, per number of previous blocks ``k`` a window needs (longest first): if the
        range of the current + those blocks (``hk[k]``, ``lk[k]``) reaches the smallest
        threshold of such windows, compute every window size up to them."""
        assert st.routes is not None
        out: Sequence[AlertDraft] = _NOTHING
        ring: list[Candle] | None = None
        for route in st.routes:
            thr = route.thr[off]
            for k in range(LONG_BLOCKS, -1, -1):
                t = thr[k]
                if t < INF:
                    hi = hk[k]
                    lo = lk[k]
                    if (hi - lo) * 100.0 >= t * lo:
                        if ring is None:
                            ring = self._cols.history(st.row, c.ts_ms - _RETAIN_MS)
                        drafts = self._evaluate(st, route, c, route.cnt[off][k], rate, ring)
                        if drafts:
                            out = drafts if not out else [*out, *drafts]
                        break
        return out

    def _evaluate(
        self,
        st: SymbolState,
        route: Route,
        c: Candle,
        n: int,
        rate: float | None,
        ring: list[Candle],
    ) -> Sequence[AlertDraft]:
        """Windows of the first ``n`` sizes of the route, in one backward pass over the kept
        candles (``ring``: the symbol's last 60 s, ``c`` the newest); a window is looked at
        exactly only if its range could reach its sizes' smallest threshold."""
        self.evaluated += 1
        ts = c.ts_ms
        offs = route.offs  # (size - 1) × 1000: window j holds the candles with ts - t <= offs[j]
        inc_ts = int(self._cols.inc_ts[st.row])
        if ts - inc_ts <= offs[n - 1]:
            # windows holding the last incomplete candle never fire
            n = bisect_left(offs, ts - inc_ts, 0, n)
            if n == 0:
                return _NOTHING
        size_min = route.size_min
        out: list[AlertDraft] | None = None
        ref = 0.0
        high = -INF
        low = INF
        j = 0
        lim = offs[0]
        for count, x in enumerate(reversed(ring)):  # count: candles already in the window
            age = ts - x.ts_ms
            while age > lim:  # x is older than window j: window j is complete
                if (high - low) * 100.0 >= size_min[j] * low:
                    out = self._window(st, route, c, j, count, ref, high, low, rate, ring, out)
                j += 1
                if j == n:
                    return _NOTHING if out is None else out
                lim = offs[j]
            ref = x.open
            if x.high > high:
                high = x.high
            if x.low < low:
                low = x.low
        count = len(ring)
        while j < n:  # history shorter than the window: the window is what was seen
            if (high - low) * 100.0 >= size_min[j] * low:
                out = self._window(st, route, c, j, count, ref, high, low, rate, ring, out)
            j += 1
        return _NOTHING if out is None else out

    def _window(
        self,
        st: SymbolState,
        route: Route,
        c: Candle,
        j: int,
        count: int,
        ref: float,
        high: float,
        low: float,
        rate: float | None,
        ring: list[Candle],
        out: list[AlertDraft] | None,
    ) -> list[AlertDraft] | None:
        """Exact metrics of window ``sizes[j]`` (its ``count`` newest candles of ``ring``) and
        its candidate rules (``rate``: the quote's USD rate as of the candle)."""
        if ref <= 0.0:
            return out
        up = high - ref
        down = ref - low
        if up > down:
            delta = up / ref * 100.0
            direction = UP
        else:
            delta = down / ref * 100.0
            direction = DOWN
        dq = delta + EPS
        window: _Window | None = None
        for tier in route.tiers[j]:
            if tier.min_delta > dq:
                continue
            for floor, only, mins, rules in tier.classes:
                if mins[0] > dq or (only is not None and only != direction):
                    continue
                if window is None:
                    close = c.close
                    rng = high - low
                    wick = (rng - abs(close - ref)) / rng * 100.0 if rng > 0.0 else 0.0
                    window = _Window(
                        st, c, ring, route.sizes[j], count, delta, direction, wick, rate
                    )
                if floor > window.vq:
                    break
                drafts = self._match(window, tier, rules, bisect_right(mins, dq))
                if drafts:
                    if out is None:
                        out = drafts
                    else:
                        out.extend(drafts)
        return out

    def _match(
        self, w: _Window, tier: Tier, rules: list[CompiledRule], k: int
    ) -> list[AlertDraft] | None:
        st = w.st
        ts = w.ts
        # After a spike that fired many rules of this class, the following windows (which still
        # hold it) skip those rules wholesale: they are de-duplicated until ts_fired + window.
        # So are the rules that can never fire for this symbol (lists, exclusions).
        visit: Iterable[int] = range(k)
        skip = st.skip.get(id(rules))
        if (
            skip is not None
            and skip[0] is rules
            and skip[1] == tier.version
            and ts - skip[2] < tier.window_s * 1000
        ):
            k_fired = skip[3]
            visit = [j for j in skip[4] if j < k]
            if k > k_fired:
                visit.extend(range(k_fired, k))
            elif not visit:
                return None  # the common case in the seconds after a crowded spike
            skip = None
        elif k < _SKIP_MIN:
            skip = None
        else:
            skip = (rules, tier.version, ts, k, [])
        # A new skip lists the rules still to visit in the next windows: those that neither
        # fired nor were de-duplicated at this ts (a rule whose memory a later rule of the
        # same user and source sets to ts in this loop stays listed: one visit more, no miss),
        # and never those the symbol filters reject.
        not_fired = skip[4] if skip is not None else None
        out: list[AlertDraft] = []
        tokens = st.tokens
        dmax = w.delta - EPS
        wq = w.wick + EPS
        vq = w.vq
        # De-duplication: a window overlapping the rule's last fired one (fired after
        # ts - window; every rule of a tier has the tier's window) is the same spike.
        fired_after = ts - tier.window_s * 1000
        direction = w.direction
        exchange, market, symbol, base, quote = st.exchange, st.market, st.symbol, st.base, st.quote
        window_s = w.window_s
        delta = w.delta
        wick = w.wick
        volume = w.volume
        close = w.candle.close
        for j in visit:
            r = rules[j]
            memo = r.memory.get(st)
            if memo is not None and memo.fired > fired_after:
                if not_fired is not None and memo.fired != ts:
                    not_fired.append(j)
                continue
            # (the rule's direction, if any, is its class's: see rules.Tier)
            if dmax > r.max_delta or wq < r.min_wick or vq < r.min_volume:
                if not_fired is not None and (memo is None or memo.fired != ts):
                    not_fired.append(j)
                continue
            if r.filtered:
                user = r.user
                wl = user.whitelist
                excl = r.excl
                if (
                    (user.blacklist and not user.blacklist.isdisjoint(tokens))
                    or (wl is not None and wl.isdisjoint(tokens))
                    or (excl and (st.tok_quote in excl or not excl.isdisjoint(tokens)))
                    or (r.need and not all(not s.isdisjoint(tokens) for s in r.need))
                ):
                    # Never for this symbol (until the user's settings change, which
                    # recompiles their rules and so bumps the tier's version): not in
                    # not_fired, so the skip leaves it out too.
                    continue
            if memo is None:
                memo = r.memory[st] = Memo(ts, NEVER, 0)  # fired now, never sent
            else:
                memo.fired = ts
            series_count = 1
            if r.series:
                series_count = self._series(r, st, ts)
                if not series_count:
                    continue
            # cooldown.admit(), inline
            if ts - memo.sent < r.cooldown_ms:
                memo.folded += 1
                continue
            folded = memo.folded
            memo.sent = ts
            memo.folded = 0
            out.append(
                AlertDraft(
                    r.user_id,
                    exchange,
                    market,
                    symbol,
                    base,
                    quote,
                    ts,
                    window_s,
                    direction,
                    delta,
                    wick,
                    volume,
                    close,
                    r.rule_name,
                    r.strategy,
                    r.destinations,
                    series_count,
                    folded,
                    r.chart,
                    r.template,
                    r.user.timezone,
                )
            )
        if skip is not None and len(skip[4]) < k // 2:
            st.skip[id(rules)] = skip
        return out or None

    def _series(self, r: CompiledRule, st: SymbolState, ts: int) -> int:
        """Record the spike in the rule's series history; the count of its first series
        condition if every condition holds (at least K spikes in the last T), else 0."""
        key: SeriesKey = (r.user_id, r.source, st.exchange, st.market, st.symbol)
        self.history.record(key, ts)
        first = 0
        ok = True
        for m, (need, within_ms) in enumerate(r.series):
            got = self.history.count(key, ts - within_ms + 1)
            if m == 0:
                first = got
            if got < need:
                ok = False
        return first if ok else 0

    def _prune(self, now_ms: int) -> None:
        """Forget per-user × symbol memory that no longer changes anything (no window can
        overlap the last fired one, cooldown over, nothing folded), as of ``now_ms``, no later
        than any candle still to come: a 60 s margin covers candles up to a minute older.
        Each call (one per second of candle time) does 1/60 of the users, so every user's
        memory is looked at once a minute without one batch paying for all of them."""
        self._next_prune = now_ms + _PRUNE_STEP_MS
        queue = self._prune_queue
        if not queue:
            # rules removed since the routes were built: tighten those routes' bounds
            self._invalidate(self._index.take_loosened())
            queue.extend(self._users)
            self._prune_slice = -(-len(queue) // _PRUNE_STEPS)
        now_ms -= _RETAIN_MS
        users = self._users
        # A symbol held while its gap is backfilled closes its seconds minutes after the rest
        # of the venue: its memory is judged at its own newest candle too (its candles come in
        # order), or a spike reported before the stall was sent again by its recovered windows.
        newest = self._cols.last_ts.item
        for _ in range(min(self._prune_slice, len(queue))):
            user = users.get(queue.pop())
            if user is None:
                continue
            cooldown_ms = user.max_cooldown_ms()
            for memory in user.memory.values():
                stale = [
                    st
                    for st, e in memory.items()
                    if is_idle(e, min(now_ms, newest(st.row)), _RETAIN_MS, cooldown_ms)
                ]
                for st in stale:
                    del memory[st]


_QUOTE_VOLUME = attrgetter("quote_volume")
_EXCHANGE = attrgetter("exchange")
_MARKET = attrgetter("market")
_SYMBOL = attrgetter("symbol")
_TS = attrgetter("ts_ms")
_HIGH = attrgetter("high")
_LOW = attrgetter("low")
_COMPLETE = attrgetter("complete")


class _Window:
    """Metrics of one window that has candidate rules (built only then)."""

    __slots__ = (
        "candle",
        "delta",
        "direction",
        "st",
        "ts",
        "volume",
        "vq",
        "wick",
        "window_s",
    )

    def __init__(
        self,
        st: SymbolState,
        candle: Candle,
        ring: list[Candle],
        window_s: int,
        count: int,
        delta: float,
        direction: str,
        wick: float,
        rate: float | None,
    ) -> None:
        self.st = st
        self.candle = candle
        self.ts = candle.ts_ms
        self.window_s = window_s
        self.delta = delta
        self.direction = direction
        self.wick = wick
        if rate is None:
            self.volume: float | None = None
            # Unknown volume: only the volume class of floor 0 is visited, and in it only
            # rules without a minimum pass.
            self.vq = 0.0
        else:
            # Exactly rounded sum (fsum), so the result does not depend on summation order.
            qv = math.fsum(map(_QUOTE_VOLUME, islice(reversed(ring), count)))
            self.volume = qv * rate
            self.vq = self.volume * VOLUME_TOLERANCE + EPS
