"""SQL of the alerts domain; every statement is scoped to the owning user."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.storage.expressions import as_number, dialect_of, number_value
from wickwatch.storage.models import Alert, AlertDelivery, SpikeCandle1s
from wickwatch.storage.statements import one_of


@dataclass(frozen=True, slots=True)
class AlertFilters:
    """What ``GET /alerts`` narrows by; None = any. Ranges are inclusive, except ``to_ms``."""

    exchange: str | None = None
    market: str | None = None
    symbol: str | None = None
    coin: str | None = None
    direction: str | None = None
    strategy: str | None = None
    from_ms: int | None = None
    to_ms: int | None = None
    min_delta_pct: float | None = None
    max_delta_pct: float | None = None
    min_volume_usd: Decimal | None = None
    max_volume_usd: Decimal | None = None
    unread: bool | None = None
    after_id: int | None = None


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = dialect_of(session)

    def _filtered(self, user_id: int, f: AlertFilters) -> Select[Alert]:
        query = select(Alert).where(Alert.user_id == user_id)
        equal = (
            (Alert.exchange, f.exchange),
            (Alert.market, f.market),
            (Alert.symbol, f.symbol),
            (Alert.base, f.coin),
            (Alert.direction, f.direction),
            (Alert.strategy, f.strategy),
        )
        for column, value in equal:
            if value is not None:
                query = query.where(column == value)
        if f.from_ms is not None:
            query = query.where(Alert.ts_ms >= f.from_ms)
        if f.to_ms is not None:
            query = query.where(Alert.ts_ms < f.to_ms)
        if f.min_delta_pct is not None:
            query = query.where(Alert.delta_pct >= f.min_delta_pct)
        if f.max_delta_pct is not None:
            query = query.where(Alert.delta_pct <= f.max_delta_pct)
        volume = as_number(Alert.volume_usd, self.dialect)
        if f.min_volume_usd is not None:
            query = query.where(volume >= number_value(f.min_volume_usd, self.dialect))
        if f.max_volume_usd is not None:
            query = query.where(volume <= number_value(f.max_volume_usd, self.dialect))
        if f.unread is not None:
            query = query.where(Alert.read_at.is_(None) if f.unread else Alert.read_at.is_not(None))
        if f.after_id is not None:
            query = query.where(Alert.id > f.after_id)
        return query

    async def page(
        self, user_id: int, filters: AlertFilters, *, before_id: int | None, limit: int
    ) -> Sequence[Alert]:
        """Up to ``limit`` alerts, newest (highest id) first, below ``before_id``."""
        query = self._filtered(user_id, filters)
        if before_id is not None:
            query = query.where(Alert.id < before_id)
        result = await self.session.execute(query.order_by(Alert.id.desc()).limit(limit))
        return result.scalars().all()

    async def get(self, user_id: int, alert_id: int) -> Alert | None:
        result = await self.session.execute(
            select(Alert)
            .where(Alert.id == alert_id, Alert.user_id == user_id)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def spike_candles(
        self, exchange: str, market: str, symbol: str, *, from_ms: int, to_ms: int
    ) -> Sequence[SpikeCandle1s]:
        """The stored 1-second candles of a symbol with ``from_ms <= ts_ms <= to_ms``, oldest
        first (market data: shared by every user's alerts of the symbol)."""
        C = SpikeCandle1s
        result = await self.session.execute(
            select(C)
            .where(
                C.exchange == exchange,
                C.market == market,
                C.symbol == symbol,
                C.ts_ms >= from_ms,
                C.ts_ms <= to_ms,
            )
            .order_by(C.ts_ms)
        )
        return result.scalars().all()

    async def deliveries(
        self, user_id: int, alert_ids: Sequence[int]
    ) -> dict[int, list[AlertDelivery]]:
        found: dict[int, list[AlertDelivery]] = {alert_id: [] for alert_id in alert_ids}
        if not alert_ids:
            return found
        result = await self.session.execute(
            select(AlertDelivery)
            .where(
                AlertDelivery.user_id == user_id,
                one_of(AlertDelivery.alert_id, alert_ids, dialect_of(self.session)),
            )
            .order_by(AlertDelivery.id)
        )
        for delivery in result.scalars():
            found[delivery.alert_id].append(delivery)
        return found

    async def mark_read(
        self,
        user_id: int,
        at: datetime,
        *,
        alert_id: int | None = None,
        up_to_id: int | None = None,
    ) -> int:
        """Set ``read_at`` of unread alerts (one, or all up to ``up_to_id``); returns how many."""
        statement = update(Alert).where(Alert.user_id == user_id, Alert.read_at.is_(None))
        if alert_id is not None:
            statement = statement.where(Alert.id == alert_id)
        if up_to_id is not None:
            statement = statement.where(Alert.id <= up_to_id)
        result = await self.session.execute(
            statement.values(read_at=at).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def delete(
        self, user_id: int, *, alert_id: int | None = None, up_to_id: int | None = None
    ) -> int:
        """Delete alerts (one, or all up to ``up_to_id``) with their deliveries (by cascade)."""
        statement = delete(Alert).where(Alert.user_id == user_id)
        if alert_id is not None:
            statement = statement.where(Alert.id == alert_id)
        if up_to_id is not None:
            statement = statement.where(Alert.id <= up_to_id)
        result = await self.session.execute(statement.execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
