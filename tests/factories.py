"""Bookings for tests, made the three ways tests need them: through the GraphQL endpoint as a
citizen page would (`book`), through the booking service as another use case would
(`booked`), and as a bare row for model and constraint tests that must not run the use case
(`booking_row`). One place, so a new required field changes one function.

Whose booking it is: `CITIZEN` unless a test passes another `contact` (or name/e-mail fields);
tests that count per contact or read the person's name in a message say so explicitly.
Starts are ISO datetimes as the slot list gives them: `tests.conftest.at(day, hour, minute)`."""

from __future__ import annotations

import datetime as dt

from backend.bookings.models import Booking
from backend.bookings.services.booking import BookingRequest, do_book_appointment
from backend.core.actors import Actor, ActorKind
from tests.documents import BOOK, CITIZEN
from tests.proof_of_work import citizen_proof


def book_input(service, location, start: str, /, *, contact: dict = CITIZEN, **extra) -> dict:
    """bookAppointment's input for `start` by `contact`; `extra` adds or overrides fields
    (any of them: service, location and start too, for tests of bad input)."""
    return {
        "input": {
            **contact,
            "service": str(service.pk),
            "location": str(location.pk),
            "start": start,
            **extra,
        }
    }


def book(
    gql, service, location, start: str, /, *, ok: bool = True, contact: dict = CITIZEN, **extra
) -> dict:
    """bookAppointment through /graphql (`gql`: any GraphQLClient, e.g. a token's or another
    network's); returns the payload (booking, manageToken, replayed, errors). With `ok` (the
    default) a payload error fails the test at once, where it happened; `ok=False` for tests
    about refusals, which assert on the payload themselves."""
    variables = book_input(service, location, start, contact=contact, **extra)
    payload = gql.data(BOOK, variables)["bookAppointment"]
    if ok:
        assert payload["errors"] == [], payload["errors"]
    return payload


def booked(
    service, location, start: dt.datetime | str, *, ahead: dt.timedelta | None = None, **contact
) -> Booking:
    """A citizen's booking made by the booking service (claims, caps and events as usual).
    With `ahead` it is made that long before its start: a slot later today, inside the
    minimum notice, as if booked days ago."""
    start = dt.datetime.fromisoformat(start) if isinstance(start, str) else start
    request = BookingRequest(
        **{**CITIZEN, **contact},
        service_id=str(service.pk),
        location_id=str(location.pk),
        start=start,
    )
    actor = Actor(None, ActorKind.CITIZEN)
    now = start - ahead if ahead else None
    return do_book_appointment(request, actor, now=now, proof=citizen_proof()).booking


def booking_row(
    location, service, starts_at: dt.datetime, minutes: int = 30, code: str = "AAA-AAA", **fields
) -> Booking:
    """A bare Booking row (no claims, no events): for model and constraint tests only."""
    values = {
        "organization": location.organization,
        "location": location,
        "service": service,
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(minutes=minutes),
        "code": code,
        "manage_token_hash": "x",
        "name": "N",
        "email": "n@example.com",
        **fields,
    }
    return Booking.objects.create(**values)
