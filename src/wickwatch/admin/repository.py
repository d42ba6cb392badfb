"""SQL of the admin views: the error log, outbox counts, feed activity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from wickwatch.storage.models import Alert, AlertDelivery, ErrorLogEntry

E = ErrorLogEntry


@dataclass(frozen=True, slots=True)
class ErrorFilters:
    level: str | None = None
    logger: str | None = None  #: the logger or any of its children
    text: str | None = None  #: in the message or the exception
    since: datetime | None = None  #: inclusive
    until: datetime | None = None  #: exclusive


class AdminRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def errors(
        self, filters: ErrorFilters, *, before_id: int | None, limit: int
    ) -> Sequence[ErrorLogEntry]:
        query = select(E)
        if filters.level is not None:
            query = query.where(E.level == filters.level)
        if filters.logger is not None:
            query = query.where(
                or_(
                    E.logger == filters.logger,
                    E.logger.startswith(filters.logger + ".", autoescape=True),
                )
            )
        if filters.text is not None:
            query = query.where(
                or_(
                    E.message.icontains(filters.text, autoescape=True),
                    E.exception.icontains(filters.text, autoescape=True),
                )
            )
        if filters.since is not None:
            query = query.where(E.created_at >= filters.since)
        if filters.until is not None:
            query = query.where(E.created_at < filters.until)
        if before_id is not None:
            query = query.where(E.id < before_id)
        result = await self.session.execute(query.order_by(E.id.desc()).limit(limit))
        return result.scalars().all()

    async def delete_error(self, error_id: int) -> int:
        result = await self.session.execute(
            delete(E).where(E.id == error_id).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def delete_errors_before(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(E).where(E.created_at < before).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def count_errors_since(self, since: datetime) -> int:
        result = await self.session.execute(
            select(func.count()).select_from(E).where(E.created_at >= since)
        )
        return int(result.scalar_one())

    async def outbox_counts(self) -> dict[str, int]:
        result = await self.session.execute(
            select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
        )
        return {str(status): int(count) for status, count in result.all()}

    async def oldest_pending(self) -> datetime | None:
        result = await self.session.execute(
            select(func.min(AlertDelivery.created_at)).where(AlertDelivery.status == "pending")
        )
        value = result.scalar_one_or_none()
        return value if isinstance(value, datetime) else None

    async def leaseholders(self, now: datetime) -> list[str]:
        """Dispatchers holding a live lease (``locked_until`` in the future)."""
        result = await self.session.execute(
            select(AlertDelivery.locked_by)
            .where(
                AlertDelivery.status.in_(("claimed", "sending")),
                AlertDelivery.locked_until > now,
                AlertDelivery.locked_by.is_not(None),
            )
            .distinct()
            .order_by(AlertDelivery.locked_by)
            .limit(100)
        )
        return [str(v) for v in result.scalars().all()]

    async def alerts_per_feed_since(self, since_ms: int) -> dict[tuple[str, str], int]:
        result = await self.session.execute(
            select(Alert.exchange, Alert.market, func.count())
            .where(Alert.ts_ms >= since_ms)
            .group_by(Alert.exchange, Alert.market)
        )
        return {(e, m): int(c) for e, m, c in result.all()}

    async def purge_errors(self, before: datetime) -> int:
        """Delete error-log rows created before ``before`` (the retention); returns how many."""
        result = await self.session.execute(
            delete(E).where(E.created_at < before).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
