"""Web Push to ticket holders who opted in: "almost your turn" and "called to Schalter 3"."""

from __future__ import annotations

from backend.catalog.models import Location
from backend.queue.models import QueueTicket
from backend.queue.state import position_of, queue_state

from .channels.base import Message, Recipient
from .channels.registry import PUSH
from .dispatch import notify
from .models import Kind

NEXT_THRESHOLD = 3  # "3 ahead of you" once, then "you are next"


def push_updates(location_id) -> int:
    """Push what changed for subscribed tickets of the location; each message once."""
    location = Location.objects.select_related("organization").get(pk=location_id)
    subscribed = (
        QueueTicket.objects.filter(
            location=location,
            push_subscriptions__isnull=False,
            status__in=(QueueTicket.Status.WAITING, QueueTicket.Status.CALLED),
        )
        .distinct()
        .prefetch_related("push_subscriptions", "service_point")
    )
    if not subscribed:
        return 0
    state = queue_state(location)
    sent = 0
    for ticket in subscribed:
        if ticket.status == QueueTicket.Status.CALLED:
            counter = ticket.service_point.name if ticket.service_point else ""
            sent += _push(
                ticket,
                Kind.TICKET_CALLED,
                f"called-{ticket.recall_count}",
                "high",
                300,
                number=ticket.display_number,
                counter=counter,
            )
            continue
        position, _minutes = position_of(state, str(ticket.pk))
        if position is None:
            continue
        if position == 1:
            sent += _push(
                ticket,
                Kind.TICKET_NEXT,
                "next",
                "high",
                900,
                number=ticket.display_number,
                ahead=0,
            )
        elif position <= NEXT_THRESHOLD + 1:
            sent += _push(
                ticket,
                Kind.TICKET_NEXT,
                f"ahead-{NEXT_THRESHOLD}",
                "normal",
                900,
                number=ticket.display_number,
                ahead=position - 1,
            )
    return sent


def _push(ticket, kind: str, key: str, urgency: str, ttl: int, **values) -> int:
    message = Message(
        kind=kind,
        language="de",  # each browser gets its own language
        values=values,
        page=f"/t/{ticket.pk}",
        extra={"number": values["number"]},
        ttl=ttl,
        urgency=urgency,
    )
    recipient = Recipient(browsers=ticket.push_subscriptions.all())  # prefetched
    results = notify(message, recipient, [PUSH], ticket=ticket, key=key)
    return int(results[PUSH] == "sent")
