"""Price-band alerts in the collector: users' ``price_alerts`` rows → a
:class:`~wickwatch.detection.PriceBandMonitor` → alert drafts for the :class:`AlertWriter`.

* **Loading**: every live (not deleted), enabled price alert of an active user on a market this
  collector collects, with its persisted ``state`` (``inside`` / ``above`` / ``below``), so a
  band that fired before a restart does not fire again for the same crossing.
* **Changes**: a ``price_alerts`` bus message (``{"user_id": 42}``, published by the API after
  its commit) reloads that user's bands at once; every ``poll_s`` a small fingerprint query
  (bands' count, newest id and ``updated_at``; active accounts) decides whether everything is
  read again — the fallback when nobody publishes. A reloaded band whose definition did not
  change keeps the state this process holds (it may be ahead of the database by a transaction
  still being written); a changed one takes the stored state (the API re-arms it).
* **Writing**: each crossing becomes a :class:`PriceBandDraft` (an alert of kind ``above_max`` /
  ``below_min`` to the user's destinations) and each re-arm a :class:`BandState`; the writer
  stores them in order, the crossing's alert, its deliveries and the band's new state in one
  transaction. The state update is guarded by the band's definition, so a state computed for a
  band the user has just changed never overwrites the re-armed row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

import msgspec
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from wickwatch.bus import PRICE_ALERTS, Bus
from wickwatch.detection import Detector, UserSettings
from wickwatch.detection.price_bands import (
    ABOVE,
    ABOVE_MAX,
    BELOW,
    INSIDE,
    PriceBand,
    PriceBandAlert,
    PriceBandMonitor,
)
from wickwatch.detection.symbols import split_symbol
from wickwatch.notify.templates import format_price
from wickwatch.roles.usersync import UserSync
from wickwatch.storage.expressions import dialect_of
from wickwatch.storage.models import PriceAlert, User
from wickwatch.storage.statements import one_of

log = logging.getLogger(__name__)

_DEFAULTS = UserSettings()


class BandRow(msgspec.Struct, frozen=True, gc=False):
    """A band as stored: its identity and the definition its state belongs to."""

    id: int
    user_id: int
    coin: str
    exchange: str
    market: str
    symbol: str
    min_price: Decimal | None
    max_price: Decimal | None
    hysteresis_pct: float

    def kept_state(self, edited: BandRow, live: str | None) -> str | None:
        """The monitor's ``live`` state carried over to the ``edited`` band, or None (take the
        stored one). The API's re-arm rule applied to the fresher state: another market, or
        the edge it crossed moved, re-arms; an edit of the other edge keeps the crossing, even
        while the crossing's own state is still queued for the writer (the API read the older
        one, and the stored state would send the same crossing again)."""
        if live is None or (self.symbol, self.exchange, self.market) != (
            edited.symbol,
            edited.exchange,
            edited.market,
        ):
            return None
        if (live == ABOVE and edited.max_price != self.max_price) or (
            live == BELOW and edited.min_price != self.min_price
        ):
            return INSIDE
        return live


class PriceBandDraft(msgspec.Struct, frozen=True, gc=False):
    """A crossing as an alert draft (what :func:`~wickwatch.notify.repository.
    create_alert_with_deliveries` reads) plus the band state to store with it."""

    user_id: int
    kind: str  #: ``above_max`` / ``below_min``
    exchange: str
    market: str
    symbol: str
    base: str
    quote: str
    ts_ms: int
    direction: str
    delta_pct: float  #: how far beyond the edge the price went, percent of the edge
    price: float  #: the price that crossed (the candle's high or low)
    rule: str  #: the edge: ``max 110000`` / ``min 90000``
    destinations: tuple[str, ...]
    timezone: str
    band: BandRow
    state: str  #: the band's state after the crossing
    window_s: int = 1
    wick_pct: float = 0.0
    volume_usd: float | None = None
    strategy: str | None = None
    series_count: int = 1
    folded_count: int = 0
    chart: bool = False
    template: str | None = None  #: price alerts have their own message (notify.templates)


class BandState(msgspec.Struct, frozen=True, gc=False):
    """A band re-armed (back inside by the hysteresis): only its state is stored."""

    band: BandRow
    state: str


def _edge(value: float, stored: Decimal | None) -> str:
    return format_price(stored if stored is not None else value)


def band_draft(
    alert: PriceBandAlert,
    band: BandRow,
    state: str,
    settings: UserSettings | None,
    resolve: Callable[[str, str, str], tuple[str, str]] | None = None,
) -> PriceBandDraft:
    """``resolve``: the detector's instrument-aware base/quote (Hyperliquid's ``@107`` is
    HYPE/USDC); without it, the symbol's spelling."""
    above = alert.kind == ABOVE_MAX
    stored_edge = band.max_price if above else band.min_price
    base, quote = (resolve or split_symbol)(alert.exchange, alert.market, alert.symbol)
    user = settings or _DEFAULTS
    return PriceBandDraft(
        user_id=alert.user_id,
        kind=alert.kind,
        exchange=alert.exchange,
        market=alert.market,
        symbol=alert.symbol,
        base=base or band.coin,
        quote=quote,
        ts_ms=alert.ts_ms,
        direction="up" if above else "down",
        delta_pct=abs(alert.price - alert.threshold) / alert.threshold * 100.0,
        price=alert.price,
        rule=f"{'max' if above else 'min'} {_edge(alert.threshold, stored_edge)}",
        destinations=tuple(user.destinations),
        timezone=user.timezone,
        band=band,
        state=state,
    )


async def save_band_state(
    session: AsyncSession, band: BandRow, state: str, *, fired_at: datetime | None
) -> None:
    """Store ``state`` on the band's row if the row still has the definition it was computed
    for (a band the user changed meanwhile was re-armed by the API and stays so)."""
    row = PriceAlert
    # Not a change by the user: ``updated_at`` stays (no reload of everyone's bands for it).
    values: dict[str, object] = {"state": state, "updated_at": row.updated_at}
    if fired_at is not None:
        values["last_triggered_at"] = fired_at
    await session.execute(
        update(row)
        .where(
            row.id == band.id,
            row.exchange == band.exchange,
            row.market == band.market,
            row.symbol == band.symbol,
            row.min_price.is_(None) if band.min_price is None else row.min_price == band.min_price,
            row.max_price.is_(None) if band.max_price is None else row.max_price == band.max_price,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


class PriceBandSync(UserSync):
    """Keeps ``monitor`` in step with the ``price_alerts`` of the collected markets."""

    topic = PRICE_ALERTS
    what = "price alerts"

    def __init__(
        self,
        monitor: PriceBandMonitor,
        detector: Detector,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: Bus | None,
        *,
        markets: Sequence[str],
        poll_s: float = 5.0,
    ) -> None:
        super().__init__(sessionmaker, bus, poll_s=poll_s)
        self.monitor = monitor
        self.detector = detector
        self.markets = {tuple(name.split("_", 1)) for name in markets}
        self.bands: dict[int, BandRow] = {}
        self._fingerprint: tuple[object, ...] | None = None

    async def load_all(self) -> int:
        """Load every band; returns how many are watched."""
        self._fingerprint = await self._read_fingerprint()
        await self._sync(None)
        return len(self.bands)

    async def reload(self, users: set[int], *, periodic: bool) -> None:
        if periodic:
            # Everything is read again only when something changed (one small query).
            fingerprint = await self._read_fingerprint()
            if fingerprint != self._fingerprint:
                await self._sync(None)
                self._fingerprint = fingerprint
                return
        await self._sync(users)

    async def _read_fingerprint(self) -> tuple[object, ...]:
        """What changes when any band or account changes: bands (count, newest id, last
        change by a user) and active accounts (count, sum of ids)."""
        p = PriceAlert
        async with self.sessionmaker() as session:
            bands = (
                await session.execute(select(func.count(), func.max(p.id), func.max(p.updated_at)))
            ).one()
            users = (
                await session.execute(select(func.count(), func.sum(User.id)).where(User.is_active))
            ).one()
        return (*bands, *users)

    async def _sync(self, users: set[int] | None) -> None:
        """Reload the bands of ``users`` (None: everyone's)."""
        if users is not None and not users:
            return
        query = (
            select(PriceAlert)
            .join(User, User.id == PriceAlert.user_id)
            .where(User.is_active, PriceAlert.deleted_at.is_(None), PriceAlert.is_enabled)
        )
        async with self.sessionmaker() as session:
            if users is not None:
                query = query.where(one_of(PriceAlert.user_id, users, dialect_of(session)))
            rows = (await session.scalars(query)).all()
        found: dict[int, tuple[BandRow, str]] = {}
        for r in rows:
            if (r.exchange, r.market) not in self.markets:
                continue
            band = BandRow(
                id=r.id,
                user_id=r.user_id,
                coin=r.coin,
                exchange=r.exchange,
                market=r.market,
                symbol=r.symbol,
                min_price=r.min_price,
                max_price=r.max_price,
                hysteresis_pct=r.hysteresis_pct,
            )
            found[r.id] = (band, r.state)
        scope = [
            band_id
            for band_id, band in self.bands.items()
            if users is None or band.user_id in users
        ]
        changed = 0
        for band_id in scope:
            if band_id not in found:
                self.monitor.remove_band(band_id)
                del self.bands[band_id]
                changed += 1
        for band_id, (band, stored_state) in found.items():
            held = self.bands.get(band_id)
            if held == band:
                continue
            state = stored_state
            if held is not None:
                state = held.kept_state(band, self.monitor.state_of(band_id)) or stored_state
            try:
                self.monitor.set_band(band.user_id, band.id, _band_model(band), state=state)
            except (ValidationError, ValueError) as exc:
                log.error("price alert %d cannot be watched: %s", band_id, exc)
                self.monitor.remove_band(band_id)
                self.bands.pop(band_id, None)
                continue
            self.bands[band_id] = band
            changed += 1
        if changed and users is not None:
            self.reloads += 1
            log.info("price alerts reloaded: %d bands changed", changed)

    # --- candles → drafts ----------------------------------------------------------------

    def take(self) -> list[PriceBandDraft | BandState]:
        """The monitor's state changes since the last call, as writer items, in order."""
        transitions = self.monitor.transitions
        if not transitions:
            return []
        out: list[PriceBandDraft | BandState] = []
        for band_id, state, alert in transitions:
            band = self.bands.get(band_id)
            if band is None:
                continue
            if alert is None:
                out.append(BandState(band=band, state=state))
            else:
                settings = self.detector.settings_of(band.user_id)
                resolve = self.detector.resolver.resolve
                out.append(band_draft(alert, band, state, settings, resolve))
        transitions.clear()
        return out


def _band_model(band: BandRow) -> PriceBand:
    return PriceBand.model_validate(
        {
            "coin": band.coin,
            "exchange": band.exchange,
            "market": band.market,
            "symbol": band.symbol,
            "min_price": None if band.min_price is None else float(band.min_price),
            "max_price": None if band.max_price is None else float(band.max_price),
            "hysteresis_pct": band.hysteresis_pct,
        }
    )
