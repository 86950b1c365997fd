"""What notifications record. Facts are ids and non-personal values only (no endpoint, no
address, no number)."""

from __future__ import annotations

from backend.core.events import event_type


@event_type(
    "push.subscribed",
    description="A browser asked to be notified about a booking, ticket or waitlist entry.",
    audited=False,  # citizens' devices, many a day; the delivery log shows what went out
)
class PushSubscribed:
    about: str  # booking, ticket, waitlist_entry
    language: str


@event_type(
    "delivery.gave_up",
    description="A message could not be delivered and will not be retried (refused, retries "
    "used up, or its channel is switched off).",
    audited=False,  # the delivery row keeps it; shown in the admin and the daily report
)
class DeliveryGaveUp:
    kind: str
    channel: str
    attempts: int
