"""What the queue tests do through /graphql: draw, check in, sign in, call, act on tickets."""

from __future__ import annotations

import datetime as dt

from backend.bookings.services.booking import BookingRequest, do_book_appointment
from backend.core.actors import Actor
from tests.conftest import BERLIN
from tests.documents import CALL_NEXT, DRAW, SIGN_IN, ticket_action
from tests.proof_of_work import citizen_proof


def draw(client, demo, service=None, location=None):
    service = service or demo.ausweis
    location = location or demo.rathaus
    return client.data(DRAW, {"input": {"service": str(service.pk), "location": str(location.pk)}})[
        "drawTicket"
    ]


def sign_in(floor, counter=0):
    point = floor.counters[counter]
    floor.clerk.data(SIGN_IN, {"input": {"servicePoint": str(point.pk)}})
    return point


def call_next(floor, counter=0):
    point = floor.counters[counter]
    return floor.clerk.data(CALL_NEXT, {"input": {"servicePoint": str(point.pk)}})["callNextTicket"]


def act(floor, name, ticket_id, **extra):
    input_type = {"transferTicket": "TransferTicketInput"}.get(name, "TicketInput")
    return floor.clerk.data(
        ticket_action(name, input_type), {"input": {"ticket": ticket_id, **extra}}
    )[name]


def book_at(demo, day, hour, minute=0, location=None, service=None):
    start = dt.datetime.combine(day, dt.time(hour, minute), BERLIN)
    return do_book_appointment(
        BookingRequest(
            name="Bea Bucher",
            email="bea@example.com",
            service_id=str((service or demo.ausweis).pk),
            location_id=str((location or demo.rathaus).pk),
            start=start,
        ),
        Actor(None, "citizen"),
        now=start - dt.timedelta(days=3),
        proof=citizen_proof(),
    ).booking
