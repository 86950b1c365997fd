"""What staff and integrations do with bookings, within their guardian permissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from backend.accounts.permissions import bookings_scope
from backend.availability.calendar import local_day_span
from backend.catalog.by_id import get_location, parse_uuid
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.transactions import write_transaction

from ..calendars import location_zone
from ..models import Booking
from .manage import cancel

MAX_PAGE = 100


@dataclass(frozen=True)
class BookingPage:
    items: list[Booking]
    total: int
    offset: int
    limit: int


def access_location_bookings(
    actor: Actor,
    location_id: str,
    day: date,
    offset: int = 0,
    limit: int = 50,
    statuses: list[str] | None = None,
) -> BookingPage:
    """One local day of a location's bookings that the actor may see, in start order."""
    location = get_location(location_id)
    scope = bookings_scope(actor, location, "view")
    if scope is None:
        raise PermissionDenied("You may not see this location's bookings.")
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise DomainError(
            ErrorCode.RANGE_TOO_LARGE, f"Use offset ≥ 0 and a limit from 1 to {MAX_PAGE}.", "limit"
        )
    start, end = local_day_span(day, location_zone(location))
    bookings: QuerySet[Booking] = (
        Booking.objects.filter(scope, location=location, starts_at__gte=start, starts_at__lt=end)
        .select_related("service__organization", "location__organization", "assigned_staff")
        .order_by("starts_at", "created_at", "pk")
    )
    if statuses:
        bookings = bookings.filter(status__in=statuses)
    return BookingPage(list(bookings[offset : offset + limit]), bookings.count(), offset, limit)


def do_staff_cancel_booking(
    actor: Actor, booking_id: str, reason: str = "", now: datetime | None = None
) -> Booking:
    """Staff may cancel any active booking they may change, deadline or not."""
    now = now or timezone.now()
    with write_transaction():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("location__organization", "service")
            .filter(pk=parse_uuid(booking_id, "booking"))
            .first()
        )
        if booking is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such booking.", "booking")
        scope = bookings_scope(actor, booking.location, "change")
        if scope is None or not Booking.objects.filter(scope, pk=booking.pk).exists():
            raise PermissionDenied("You may not change this booking.")
        if not booking.is_active or booking.status == Booking.Status.COMPLETED:
            raise DomainError(
                ErrorCode.BOOKING_NOT_ACTIVE, "This booking is no longer active.", "booking"
            )
        return cancel(booking, actor, now, reason)
