"""What notifications do when the booking core or the queue records an event: enqueue jobs
(after commit, with ids only)."""

from __future__ import annotations

from django.conf import settings

from backend.bookings.event_types import (
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    CapacityFreed,
    WaitlistJoined,
    WaitlistOffered,
)
from backend.core.events import Event, subscribe
from backend.queue.event_types import QueueChanged

from .models import Kind


def on_booking_created(event: Event[BookingCreated]) -> None:
    from .tasks import send_booking_message

    send_booking_message(event.subject_id, Kind.BOOKING_CONFIRMATION)


def on_booking_cancelled(event: Event[BookingCancelled]) -> None:
    from .tasks import send_booking_message

    send_booking_message(event.subject_id, Kind.BOOKING_CANCELLATION)


def on_booking_rescheduled(event: Event[BookingRescheduled]) -> None:
    from .bookings import skip_passed_reminders
    from .tasks import send_booking_message

    # Reminder points of the new time that are already over are not sent: the message
    # about the move says it all (a few rows; before the next periodic reminder run).
    skip_passed_reminders(event.subject_id)
    # One message per move: the key is the start it was moved away from.
    send_booking_message(
        event.subject_id, Kind.BOOKING_RESCHEDULED, event.facts.old_start.isoformat()
    )


def on_capacity_freed(event: Event[CapacityFreed]) -> None:
    from .tasks import offer_freed_slot

    if settings.WAITLIST_ENABLED:
        facts = event.facts
        offer_freed_slot(facts.service_id, facts.location_id, facts.start.isoformat())


def on_waitlist_joined(event: Event[WaitlistJoined]) -> None:
    from .tasks import send_waitlist_confirmation

    send_waitlist_confirmation(event.subject_id)


def on_waitlist_offered(event: Event[WaitlistOffered]) -> None:
    from .tasks import send_waitlist_offer

    send_waitlist_offer(event.subject_id)


def on_queue_changed(event: Event[QueueChanged]) -> None:
    from .tasks import push_queue_updates

    push_queue_updates(event.facts.location_id)


def connect() -> None:
    subscribe(BookingCreated, on_booking_created)
    subscribe(BookingCancelled, on_booking_cancelled)
    subscribe(BookingRescheduled, on_booking_rescheduled)
    subscribe(CapacityFreed, on_capacity_freed)
    subscribe(WaitlistJoined, on_waitlist_joined)
    subscribe(WaitlistOffered, on_waitlist_offered)
    subscribe(QueueChanged, on_queue_changed)
