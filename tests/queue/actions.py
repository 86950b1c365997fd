"""What the queue tests do through /graphql: draw, check in, sign in, call, act on tickets."""

from __future__ import annotations

import datetime as dt

from tests.documents import CALL_NEXT, DRAW, SIGN_IN, ticket_action

# The citizen with an appointment: tickets show her name to the clerk, never on the board.
BEA = {"name": "Bea Bucher", "email": "bea@example.com"}
# Bookings for a slot later today were made this long before it (minimum notice).
AHEAD = dt.timedelta(days=3)


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
