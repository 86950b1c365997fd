"""Why a day has or lacks slots: what `check_slots` prints when an office reports
"Termine werden nicht angezeigt" (no appointments shown), instead of checks by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from backend.availability.engine import BookingWindow, DayPlan, candidate_starts, plan_day
from backend.catalog.models import Location

from .availability import load_scope
from .calendars import location_calendar, location_zone

EVERYTHING = BookingWindow(dt.datetime.min.replace(tzinfo=dt.UTC), dt.date.max)


@dataclass(frozen=True)
class ServiceDay:
    name: str
    capacity: str  # "2 per start" | "needs room, staff"
    starts: int  # start times on the grid inside opening hours
    too_soon: int  # before now + minimum notice
    beyond_horizon: int  # after the last bookable day
    full: int  # inside the window, but no capacity or free resource left
    free: int
    free_places: int  # remaining capacity summed over the free starts


@dataclass(frozen=True)
class DayExplanation:
    plan: DayPlan
    tz: str
    services: list[ServiceDay]


def explain_day(location: Location, day: dt.date, now: dt.datetime | None = None) -> DayExplanation:
    now = now or timezone.now()
    tz = location_zone(location)
    plan = plan_day(day, location_calendar(location, day, day))
    services = []
    for service in location.services.filter(is_active=True).select_related("organization"):
        scope = load_scope(service, location, day, day, now, clip=False)
        assert scope is not None  # unclipped, one day is always left
        starts = list(candidate_starts(plan, scope.rule))
        too_soon = [s for s in starts if s < scope.window.earliest]
        beyond = [
            s
            for s in starts
            if s >= scope.window.earliest and s.astimezone(tz).date() > scope.window.last_day
        ]
        in_window = len(starts) - len(too_soon) - len(beyond)
        free = [
            s
            for s in scope.slots(scope.plans[0], window=EVERYTHING)
            if scope.window.admits(s.start, tz)
        ]
        needs = sorted(service.needed_kinds)
        services.append(
            ServiceDay(
                name=service.name,
                capacity=f"needs {', '.join(needs)}" if needs else f"{service.capacity} per start",
                starts=len(starts),
                too_soon=len(too_soon),
                beyond_horizon=len(beyond),
                full=in_window - len(free),
                free=len(free),
                free_places=sum(s.remaining for s in free),
            )
        )
    return DayExplanation(plan, str(tz), services)
