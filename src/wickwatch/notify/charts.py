"""Spike charts: a PNG of our own stored candles around a spike, for any exchange.

The dispatcher asks for a chart when an alert's threshold group has "chart on"
(:data:`wickwatch.notify.dispatcher.ChartSource`); Telegram sends it as a photo with the message
as caption, e-mail attaches it. One spike fires alerts for many users, so a chart is drawn once per
spike — keyed by ``(exchange, market, symbol, ts_ms)`` — and shared:

* in this process: an LRU of finished PNGs, and concurrent requests for a spike whose chart is
  being drawn wait for that one drawing;
* across dispatcher processes: the PNG is stored once in ``spike_charts``; a dispatcher that finds
  it there does not draw it again (two processes racing draw it twice at most, the first insert
  wins and both send the same bytes from then on).

Drawing (matplotlib, Agg canvas, no display, no pyplot state) runs on one worker thread, off the
event loop. The candles are the 1-second candles the collector stored around the spike
(``spike_candles_1s``: the minute before it — and the seconds after it that have closed — when
the chart is drawn) when its own second is among them, else the 1-minute history
``price_history_1m`` (up to an hour before the spike and a few minutes after it, when they exist
yet); the spike itself is marked at its price and time, and the title names the symbol, direction,
move, price and candle length. Without at least two stored candles there is no chart (None): the
alert goes out as a text message.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.alerts.repository import AlertRepository
from wickwatch.alerts.schemas import SPIKE_WINDOW_AFTER_MS, SPIKE_WINDOW_BEFORE_MS
from wickwatch.markets.repository import MarketRepository
from wickwatch.notify.templates import EXCHANGE_NAMES, display_symbol, format_price
from wickwatch.storage.models import SpikeChart
from wickwatch.storage.types import utcnow

if TYPE_CHECKING:
    from decimal import Decimal

log = logging.getLogger(__name__)

SECOND_MS = 1000
MINUTE_MS = 60_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Stored charts older than this are deleted (alerts are delivered within minutes, retries
#: within hours).
KEEP_STORED = timedelta(days=2)


class SpikeLike(Protocol):
    """What a chart reads from an alert."""

    @property
    def exchange(self) -> str: ...
    @property
    def market(self) -> str: ...
    @property
    def symbol(self) -> str: ...
    @property
    def ts_ms(self) -> int: ...
    @property
    def direction(self) -> str: ...
    @property
    def delta_pct(self) -> float: ...
    @property
    def price(self) -> Decimal | float: ...


SpikeKey = tuple[str, str, str, int]


def spike_key(spike: SpikeLike) -> SpikeKey:
    return (spike.exchange, spike.market, spike.symbol, int(spike.ts_ms))


@dataclass(frozen=True, slots=True)
class Bar:
    """One candle (1-second or 1-minute) as plain floats, ready to draw."""

    ts_ms: int
    open: float
    high: float
    low: float
    close: float


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """Everything a drawing needs (no database objects cross into the worker thread)."""

    title: str
    bars: tuple[Bar, ...]
    spike_ts_ms: int
    spike_price: float
    up: bool
    interval_ms: int = MINUTE_MS  #: length of a bar


def chart_spec(spike: SpikeLike, bars: Sequence[Bar], interval_ms: int = MINUTE_MS) -> ChartSpec:
    up = spike.direction.lower() in ("up", "pump", "long")
    price = float(spike.price)
    when = datetime.fromtimestamp(spike.ts_ms / 1000, UTC)
    # The move is stored unsigned: its sign is the direction's (as in the message it goes with).
    move = f"{'+' if up else '-'}{abs(float(spike.delta_pct)):.2f}%"
    symbol = display_symbol(
        spike.symbol, getattr(spike, "base", spike.symbol), getattr(spike, "quote", "")
    )
    title = (
        f"{symbol}  {EXCHANGE_NAMES.get(spike.exchange, spike.exchange)} {spike.market}  "
        f"{'UP' if up else 'DOWN'} {move}  at {format_price(spike.price)}  "
        f"{when:%Y-%m-%d %H:%M:%S} UTC  ({'1s' if interval_ms < MINUTE_MS else '1m'} candles)"
    )
    return ChartSpec(
        title=title,
        bars=tuple(bars),
        spike_ts_ms=int(spike.ts_ms),
        spike_price=price,
        up=up,
        interval_ms=interval_ms,
    )


def draw_png(spec: ChartSpec, *, width_px: int = 960, height_px: int = 540) -> bytes:
    """The chart as PNG bytes: candlesticks of ``spec.bars`` and the spike marked (blocking; run
    it off the event loop)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    dpi = 96
    figure = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)

    def x_of(ts_ms: int) -> float:  # minutes since the epoch
        return ts_ms / MINUTE_MS

    clock_format = "%H:%M:%S" if spec.interval_ms < MINUTE_MS else "%H:%M"

    def clock(x: float, _position: object) -> str:
        return f"{datetime.fromtimestamp(x * 60, UTC):{clock_format}}"

    width = spec.interval_ms / MINUTE_MS  # of a bar, in minutes
    green, red = "#16a34a", "#dc2626"
    for bar in spec.bars:
        x = x_of(bar.ts_ms) + width / 2  # the candle's middle
        colour = green if bar.close >= bar.open else red
        axes.vlines(x, bar.low, bar.high, color=colour, linewidth=1)
        bottom = min(bar.open, bar.close)
        height = abs(bar.close - bar.open) or (bar.high - bar.low) * 0.02 or bar.close * 1e-6
        axes.bar(x, height, width=width * 0.7, bottom=bottom, color=colour, edgecolor=colour)
    # the spike's time; on 1-second bars the middle of its own second (its bar)
    spike_x = x_of(spec.spike_ts_ms) + (width / 2 if spec.interval_ms < MINUTE_MS else 0.0)
    marker = green if spec.up else red
    axes.axvline(spike_x, color=marker, linestyle="--", linewidth=1, alpha=0.7)
    axes.plot(
        [spike_x],
        [spec.spike_price],
        marker="^" if spec.up else "v",
        markersize=12,
        color=marker,
        markeredgecolor="black",
        zorder=5,
    )
    axes.axhline(spec.spike_price, color=marker, linewidth=0.6, alpha=0.5)
    axes.set_title(spec.title, fontsize=10)
    axes.xaxis.set_major_formatter(FuncFormatter(clock))
    # prices as written (0.00000123), never an offset or exponent above the axis
    axes.ticklabel_format(axis="y", style="plain", useOffset=False)
    axes.set_xlabel("UTC")
    axes.grid(True, alpha=0.25)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class SpikeCharts:
    """A :data:`~wickwatch.notify.dispatcher.ChartSource`: ``await charts(alert)`` → PNG or None.

    ``before_min``/``after_min``: minutes of history around the spike. ``store``: keep drawn
    charts in ``spike_charts`` for other dispatcher processes.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        before_min: int = 60,
        after_min: int = 10,
        cache_size: int = 256,
        store: bool = True,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.before_min = before_min
        self.after_min = after_min
        self.cache_size = cache_size
        self.store = store
        self.drawn = 0  #: charts this process drew (the rest came from a cache)
        self._cache: OrderedDict[SpikeKey, bytes | None] = OrderedDict()
        self._pending: dict[SpikeKey, asyncio.Future[bytes | None]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._next_purge = 0.0

    async def __call__(self, spike: SpikeLike) -> bytes | None:
        key = spike_key(spike)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            png = await self._produce(spike, key)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # retrieved: waiters get it, nobody is warned about it
            raise
        finally:
            del self._pending[key]
        future.set_result(png)
        self._remember(key, png)
        return png

    def _remember(self, key: SpikeKey, png: bytes | None) -> None:
        self._cache[key] = png
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    async def bars(self, spike: SpikeLike) -> tuple[list[Bar], int]:
        """The candles to draw and their length (ms): the stored 1-second window of the spike
        when its own second is in it, else the 1-minute history around it."""
        async with self.sessionmaker() as session:
            return await self._bars(session, spike_key(spike))

    async def _bars(self, session: AsyncSession, key: SpikeKey) -> tuple[list[Bar], int]:
        exchange, market, symbol, ts_ms = key
        seconds = await AlertRepository(session).spike_candles(
            exchange,
            market,
            symbol,
            from_ms=ts_ms - SPIKE_WINDOW_BEFORE_MS,
            to_ms=ts_ms + SPIKE_WINDOW_AFTER_MS,
        )
        if len(seconds) >= 2 and any(c.ts_ms == ts_ms for c in seconds):
            return [_bar(c) for c in seconds], SECOND_MS
        start = ts_ms - ts_ms % MINUTE_MS
        minutes = await MarketRepository(session).candles(
            exchange,
            market,
            symbol,
            from_ms=start - self.before_min * MINUTE_MS,
            to_ms=start + (self.after_min + 1) * MINUTE_MS,
            limit=self.before_min + self.after_min + 2,
        )
        return [_bar(c) for c in minutes], MINUTE_MS

    async def _produce(self, spike: SpikeLike, key: SpikeKey) -> bytes | None:
        exchange, market, symbol, ts_ms = key
        async with self.sessionmaker() as session:
            bars, interval_ms = await self._bars(session, key)
            if len(bars) >= 2 and self.store:  # drawn by another dispatcher already?
                stored = await session.scalar(
                    select(SpikeChart.png).where(
                        SpikeChart.exchange == exchange,
                        SpikeChart.market == market,
                        SpikeChart.symbol == symbol,
                        SpikeChart.ts_ms == ts_ms,
                    )
                )
                if stored is not None:
                    return bytes(stored)
        if len(bars) < 2:
            log.debug("no chart for %s %s %s at %d: no stored history", *key)
            return None
        png = await asyncio.get_running_loop().run_in_executor(
            self._worker(), draw_png, chart_spec(spike, bars, interval_ms)
        )
        self.drawn += 1
        if self.store:
            await self._save(key, png)
        return png

    def _worker(self) -> ThreadPoolExecutor:
        # One thread: matplotlib is not thread-safe, and one drawing at a time is plenty
        # (a chart is drawn once per spike, not once per user).
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
        return self._executor

    async def _save(self, key: SpikeKey, png: bytes) -> None:
        exchange, market, symbol, ts_ms = key
        try:
            async with self.sessionmaker() as session:
                session.add(
                    SpikeChart(
                        exchange=exchange, market=market, symbol=symbol, ts_ms=ts_ms, png=png
                    )
                )
                await session.commit()
                if time.monotonic() >= self._next_purge:
                    self._next_purge = time.monotonic() + 3600
                    await session.execute(
                        delete(SpikeChart).where(SpikeChart.created_at < utcnow() - KEEP_STORED)
                    )
                    await session.commit()
        except IntegrityError:  # another dispatcher stored it first: same spike, same chart
            pass
        except Exception as exc:  # the chart is sent all the same
            log.warning("chart of %s %s %s at %d not stored: %s", *key, exc)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


class _Candle(Protocol):
    @property
    def ts_ms(self) -> int: ...
    @property
    def open(self) -> Decimal: ...
    @property
    def high(self) -> Decimal: ...
    @property
    def low(self) -> Decimal: ...
    @property
    def close(self) -> Decimal: ...


def _bar(c: _Candle) -> Bar:
    return Bar(int(c.ts_ms), float(c.open), float(c.high), float(c.low), float(c.close))
