"""Pinned query counts: list resolvers cost the same number of queries however many rows
they return, so an N+1 fails here."""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.catalog.models import Closure, Location, OpeningHours, Service
from tests.conftest import at, working_day
from tests.documents import AVAILABLE_DAYS, AVAILABLE_SLOTS, BOOK, CITIZEN, HOLD_SLOT
from tests.factories import book_input, booked

pytestmark = pytest.mark.django_db

CATALOG = """{
  organizations {
    name
    locations {
      name timezone address { street }
      openingHours { weekday opens closes }
      closures { firstDay lastDay reason }
      services { name(language: EN) requiredDocuments fee { amount } needs }
    }
    services { slug locations { slug openingHours { weekday } } }
  }
}"""

LOCATION_BOOKINGS = """query($location: ID!, $date: Date!) {
  locationBookings(location: $location, date: $date, limit: 100) {
    totalCount items { code start end name changeDeadline service { name } location { name }
                       assignedStaff { name } }
  }
}"""


def count_queries(gql, query, variables=None) -> tuple[int, dict]:
    """Queries of the resolvers; the rate-limit counters are left out (one upsert per counted
    dimension on the database store, none on Redis: counted in tests/core/test_ratelimit.py)."""
    with CaptureQueriesContext(connection) as captured:
        data = gql.data(query, variables)
    ours = [q for q in captured if "core_ratelimitcounter" not in q["sql"]]
    return len(ours), data


def grow_catalog(demo, n):
    for i in range(n):
        place = Location.objects.create(organization=demo.org, slug=f"extra-{i}", name=f"X{i}")
        OpeningHours.objects.create(location=place, weekday=1, opens=dt.time(8), closes=dt.time(12))
        Closure.objects.create(
            location=place, first_day=working_day(), last_day=working_day(), reason="Umbau"
        )
        service = Service.objects.create(
            organization=demo.org, slug=f"extra-{i}", name=f"S{i}", duration_minutes=10
        )
        service.locations.add(place, demo.rathaus)


def test_catalog_costs_a_fixed_number_of_queries(gql, demo):
    before, data = count_queries(gql, CATALOG)
    grow_catalog(demo, 5)
    after, grown = count_queries(gql, CATALOG)

    assert before == after == 8
    assert (
        len(grown["organizations"][1]["locations"])
        == len(data["organizations"][1]["locations"]) + 5
    )


def test_location_bookings_cost_a_fixed_number_of_queries(demo, admin_client):
    from tests.conftest import GraphQLClient

    gql = GraphQLClient(admin_client, {})
    day = working_day()
    variables = {"location": str(demo.practice_site.pk), "date": day.isoformat()}
    for hour, minute in product((8,), (0, 30)):
        booked(demo.consult, demo.practice_site, at(day, hour, minute))
    few, data = count_queries(gql, LOCATION_BOOKINGS, variables)
    for hour, minute in product((9, 10, 11), (0, 30)):
        booked(demo.consult, demo.practice_site, at(day, hour, minute))
    many, more = count_queries(gql, LOCATION_BOOKINGS, variables)

    assert (len(data["locationBookings"]["items"]), len(more["locationBookings"]["items"])) == (
        2,
        8,
    )
    assert few == many == 5


@pytest.mark.parametrize("kind", ["pool", "resources"])
def test_availability_costs_a_fixed_number_of_queries(gql, demo, kind):
    service, place = (
        (demo.ausweis, demo.rathaus) if kind == "pool" else (demo.consult, demo.practice_site)
    )
    day = working_day()
    days = {
        "service": str(service.pk),
        "location": str(place.pk),
        "from": day.isoformat(),
        "to": (day + dt.timedelta(days=30)).isoformat(),
    }
    slots = {"service": str(service.pk), "location": str(place.pk), "date": day.isoformat()}

    cold, _ = count_queries(gql, AVAILABLE_DAYS, days)  # builds the location's snapshot
    days_before, _ = count_queries(gql, AVAILABLE_DAYS, days)
    slots_before, _ = count_queries(gql, AVAILABLE_SLOTS, slots)
    for hour, minute in product((8, 9, 10), (0, 30)):
        booked(service, place, at(day, hour, minute))
    assert count_queries(gql, AVAILABLE_DAYS, days)[0] == days_before
    assert count_queries(gql, AVAILABLE_SLOTS, slots)[0] == slots_before
    assert (cold, days_before, slots_before) == {"pool": (6, 2, 2), "resources": (10, 2, 2)}[kind]


@pytest.mark.parametrize("kind", ["pool", "resources"])
def test_booking_mutations_cost_a_pinned_number_of_queries(gql, demo, kind):
    service, place = (
        (demo.ausweis, demo.rathaus) if kind == "pool" else (demo.consult, demo.practice_site)
    )
    start = at(working_day(), 9)
    direct = book_input(service, place, start)
    hold = {"input": {"service": str(service.pk), "location": str(place.pk), "start": start}}

    gql.data(
        AVAILABLE_SLOTS,
        {"service": str(service.pk), "location": str(place.pk), "date": working_day().isoformat()},
    )  # warm the snapshot
    booked, _ = count_queries(gql, BOOK, direct)
    held, data = count_queries(gql, HOLD_SLOT, hold)
    from_hold, _ = count_queries(
        gql,
        BOOK,
        {
            "input": {
                **CITIZEN,
                "hold": data["holdSlot"]["hold"]["id"],
                "holdSecret": data["holdSlot"]["holdSecret"],
            }
        },
    )

    # PostgreSQL: + an advisory lock around each cap's count-then-insert (SQLite's write
    # transactions are serial already): the e-mail's open bookings, the client's live holds.
    # The spent proof of work is a rate-limit counter (left out, see count_queries).
    postgres = 1 if connection.vendor == "postgresql" else 0
    assert (booked - postgres, held - postgres, from_hold - postgres) == {
        # booking: + the open bookings of the e-mail (BOOKING_MAX_OPEN_PER_CONTACT);
        # holding: + the client's live holds (HOLD_MAX_LIVE_PER_CLIENT)
        "pool": (13, 10, 14),  # from a hold: + the waitlist offers that point at holds
        "resources": (20, 16, 15),  # + a row lock per claimed resource
    }[kind]
