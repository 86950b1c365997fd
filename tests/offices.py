"""An office that is open whenever a test runs: one organization with one location open
00:00-23:59 every day, in a German holiday region without a public holiday on the given days
(the demo Rathaus is closed at night, at weekends and on holidays). Used by the e2e tests and
by the production-stack test, which builds it through `manage shell`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from backend.bookings.calendars import holidays_in
from backend.catalog.models import Location, OpeningHours, Organization

STATES = ("NW", "BE", "HH", "HB", "NI", "SH", "HE", "BY")


def open_around_the_clock(slug: str, name: str, free_days: Iterable[dt.date]) -> Location:
    days = set(free_days)
    region = next(
        f"DE-{state}"
        for state in STATES
        if not days
        & {
            holiday
            for year in {day.year for day in days}
            for holiday in holidays_in(f"DE-{state}", year)
        }
    )
    org = Organization.objects.create(slug=slug, name=name, holiday_region=region)
    location = Location.objects.create(organization=org, slug="amt", name=name)
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens=dt.time(0), closes=dt.time(23, 59))
        for d in range(1, 8)
    )
    return location
