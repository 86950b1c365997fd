"""Slots for one service at one location: which start times are free, and how often.

Two kinds of service:
- pool: `capacity` parallel bookings per start time inside opening hours (what municipal
  systems call "simultaneous_bookings"); `taken` says how many claims each start already has.
- resource-based: the service needs one free resource of each kind in `needs` (a qualified
  staff member, optionally a room or device). A start is free when every kind has at least one
  resource whose free time covers the whole occupied window (buffers included); the
  remaining count is the smallest number of such resources over the kinds.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .calendar import WeeklyInterval, local_day_span, weekly_on
from .intervals import Interval, covers, intersect, normalize, subtract


@dataclass(frozen=True, slots=True)
class Closure:
    """A location is closed from `first_day` to `last_day`, both inclusive."""

    first_day: date
    last_day: date
    reason: str = ""


@dataclass(frozen=True)
class LocationCalendar:
    tz: ZoneInfo
    opening_hours: tuple[WeeklyInterval, ...]
    closures: tuple[Closure, ...] = ()
    holidays: Mapping[date, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """A location's open time on one local day, or why it is closed."""

    day: date
    open: list[Interval]
    closed_because: str | None = None  # "holiday" | "closure" | "no_opening_hours"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ServiceRule:
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta | None = None  # grid between starts; default: the occupied length
    capacity: int = 1
    needs: frozenset[str] = frozenset()

    @property
    def occupied_length(self) -> timedelta:
        return self.buffer_before + self.duration + self.buffer_after

    @property
    def grid(self) -> timedelta:
        return self.step or self.occupied_length

    @property
    def is_pool(self) -> bool:
        return not self.needs

    def occupied(self, start: datetime) -> Interval:
        """The time a booking starting at `start` keeps its resources busy."""
        return start - self.buffer_before, start + self.duration + self.buffer_after


@dataclass(frozen=True, slots=True)
class BookingWindow:
    """Starts from `earliest` (now + minimum notice) up to the local day `last_day` (horizon)."""

    earliest: datetime
    last_day: date

    def admits(self, start: datetime, tz: ZoneInfo) -> bool:
        return start >= self.earliest and start.astimezone(tz).date() <= self.last_day


@dataclass(frozen=True)
class ResourceCalendar:
    id: Hashable
    kind: str
    working_hours: tuple[WeeklyInterval, ...] = ()  # empty: the location's opening hours
    breaks: tuple[WeeklyInterval, ...] = ()
    absences: Sequence[Interval] = ()  # normal
    busy: Sequence[Interval] = ()  # normal: occupied windows of existing claims


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    remaining: int


def plan_day(day: date, calendar: LocationCalendar) -> DayPlan:
    if name := calendar.holidays.get(day):
        return DayPlan(day, [], "holiday", name)
    for closure in calendar.closures:
        if closure.first_day <= day <= closure.last_day:
            return DayPlan(day, [], "closure", closure.reason)
    intervals = weekly_on(day, calendar.opening_hours, calendar.tz)
    if not intervals:
        return DayPlan(day, [], "no_opening_hours")
    return DayPlan(day, intervals)


def candidate_starts(plan: DayPlan, rule: ServiceRule) -> Iterator[datetime]:
    """Start times on the service's grid whose occupied window fits an opening interval."""
    for open_start, open_end in plan.open:
        start = open_start + rule.buffer_before
        while start + rule.duration + rule.buffer_after <= open_end:
            yield start
            start += rule.grid


def pool_slots(
    plan: DayPlan,
    rule: ServiceRule,
    window: BookingWindow,
    tz: ZoneInfo,
    taken: Mapping[datetime, int],
) -> list[Slot]:
    slots = []
    for start in candidate_starts(plan, rule):
        if not window.admits(start, tz):
            continue
        remaining = rule.capacity - taken.get(start, 0)
        if remaining > 0:
            slots.append(Slot(start, start + rule.duration, remaining))
    return slots


def resource_free_time(plan: DayPlan, resource: ResourceCalendar, tz: ZoneInfo) -> list[Interval]:
    """When a resource can take a booking on the planned day: its hours (or the location's)
    inside the opening hours, minus breaks, absences and existing claims."""
    if not plan.open:
        return []
    available = plan.open
    if resource.working_hours:
        available = intersect(available, weekly_on(plan.day, resource.working_hours, tz))
    day_start, day_end = local_day_span(plan.day, tz)
    blocked = normalize(
        [
            *weekly_on(plan.day, resource.breaks, tz),
            *_overlapping(resource.absences, day_start, day_end),
            *_overlapping(resource.busy, day_start, day_end),
        ]
    )
    return subtract(available, blocked)


def _overlapping(
    intervals: Sequence[Interval], start: datetime, end: datetime
) -> Sequence[Interval]:
    """The intervals of a normal list that overlap [start, end), found by bisection.

    A ResourceCalendar holds the claims of the whole queried period (60 days for
    availableDays) and days are planned one at a time, so scanning every claim per day made
    the work grow with days x claims. In a normal list starts and ends both increase, so the
    overlapping intervals are the contiguous run between the first one ending after `start`
    and the first one starting at or after `end`.
    """
    first = bisect_right(intervals, start, key=lambda interval: interval[1])
    last = bisect_left(intervals, end, key=lambda interval: interval[0])
    return intervals[first:last]


def free_resources_at(
    start: datetime,
    rule: ServiceRule,
    free_time: Mapping[Hashable, tuple[str, list[Interval]]],
) -> dict[str, list[Hashable]]:
    """For each needed kind, the resources (in the given order) free for the whole window."""
    busy_from, busy_until = rule.occupied(start)
    found: dict[str, list[Hashable]] = {kind: [] for kind in rule.needs}
    for resource_id, (kind, intervals) in free_time.items():
        if kind in found and covers(intervals, busy_from, busy_until):
            found[kind].append(resource_id)
    return found


def resource_slots(
    plan: DayPlan,
    rule: ServiceRule,
    window: BookingWindow,
    tz: ZoneInfo,
    resources: Sequence[ResourceCalendar],
    first_only: bool = False,
) -> list[Slot]:
    free_time = {
        r.id: (r.kind, resource_free_time(plan, r, tz)) for r in resources if r.kind in rule.needs
    }
    slots = []
    for start in candidate_starts(plan, rule):
        if not window.admits(start, tz):
            continue
        found = free_resources_at(start, rule, free_time)
        remaining = min((len(ids) for ids in found.values()), default=0)
        if remaining > 0:
            slots.append(Slot(start, start + rule.duration, remaining))
            if first_only:
                break
    return slots
