"""Re-running deliveries that failed for now (process_email_queue)."""

from __future__ import annotations

from .models import Delivery, Kind


def retry_failed() -> list[tuple[int, str]]:
    """Enqueue the job again for every failed booking message; the delivery log keeps it
    to one send."""
    from .tasks import send_booking_message, send_waitlist_offer

    results = []
    for delivery in Delivery.objects.filter(status=Delivery.Status.FAILED):
        if delivery.booking_id:
            send_booking_message(delivery.booking_id, delivery.kind, delivery.key)
        elif delivery.waitlist_entry_id and delivery.kind == Kind.WAITLIST_NOTIFICATION:
            send_waitlist_offer(delivery.waitlist_entry_id)
        delivery.refresh_from_db()
        results.append((delivery.pk, delivery.status))
    return results
