"""Reading the queue: the staff console's view, and a ticket holder's own ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from backend.accounts.tokens import secret_matches
from backend.catalog.by_id import parse_uuid
from backend.catalog.models import Location
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode

from ..access import access_location_figures
from ..models import QueueTicket, ServicePoint
from ..policy import Waiting, in_call_order
from ..state import QueueState, local_today, queue_state
from ..transitions import Party
from .acting import staff_parties

Status = QueueTicket.Status


@dataclass(frozen=True)
class CounterQueueView:
    location: Location
    waiting: list[QueueTicket]  # in call order
    active: list[QueueTicket]
    parked: list[QueueTicket]
    service_points: list[ServicePoint]
    parties: frozenset[Party]  # as whom the viewer may act on these tickets
    # Taken before the tickets are read: a client that gets states out of order (a live event
    # overtaking a refetch) keeps the newest by it.
    as_of: datetime


def access_counter_queue(actor: Actor, location_id: str) -> CounterQueueView:
    location = access_location_figures(actor, location_id)
    now = timezone.now()
    tickets = list(
        QueueTicket.objects.filter(
            location=location, day=local_today(location, now), status__in=QueueTicket.OPEN
        ).select_related("service_point", "booking")
    )
    by_id = {t.pk: t for t in tickets}
    order = in_call_order(
        (
            Waiting(t.pk, t.priority, t.queued_at, t.due_at, t.number)
            for t in tickets
            if t.status == Status.WAITING
        ),
        now,
    )
    points = list(
        ServicePoint.objects.filter(location=location, is_active=True)
        .select_related("current_user")
        .prefetch_related("services")
    )
    return CounterQueueView(
        location=location,
        waiting=[by_id[w.id] for w in order],
        active=sorted(
            (t for t in tickets if t.status in (Status.CALLED, Status.SERVING)),
            key=lambda t: t.called_at or now,
        ),
        parked=[t for t in tickets if t.status == Status.PARKED],
        service_points=points,
        parties=staff_parties(actor, location),
        as_of=now,
    )


@dataclass(frozen=True)
class HeldTicket:
    ticket: QueueTicket  # the current ticket (after transfers)
    state: QueueState


def current_ticket(ticket: QueueTicket) -> QueueTicket:
    """Follow transfers to the ticket that continues this one."""
    while ticket.status == Status.TRANSFERRED:
        follow_up = QueueTicket.objects.filter(transferred_from=ticket).first()
        if follow_up is None:
            break
        ticket = follow_up
    return ticket


def access_held_ticket(ticket_id: str, token: str) -> HeldTicket:
    """The holder's ticket, checked against the secret token from their ticket link."""
    ticket = (
        QueueTicket.objects.select_related("location__organization")
        .filter(pk=parse_uuid(ticket_id, "ticket"))
        .first()
    )
    if ticket is None or not secret_matches(token or "", ticket.status_token_hash):
        raise DomainError(ErrorCode.NOT_FOUND, "No ticket with this link.", "ticket")
    ticket = current_ticket(ticket)
    return HeldTicket(ticket, queue_state(ticket.location))
