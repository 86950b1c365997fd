"""The database itself refuses overbooking, whatever the code above it does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from backend.bookings.models import Claim
from backend.catalog.models import Resource
from tests.factories import booking_row

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)


def claim(owner, service, resource=None, seat=None, capacity=None, start=T0, minutes=30):
    return Claim.objects.create(
        location=owner.location,
        service=service,
        start=start,
        busy_from=start,
        busy_until=start + dt.timedelta(minutes=minutes),
        resource=resource,
        seat=seat,
        capacity=capacity,
        booking=owner,
    )


def test_one_seat_cannot_be_taken_twice(demo):
    owner = booking_row(demo.rathaus, demo.ausweis, T0)
    claim(owner, demo.ausweis, seat=0, capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        claim(owner, demo.ausweis, seat=0, capacity=2)


def test_a_seat_beyond_capacity_is_refused(demo):
    owner = booking_row(demo.rathaus, demo.ausweis, T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        claim(owner, demo.ausweis, seat=2, capacity=2)


def test_overlapping_claims_on_one_resource_are_refused(demo):
    clerk = Resource.objects.create(location=demo.rathaus, kind="staff", name="Clerk")
    owner = booking_row(demo.rathaus, demo.kfz, T0)
    claim(owner, demo.kfz, resource=clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        claim(owner, demo.ausweis, resource=clerk, start=T0 + dt.timedelta(minutes=29))
    with pytest.raises(IntegrityError), transaction.atomic():
        moved = claim(owner, demo.kfz, resource=clerk, start=T0 + dt.timedelta(hours=2))
        Claim.objects.filter(pk=moved.pk).update(busy_from=T0 + dt.timedelta(minutes=10))
    # Touching windows do not overlap: [09:00, 09:30) and [09:30, 10:00).
    claim(owner, demo.ausweis, resource=clerk, start=T0 + dt.timedelta(minutes=30))
    assert Claim.objects.filter(resource=clerk).count() == 2


def test_a_claim_belongs_to_a_hold_or_a_booking_never_both_or_neither(demo):
    owner = booking_row(demo.rathaus, demo.kfz, T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            location=demo.rathaus,
            service=demo.kfz,
            start=T0,
            busy_from=T0,
            busy_until=T0 + dt.timedelta(minutes=30),
            seat=0,
            capacity=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            location=demo.rathaus,
            service=demo.kfz,
            start=T0,
            busy_from=T0,
            busy_until=T0 + dt.timedelta(minutes=30),
            seat=0,
            capacity=1,
            booking=owner,
            expires_at=T0,
        )
