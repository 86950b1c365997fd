"""Working the queue from a counter: sign in, call next, recall, start, finish, no-show,
transfer, park and return. The ticket moves are rows of backend/queue/transitions.py, applied by
`do_act` (services/acting.py); these are the use cases' entry points."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from backend.catalog.by_id import get_offered_service, parse_uuid
from backend.catalog.models import Service
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.transactions import write_transaction

from ..access import check_staff
from ..events import TicketChange, publish_on_commit
from ..models import QueueTicket, ServicePoint
from ..policy import Waiting, in_call_order
from ..state import local_today
from ..transitions import Party, TicketAction
from .acting import apply, authorize, do_act, load_ticket

Status = QueueTicket.Status


def get_service_point(service_point_id: str, actor: Actor) -> ServicePoint:
    point = (
        ServicePoint.objects.select_related("location__organization")
        .filter(pk=parse_uuid(service_point_id, "servicePoint"), is_active=True)
        .first()
    )
    if point is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such service point.", "servicePoint")
    check_staff(actor, point.location)
    return point


def serves(point: ServicePoint, service: Service) -> bool:
    """Whether tickets of `service` may be called to `point` (no services listed: all)."""
    handled = {s.pk for s in point.services.all()}
    return not handled or service.pk in handled


def do_sign_in(service_point_id: str, actor: Actor) -> ServicePoint:
    """Sign the clerk in to a counter (taking it over), and out of any other one."""
    point = get_service_point(service_point_id, actor)
    with write_transaction():
        ServicePoint.objects.filter(current_user=actor.user).exclude(pk=point.pk).update(
            current_user=None, signed_in_at=None
        )
        point.current_user = actor.user
        point.signed_in_at = timezone.now()
        point.save(update_fields=["current_user", "signed_in_at"])
        publish_on_commit(point.location)
    return point


def do_sign_out(service_point_id: str, actor: Actor) -> ServicePoint:
    point = get_service_point(service_point_id, actor)
    with write_transaction():
        ServicePoint.objects.filter(pk=point.pk, current_user=actor.user).update(
            current_user=None, signed_in_at=None
        )
        publish_on_commit(point.location)
    point.refresh_from_db()
    return point


def _finish_current(point: ServicePoint, actor: Actor, now: datetime) -> list[QueueTicket]:
    """Finish what the counter is serving. A ticket that a concurrent request (a double
    click) finished first is simply skipped."""
    finished = []
    current = QueueTicket.objects.select_related("location").filter(
        service_point=point, status__in=(Status.CALLED, Status.SERVING)
    )
    for ticket in current:
        try:
            apply(ticket, TicketAction.FINISH, actor, now, publish=False)
        except DomainError as exc:
            if exc.code != ErrorCode.INVALID_TRANSITION:
                raise
            continue
        finished.append(ticket)
    return finished


def do_call_next(service_point_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Finish what the counter was serving and call the next ticket it may serve, in the
    order of backend/queue/policy.py. Two counters calling at once get different tickets."""
    now = now or timezone.now()
    point = get_service_point(service_point_id, actor)
    if actor.user is None or point.current_user_id != actor.user.pk:
        raise DomainError(ErrorCode.NOT_SIGNED_IN, "Sign in to this counter first.", "servicePoint")
    day = local_today(point.location, now)
    services = list(point.services.values_list("pk", flat=True))
    with write_transaction():
        finished = _finish_current(point, actor, now)
        changed: dict[str, TicketChange] = {str(t.pk): {"status": Status.DONE} for t in finished}
        candidates = QueueTicket.objects.filter(
            location=point.location, day=day, status=Status.WAITING
        ).filter(Q(target_service_point__isnull=True) | Q(target_service_point=point))
        if services:
            candidates = candidates.filter(service__in=services)
        waiting = [
            Waiting(t.pk, t.priority, t.queued_at, t.due_at, t.number)
            for t in candidates.only("id", "priority", "queued_at", "due_at", "number")
        ]
        for candidate in in_call_order(waiting, now):
            ticket = QueueTicket.objects.select_related("location", "service").get(pk=candidate.id)
            try:
                apply(ticket, TicketAction.CALL, actor, now, point=point, publish=False)
            except DomainError as exc:
                if exc.code != ErrorCode.INVALID_TRANSITION:
                    raise
                continue  # another counter called it a moment ago: take the next one
            changed[str(ticket.pk)] = {"status": Status.CALLED}
            publish_on_commit(point.location, changed)
            return ticket
        if finished:
            publish_on_commit(point.location, changed)
    raise DomainError(ErrorCode.QUEUE_EMPTY, "Nobody is waiting for this counter.", "servicePoint")


def _act_on(
    ticket_id: str, action: TicketAction, actor: Actor, now: datetime | None, **facts: Any
) -> QueueTicket:
    return do_act(load_ticket(ticket_id), action, actor, now, **facts)


def do_recall(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Call the ticket again (the board shows it again, with the gong). After
    QUEUE_MAX_RECALLS recalls nobody came: the ticket becomes a no-show. `called_at` moves to
    now (boards sort and ring by it); `first_called_at` stays, so waiting times do not grow."""
    return _act_on(ticket_id, TicketAction.RECALL, actor, now)


def do_start(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    return _act_on(ticket_id, TicketAction.START, actor, now)


def do_finish(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    return _act_on(ticket_id, TicketAction.FINISH, actor, now)


def do_mark_no_show(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    return _act_on(ticket_id, TicketAction.NO_SHOW, actor, now)


def do_park(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Take a ticket out of the queue for a while (e.g. a document is missing). It leaves
    its counter; a booking goes back to checked in (it is no longer called)."""
    return _act_on(ticket_id, TicketAction.PARK, actor, now)


def do_return(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Back into the queue at its original place (queued_at is unchanged). The next call is a
    fresh one: the recalls before parking no longer count towards the no-show limit (the
    holder was sent away on purpose, not missing). first_called_at stays for the figures."""
    return _act_on(ticket_id, TicketAction.RETURN, actor, now)


def do_transfer(
    ticket_id: str,
    actor: Actor,
    service_id: str | None = None,
    service_point_id: str | None = None,
    now: datetime | None = None,
) -> QueueTicket:
    """Hand a ticket on to another service and/or counter (like a helpdesk escalation). It
    keeps its number, priority and original arrival, so it does not lose its place; the old
    ticket ends as `transferred` and the holder's status page follows the new one."""
    now = now or timezone.now()
    ticket = load_ticket(ticket_id)
    authorize(ticket, TicketAction.TRANSFER, actor)
    service = ticket.service
    if service_id:
        service, _location = get_offered_service(service_id, str(ticket.location_id))
    target = get_service_point(service_point_id, actor) if service_point_id else None
    if target is not None and target.location_id != ticket.location_id:
        raise DomainError(
            ErrorCode.WRONG_LOCATION, "That counter is at another location.", "servicePoint"
        )
    if target is None and service == ticket.service:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Choose another service or a counter to transfer to.",
            "ticket",
        )
    if target is not None and not serves(target, service):
        # Only that counter may call the follow-up: it would wait for ever.
        raise DomainError(
            ErrorCode.NOT_SERVED_HERE,
            f"{target.name} does not handle {service.name}.",
            "servicePoint",
        )
    follow_up_id = uuid.uuid4()  # named in the event before the follow-up exists
    with write_transaction():
        apply(
            ticket,
            TicketAction.TRANSFER,
            actor,
            now,
            publish=False,
            to_ticket_id=follow_up_id,
            to_service_id=service.pk,
            to_service_point_id=target.pk if target else None,
        )
        follow_up = QueueTicket.objects.create(
            id=follow_up_id,
            location=ticket.location,
            service=service,
            day=ticket.day,
            prefix=ticket.prefix,
            number=ticket.number,
            source=ticket.source,
            booking_id=ticket.booking_id,
            priority=ticket.priority,
            queued_at=ticket.queued_at,
            due_at=ticket.due_at,
            target_service_point=target,
            transferred_from=ticket,
            status_token_hash=ticket.status_token_hash,
        )
        publish_on_commit(
            ticket.location,
            {
                str(ticket.pk): {"status": Status.TRANSFERRED, "next": str(follow_up.pk)},
                str(follow_up.pk): {"status": Status.WAITING},
            },
        )
    return follow_up


def do_cancel_ticket(
    ticket_id: str, actor: Actor, token: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """The holder leaves (with the ticket's token), or staff take a ticket out for good."""
    return _act_on(
        ticket_id,
        TicketAction.CANCEL,
        actor,
        now,
        token=token,
        by=Party.HOLDER if token is not None else Party.STAFF,
    )
