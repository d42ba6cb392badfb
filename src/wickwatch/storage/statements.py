"""Statements whose SQL text does not depend on how many ids or rows they carry.

PostgreSQL statements are prepared by asyncpg and kept per pooled connection (SQLAlchemy's
asyncpg dialect caches 100, least recently used out). ``id IN ($1, …, $n)`` and a multi-row
``INSERT … RETURNING`` (SQLAlchemy's "insertmanyvalues" batches) are a new text for every
count, so each connection slowly fills its cache with near-identical statements — ~18 KB each,
the soak benchmark's only growing objects (docs/performance.md, Soak) — and prepares again
whenever a count comes back after eviction. The two helpers keep the number of texts small:

* :func:`one_of` — ``column = ANY($1)`` with one array parameter on PostgreSQL: one text for
  every count (and no limit of 32,767 parameters). SQLite keeps ``IN (…)``: it has no server
  to hold prepared statements, only its driver's small per-connection cache.
* :func:`power_of_two_batches` — rows split into batches of 2ᵏ rows (100 → 64 + 32 + 4), so an
  insert has at most one text per power of two: Hibernate's "IN clause parameter padding"
  idea, applied to inserts without changing what is inserted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ARRAY, any_, bindparam
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")

#: The largest batch: 512 rows × a wide table's ~20 columns stays far below PostgreSQL's
#: 32,767 and SQLite's 32,766 bound parameters per statement.
LARGEST_BATCH = 512


def one_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any], dialect: str
) -> ColumnElement[bool]:
    """``column IN values`` as a statement whose text does not depend on ``len(values)``."""
    listed = list(values)
    if dialect == "postgresql":
        array = bindparam(None, listed, type_=ARRAY(column.type))
        return column == any_(array)
    return column.in_(listed)


def power_of_two_batches(rows: Sequence[T], largest: int = LARGEST_BATCH) -> Iterator[Sequence[T]]:
    """``rows`` in consecutive batches of ``largest`` rows, then of decreasing powers of two
    (the binary digits of what is left), in order."""
    if largest & (largest - 1) or largest < 1:
        raise ValueError(f"largest must be a power of two, not {largest}")
    start, total, size = 0, len(rows), largest
    while start < total:
        if total - start >= size:
            yield rows[start : start + size]
            start += size
        else:
            size >>= 1
