"""The data the stack test works on, created through `ops/entrypoint.sh manage shell` on the
stack's own database (the servers run there, not on pytest's test database):

an office open around the clock (so the queue and bookings work at any hour), a walk-in
service with queue prefix W, a counter, a clerk with a password, and a pool service of
5-minute slots with a large capacity, so concurrent bookings never compete for a seat.
Returns the ids the test needs (the test prints them as JSON from `manage shell`)."""

from __future__ import annotations

import datetime as dt

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.catalog.models import Service
from backend.queue.models import ServicePoint
from tests.offices import open_around_the_clock

CLERK = "clerk"
COUNTER = "Schalter 1"
POOL_CAPACITY = 100_000


def build(password: str) -> dict[str, str]:
    today = dt.date.today()
    location = open_around_the_clock("stack", "Stack-Amt", [today, today + dt.timedelta(days=1)])
    org = location.organization
    walk_in = Service.objects.create(
        organization=org, slug="walk-in", name="Walk-in", duration_minutes=5, queue_prefix="W"
    )
    pool = Service.objects.create(
        organization=org,
        slug="pool",
        name="Pool",
        duration_minutes=5,
        capacity=POOL_CAPACITY,
        queue_prefix="P",
    )
    walk_in.locations.set([location])
    pool.locations.set([location])
    counter = ServicePoint.objects.create(location=location, name=COUNTER)
    create_staff(CLERK, "clerk@example.com", location, [], StaffMember.Role.COUNTER_STAFF, password)
    ids = {
        "location": str(location.pk),
        "walk_in": str(walk_in.pk),
        "pool": str(pool.pk),
        "counter": str(counter.pk),
    }
    return ids
