"""What the queue records. Facts are ids and non-personal values only (a ticket number such
as A042 names nobody; the holder's name and the booking code never appear)."""

from __future__ import annotations

from uuid import UUID

from backend.core.events import event_type


@event_type(
    "queue.changed",
    description="A location's queue changed (e.g. to push updates to ticket holders).",
    audited=False,
)
class QueueChanged:
    location_id: UUID


@event_type("ticket.drawn", description="A walk-in ticket was drawn (kiosk or staff).")
class TicketDrawn:
    location_id: UUID
    service_id: UUID
    number: str
    priority: int


@event_type(
    "ticket.checked_in",
    description="A booking was checked in and got a ticket (the booking itself records "
    "booking.status_changed).",
)
class TicketCheckedIn:
    location_id: UUID
    service_id: UUID
    number: str
    booking_id: UUID


# Moves of an existing ticket (backend/queue/transitions.py): where it was before, always.


@event_type("ticket.called", description="A ticket was called to a counter.")
class TicketCalled:
    location_id: UUID
    number: str
    previous: str
    service_point_id: UUID


@event_type("ticket.recalled", description="A called ticket was called again.")
class TicketRecalled:
    location_id: UUID
    number: str
    previous: str
    recalls: int  # how often it has been called again, this one included


@event_type("ticket.started", description="The clerk started serving a called ticket.")
class TicketStarted:
    location_id: UUID
    number: str
    previous: str


@event_type("ticket.finished", description="A ticket was served to the end.")
class TicketFinished:
    location_id: UUID
    number: str
    previous: str


@event_type("ticket.no_show", description="A called ticket's holder did not come.")
class TicketNoShow:
    location_id: UUID
    number: str
    previous: str


@event_type("ticket.parked", description="A ticket was taken out of the queue for a while.")
class TicketParked:
    location_id: UUID
    number: str
    previous: str


@event_type("ticket.returned", description="A parked ticket went back to its place.")
class TicketReturned:
    location_id: UUID
    number: str
    previous: str


@event_type(
    "ticket.transferred",
    description="A ticket was handed on to another service or counter; a new ticket with "
    "the same number continues it.",
)
class TicketTransferred:
    location_id: UUID
    number: str
    previous: str
    to_ticket_id: UUID
    to_service_id: UUID
    to_service_point_id: UUID | None


@event_type(
    "ticket.cancelled",
    description="A ticket left the queue for good (its holder left, or staff removed it).",
)
class TicketCancelled:
    location_id: UUID
    number: str
    previous: str
    by: str  # "holder" or "staff"
