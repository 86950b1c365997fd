"""Getting into the queue: drawing a walk-in ticket, checking in a booking."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from backend.accounts.tokens import hash_secret, new_secret
from backend.availability.engine import plan_day
from backend.bookings.calendars import location_calendar
from backend.bookings.codes import normalize_code
from backend.bookings.models import Booking
from backend.bookings.services.status import set_booking_status
from backend.catalog.by_id import get_location, get_offered_service
from backend.catalog.models import Location, Service
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.links import ticket_link
from backend.core.transactions import write_transaction

from ..access import check_kiosk_or_staff, check_staff
from ..event_types import TicketCheckedIn, TicketDrawn
from ..events import publish_on_commit
from ..models import QueueTicket
from ..numbering import next_number
from ..state import QueueState, local_today, queue_state

# In a scanned link the code stands with its dash (K7M-4QX); without it, words like "manage"
# would look like codes.
CODE_IN_TEXT = re.compile(
    r"(?<![0-9A-Z])[2-9A-HJ-NP-Z]{3}-[2-9A-HJ-NP-Z]{3}(?![0-9A-Z])", re.IGNORECASE
)


@dataclass(frozen=True)
class IssuedTicket:
    ticket: QueueTicket
    status_token: str  # for the holder's live status page; only its hash is stored
    published: list[QueueState] = field(default_factory=list)  # the state sent after commit

    def state(self) -> QueueState:
        return self.published[-1] if self.published else queue_state(self.ticket.location)

    @property
    def status_url(self) -> str:
        """The holder's live status page on the public address: the kiosk may reach the
        server by an internal name that a phone scanning the printed QR code cannot."""
        return ticket_link(self.ticket.pk, self.status_token)


def check_open_now(location: Location, now: datetime) -> None:
    """Tickets are issued on open days until closing time (from half an hour before opening,
    so the first citizens can queue at the door)."""
    day = local_today(location, now)
    plan = plan_day(day, location_calendar(location, day, day))
    early = timedelta(minutes=settings.QUEUE_OPENS_EARLY_MINUTES)
    if not any(start - early <= now < end for start, end in plan.open):
        raise DomainError(
            ErrorCode.LOCATION_CLOSED,
            "The office is closed now; tickets are issued during opening hours.",
        )


def _issue(location: Location, service: Service, now: datetime, **fields) -> IssuedTicket:
    """Create a ticket with the next number; inside the caller's write transaction."""
    day = local_today(location, now)
    prefix = service.ticket_prefix
    number = next_number(location, day, prefix)
    token = new_secret()
    ticket = QueueTicket.objects.create(
        location=location,
        service=service,
        day=day,
        prefix=prefix,
        number=number,
        queued_at=now,
        status_token_hash=hash_secret(token),
        **fields,
    )
    issued = IssuedTicket(ticket, token)
    publish_on_commit(
        location, {str(ticket.pk): {"status": ticket.status}}, published=issued.published
    )
    return issued


def do_draw_ticket(
    service_id: str, location_id: str, actor: Actor, priority: int = 0, now: datetime | None = None
) -> IssuedTicket:
    """A walk-in ticket from a kiosk (or a clerk), within the service's daily quota."""
    now = now or timezone.now()
    service, location = get_offered_service(service_id, location_id)
    check_kiosk_or_staff(actor, location)
    check_open_now(location, now)
    if actor.device is not None:
        priority = 0  # only staff may prioritise
    with write_transaction():
        issued = _issue(location, service, now, priority=priority)
        if service.daily_ticket_quota is not None:
            drawn = QueueTicket.objects.filter(
                location=location,
                day=issued.ticket.day,
                service=service,
                source=QueueTicket.Source.WALK_IN,
                transferred_from__isnull=True,
            ).count()
            if drawn > service.daily_ticket_quota:
                raise DomainError(
                    ErrorCode.QUOTA_REACHED, "No more tickets for this service today.", "service"
                )
        record(
            TicketDrawn,
            actor,
            issued.ticket,
            organization_id=location.organization_id,
            at=now,
            location_id=location.pk,
            service_id=service.pk,
            number=issued.ticket.display_number,
            priority=priority,
        )
    return issued


def code_from_scan(text: str) -> str | None:
    """The booking code from what was typed or scanned (the code alone, or a link with it)."""
    if normalized := normalize_code(text):
        return normalized
    matches = CODE_IN_TEXT.findall(text or "")
    return normalize_code(matches[-1]) if matches else None


def check_in_location(actor: Actor, location_id: str | None) -> Location:
    """Where the asker may check bookings in: a kiosk at its own location, staff at the
    location they name if they work its queue. Decided before any code is looked at."""
    device = actor.device
    if device is not None:
        if device.kind != "kiosk" or (
            location_id is not None and str(device.location_id) != str(location_id)
        ):
            raise PermissionDenied("This device may not check bookings in here.")
        return device.location
    if location_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "Name the location checking in.", "location")
    try:
        location = get_location(location_id)
    except DomainError:
        location = None
    if location is None or not location.is_active:
        raise PermissionDenied("You may not work this location's queue.")
    check_staff(actor, location)
    return location


def do_check_in(
    text: str, actor: Actor, location_id: str | None = None, now: datetime | None = None
) -> IssuedTicket:
    """Check a booking in at the kiosk of its location: it gets a ticket and is called at its
    time ahead of walk-ins (backend/queue/policy.py).

    Only bookings of the asker's own location are looked up: a code of another location or
    organization is NOT_FOUND exactly like one that does not exist, so a kiosk cannot be
    used to find out which codes exist elsewhere, or where."""
    now = now or timezone.now()
    location = check_in_location(actor, location_id)
    code = code_from_scan(text)
    booking = (
        Booking.objects.select_related("service__organization")
        .filter(code=code, location=location)
        .first()
        if code
        else None
    )
    if booking is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No booking with this code.", "code")
    booking.location = location
    if booking.status == Booking.Status.CHECKED_IN:
        raise DomainError(ErrorCode.ALREADY_CHECKED_IN, "You are already checked in.", "code")
    if booking.status != Booking.Status.CONFIRMED:
        raise DomainError(ErrorCode.BOOKING_NOT_ACTIVE, "This booking is no longer active.", "code")
    early = timedelta(minutes=settings.CHECK_IN_EARLY_MINUTES)
    late = timedelta(minutes=settings.CHECK_IN_LATE_MINUTES)
    if now < booking.starts_at - early:
        raise DomainError(
            ErrorCode.TOO_EARLY, "Check-in opens shortly before your appointment.", "code"
        )
    if now > booking.starts_at + late:
        raise DomainError(
            ErrorCode.TOO_LATE, "Your appointment time has passed; please draw a ticket.", "code"
        )
    with write_transaction():
        if not set_booking_status(
            booking.pk,
            Booking.Status.CHECKED_IN,
            actor,
            now,
            only_from=(Booking.Status.CONFIRMED,),
        ):  # checked in at the same moment from elsewhere
            raise DomainError(ErrorCode.ALREADY_CHECKED_IN, "You are already checked in.", "code")
        issued = _issue(
            location,
            booking.service,
            now,
            source=QueueTicket.Source.BOOKING,
            booking=booking,
            due_at=booking.starts_at,
        )
        record(
            TicketCheckedIn,
            actor,
            issued.ticket,
            organization_id=location.organization_id,
            at=now,
            location_id=location.pk,
            service_id=booking.service_id,
            number=issued.ticket.display_number,
            booking_id=booking.pk,
        )
    return issued
