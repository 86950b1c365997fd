"""Working the queue from a counter: sign in, call next, recall, start, finish, no-show,
transfer, park and return. Every change is a conditional UPDATE on the ticket's status, so
two clerks acting at the same moment can never both succeed on one ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from backend.accounts.actors import Actor
from backend.bookings.errors import BookingError, ErrorCode
from backend.bookings.models import Booking
from backend.bookings.services.lookup import get_offered_service, parse_uuid
from backend.bookings.services.transactions import write_transaction
from backend.catalog.models import Service
from backend.core.audit import log_action

from ..access import check_staff
from ..events import publish_on_commit
from ..models import QueueTicket, ServicePoint
from ..policy import Waiting, in_call_order
from ..state import local_today

Status = QueueTicket.Status


def get_service_point(service_point_id: str, actor: Actor) -> ServicePoint:
    point = (
        ServicePoint.objects.select_related("location__organization")
        .filter(pk=parse_uuid(service_point_id, "servicePoint"), is_active=True)
        .first()
    )
    if point is None:
        raise BookingError(ErrorCode.NOT_FOUND, "No such service point.", "servicePoint")
    check_staff(actor, point.location)
    return point


def serves(point: ServicePoint, service: Service) -> bool:
    """Whether tickets of `service` may be called to `point` (no services listed: all)."""
    handled = {s.pk for s in point.services.all()}
    return not handled or service.pk in handled


def get_ticket(ticket_id: str, actor: Actor) -> QueueTicket:
    ticket = (
        QueueTicket.objects.select_related("location__organization", "service_point", "service")
        .filter(pk=parse_uuid(ticket_id, "ticket"))
        .first()
    )
    if ticket is None:
        raise BookingError(ErrorCode.NOT_FOUND, "No such ticket.", "ticket")
    check_staff(actor, ticket.location)
    return ticket


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


def _move(ticket: QueueTicket, allowed: tuple[str, ...], now: datetime, **changes: Any) -> None:
    """Change a ticket only if it is still in an allowed status; else INVALID_TRANSITION."""
    updated = QueueTicket.objects.filter(pk=ticket.pk, status__in=allowed).update(**changes)
    if not updated:
        raise BookingError(
            ErrorCode.INVALID_TRANSITION,
            "This ticket has just been changed by someone else.",
            "ticket",
        )
    for field, value in changes.items():
        setattr(ticket, field, value)


def _finish_current(point: ServicePoint, now: datetime) -> list[QueueTicket]:
    """Finish what the counter is serving. A ticket that a concurrent request (a double
    click) finished first is simply skipped."""
    finished = []
    current = QueueTicket.objects.filter(
        service_point=point, status__in=(Status.CALLED, Status.SERVING)
    )
    for ticket in current:
        done = QueueTicket.objects.filter(
            pk=ticket.pk, status__in=(Status.CALLED, Status.SERVING)
        ).update(status=Status.DONE, done_at=now, serving_at=ticket.serving_at or ticket.called_at)
        if done:
            _complete_booking(ticket)
            finished.append(ticket)
    return finished


def _complete_booking(ticket: QueueTicket, status: str = Booking.Status.COMPLETED) -> None:
    if ticket.booking_id:
        Booking.objects.filter(pk=ticket.booking_id).update(status=status)


def do_call_next(service_point_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Finish what the counter was serving and call the next ticket it may serve, in the
    order of backend/queue/policy.py. Two counters calling at once get different tickets."""
    now = now or timezone.now()
    point = get_service_point(service_point_id, actor)
    if actor.user is None or point.current_user_id != actor.user.pk:
        raise BookingError(
            ErrorCode.NOT_SIGNED_IN, "Sign in to this counter first.", "servicePoint"
        )
    day = local_today(point.location, now)
    services = list(point.services.values_list("pk", flat=True))
    with write_transaction():
        finished = _finish_current(point, now)
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
            claimed = QueueTicket.objects.filter(pk=candidate.id, status=Status.WAITING).update(
                status=Status.CALLED,
                first_called_at=Coalesce("first_called_at", Value(now)),
                called_at=now,
                service_point=point,
                called_by=actor.user,
            )
            if claimed:  # else another counter called it a moment ago: take the next one
                ticket = QueueTicket.objects.select_related("service", "service_point").get(
                    pk=candidate.id
                )
                if ticket.booking_id:
                    Booking.objects.filter(pk=ticket.booking_id).update(
                        status=Booking.Status.CALLED
                    )
                changed = {str(t.pk): {"status": Status.DONE} for t in finished}
                changed[str(ticket.pk)] = {"status": Status.CALLED}
                publish_on_commit(point.location, changed)
                log_action(
                    "ticket.called",
                    actor,
                    ticket,
                    point.location.organization_id,
                    number=ticket.display_number,
                    service_point=point.name,
                )
                return ticket
        if finished:
            publish_on_commit(
                point.location, {str(t.pk): {"status": Status.DONE} for t in finished}
            )
    raise BookingError(ErrorCode.QUEUE_EMPTY, "Nobody is waiting for this counter.", "servicePoint")


def _act(
    ticket_id: str,
    actor: Actor,
    action: str,
    allowed: tuple[str, ...],
    now: datetime | None = None,
    recalled: bool = False,
    booking_status: str | None = None,
    **changes: Any,
) -> QueueTicket:
    """Move one ticket (and its booking, if any) in one transaction, then publish."""
    now = now or timezone.now()
    ticket = get_ticket(ticket_id, actor)
    with write_transaction():
        _move(ticket, allowed, now, **changes)
        if booking_status and ticket.booking_id:
            Booking.objects.filter(pk=ticket.booking_id).update(status=booking_status)
        publish_on_commit(
            ticket.location,
            {str(ticket.pk): {"status": ticket.status}},
            recalled=ticket.display_number if recalled else None,
        )
        log_action(
            f"ticket.{action}",
            actor,
            ticket,
            ticket.location.organization_id,
            number=ticket.display_number,
        )
    return ticket


def do_recall(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Call the ticket again (the board shows it again, with the gong). After
    QUEUE_MAX_RECALLS recalls nobody came: the ticket becomes a no-show. `called_at` moves to
    now (boards sort and ring by it); `first_called_at` stays, so waiting times do not grow."""
    now = now or timezone.now()
    ticket = get_ticket(ticket_id, actor)
    if ticket.recall_count >= settings.QUEUE_MAX_RECALLS:
        return do_mark_no_show(ticket_id, actor, now)
    return _act(
        ticket_id,
        actor,
        "recalled",
        (Status.CALLED,),
        now,
        recalled=True,
        recall_count=ticket.recall_count + 1,
        called_at=now,
    )


def do_start(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    now = now or timezone.now()
    return _act(
        ticket_id,
        actor,
        "started",
        (Status.CALLED,),
        now,
        status=Status.SERVING,
        serving_at=now,
        booking_status=Booking.Status.IN_SERVICE,
    )


def do_finish(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    now = now or timezone.now()
    ticket = get_ticket(ticket_id, actor)
    return _act(
        ticket_id,
        actor,
        "finished",
        (Status.CALLED, Status.SERVING),
        now,
        status=Status.DONE,
        done_at=now,
        serving_at=ticket.serving_at or ticket.called_at,
        booking_status=Booking.Status.COMPLETED,
    )


def do_mark_no_show(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    now = now or timezone.now()
    return _act(
        ticket_id,
        actor,
        "no_show",
        (Status.CALLED,),
        now,
        status=Status.NO_SHOW,
        no_show_at=now,
        booking_status=Booking.Status.NO_SHOW,
    )


def do_park(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Take a ticket out of the queue for a while (e.g. a document is missing). It leaves
    its counter; a booking goes back to checked in (it is no longer called)."""
    now = now or timezone.now()
    return _act(
        ticket_id,
        actor,
        "parked",
        (Status.WAITING, Status.CALLED),
        now,
        status=Status.PARKED,
        parked_at=now,
        service_point=None,
        booking_status=Booking.Status.CHECKED_IN,
    )


def do_return(ticket_id: str, actor: Actor, now: datetime | None = None) -> QueueTicket:
    """Back into the queue at its original place (queued_at is unchanged). The next call is a
    fresh one: the recalls before parking no longer count towards the no-show limit (the
    holder was sent away on purpose, not missing). first_called_at stays for the figures."""
    return _act(
        ticket_id, actor, "returned", (Status.PARKED,), now, status=Status.WAITING, recall_count=0
    )


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
    ticket = get_ticket(ticket_id, actor)
    service = ticket.service
    if service_id:
        service, _location = get_offered_service(service_id, str(ticket.location_id))
    target = get_service_point(service_point_id, actor) if service_point_id else None
    if target is not None and target.location_id != ticket.location_id:
        raise BookingError(
            ErrorCode.WRONG_LOCATION, "That counter is at another location.", "servicePoint"
        )
    if target is None and service == ticket.service:
        raise BookingError(
            ErrorCode.INVALID_TRANSITION,
            "Choose another service or a counter to transfer to.",
            "ticket",
        )
    if target is not None and not serves(target, service):
        # Only that counter may call the follow-up: it would wait for ever.
        raise BookingError(
            ErrorCode.NOT_SERVED_HERE,
            f"{target.name} does not handle {service.name}.",
            "servicePoint",
        )
    with write_transaction():
        _move(
            ticket,
            (Status.WAITING, Status.CALLED, Status.SERVING),
            now,
            status=Status.TRANSFERRED,
            done_at=now,
        )
        follow_up = QueueTicket.objects.create(
            location=ticket.location,
            service=service,
            day=ticket.day,
            prefix=ticket.prefix,
            number=ticket.number,
            source=ticket.source,
            booking=ticket.booking,
            priority=ticket.priority,
            queued_at=ticket.queued_at,
            due_at=ticket.due_at,
            target_service_point=target,
            transferred_from=ticket,
            status_token_hash=ticket.status_token_hash,
        )
        if ticket.booking_id:  # waiting again, for the next service or counter
            Booking.objects.filter(pk=ticket.booking_id).update(status=Booking.Status.CHECKED_IN)
        publish_on_commit(
            ticket.location,
            {
                str(ticket.pk): {"status": Status.TRANSFERRED, "next": str(follow_up.pk)},
                str(follow_up.pk): {"status": Status.WAITING},
            },
        )
        log_action(
            "ticket.transferred",
            actor,
            ticket,
            ticket.location.organization_id,
            number=ticket.display_number,
            to_service=str(service.pk),
            to_service_point=target.name if target else None,
        )
    return follow_up


def do_cancel_ticket(
    ticket_id: str, actor: Actor, token: str | None = None, now: datetime | None = None
) -> QueueTicket:
    """The holder leaves (with the ticket's token), or staff take a ticket out for good."""
    from backend.accounts.tokens import secret_matches

    now = now or timezone.now()
    ticket = (
        QueueTicket.objects.select_related("location__organization")
        .filter(pk=parse_uuid(ticket_id, "ticket"))
        .first()
    )
    if ticket is None:
        raise BookingError(ErrorCode.NOT_FOUND, "No such ticket.", "ticket")
    if token is None:
        check_staff(actor, ticket.location)
    elif not secret_matches(token, ticket.status_token_hash):
        raise PermissionDenied("Not your ticket.")
    with write_transaction():
        _move(
            ticket, (Status.WAITING, Status.PARKED), now, status=Status.CANCELLED, cancelled_at=now
        )
        publish_on_commit(ticket.location, {str(ticket.pk): {"status": Status.CANCELLED}})
        log_action(
            "ticket.cancelled",
            actor,
            ticket,
            ticket.location.organization_id,
            number=ticket.display_number,
            by="holder" if token else "staff",
        )
    return ticket
