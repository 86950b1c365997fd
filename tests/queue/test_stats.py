"""queueStats: waiting/service times, no-shows, arrivals per hour and the target share."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.queue.models import QueueTicket
from tests.conftest import BERLIN, working_day

pytestmark = pytest.mark.django_db

STATS = """query($l: ID!, $d: Date!) { queueStats(location: $l, date: $d) {
  services { prefix tickets called served noShows cancelled noShowRate waitP50Minutes
             waitP90Minutes serviceP50Minutes targetMinutes withinTargetShare }
  ticketsPerHour { hour tickets } } }"""


def make(demo, day, number, arrived, waited=None, served=None, status="done"):
    created = dt.datetime.combine(day, arrived, BERLIN)
    called = created + dt.timedelta(minutes=waited) if waited is not None else None
    ticket = QueueTicket.objects.create(
        location=demo.rathaus,
        service=demo.ausweis,
        day=day,
        prefix="A",
        number=number,
        status=status,
        queued_at=created,
        called_at=called,
        serving_at=called if served is not None else None,
        done_at=called + dt.timedelta(minutes=served) if served is not None else None,
        status_token_hash="x",
    )
    QueueTicket.objects.filter(pk=ticket.pk).update(created_at=created)


def test_queue_stats(demo, floor):
    day = working_day(1, min_days_ahead=8)
    demo.ausweis.waiting_target_minutes = 15
    demo.ausweis.save()
    make(demo, day, 1, dt.time(8, 5), waited=5, served=10)
    make(demo, day, 2, dt.time(8, 20), waited=12, served=6)
    make(demo, day, 3, dt.time(9, 0), waited=20, served=8)
    make(demo, day, 4, dt.time(9, 10), waited=30, status="no_show")
    make(demo, day, 5, dt.time(9, 40), status="cancelled")

    stats = floor.clerk.data(STATS, {"l": str(demo.rathaus.pk), "d": day.isoformat()})

    assert stats["queueStats"] == {
        "services": [
            {
                "prefix": "A",
                "tickets": 5,
                "called": 4,
                "served": 3,
                "noShows": 1,
                "cancelled": 1,
                "noShowRate": 0.25,
                "waitP50Minutes": 12.0,
                "waitP90Minutes": 30.0,
                "serviceP50Minutes": 8.0,
                "targetMinutes": 15,
                "withinTargetShare": 0.5,
            }
        ],
        "ticketsPerHour": [{"hour": 8, "tickets": 2}, {"hour": 9, "tickets": 3}],
    }


def test_queue_stats_are_for_staff_only(demo, gql):
    body = gql(STATS, {"l": str(demo.rathaus.pk), "d": working_day().isoformat()})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
