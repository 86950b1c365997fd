"""What a citizen does with the link from their confirmation: see, cancel, reschedule."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from backend.accounts.tokens import secret_matches
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.transactions import write_transaction

from .. import capacity
from ..availability import check_bookable_start
from ..codes import normalize_code
from ..event_types import BookingCancelled, BookingRescheduled
from ..models import Booking
from ..policy import policy_for

NOT_FOUND_MESSAGE = "No booking with this code and link."


def access_booking(code: str, token: str, for_update: bool = False) -> Booking:
    """The booking when code and secret token match; one answer for every mismatch, so a
    guess learns nothing about which codes exist."""
    normalized = normalize_code(code)
    bookings = Booking.objects.select_related(
        "service__organization", "location__organization", "assigned_staff"
    )
    if for_update:
        bookings = bookings.select_for_update(of=("self",))
    booking = bookings.filter(code=normalized).first() if normalized else None
    if booking is None or not secret_matches(token or "", booking.manage_token_hash):
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND_MESSAGE, "code")
    return booking


def check_changeable(booking: Booking, now: datetime) -> None:
    if booking.status != Booking.Status.CONFIRMED:
        raise DomainError(ErrorCode.BOOKING_NOT_ACTIVE, "This booking is no longer active.", "code")
    policy = policy_for(booking.service)
    if not policy.may_change(booking.starts_at, now):
        hours = int(policy.cancellation_deadline.total_seconds() // 3600)
        raise DomainError(
            ErrorCode.DEADLINE_PASSED,
            f"Changes are possible until {hours} hours before the appointment.",
            "code",
        )


def cancel(booking: Booking, actor: Actor, now: datetime, reason: str = "") -> Booking:
    """Cancel a locked, checked booking and give its capacity back."""
    capacity.release(booking)
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    record(BookingCancelled, actor, booking, by=actor.kind, reason=reason[:200])
    return booking


def do_cancel_booking(code: str, token: str, actor: Actor, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    with write_transaction():
        booking = access_booking(code, token, for_update=True)
        check_changeable(booking, now)
        return cancel(booking, actor, now)


def do_reschedule_booking(
    code: str, token: str, new_start: datetime, actor: Actor, now: datetime | None = None
) -> Booking:
    """Move a booking: take the new slot first, then free the old one, in one transaction,
    so the citizen never ends up with neither."""
    now = now or timezone.now()
    with write_transaction():
        booking = access_booking(code, token, for_update=True)
        check_changeable(booking, now)
        if new_start == booking.starts_at:
            raise DomainError(
                ErrorCode.SAME_SLOT, "This is already your appointment time.", "newStart"
            )
        plan = check_bookable_start(booking.service, booking.location, new_start, now)
        old_claims = list(booking.claims.values_list("pk", flat=True))
        staff = capacity.take(booking.service, booking.location, new_start, plan, booking, now)
        capacity.release(booking, keep=~Q(pk__in=old_claims))
        old_start = booking.starts_at
        booking.starts_at = new_start
        booking.ends_at = new_start + timedelta(minutes=booking.service.duration_minutes)
        booking.assigned_staff = staff
        booking.save(update_fields=["starts_at", "ends_at", "assigned_staff", "updated_at"])
        record(BookingRescheduled, actor, booking, old_start=old_start, new_start=new_start)
        return booking
