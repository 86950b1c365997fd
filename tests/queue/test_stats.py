"""queueStats: waiting/service times, no-shows, arrivals per hour and the target share.

Waits run to the first call (recalls do not lengthen them), a checked-in booking waits from
max(arrival, appointment start), and tickets never called count against the target once they
waited longer than it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.queue.models import QueueTicket
from tests.conftest import BERLIN, working_day
from tests.documents import CHECK_IN, ticket_action
from tests.factories import booked
from tests.queue.actions import AHEAD, BEA, act, call_next, draw, sign_in

pytestmark = pytest.mark.django_db

STATS = """query($l: ID!, $d: Date!) { queueStats(location: $l, date: $d) {
  services { prefix tickets called served noShows cancelled noShowRate waitP50Minutes
             waitP90Minutes serviceP50Minutes targetMinutes withinTargetShare
             uncalledOverTarget }
  ticketsPerHour { hour tickets } } }"""

WAITS = """query($l: ID!, $d: Date!) { queueStats(location: $l, date: $d) {
  services { prefix called waitP50Minutes waitP90Minutes withinTargetShare
             uncalledOverTarget } } }"""


def make(demo, day, number, arrived, waited=None, served=None, status="done", **extra):
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
        first_called_at=called,
        called_at=called,
        serving_at=called if served is not None else None,
        done_at=called + dt.timedelta(minutes=served) if served is not None else None,
        status_token_hash="x",
        **extra,
    )
    QueueTicket.objects.filter(pk=ticket.pk).update(created_at=created)


def stats_of(floor, demo, day, query=STATS) -> list[dict]:
    return floor.clerk.data(query, {"l": str(demo.rathaus.pk), "d": day.isoformat()})["queueStats"][
        "services"
    ]


def at(day, hour, minute):
    """Stand the clock still at hour:minute of `day` (Berlin)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, minute), BERLIN), tick=False)


def test_queue_stats(demo, floor):
    day = working_day(1, min_days_ahead=8)
    demo.ausweis.waiting_target_minutes = 15
    demo.ausweis.save()
    make(demo, day, 1, dt.time(8, 5), waited=5, served=10)
    make(demo, day, 2, dt.time(8, 20), waited=12, served=6)
    make(demo, day, 3, dt.time(9, 0), waited=20, served=8)
    make(demo, day, 4, dt.time(9, 10), waited=30, status="no_show")
    # gave up after 25 minutes, never called: outside the 15-minute target
    make(
        demo,
        day,
        5,
        dt.time(9, 40),
        status="cancelled",
        cancelled_at=dt.datetime.combine(day, dt.time(10, 5), BERLIN),
    )

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
                "withinTargetShare": 0.4,  # 5 and 12 minutes, of 4 called + 1 who gave up
                "uncalledOverTarget": 1,
            }
        ],
        "ticketsPerHour": [{"hour": 8, "tickets": 2}, {"hour": 9, "tickets": 3}],
    }


def test_recalls_do_not_lengthen_the_wait(demo, floor, office_hour):
    day = office_hour
    demo.ausweis.waiting_target_minutes = 15
    demo.ausweis.save()
    with at(day, 10, 0) as clock:
        first = draw(floor.kiosk, demo)["ticket"]
        draw(floor.kiosk, demo)
        clock.move_to(dt.datetime.combine(day, dt.time(10, 5), BERLIN))
        sign_in(floor)
        assert call_next(floor)["ticket"]["number"] == "A001"  # waited 5 minutes
        for minute in (20, 30):  # nobody came at first: called twice more
            clock.move_to(dt.datetime.combine(day, dt.time(10, minute), BERLIN))
            assert act(floor, "recallTicket", first["id"])["ticket"]["status"] == "CALLED"
        clock.move_to(dt.datetime.combine(day, dt.time(10, 41), BERLIN))
        assert call_next(floor)["ticket"]["number"] == "A002"  # waited 41 minutes

        services = stats_of(floor, demo, day, WAITS)

    assert services == [
        {
            "prefix": "A",
            "called": 2,
            "waitP50Minutes": 5.0,
            "waitP90Minutes": 41.0,
            "withinTargetShare": 0.5,
            "uncalledOverTarget": 0,
        }
    ]
    # The board still shows the latest call: the recall moved called_at, not the first call.
    ticket = QueueTicket.objects.get(pk=first["id"])
    assert (ticket.first_called_at.astimezone(BERLIN).time(), ticket.recall_count) == (
        dt.time(10, 5),
        2,
    )
    assert ticket.called_at.astimezone(BERLIN).time() == dt.time(10, 30)


def test_a_checked_in_booking_waits_from_its_appointment_not_from_its_early_arrival(
    demo, floor, office_hour
):
    day = office_hour
    demo.ausweis.waiting_target_minutes = 15
    demo.ausweis.save()
    half_past, ten = (dt.datetime.combine(day, dt.time(10, m), BERLIN) for m in (30, 0))
    # early arrives at 10:00, half an hour early; late at 10:10, ten minutes late
    early = booked(demo.ausweis, demo.rathaus, half_past, ahead=AHEAD, **BEA)
    late = booked(demo.ausweis, demo.rathaus, ten, ahead=AHEAD, **BEA)
    with at(day, 10, 0) as clock:
        floor.kiosk.data(CHECK_IN, {"input": {"code": early.code}})
        clock.move_to(dt.datetime.combine(day, dt.time(10, 10), BERLIN))
        floor.kiosk.data(CHECK_IN, {"input": {"code": late.code}})
        sign_in(floor)
        clock.move_to(dt.datetime.combine(day, dt.time(10, 35), BERLIN))
        assert call_next(floor)["ticket"]["bookingCode"] == late.code  # 25 min after arrival
        clock.move_to(dt.datetime.combine(day, dt.time(10, 36), BERLIN))
        assert call_next(floor)["ticket"]["bookingCode"] == early.code  # 6 min after 10:30

        services = stats_of(floor, demo, day, WAITS)

    assert services == [
        {
            "prefix": "A",
            "called": 2,
            "waitP50Minutes": 6.0,
            "waitP90Minutes": 25.0,
            "withinTargetShare": 0.5,
            "uncalledOverTarget": 0,
        }
    ]


def test_tickets_never_called_count_against_the_target_once_they_waited_longer(
    demo, floor, office_hour, gql, settings
):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 60  # the clerk idles 40 minutes between calls here
    day = office_hour
    demo.ausweis.waiting_target_minutes = 15
    demo.ausweis.save()
    leave = ticket_action("cancelTicket", "CancelTicketInput")
    with at(day, 10, 0) as clock:
        tickets = []
        for minute in range(4):  # A001..A004, one a minute from 10:00
            clock.move_to(dt.datetime.combine(day, dt.time(10, minute), BERLIN))
            tickets.append(draw(floor.kiosk, demo)["ticket"])
        quick, patient, stays = tickets[1], tickets[2], tickets[3]
        clock.move_to(dt.datetime.combine(day, dt.time(10, 4), BERLIN))
        # A002 leaves after 3 minutes: too soon to say anything about the target
        gql.data(leave, {"input": {"ticket": quick["id"], "token": quick["statusToken"]}})
        clock.move_to(dt.datetime.combine(day, dt.time(10, 10), BERLIN))
        sign_in(floor)
        assert call_next(floor)["ticket"]["number"] == "A001"  # within the target
        clock.move_to(dt.datetime.combine(day, dt.time(10, 40), BERLIN))
        # A003 gives up after 38 minutes without a call
        gql.data(leave, {"input": {"ticket": patient["id"], "token": patient["statusToken"]}})
        clock.move_to(dt.datetime.combine(day, dt.time(10, 50), BERLIN))

        services = stats_of(floor, demo, day, WAITS)

    assert QueueTicket.objects.get(pk=stays["id"]).status == QueueTicket.Status.WAITING
    # A001 within; A003 (gave up) and A004 (still waiting, 47 minutes) outside; A002 left out.
    assert services == [
        {
            "prefix": "A",
            "called": 1,
            "waitP50Minutes": 10.0,
            "waitP90Minutes": 10.0,
            "withinTargetShare": pytest.approx(1 / 3),
            "uncalledOverTarget": 2,
        }
    ]


def test_queue_stats_are_for_staff_only(demo, gql):
    body = gql(STATS, {"l": str(demo.rathaus.pk), "d": working_day().isoformat()})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
