"""Counting by calendar day in a user's timezone, in SQL, on SQLite and PostgreSQL alike.

An instant belongs to the local day ``floor((ts_ms + offset_ms) / 86 400 000)`` (days since
1970-01-01), where ``offset_ms`` is the zone's UTC offset *at that instant*. The offset changes
only at the zone's transitions (DST, rule changes), which are few in a year, so Python finds them
for the requested period and SQL gets a small ``CASE``::

    (ts_ms + CASE WHEN ts_ms < t1 THEN o0 WHEN ts_ms < t2 THEN o1 ELSE o2 END) / 86400000

Integer division of non-negative integers truncates, which is the floor on both backends. So a
day has 23 or 25 hours across a DST change and an alert at 22:30 UTC counts for the next day in
Europe/Moscow (UTC+3). The numbers are rendered as SQL literals (they are integers computed
here): PostgreSQL then sees the same expression in ``SELECT`` and ``GROUP BY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, case, literal_column
from sqlalchemy.sql.elements import ColumnElement

DAY_MS = 86_400_000
_EPOCH = date(1970, 1, 1)
_STEP_S = 3600


def offset_ms(zone: ZoneInfo, ts_ms: int) -> int:
    """The zone's UTC offset at ``ts_ms``, in milliseconds."""
    offset = datetime.fromtimestamp(ts_ms / 1000, zone).utcoffset()
    return int(offset.total_seconds() * 1000) if offset is not None else 0


def offset_segments(zone: ZoneInfo, start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """``[(from_ms, offset_ms), …]``: the offset from each ``from_ms`` to the next one, covering
    ``[start_ms, end_ms)``; the first ``from_ms`` is ``start_ms``."""
    segments = [(start_ms, offset_ms(zone, start_ms))]
    second = start_ms // 1000
    end_s = end_ms // 1000 + 1
    while second < end_s:
        step_end = min(second + _STEP_S, end_s)
        if offset_ms(zone, step_end * 1000) != segments[-1][1]:
            low, high = second, step_end  # offset(low) == current, offset(high) differs
            while high - low > 1:
                middle = (low + high) // 2
                if offset_ms(zone, middle * 1000) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            segments.append((high * 1000, offset_ms(zone, high * 1000)))
            second = high
        else:
            second = step_end
    return [s for s in segments if s[0] < end_ms or s[0] == start_ms]


def local_day_number(zone: ZoneInfo, ts_ms: int) -> int:
    """Days since 1970-01-01 of the local date at ``ts_ms`` (what the SQL expression computes)."""
    return (ts_ms + offset_ms(zone, ts_ms)) // DAY_MS


def day_from_number(number: int) -> date:
    return _EPOCH + timedelta(days=number)


def local_midnight_ms(zone: ZoneInfo, day: date) -> int:
    """The first instant of ``day`` in ``zone`` (epoch ms); where midnight does not exist (a DST
    jump at 00:00) it is the instant of the jump."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    ms = int(midnight.astimezone(UTC).timestamp() * 1000)
    # Skipped midnight: the naive local time maps before the jump; move to the first local instant.
    while local_day_number(zone, ms) < (day - _EPOCH).days:
        ms += 60_000
    return ms


@dataclass(frozen=True, slots=True)
class Period:
    """The last ``days`` local days (today included) in ``zone``."""

    zone: ZoneInfo
    first_day: date
    last_day: date
    start_ms: int  #: inclusive
    end_ms: int  #: exclusive: the start of the day after ``last_day``

    @classmethod
    def last_days(cls, zone: ZoneInfo, now: datetime, days: int) -> Period:
        today = now.astimezone(zone).date()
        first = today - timedelta(days=days - 1)
        return cls(
            zone=zone,
            first_day=first,
            last_day=today,
            start_ms=local_midnight_ms(zone, first),
            end_ms=local_midnight_ms(zone, today + timedelta(days=1)),
        )

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(count)]

    def day_expression(self, ts_ms: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQL: the local day number of ``ts_ms`` (see the module documentation)."""
        segments = offset_segments(self.zone, self.start_ms, self.end_ms)
        if len(segments) == 1:
            shift: ColumnElement[Any] = _integer(segments[0][1])
        else:
            shift = case(
                *(
                    (ts_ms < _integer(until), _integer(offset))
                    for (_, offset), (until, _) in pairwise(segments)
                ),
                else_=_integer(segments[-1][1]),
            )
        return (ts_ms + shift) // _integer(DAY_MS)


def _integer(value: int) -> ColumnElement[int]:
    """An integer computed here, inlined as SQL text (never user input)."""
    return literal_column(str(int(value)), BigInteger)
