"""What the booking domain records. Facts are ids and non-personal values only."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from backend.core.events import event_type


@event_type("booking.created", description="An appointment was booked.", public=True)
class BookingCreated:
    source: str  # web, embed, kiosk, staff, api
    from_hold: bool


@event_type("booking.cancelled", description="A booking was cancelled.", public=True)
class BookingCancelled:
    by: str  # the kind of actor: citizen, staff, integration, system
    reason: str  # typed by staff; may name people, so retention empties it


@event_type("booking.rescheduled", description="A booking moved to another time.", public=True)
class BookingRescheduled:
    old_start: datetime
    new_start: datetime


@event_type("booking.language_changed", description="A booking's message language changed.")
class BookingLanguageChanged:
    previous: str
    language: str


@event_type(
    "capacity.freed",
    description="Capacity of a slot became free again (e.g. for the waitlist).",
    audited=False,
)
class CapacityFreed:
    service_id: UUID
    location_id: UUID
    start: datetime


@event_type(
    "booking.status_changed",
    description="A booking moved on in the office: checked in, called, in service, "
    "completed, no-show or back to checked in. (Cancellations are booking.cancelled.)",
    audited=False,  # the queue audits the ticket action that moved it
    public=True,
)
class BookingStatusChanged:
    previous: str
    status: str


# The waitlist (services/waitlist.py, services/waitlist_offers.py). The subject is the entry.


@event_type("waitlist.joined", description="A citizen joined a waitlist (pending confirmation).")
class WaitlistJoined:
    service_id: UUID
    location_id: UUID | None  # None: any location
    first_day: date
    last_day: date


@event_type("waitlist.confirmed", description="A waitlist entry's e-mail address was confirmed.")
class WaitlistConfirmed:
    pass


@event_type("waitlist.offered", description="A freed slot was offered (held) to a waiting entry.")
class WaitlistOffered:
    location_id: UUID
    start: datetime
    expires_at: datetime


@event_type("waitlist.booked", description="An entry took its offered slot: it is a booking now.")
class WaitlistBooked:
    booking_id: UUID


@event_type(
    "waitlist.declined",
    description="An entry declined its offer: the slot goes to the next in line.",
)
class WaitlistDeclined:
    start: datetime


@event_type("waitlist.missed", description="An offer ran out unanswered.")
class WaitlistMissed:
    start: datetime


@event_type("waitlist.left", description="A citizen left the waitlist.")
class WaitlistLeft:
    previous: str  # the status it left from


@event_type(
    "waitlist.expired",
    description="An entry ended: its last day passed, or its address was not confirmed in time.",
)
class WaitlistExpired:
    previous: str  # pending or waiting
