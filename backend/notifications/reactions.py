"""What notifications do when the booking core or the queue reports an event: enqueue jobs
(after commit, with ids only)."""

from __future__ import annotations

from django.conf import settings

from backend.core.events import subscribe

from .models import Kind


def on_booking_created(booking_id, **_) -> None:
    from .tasks import send_booking_message

    send_booking_message(booking_id, Kind.BOOKING_CONFIRMATION)


def on_booking_cancelled(booking_id, **_) -> None:
    from .tasks import send_booking_message

    send_booking_message(booking_id, Kind.BOOKING_CANCELLATION)


def on_booking_rescheduled(booking_id, old_start, **_) -> None:
    from .bookings import skip_passed_reminders
    from .tasks import send_booking_message

    # Reminder points of the new time that are already over are not sent: the message
    # about the move says it all (a few rows; before the next periodic reminder run).
    skip_passed_reminders(booking_id)
    # One message per move: the key is the start it was moved away from.
    send_booking_message(booking_id, Kind.BOOKING_RESCHEDULED, old_start.isoformat())


def on_capacity_freed(service_id, location_id, start, **_) -> None:
    from .tasks import offer_freed_slot

    if settings.WAITLIST_ENABLED:
        offer_freed_slot(service_id, location_id, start.isoformat())


def on_queue_changed(location_id, **_) -> None:
    from .tasks import push_queue_updates

    push_queue_updates(location_id)


def connect() -> None:
    subscribe("booking.created", on_booking_created)
    subscribe("booking.cancelled", on_booking_cancelled)
    subscribe("booking.rescheduled", on_booking_rescheduled)
    subscribe("capacity.freed", on_capacity_freed)
    subscribe("queue.changed", on_queue_changed)
