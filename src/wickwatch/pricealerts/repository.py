"""SQL of price alerts; every statement is scoped to the owning user."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.storage.models import PriceAlert, PriceCandle1m

C = PriceCandle1m

#: The newest stored close of the alert's symbol (one primary-key probe per alert).
_LATEST = (
    select(C.close)
    .where(
        C.exchange == PriceAlert.exchange,
        C.market == PriceAlert.market,
        C.symbol == PriceAlert.symbol,
    )
    .order_by(C.ts_ms.desc())
    .limit(1)
    .correlate(PriceAlert)
    .scalar_subquery()
)
_LATEST_MS = (
    select(C.ts_ms)
    .where(
        C.exchange == PriceAlert.exchange,
        C.market == PriceAlert.market,
        C.symbol == PriceAlert.symbol,
    )
    .order_by(C.ts_ms.desc())
    .limit(1)
    .correlate(PriceAlert)
    .scalar_subquery()
)

#: (alert, latest close, its ts_ms)
WithPrice = tuple[PriceAlert, Decimal | None, int | None]


class PriceAlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_for_user(
        self, user_id: int, *, deleted: bool | None, offset: int, limit: int
    ) -> tuple[list[WithPrice], int]:
        """A page of the user's price alerts with their latest price, and how many there are.
        ``deleted``: True only deleted ones (most recently deleted first), False only live ones
        (oldest first), None both."""
        condition = [PriceAlert.user_id == user_id]
        if deleted is True:
            condition.append(PriceAlert.deleted_at.is_not(None))
        elif deleted is False:
            condition.append(PriceAlert.deleted_at.is_(None))
        order = (
            (PriceAlert.deleted_at.desc(), PriceAlert.id.desc())
            if deleted
            else (PriceAlert.id.asc(),)
        )
        result = await self.session.execute(
            select(PriceAlert, _LATEST, _LATEST_MS)
            .where(*condition)
            .order_by(*order)
            .offset(offset)
            .limit(limit)
        )
        rows: list[WithPrice] = [(r[0], r[1], r[2]) for r in result.all()]
        total = await self.session.execute(
            select(func.count()).select_from(PriceAlert).where(*condition)
        )
        return rows, int(total.scalar_one())

    async def get_for_user(self, user_id: int, price_alert_id: int) -> WithPrice | None:
        result = await self.session.execute(
            select(PriceAlert, _LATEST, _LATEST_MS)
            .where(PriceAlert.id == price_alert_id, PriceAlert.user_id == user_id)
            .execution_options(populate_existing=True)
        )
        row = result.one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    async def count_live(self, user_id: int) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(PriceAlert)
            .where(PriceAlert.user_id == user_id, PriceAlert.deleted_at.is_(None))
        )
        return int(result.scalar_one())

    async def add(self, alert: PriceAlert) -> PriceAlert:
        self.session.add(alert)
        await self.session.flush()
        return alert

    async def flush(self) -> None:
        await self.session.flush()

    async def purge_deleted(self, user_id: int, keep: int) -> int:
        """Delete for good all but the ``keep`` most recently deleted alerts of the user."""
        kept = (
            select(PriceAlert.id)
            .where(PriceAlert.user_id == user_id, PriceAlert.deleted_at.is_not(None))
            .order_by(PriceAlert.deleted_at.desc(), PriceAlert.id.desc())
            .limit(keep)
        )
        result = await self.session.execute(
            delete(PriceAlert)
            .where(
                PriceAlert.user_id == user_id,
                PriceAlert.deleted_at.is_not(None),
                PriceAlert.id.not_in(kept.scalar_subquery()),
            )
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
