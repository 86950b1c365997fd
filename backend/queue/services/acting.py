"""Applying the state machine: `do_act` moves one ticket by one row of the transition table
(backend/queue/transitions.py). It locks the ticket's row, checks the action against the
table, writes the change and the booking's status, records the event and publishes the
queue, all in one transaction: two clerks acting on one ticket at the same moment can never
both succeed, and concurrent recalls each count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.accounts.tokens import secret_matches
from backend.bookings.services.status import set_booking_status
from backend.catalog.by_id import parse_uuid
from backend.catalog.models import Location
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.transactions import write_transaction

from ..access import check_staff
from ..events import publish_on_commit
from ..models import QueueTicket, ServicePoint
from ..transitions import TRANSITIONS, Party, TicketAction, Transition


def load_ticket(ticket_id: str) -> QueueTicket:
    """The ticket, with what acting on it needs; access is checked by the action."""
    ticket = (
        QueueTicket.objects.select_related("location__organization", "service_point", "service")
        .filter(pk=parse_uuid(ticket_id, "ticket"))
        .first()
    )
    if ticket is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such ticket.", "ticket")
    return ticket


def party_of(ticket: QueueTicket, actor: Actor, token: str | None = None) -> Party:
    """The holder (with the ticket's token), or the location's queue staff; else refused."""
    if token is not None:
        if not secret_matches(token, ticket.status_token_hash):
            raise PermissionDenied("Not your ticket.")
        return Party.HOLDER
    check_staff(actor, ticket.location)
    return Party.STAFF


def authorize(
    ticket: QueueTicket, action: TicketAction, actor: Actor, token: str | None = None
) -> Party:
    party = party_of(ticket, actor, token)
    if party not in TRANSITIONS[action].by:
        raise PermissionDenied("You may not do this to the ticket.")
    return party


def do_act(
    ticket: QueueTicket,
    action: TicketAction,
    actor: Actor,
    now: datetime | None = None,
    *,
    token: str | None = None,
    point: ServicePoint | None = None,
    **facts: Any,
) -> QueueTicket:
    """Apply `action` to `ticket` for `actor` (the holder when `token` is given); `facts` are
    the event's facts beyond the ones every ticket move records."""
    now = now or timezone.now()
    authorize(ticket, action, actor, token)
    with write_transaction():
        apply(ticket, action, actor, now, point=point, **facts)
    return ticket


def apply(
    ticket: QueueTicket,
    action: TicketAction,
    actor: Actor,
    now: datetime,
    *,
    point: ServicePoint | None = None,
    publish: bool = True,
    **facts: Any,
) -> Transition:
    """`do_act` without the access check, inside the caller's write transaction (for use
    cases that move several tickets at once). Returns the row applied: a recall past the
    limit is a no-show. Raises INVALID_TRANSITION when the ticket's status does not allow
    the action (or someone else has just moved it)."""
    spec = TRANSITIONS[action]
    previous, recalls = (
        QueueTicket.objects.select_for_update()
        .filter(pk=ticket.pk)
        .values_list("status", "recall_count")
        .get()
    )
    if spec.counts_recall and recalls >= settings.QUEUE_MAX_RECALLS:
        spec = TRANSITIONS[TicketAction.NO_SHOW]  # called often enough: nobody came
    if previous not in spec.sources:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "This ticket has just been changed by someone else.",
            "ticket",
        )
    changes = _changes(spec, actor, now, point)
    QueueTicket.objects.filter(pk=ticket.pk).update(**changes)
    computed = [name for name, value in changes.items() if hasattr(value, "resolve_expression")]
    for name, value in changes.items():
        if name not in computed:
            setattr(ticket, name, value)
    if computed:
        ticket.refresh_from_db(fields=computed)
    if spec.booking and ticket.booking_id:
        set_booking_status(ticket.booking_id, spec.booking, actor, now)
    if spec.counts_recall:
        facts["recalls"] = recalls + 1
    if spec.to_counter and point is not None:
        facts["service_point_id"] = point.pk
    record(
        spec.event,
        actor,
        ticket,
        organization_id=ticket.location.organization_id,
        at=now,
        location_id=ticket.location_id,
        number=ticket.display_number,
        previous=previous,
        **facts,
    )
    if publish:
        publish_on_commit(
            ticket.location,
            {str(ticket.pk): {"status": spec.target}},
            recalled=ticket.display_number if spec.counts_recall else None,
        )
    return spec


def _changes(
    spec: Transition, actor: Actor, now: datetime, point: ServicePoint | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": spec.target}
    if spec.stamp:
        changes[spec.stamp] = now
    if spec.to_counter:
        if point is None:
            raise ValueError(f"{spec.action} needs the calling counter.")
        changes.update(
            service_point=point,
            called_by=actor.user,
            first_called_at=Coalesce("first_called_at", Value(now)),
        )
    if spec.leaves_counter:
        changes["service_point"] = None
    if spec.counts_recall:
        changes["recall_count"] = F("recall_count") + 1
    if spec.resets_recalls:
        changes["recall_count"] = 0
    if spec.served_from_call:
        changes["serving_at"] = Coalesce("serving_at", "called_at")
    return changes


def viewer_parties(actor: Actor, location_id: Any) -> frozenset[Party]:
    """As whom the viewer of the staff console may act on the location's tickets."""
    location = Location.objects.select_related("organization").filter(pk=location_id).first()
    return staff_parties(actor, location) if location is not None else frozenset()


def staff_parties(actor: Actor, location: Location) -> frozenset[Party]:
    try:
        check_staff(actor, location)
    except PermissionDenied:
        return frozenset()
    return frozenset({Party.STAFF})
