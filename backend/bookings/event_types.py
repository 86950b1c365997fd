"""What the booking domain records. Facts are ids and non-personal values only."""

from __future__ import annotations

from datetime import datetime
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
