"""Availability reads the catalog from a cached snapshot; every kind of write to the catalog
must be visible to the very next request."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.catalog.models import Closure, Location, OpeningHours, Resource, Service
from tests.conftest import working_day
from tests.documents import AVAILABLE_SLOTS

pytestmark = pytest.mark.django_db


def count(gql, service, location, day):
    return len(
        gql.data(
            AVAILABLE_SLOTS,
            {"service": str(service.pk), "location": str(location.pk), "date": day.isoformat()},
        )["availableSlots"]
    )


WRITES = {
    "save": lambda d, day: Closure(location=d.rathaus, first_day=day, last_day=day).save(),
    "bulk_create": lambda d, day: Closure.objects.bulk_create(
        [Closure(location=d.rathaus, first_day=day, last_day=day)]
    ),
    "queryset_update": lambda d, day: OpeningHours.objects.filter(
        location=d.rathaus, weekday=day.isoweekday()
    ).update(weekday=7),
    "queryset_delete": lambda d, day: OpeningHours.objects.filter(
        location=d.rathaus, weekday=day.isoweekday()
    ).delete(),
    "m2m_remove": lambda d, day: d.kfz.locations.remove(d.rathaus),
    "reverse_m2m_clear": lambda d, day: d.rathaus.services.clear(),
    "service_update": lambda d, day: Service.objects.filter(pk=d.kfz.pk).update(is_active=False),
    "location_update": lambda d, day: Location.objects.filter(pk=d.rathaus.pk).update(
        is_active=False
    ),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_catalog_write_is_seen_by_the_next_request(gql, demo, write):
    day = working_day(1)
    assert count(gql, demo.kfz, demo.rathaus, day) == 16  # snapshot now cached

    write(demo, day)

    body = gql(
        AVAILABLE_SLOTS,
        {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "date": day.isoformat()},
    )
    slots = (body.get("data") or {}).get("availableSlots")
    assert slots in (None, [])  # no slots, or SERVICE_NOT_OFFERED once it is not offered


def test_resource_changes_are_seen_by_the_next_request(gql, demo):
    day = working_day(1)
    sommer = Resource.objects.get(name="Dr. Anna Sommer")
    before = count(gql, demo.ecg, demo.practice_site, day)
    assert before > 0

    sommer.absences.create(
        starts_at=dt.datetime.combine(day, dt.time(0), dt.UTC),
        ends_at=dt.datetime.combine(day, dt.time(23), dt.UTC),
    )
    assert count(gql, demo.ecg, demo.practice_site, day) == 0

    sommer.absences.all().delete()
    assert count(gql, demo.ecg, demo.practice_site, day) == before
    sommer.working_hours.filter(weekday=1).update(weekday=7)
    assert count(gql, demo.ecg, demo.practice_site, day) == 0
