"""Alert statistics of the last 1–365 days, personal (``me``) or of everyone (``global``, one
count per spike), with days counted in the user's timezone (their settings' ``timezone``, or the
``tz`` asked for). See :mod:`wickwatch.stats.days` for the SQL day bucketing and
:mod:`wickwatch.stats.repository` for the queries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row

from wickwatch.stats.days import Period, day_from_number
from wickwatch.stats.repository import StatsQuery, StatsRepository, as_float
from wickwatch.stats.schemas import (
    DayCount,
    Scope,
    StatsResponse,
    SymbolCount,
    TopSpike,
    VenueCount,
)
from wickwatch.storage.expressions import to_decimal
from wickwatch.storage.models import User
from wickwatch.usersettings.repository import SettingsRepository

log = logging.getLogger(__name__)

TOP = 10


def zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a directory
        return None


class StatsService:
    def __init__(
        self, repository: StatsRepository, settings: SettingsRepository, now: datetime
    ) -> None:
        self.stats = repository
        self.settings = settings
        self.now = now

    async def user_timezone(self, user: User) -> str:
        """The ``timezone`` of the user's settings document (UTC without one)."""
        row = await self.settings.get(user.id)
        name = (row.document or {}).get("timezone") if row is not None else None
        if isinstance(name, str) and zone_or_none(name) is not None:
            return name
        return "UTC"

    async def compute(
        self,
        user: User,
        scope: Scope,
        days: int,
        *,
        timezone: str | None = None,
        coin: str | None = None,
        exchange: str | None = None,
        market: str | None = None,
    ) -> StatsResponse:
        zone_name = timezone or await self.user_timezone(user)
        zone = zone_or_none(zone_name) or ZoneInfo("UTC")
        period = Period.last_days(zone, self.now, days)
        query = StatsQuery(
            scope=scope,
            user_id=user.id,
            period=period,
            coin=coin,
            exchange=exchange,
            market=market,
        )
        spikes = self.stats.spikes(query)

        total = up = down = 0
        delta_sum = 0.0
        volume_sum = Decimal(0)
        volume_known = 0
        venues: dict[tuple[str, str], int] = {}
        for (
            exchange_,
            market_,
            direction,
            count,
            deltas,
            volumes,
            known,
        ) in await self.stats.by_venue_and_direction(spikes):
            total += count
            if direction == "down":
                down += count
            else:
                up += count
            delta_sum += as_float(deltas)
            volume_sum += to_decimal(volumes) or Decimal(0)
            volume_known += known
            venues[(exchange_, market_)] = venues.get((exchange_, market_), 0) + count

        per_day = await self.stats.per_day(spikes, period)
        counts = {day_from_number(number): count for number, count in per_day.items()}
        top_symbols = await self.stats.top_symbols(spikes, TOP)

        def tops(rows: Sequence[Row[*tuple[Any, ...]]]) -> list[TopSpike]:
            return [
                TopSpike(
                    alert_id=r.alert_id if scope == "me" else None,
                    exchange=r.exchange,
                    market=r.market,
                    symbol=r.symbol,
                    base=r.base,
                    ts_ms=r.ts_ms,
                    direction="down" if r.direction == "down" else "up",
                    delta_pct=r.delta_pct,
                    volume_usd=to_decimal(r.volume_usd),
                    price=to_decimal(r.price) or Decimal(0),
                )
                for r in rows
            ]

        return StatsResponse(
            scope=scope,
            days=days,
            timezone=zone_name,
            first_day=period.first_day,
            last_day=period.last_day,
            from_ms=period.start_ms,
            to_ms=period.end_ms,
            total=total,
            up=up,
            down=down,
            avg_delta_pct=delta_sum / total if total else None,
            avg_volume_usd=float(volume_sum / volume_known) if volume_known else None,
            per_day=[DayCount(date=day, count=counts.get(day, 0)) for day in period.days],
            by_exchange_market=[
                VenueCount(exchange=e, market=m, count=c)
                for (e, m), c in sorted(venues.items(), key=lambda item: (-item[1], item[0]))
            ],
            top_symbols=[
                SymbolCount(exchange=e, market=m, symbol=s, base=b, count=c)
                for e, m, s, b, c in top_symbols
            ],
            top_delta=tops(await self.stats.top(spikes, "delta", TOP)),
            top_volume=tops(await self.stats.top(spikes, "volume", TOP)),
        )
