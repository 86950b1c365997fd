"""Use cases that read availability: free days, free slots, and whether a start is bookable.

Loads data (backend/bookings/calendars.py), asks the pure engine (backend/availability), and
applies the booking window of the service's policy. Booking re-runs the same check, so the
rules are enforced when booking, not only when listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from backend.availability.engine import (
    BookingWindow,
    DayPlan,
    Slot,
    candidate_starts,
    plan_day,
    pool_slots,
    resource_slots,
)
from backend.catalog.models import Location, Service
from backend.catalog.snapshot import snapshot_of
from backend.core.errors import DomainError, ErrorCode

from .calendars import (
    location_calendar,
    location_zone,
    pool_taken,
    resource_calendars,
    service_rule,
    span_of,
)
from .policy import policy_for

MAX_DAYS_PER_QUERY = 92


def check_offered(service: Service, location: Location) -> None:
    if not location.is_active or service.pk not in snapshot_of(location).services:
        raise DomainError(
            ErrorCode.SERVICE_NOT_OFFERED,
            "This service is not offered at this location.",
            "service",
        )


def check_day_range(first: date, last: date) -> None:
    if last < first:
        raise DomainError(ErrorCode.INVALID_DATE_RANGE, "'to' is before 'from'.", "to")
    if (last - first).days + 1 > MAX_DAYS_PER_QUERY:
        raise DomainError(
            ErrorCode.RANGE_TOO_LARGE, f"Ask for at most {MAX_DAYS_PER_QUERY} days at once.", "to"
        )


@dataclass
class _Scope:
    """Everything the engine needs for a run of days, loaded once."""

    service: Service
    location: Location
    plans: list[DayPlan]
    now: datetime

    def __post_init__(self) -> None:
        first, last = self.plans[0].day, self.plans[-1].day
        self.tz = location_zone(self.location)
        self.rule = service_rule(self.service)
        self.window = policy_for(self.service).window(self.now, self.tz)
        start, end = span_of(first, last, self.tz)
        if self.rule.is_pool:
            self.taken = pool_taken(self.service, self.location, start, end, self.now)
        else:
            # A day earlier and later: buffers may reach across midnight.
            self.resources = resource_calendars(
                self.service,
                self.location,
                start - timedelta(days=1),
                end + timedelta(days=1),
                self.now,
            )

    def slots(
        self, plan: DayPlan, first_only: bool = False, window: BookingWindow | None = None
    ) -> list[Slot]:
        window = window or self.window
        if self.rule.is_pool:
            return pool_slots(plan, self.rule, window, self.tz, self.taken)
        return resource_slots(
            plan, self.rule, window, self.tz, self.resources, first_only=first_only
        )


def load_scope(
    service: Service, location: Location, first: date, last: date, now: datetime, clip: bool = True
) -> _Scope | None:
    """Load a run of days; with `clip`, only [today, horizon]. None when no day is left."""
    tz = location_zone(location)
    if clip:
        window = policy_for(service).window(now, tz)
        first = max(first, now.astimezone(tz).date())
        last = min(last, window.last_day)
    if last < first:
        return None
    calendar = location_calendar(location, first, last)
    plans = [plan_day(first + timedelta(days=i), calendar) for i in range((last - first).days + 1)]
    return _Scope(service, location, plans, now)


def available_days(
    service: Service, location: Location, first: date, last: date, now: datetime | None = None
) -> list[date]:
    """The local days in [first, last] with at least one free slot."""
    check_day_range(first, last)
    check_offered(service, location)
    scope = load_scope(service, location, first, last, now or timezone.now())
    if scope is None:
        return []
    return [p.day for p in scope.plans if p.open and scope.slots(p, first_only=True)]


def available_slots(
    service: Service, location: Location, day: date, now: datetime | None = None
) -> list[Slot]:
    """The free start times on one local day, with how many bookings each can still take."""
    check_offered(service, location)
    scope = load_scope(service, location, day, day, now or timezone.now())
    if scope is None:
        return []
    return scope.slots(scope.plans[0])


def check_bookable_start(
    service: Service, location: Location, start: datetime, now: datetime
) -> DayPlan:
    """Raise unless `start` is a start time on the service's grid inside the booking window
    on an open day. Capacity is not checked here: taking it is backend/bookings/capacity.py's
    job, under the database's guarantee."""
    tz = location_zone(location)
    window = policy_for(service).window(now, tz)
    if not window.admits(start, tz):
        raise DomainError(
            ErrorCode.OUTSIDE_BOOKING_WINDOW,
            "This time is too soon or too far ahead to book.",
            "start",
        )
    day = start.astimezone(tz).date()
    plan = plan_day(day, location_calendar(location, day, day))
    if start not in set(candidate_starts(plan, service_rule(service))):
        raise DomainError(
            ErrorCode.SLOT_UNAVAILABLE, "There is no appointment at this time.", "start"
        )
    return plan


def first_free_slot(
    service: Service, location: Location, now: datetime | None = None
) -> Slot | None:
    """The earliest free slot within the booking window, or None."""
    now = now or timezone.now()
    tz = location_zone(location)
    today = now.astimezone(tz).date()
    scope = load_scope(
        service, location, today, today + timedelta(days=policy_for(service).max_advance_days), now
    )
    if scope is None:
        return None
    for plan in scope.plans:
        if plan.open and (slots := scope.slots(plan, first_only=True)):
            return slots[0]
    return None


def soonest_by_location(
    service: Service, now: datetime | None = None
) -> list[tuple[Location, Slot | None]]:
    """Every active location offering the service with its first free slot, soonest first
    (locations without one last): "any location — soonest first"."""
    now = now or timezone.now()
    locations = service.locations.filter(is_active=True).select_related("organization")
    found = [(location, first_free_slot(service, location, now)) for location in locations]
    return sorted(
        found, key=lambda pair: (pair[1] is None, pair[1].start if pair[1] else now, pair[0].name)
    )
