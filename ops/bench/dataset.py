"""Benchmark data: organizations whose slug starts with "bench-", and the capacity audit.

Import only after harness.bootstrap(): this module loads Django models.

Bookings are bulk-created with the very rows backend/bookings/capacity.py would insert (one
Claim per booking: the assigned staff member's occupied window). The database
constraints still apply to bulk inserts (the seat unique index, the resource exclusion
constraint on PostgreSQL, the overlap trigger on SQLite), so an inconsistent dataset cannot
be written, and `audit_capacity` checks the result again from the rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F

from backend.accounts.tokens import hash_secret, new_secret
from backend.availability.engine import candidate_starts, plan_day
from backend.bookings.calendars import location_calendar, location_zone, service_rule
from backend.bookings.codes import new_code
from backend.bookings.models import Booking, Claim, Hold, IdempotencyRecord
from backend.bookings.policy import policy_for
from backend.catalog.models import (
    Location,
    OpeningHours,
    Organization,
    Resource,
    Service,
    WorkingHours,
)

BENCH_PREFIX = "bench-"
WORKDAYS = range(1, 6)  # ISO Monday..Friday
ALL_WEEK = range(1, 8)
INACTIVE = (Booking.Status.CANCELLED, Booking.Status.NO_SHOW)


def drop_bench_data() -> int:
    """Delete every organization a benchmark created, with its bookings and claims.

    Claims and bookings go first: bookings protect their location and service, claims their
    resource. Audit entries stay (they are immutable and carry only ids).
    """
    orgs = Organization.objects.filter(slug__startswith=BENCH_PREFIX)
    with transaction.atomic():
        Claim.objects.filter(location__organization__in=orgs).delete()
        Hold.objects.filter(location__organization__in=orgs).delete()
        IdempotencyRecord.objects.filter(organization__in=orgs).delete()
        Booking.objects.filter(organization__in=orgs).delete()
        deleted, _ = orgs.delete()
    return deleted


def _organization(slug: str, name: str) -> Organization:
    return Organization.objects.create(
        slug=BENCH_PREFIX + slug,
        name=name,
        holiday_region="DE-NW",
        timezone="Europe/Berlin",
    )


def _location(org: Organization, slug: str, name: str, days: Iterable[int], opens, closes):
    location = Location.objects.create(organization=org, slug=slug, name=name)
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens=opens, closes=closes) for d in days
    )
    return location


def _staff(location: Location, service: Service, count: int, hours=None) -> list[Resource]:
    """`count` staff members qualified for `service`; `hours` = (weekdays, starts, ends)."""
    staff = []
    for number in range(1, count + 1):
        person = Resource.objects.create(
            location=location, kind=Resource.Kind.STAFF, name=f"Sachbearbeitung {number:02d}"
        )
        person.services.set([service])
        if hours:
            weekdays, starts, ends = hours
            WorkingHours.objects.bulk_create(
                WorkingHours(resource=person, weekday=d, starts=starts, ends=ends) for d in weekdays
            )
        staff.append(person)
    return staff


def bookable_starts(
    service: Service, location: Location, first: date, last: date, now: datetime
) -> Iterator[datetime]:
    """Every start on the service's grid in [first, last] that the booking window admits,
    computed by the same engine functions booking uses (holidays and closures excluded)."""
    tz = location_zone(location)
    rule = service_rule(service)
    window = policy_for(service).window(now, tz)
    calendar = location_calendar(location, first, last)
    for offset in range((last - first).days + 1):
        plan = plan_day(first + timedelta(days=offset), calendar)
        for start in candidate_starts(plan, rule):
            if window.admits(start, tz):
                yield start


def bulk_book(
    service: Service,
    location: Location,
    assignments: Iterable[tuple[datetime, Resource]],
    batch: int = 1000,
) -> int:
    """Insert bookings of a resource-based service, each with the claim capacity.take() would
    insert for it: the assigned staff member's occupied window."""
    rule = service_rule(service)
    if rule.needs != {str(Resource.Kind.STAFF)}:
        raise ValueError("bulk_book writes staff claims only")
    codes = set(Booking.objects.values_list("code", flat=True))
    bookings, claims = [], []

    def flush() -> None:
        with transaction.atomic():
            Booking.objects.bulk_create(bookings)
            Claim.objects.bulk_create(claims)
        bookings.clear()
        claims.clear()

    total = 0
    for total, (start, staff) in enumerate(assignments, start=1):
        code = new_code()
        while code in codes:
            code = new_code()
        codes.add(code)
        booking = Booking(
            organization_id=service.organization_id,
            location=location,
            service=service,
            starts_at=start,
            ends_at=start + rule.duration,
            code=code,
            manage_token_hash=hash_secret(new_secret()),
            name=f"Bürgerin {total}",
            email=f"buergerin{total}@example.com",
            source=Booking.Source.WEB,
            assigned_staff=staff,
        )
        busy_from, busy_until = rule.occupied(start)
        claims.append(
            Claim(
                location=location,
                service=service,
                start=start,
                busy_from=busy_from,
                busy_until=busy_until,
                resource=staff,
                booking=booking,
            )
        )
        bookings.append(booking)
        if len(bookings) >= batch:
            flush()
    if bookings:
        flush()
    return total


# --- availability.py: one office, ten staff, 5,000 bookings --------------------------------


@dataclass
class StaffOffice:
    org: Organization
    location: Location
    service: Service
    staff: list[Resource]
    first_day: date
    last_day: date
    bookings: int
    bookable: int  # (start, staff member) pairs in the period before the bookings


def build_staff_office(
    now: datetime, staff: int = 10, bookings: int = 5000, days: int = 60, seed: int = 20260302
) -> StaffOffice:
    """A resource-based service at one location, `staff` qualified staff working Mon–Fri
    08:00–18:00, and `bookings` random bookings over the next `days` days (no staff member
    double-booked: every (start, staff member) pair is used at most once and starts are on
    the 15-minute grid, so occupied windows never overlap)."""
    org = _organization("availability", "Benchmark: Bürgeramt mit Terminen je Sachbearbeitung")
    location = _location(org, "amt", "Bürgeramt Benchmark", WORKDAYS, time(8), time(18))
    service = Service.objects.create(
        organization=org, slug="beratung", name="Beratung", duration_minutes=15, needs_staff=True
    )
    service.locations.set([location])
    people = _staff(location, service, staff, (WORKDAYS, time(8), time(18)))
    service = Service.objects.select_related("organization").get(pk=service.pk)
    location = Location.objects.select_related("organization").get(pk=location.pk)

    first = now.astimezone(location_zone(location)).date()
    last = first + timedelta(days=days - 1)
    pairs = [
        (start, person)
        for start in bookable_starts(service, location, first, last, now)
        for person in people
    ]
    if len(pairs) < bookings:
        raise SystemExit(f"Only {len(pairs)} free (start, staff) pairs for {bookings} bookings.")
    chosen = random.Random(seed).sample(pairs, bookings)
    chosen.sort(key=lambda pair: pair[0])
    bulk_book(service, location, chosen)
    return StaffOffice(org, location, service, people, first, last, bookings, len(pairs))


# --- booking.py: a 24/7 pool for throughput, few slots for contention ----------------------


@dataclass
class BookingOffice:
    org: Organization
    location: Location
    throughput: Service  # pool, capacity 1: one request per start never contends
    pool: Service  # pool, capacity 2: the contended pool slots
    staffed: Service  # needs staff: the contended resource slots
    staff: list[Resource]


def build_booking_office(pool_capacity: int = 2, staff: int = 3) -> BookingOffice:
    org = _organization("booking", "Benchmark: Rund-um-die-Uhr-Amt")
    # Open all week, nearly all day: plenty of distinct 5-minute starts (~280 a day).
    location = _location(
        org, "rund-um-die-uhr", "Amt rund um die Uhr", ALL_WEEK, time(0), time(23, 59)
    )
    throughput = Service.objects.create(
        organization=org, slug="durchsatz", name="Durchsatz", duration_minutes=5, capacity=1
    )
    pool = Service.objects.create(
        organization=org,
        slug="gedraenge",
        name="Gedränge (Pool)",
        duration_minutes=15,
        capacity=pool_capacity,
    )
    staffed = Service.objects.create(
        organization=org,
        slug="gedraenge-personal",
        name="Gedränge (Personal)",
        duration_minutes=15,
        needs_staff=True,
    )
    for service in (throughput, pool, staffed):
        service.locations.set([location])
    people = _staff(location, staffed, staff)  # no working hours: the opening hours apply
    return BookingOffice(org, location, throughput, pool, staffed, people)


# --- the capacity audit ------------------------------------------------------------------------


def audit_capacity(locations: Iterable[Location]) -> dict[str, int]:
    """Count every way the rows could show overbooking or an inconsistent booking.

    - pool_slots_over_capacity: (location, service, start) with more claims than capacity
    - pool_seats_out_of_range / pool_seats_duplicated: seats outside [0, capacity) or reused
    - resource_overlaps: two claims of one resource whose occupied windows overlap
    - bookings_without_expected_claims: active bookings whose claim count is not exactly one
      per needed resource kind (pool: one seat)
    - claims_not_matching_booking: claims whose start or service differs from their booking
    - claims_of_inactive_bookings: cancelled/no-show bookings still holding capacity
    - orphan_claims: claims owned by neither a hold nor a booking
    """
    locations = list(locations)
    claims = Claim.objects.filter(location__in=locations)
    pool_rows = (
        claims.filter(seat__isnull=False)
        .values("location", "service", "start", "service__capacity")
        .annotate(n=Count("id"), seats=Count("seat", distinct=True))
    )
    pool_over = sum(1 for row in pool_rows if row["n"] > row["service__capacity"])
    duplicated = sum(1 for row in pool_rows if row["seats"] != row["n"])
    out_of_range = claims.filter(seat__gte=F("capacity")).count()

    windows: dict = defaultdict(list)
    for resource_id, busy_from, busy_until in claims.filter(resource__isnull=False).values_list(
        "resource_id", "busy_from", "busy_until"
    ):
        windows[resource_id].append((busy_from, busy_until))
    overlaps = 0
    for intervals in windows.values():
        intervals.sort()
        reach = None
        for busy_from, busy_until in intervals:
            if reach is not None and busy_from < reach:
                overlaps += 1
            reach = busy_until if reach is None else max(reach, busy_until)

    expected_kinds = {
        s.pk: max(1, len(s.needed_kinds))
        for s in Service.objects.filter(locations__in=locations).distinct()
    }
    bookings = (
        Booking.objects.filter(location__in=locations)
        .exclude(status__in=INACTIVE)
        .annotate(n=Count("claims"))
        .values_list("service_id", "n")
    )
    wrong_count = sum(1 for service_id, n in bookings if n != expected_kinds.get(service_id, 1))
    mismatched = (
        claims.filter(booking__isnull=False)
        .exclude(start=F("booking__starts_at"), service=F("booking__service"))
        .count()
    )
    inactive = claims.filter(booking__status__in=INACTIVE).count()
    orphans = claims.filter(booking__isnull=True, hold__isnull=True).count()
    return {
        "claims": claims.count(),
        "pool_slots_over_capacity": pool_over,
        "pool_seats_out_of_range": out_of_range,
        "pool_seats_duplicated": duplicated,
        "resource_overlaps": overlaps,
        "bookings_without_expected_claims": wrong_count,
        "claims_not_matching_booking": mismatched,
        "claims_of_inactive_bookings": inactive,
        "orphan_claims": orphans,
    }


def overbookings(audit: dict[str, int]) -> int:
    """The headline number: capacity taken beyond what exists."""
    return (
        audit["pool_slots_over_capacity"]
        + audit["pool_seats_out_of_range"]
        + audit["pool_seats_duplicated"]
        + audit["resource_overlaps"]
    )


def inconsistencies(audit: dict[str, int]) -> int:
    """Bookings and claims that disagree (bookings vs claims)."""
    return (
        audit["bookings_without_expected_claims"]
        + audit["claims_not_matching_booking"]
        + audit["claims_of_inactive_bookings"]
        + audit["orphan_claims"]
    )
