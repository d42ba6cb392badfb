"""SQL expressions that mean the same on SQLite and PostgreSQL.

:class:`~wickwatch.storage.types.ExactDecimal` columns are ``NUMERIC`` on PostgreSQL but decimal
*text* on SQLite, where comparing, ordering, ``MAX`` or ``SUM`` would work on the text. Filters and
aggregates over such columns go through :func:`as_number`: the column itself on PostgreSQL (exact),
``CAST(… AS REAL)`` on SQLite (a double: exact enough to filter, sort and average; values shown to
users are always read from the column itself).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Float, cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession) -> Any:
    """The dialect's ``insert`` (with ``on_conflict_do_nothing`` / ``…_do_update``)."""
    return (postgresql if dialect_of(session) == "postgresql" else sqlite).insert


def as_number(
    column: ColumnElement[Any] | QueryableAttribute[Any], dialect: str
) -> ColumnElement[Any]:
    """``column`` (an ExactDecimal) as a number SQL can compare, sort and aggregate."""
    if dialect == "sqlite":
        return cast(column, Float)
    return column.expression if isinstance(column, QueryableAttribute) else column


def number_value(value: Decimal, dialect: str) -> Decimal | float:
    """A bound value to compare with :func:`as_number` of the same dialect."""
    return float(value) if dialect == "sqlite" else value


def to_decimal(value: Any) -> Decimal | None:
    """An aggregate's result (Decimal on PostgreSQL, float on SQLite) as a Decimal."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(float(value)))
