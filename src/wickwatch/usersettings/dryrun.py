"""The settings dry run: "how many alerts would this draft have sent me in the last N hours?"

The collectors keep every closed, complete 1-second candle that moved at least
``WICKWATCH_SPIKE_FLOOR_PCT`` in ``market_spikes`` (:mod:`wickwatch.roles.spikes`). A dry run
builds a fresh :class:`~wickwatch.detection.Detector` holding only the draft and feeds it those
candles, oldest first — the real detection code, with de-duplication, cooldown folding, strategies
and the draft's filters, not a re-implementation. What it cannot see, by construction:

* moves smaller than the floor (a rule asking for less finds only the floor's spikes);
* windows of more than 1 s are evaluated on the *stored* seconds only: the quiet seconds between
  two stored spikes are missing, so a window's move is measured from the oldest stored second it
  holds (the UI says so);
* series conditions count the spikes of the replay only (not the live history before it);
* USD volume uses the rate the collector knew when it stored the second.

Rows are streamed from the database in chunks and at most :data:`MAX_ROWS` are replayed (the
newest; ``truncated`` then says so and ``from_ms`` is where the replay started). The detector runs
in a worker thread, chunk by chunk, so a long replay never stalls the API's event loop; at most
:data:`CONCURRENT_RUNS` replays run at a time per process.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.accounts.errors import RateLimited
from wickwatch.detection import AlertDraft, Detector, QuoteRates, SymbolResolver, UserSettings
from wickwatch.market.types import Candle, Instrument
from wickwatch.storage.models import MarketSpike

#: Most stored seconds one dry run replays (the newest of the period).
MAX_ROWS = 200_000
#: Rows read from the database (and replayed in the worker thread) per step.
CHUNK_ROWS = 5_000
SAMPLE_SIZE = 50
CONCURRENT_RUNS = 2
HOUR_MS = 3_600_000
#: The draft's user id inside the throw-away detector.
_DRAFT_USER = 1


class DryRunRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"settings": {"cooldown_s": 120}, "hours": 24}]},
    )

    settings: UserSettings = Field(description="The draft rules document (not saved).")
    hours: int = Field(24, ge=1, le=168, description="How many hours back to replay.")


class DryRunAlert(BaseModel):
    ts_ms: int = Field(description="Start of the second that closed the spike's window.")
    exchange: str
    market: str
    symbol: str
    direction: Literal["up", "down"]
    delta_pct: float
    wick_pct: float
    volume_usd: float | None = Field(description="None when the quote's USD rate was unknown.")
    price: float = Field(description="Close of that second.")
    rule: str = Field(description="Threshold group, `override SYMBOL` or strategy name.")


class MarketAlerts(BaseModel):
    exchange: str
    market: str
    alerts: int


class DryRunResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "hours": 24,
                    "from_ms": 1767139200000,
                    "to_ms": 1767225600000,
                    "floor_pct": 0.3,
                    "alerts": 2,
                    "folded": 1,
                    "by_market": [{"exchange": "binance", "market": "futures", "alerts": 2}],
                    "sample": [
                        {
                            "ts_ms": 1767225000000,
                            "exchange": "binance",
                            "market": "futures",
                            "symbol": "SOLUSDT",
                            "direction": "down",
                            "delta_pct": 2.4,
                            "wick_pct": 71.0,
                            "volume_usd": 182000.0,
                            "price": 187.3,
                            "rule": "binance·futures·USDT",
                        }
                    ],
                    "truncated": False,
                }
            ]
        }
    )

    hours: int
    from_ms: int = Field(description="Start of the replayed history (epoch ms, inclusive).")
    to_ms: int = Field(description="End of the replayed history (epoch ms, exclusive): now.")
    floor_pct: float = Field(
        description="Smallest 1-second move kept in the history: rules asking for less cannot "
        "be replayed faithfully."
    )
    alerts: int = Field(description="Alerts the draft would have sent.")
    folded: int = Field(description="Repeats the cooldown would have folded (not sent).")
    by_market: list[MarketAlerts] = Field(description="Alerts per exchange × market, most first.")
    sample: list[DryRunAlert] = Field(description=f"The newest {SAMPLE_SIZE} alerts, newest first.")
    truncated: bool = Field(
        description=f"More than {MAX_ROWS} stored seconds in the period: only the newest were "
        "replayed (see `from_ms`)."
    )


class _StoredRates(QuoteRates):
    """USD rates as the collector knew them: the rate of the second being replayed, taken from
    its stored ``volume_usd / quote_volume``; nothing is learnt from the replayed closes."""

    __slots__ = ("quote", "usd")

    def __init__(self) -> None:
        super().__init__()
        self.quote = ""
        self.usd: float | None = None

    def observe(self, base: str, quote: str, close: float, ts_ms: int, spot: bool) -> None:
        return None

    def rate(self, currency: str, at_ms: int) -> float | None:
        if currency in self.stables:
            return 1.0
        return self.usd if currency == self.quote else None


class Replay:
    """The draft in a detector of its own; :meth:`feed` stored rows oldest first."""

    def __init__(self, settings: UserSettings) -> None:
        self.rates = _StoredRates()
        self.resolver = SymbolResolver()
        self.detector = Detector(rates=self.rates, resolver=self.resolver)
        self.detector.update_user(_DRAFT_USER, settings)
        self._known: set[tuple[str, str, str]] = set()
        self.alerts = 0
        self.folded_in_alerts = 0
        self.by_market: Counter[tuple[str, str]] = Counter()
        self.newest: deque[AlertDraft] = deque(maxlen=SAMPLE_SIZE)
        self.rows = 0

    def feed(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows of :data:`COLUMNS`, oldest first (runs in a worker thread)."""
        rates = self.rates
        on_candle = self.detector.on_candle
        for (
            exchange,
            market,
            symbol,
            ts_ms,
            base,
            quote,
            o,
            h,
            low,
            c,
            volume,
            quote_volume,
            volume_usd,
            trades,
        ) in rows:
            self.rows += 1
            key = (exchange, market, symbol)
            if key not in self._known:  # the collector's base/quote, not a guess from the text
                self._known.add(key)
                self.resolver.add_instruments(
                    [Instrument(exchange, market, symbol, base, quote, True, "0")]
                )
            rates.quote = quote
            if volume_usd is None:
                rates.usd = None
            else:
                rates.usd = volume_usd / quote_volume if quote_volume > 0 else 1.0
            drafts = on_candle(
                Candle(
                    exchange,
                    market,
                    symbol,
                    ts_ms,
                    o,
                    h,
                    low,
                    c,
                    volume,
                    quote_volume,
                    trades,
                    0.0,
                )
            )
            for draft in drafts:
                self.alerts += 1
                self.folded_in_alerts += draft.folded_count
                self.by_market[(draft.exchange, draft.market)] += 1
                self.newest.append(draft)

    def result(
        self, *, hours: int, from_ms: int, to_ms: int, floor_pct: float, truncated: bool
    ) -> DryRunResult:
        folded = self.folded_in_alerts + self.detector.folded_waiting(_DRAFT_USER)
        markets = sorted(self.by_market.items(), key=lambda item: (-item[1], item[0]))
        sample = sorted(
            self.newest,
            key=lambda d: (-d.ts_ms, d.exchange, d.market, d.symbol, d.rule),
        )
        return DryRunResult(
            hours=hours,
            from_ms=from_ms,
            to_ms=to_ms,
            floor_pct=floor_pct,
            alerts=self.alerts,
            folded=folded,
            by_market=[MarketAlerts(exchange=e, market=m, alerts=n) for (e, m), n in markets],
            sample=[
                DryRunAlert(
                    ts_ms=d.ts_ms,
                    exchange=d.exchange,
                    market=d.market,
                    symbol=d.symbol,
                    direction="up" if d.direction == "up" else "down",
                    delta_pct=d.delta_pct,
                    wick_pct=d.wick_pct,
                    volume_usd=d.volume_usd,
                    price=d.price,
                    rule=d.rule,
                )
                for d in sample
            ],
            truncated=truncated,
        )


S = MarketSpike
COLUMNS = (
    S.exchange,
    S.market,
    S.symbol,
    S.ts_ms,
    S.base,
    S.quote,
    S.open,
    S.high,
    S.low,
    S.close,
    S.volume,
    S.quote_volume,
    S.volume_usd,
    S.trades,
)


def _slots(app: FastAPI) -> asyncio.Semaphore:
    slots: asyncio.Semaphore | None = getattr(app.state, "dry_run_slots", None)
    if slots is None:
        slots = app.state.dry_run_slots = asyncio.Semaphore(CONCURRENT_RUNS)
    return slots


async def dry_run(
    app: FastAPI,
    session: AsyncSession,
    request: DryRunRequest,
    *,
    now_ms: int,
    floor_pct: float,
    max_rows: int = MAX_ROWS,
    user_id: int | None = None,
) -> DryRunResult:
    """Replay the stored spikes of the last ``request.hours`` against ``request.settings``.

    A run that cannot start at once is refused (429), never queued: a queued request holds its
    database connection while it waits, and a few users' clicks would empty the pool for
    everybody. One run per user at a time."""
    slots = _slots(app)
    running: set[int] | None = getattr(app.state, "dry_run_users", None)
    if running is None:
        running = app.state.dry_run_users = set()
    if slots.locked() or user_id in running:
        raise RateLimited("a dry run is already running; try again in a few seconds", retry_after=5)
    if user_id is not None:
        running.add(user_id)
    try:
        async with slots:
            replay, start, truncated = await _replay(session, request, now_ms, max_rows)
    finally:
        if user_id is not None:
            running.discard(user_id)
    return replay.result(
        hours=request.hours,
        from_ms=start,
        to_ms=now_ms,
        floor_pct=floor_pct,
        truncated=truncated,
    )


async def _replay(
    session: AsyncSession, request: DryRunRequest, now_ms: int, max_rows: int
) -> tuple[Replay, int, bool]:
    """The replay of the newest ``max_rows`` stored seconds of the period, where it started,
    and whether the period held more."""
    to_ms = now_ms
    from_ms = now_ms - request.hours * HOUR_MS
    # Over the cap: start after the (max_rows + 1)-th newest second (whole seconds only).
    cut = await session.scalar(
        select(S.ts_ms)
        .where(S.ts_ms >= from_ms, S.ts_ms < to_ms)
        .order_by(S.ts_ms.desc())
        .offset(max_rows)
        .limit(1)
    )
    start = from_ms if cut is None else int(cut) + 1
    replay = await asyncio.to_thread(Replay, request.settings)
    result = await session.stream(
        select(*COLUMNS)
        .where(S.ts_ms >= start, S.ts_ms < to_ms)
        .order_by(S.ts_ms)
        .execution_options(yield_per=CHUNK_ROWS)
    )
    async for rows in result.partitions(CHUNK_ROWS):
        await asyncio.to_thread(replay.feed, rows)
    return replay, start, cut is not None
