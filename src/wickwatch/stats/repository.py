"""SQL of the statistics: every number is aggregated by the database (``COUNT``, ``SUM``,
``GROUP BY``, ``ORDER BY … LIMIT``); Python only receives the groups and the top rows.

All queries read one derived table of *spikes* over the period (``ts_ms`` range, served by
``ix_alerts_user_id_ts_ms`` / ``ix_alerts_ts_ms``):

* scope ``me``: the user's alerts, one row each;
* scope ``global``: every user's alerts grouped by (exchange, market, symbol, ts_ms, direction),
  one row per spike with the largest delta and volume measured for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Subquery, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.stats.days import Period
from wickwatch.storage.expressions import as_number, dialect_of
from wickwatch.storage.models import Alert
from wickwatch.storage.models.alert import SPIKE


@dataclass(frozen=True, slots=True)
class StatsQuery:
    scope: str  #: ``me`` or ``global``
    user_id: int
    period: Period
    coin: str | None = None
    exchange: str | None = None
    market: str | None = None


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = dialect_of(session)

    def spikes(self, q: StatsQuery) -> Subquery:
        """The derived table: alert_id, exchange, market, symbol, base, ts_ms, direction,
        delta_pct, volume (a number SQL can sum and sort), volume_usd and price (for display)."""
        volume = as_number(Alert.volume_usd, self.dialect)
        conditions = [
            Alert.ts_ms >= q.period.start_ms,
            Alert.ts_ms < q.period.end_ms,
            Alert.kind == SPIKE,  # price-band alerts are not spikes
        ]
        if q.scope == "me":
            conditions.append(Alert.user_id == q.user_id)
        if q.coin is not None:
            conditions.append(Alert.base == q.coin)
        if q.exchange is not None:
            conditions.append(Alert.exchange == q.exchange)
        if q.market is not None:
            conditions.append(Alert.market == q.market)
        if q.scope == "me":
            return (
                select(
                    Alert.id.label("alert_id"),
                    Alert.exchange,
                    Alert.market,
                    Alert.symbol,
                    Alert.base,
                    Alert.ts_ms,
                    Alert.direction,
                    Alert.delta_pct,
                    volume.label("volume"),
                    Alert.volume_usd,
                    Alert.price,
                )
                .where(*conditions)
                .subquery("spikes")
            )
        biggest_volume = func.max(volume)
        return (
            select(
                func.min(Alert.id).label("alert_id"),
                Alert.exchange,
                Alert.market,
                Alert.symbol,
                func.max(Alert.base).label("base"),
                Alert.ts_ms,
                Alert.direction,
                func.max(Alert.delta_pct).label("delta_pct"),
                biggest_volume.label("volume"),
                biggest_volume.label("volume_usd"),
                func.max(Alert.price).label("price"),
            )
            .where(*conditions)
            .group_by(Alert.exchange, Alert.market, Alert.symbol, Alert.ts_ms, Alert.direction)
            .subquery("spikes")
        )

    async def by_venue_and_direction(
        self, spikes: Subquery
    ) -> Sequence[Row[str, str, str, int, float, Any, int]]:
        """(exchange, market, direction, count, sum of delta, sum of volume, count of known
        volumes) per group; unknown (NULL) volumes are left out of the volume figures."""
        s = spikes.c
        result = await self.session.execute(
            select(
                s.exchange,
                s.market,
                s.direction,
                func.count(),
                func.sum(s.delta_pct),
                func.sum(s.volume),
                func.count(s.volume),
            ).group_by(s.exchange, s.market, s.direction)
        )
        return result.all()

    async def per_day(self, spikes: Subquery, period: Period) -> dict[int, int]:
        """Local day number → count."""
        day = period.day_expression(spikes.c.ts_ms)
        result = await self.session.execute(select(day, func.count()).group_by(day))
        return {int(number): int(count) for number, count in result.all()}

    async def top_symbols(
        self, spikes: Subquery, limit: int
    ) -> Sequence[Row[str, str, str, str, int]]:
        s = spikes.c
        count = func.count()
        result = await self.session.execute(
            select(s.exchange, s.market, s.symbol, func.max(s.base), count)
            .group_by(s.exchange, s.market, s.symbol)
            .order_by(count.desc(), s.exchange, s.market, s.symbol)
            .limit(limit)
        )
        return result.all()

    async def top(self, spikes: Subquery, by: str, limit: int) -> Sequence[Row[*tuple[Any, ...]]]:
        """The ``limit`` largest spikes by ``delta`` or ``volume``."""
        s = spikes.c
        key = s.delta_pct if by == "delta" else s.volume
        known = key.is_not(None)  # an unknown volume ranks nowhere (PostgreSQL sorts NULL first)
        result = await self.session.execute(
            select(
                s.alert_id,
                s.exchange,
                s.market,
                s.symbol,
                s.base,
                s.ts_ms,
                s.direction,
                s.delta_pct,
                s.volume_usd,
                s.price,
            )
            .where(known)
            .order_by(key.desc(), s.ts_ms.desc(), s.alert_id.desc())
            .limit(limit)
        )
        return result.all()


def as_float(value: Decimal | float | int | None) -> float:
    return 0.0 if value is None else float(value)
