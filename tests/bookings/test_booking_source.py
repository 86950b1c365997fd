"""Where a booking comes from, as far as the caller may say (bookings.services.booking)."""

from __future__ import annotations

import pytest

from backend.bookings.models import Booking
from backend.bookings.services.booking import booking_source
from backend.core.actors import Actor, ActorKind

Source = Booking.Source


@pytest.mark.parametrize(
    ("kind", "requested", "source"),
    [
        (ActorKind.CITIZEN, None, Source.WEB),
        (ActorKind.CITIZEN, Source.EMBED, Source.EMBED),
        (ActorKind.CITIZEN, Source.KIOSK, Source.KIOSK),
        (ActorKind.CITIZEN, Source.STAFF, Source.WEB),  # citizens cannot claim to be staff
        (ActorKind.CITIZEN, Source.API, Source.WEB),
        (ActorKind.DEVICE, Source.STAFF, Source.WEB),
        (ActorKind.STAFF, None, Source.STAFF),
        (ActorKind.STAFF, Source.KIOSK, Source.KIOSK),
        (ActorKind.INTEGRATION, None, Source.API),
        (ActorKind.INTEGRATION, Source.WEB, Source.API),  # integrations always book as api
    ],
)
def test_booking_source(kind, requested, source):
    assert booking_source(Actor(None, kind), requested) == source
