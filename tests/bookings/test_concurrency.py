"""Overbooking is impossible under real concurrency (runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import time
from itertools import pairwise

import pytest

from backend.accounts.api_tokens import issue_api_token
from backend.bookings.models import Booking, Claim
from backend.catalog.models import Resource, Service, WorkingHours
from tests.concurrency import fire, post_graphql
from tests.conftest import at, working_day
from tests.documents import BOOK, CITIZEN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def booking_request(service, location, start, **extra):
    variables = {
        "input": {
            **CITIZEN,
            "service": str(service.pk),
            "location": str(location.pk),
            "start": start,
            **extra,
        }
    }
    return lambda: post_graphql(BOOK, variables)


def outcome(result: tuple[int, dict]) -> str:
    status, body = result
    if status != 200 or "errors" in body:
        return f"server-error-{status}"
    payload = body["data"]["bookAppointment"]
    if payload["booking"]:
        return "booked"
    return "+".join(e["code"] for e in payload["errors"])


def test_200_concurrent_bookings_for_one_slot_of_capacity_2(demo):
    start = at(working_day(), 10, 0)
    results = fire(
        [
            booking_request(demo.ausweis, demo.rathaus, start, email=f"p{i}@example.com")
            for i in range(200)
        ]
    )

    assert Counter(outcome(r) for r in results) == {"booked": 2, "SLOT_TAKEN": 198}
    assert Booking.objects.count() == 2
    assert sorted(Claim.objects.values_list("seat", flat=True)) == [0, 1]


@pytest.fixture
def one_clerk(demo):
    """Two services booked onto the same single staff member, on a 10-minute grid, so most
    start times overlap each other's windows."""
    clerk = Resource.objects.create(
        location=demo.rathaus, kind=Resource.Kind.STAFF, name="Einzige Sachbearbeiterin"
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(resource=clerk, weekday=d, starts=time(8), ends=time(16)) for d in range(1, 6)
    )
    services = [
        Service.objects.create(
            organization=demo.org,
            slug="beratung",
            name="Beratung",
            duration_minutes=30,
            slot_step_minutes=10,
            needs_staff=True,
        ),
        Service.objects.create(
            organization=demo.org,
            slug="abholung",
            name="Abholung",
            duration_minutes=20,
            buffer_after_minutes=10,
            slot_step_minutes=10,
            needs_staff=True,
        ),
    ]
    for service in services:
        service.locations.add(demo.rathaus)
        clerk.services.add(service)
    return clerk, services


def test_100_concurrent_overlapping_bookings_never_double_book_a_resource(demo, one_clerk):
    clerk, services = one_clerk
    day = working_day()
    rng = random.Random(42)
    starts = [at(day, 9, minute) for minute in range(0, 60, 10)]
    requests = [
        booking_request(
            rng.choice(services), demo.rathaus, rng.choice(starts), email=f"p{i}@example.com"
        )
        for i in range(100)
    ]

    outcomes = Counter(outcome(r) for r in fire(requests))

    windows = sorted(Claim.objects.filter(resource=clerk).values_list("busy_from", "busy_until"))
    overlaps = sum(1 for (_, end), (start, _) in pairwise(windows) if start < end)
    assert overlaps == 0
    assert set(outcomes) == {"booked", "SLOT_TAKEN"}
    assert outcomes["booked"] == Booking.objects.count() == len(windows)
    assert Booking.objects.exclude(assigned_staff=clerk).count() == 0
    # 9:00–10:30 holds at most three 30-minute windows.
    assert 1 <= outcomes["booked"] <= 3


def test_same_idempotency_key_sent_20_times_at_once_books_once(demo):
    """One caller (keys are scoped to it: tests/bookings/test_idempotency_scope.py)."""
    start = at(working_day(), 11, 0)
    _token, secret = issue_api_token(demo.org, "Bürgerportal")
    variables = {
        "input": {
            **CITIZEN,
            "service": str(demo.kfz.pk),
            "location": str(demo.rathaus.pk),
            "start": start,
            "idempotencyKey": "retry-7f3c9a1e-4b2d",
        }
    }
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    results = fire([lambda: post_graphql(BOOK, variables, **auth) for _ in range(20)])

    payloads = [body["data"]["bookAppointment"] for _status, body in results]
    assert {p["booking"]["code"] for p in payloads} == {Booking.objects.get().code}
    assert len({p["manageToken"] for p in payloads}) == 1
    assert Counter(p["replayed"] for p in payloads) == {False: 1, True: 19}
    assert Claim.objects.count() == 1


@pytest.mark.usefixtures("no_cooldown")  # with the cool-down: test_freed_slot_cooldown.py
def test_concurrent_cancel_and_rebook_keep_capacity_exact(demo):
    """Cancelling frees exactly one seat even while others race for it."""
    start = at(working_day(), 12, 0)
    first = fire(
        [
            booking_request(demo.ausweis, demo.rathaus, start, email=f"a{i}@example.com")
            for i in range(2)
        ]
    )
    token = first[0][1]["data"]["bookAppointment"]["manageToken"]
    code = first[0][1]["data"]["bookAppointment"]["booking"]["code"]
    cancel = """mutation($i: ManageBookingInput!) {
      cancelBooking(input: $i) { booking { status } errors { code } } }"""

    results = fire(
        [lambda: post_graphql(cancel, {"i": {"code": code, "token": token}})]
        + [
            booking_request(demo.ausweis, demo.rathaus, start, email=f"b{i}@example.com")
            for i in range(30)
        ]
    )

    assert results[0][1]["data"]["cancelBooking"]["errors"] == []
    rebooked = Counter(outcome(r) for r in results[1:])
    assert set(rebooked) <= {"booked", "SLOT_TAKEN"}
    assert rebooked["booked"] <= 1  # at most the one freed seat
    active = Booking.objects.filter(status=Booking.Status.CONFIRMED).count()
    assert active == 1 + rebooked["booked"] == Claim.objects.count()
