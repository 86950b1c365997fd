"""Wall-clock rules (opening hours, breaks) turned into UTC intervals for one local day.

Local times are resolved with zoneinfo: a time that falls into the spring-forward gap moves
forward by the gap, an ambiguous autumn time takes its first occurrence (fold=0). Slots are
then stepped in absolute time, so a DST day has exactly the slots its real length allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .intervals import Interval, normalize


@dataclass(frozen=True, slots=True)
class WeeklyInterval:
    """A recurring wall-clock interval on an ISO weekday (1 = Monday ... 7 = Sunday)."""

    weekday: int
    start: time
    end: time


def to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def local_day_span(day: date, tz: ZoneInfo) -> Interval:
    """Local midnight to the next local midnight, in UTC (23 or 25 hours on DST days)."""
    return to_utc(day, time(0), tz), to_utc(day + timedelta(days=1), time(0), tz)


def weekly_on(day: date, weekly: Iterable[WeeklyInterval], tz: ZoneInfo) -> list[Interval]:
    """The weekly intervals that apply to `day`, as normal UTC intervals."""
    weekday = day.isoweekday()
    return normalize(
        (to_utc(day, w.start, tz), to_utc(day, w.end, tz)) for w in weekly if w.weekday == weekday
    )


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()
