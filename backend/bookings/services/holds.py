"""Holding a slot while the citizen types their details, and giving them more time.

Extending (WCAG 2.2.1 Timing Adjustable): a citizen warned that the hold runs out asks for
more time, and the hold then runs the organization's hold time from now again. WCAG asks
that a time limit can be extended at least ten times, so a hold may live up to
MAX_HOLD_EXTENSIONS + 1 hold times from when it was taken (10 min holds: 110 min), never
past the slot's start. The cap is on the lifetime, not a counter, so no column is needed and
clicking "more time" twice in a row costs nothing. Only an unexpired hold can be extended:
an expired one may have been taken by somebody else already.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from backend.accounts.actors import Actor

from .. import capacity
from ..availability import check_bookable_start
from ..errors import BookingError, ErrorCode
from ..models import Hold
from ..policy import policy_for
from .lookup import get_offered_service, parse_uuid
from .transactions import write_transaction


def do_hold_slot(
    service_id: str,
    location_id: str,
    start: datetime,
    actor: Actor,
    now: datetime | None = None,
    duration: timedelta | None = None,
    reclaim_freed: bool = False,
) -> Hold:
    """Reserve one unit of capacity at `start` until the organization's hold time (or
    `duration`, e.g. a waitlist offer's) runs out. `reclaim_freed` is for waitlist offers
    only: they may take a freed place still in its cool-down (capacity.py)."""
    now = now or timezone.now()
    service, location = get_offered_service(service_id, location_id)
    if not actor.may_act_in(service.organization_id):
        raise BookingError(ErrorCode.NOT_FOUND, "No such service.", "service")
    plan = check_bookable_start(service, location, start, now)
    with write_transaction():
        hold = Hold.objects.create(
            service=service,
            location=location,
            starts_at=start,
            ends_at=start + timedelta(minutes=service.duration_minutes),
            expires_at=now + (duration or policy_for(service).hold_duration),
        )
        capacity.take(service, location, start, plan, hold, now, reclaim_freed=reclaim_freed)
    return hold


def do_release_hold(hold_id: str, actor: Actor) -> None:
    """Give a hold's capacity back early (the citizen chose another time)."""
    with write_transaction():
        hold = Hold.objects.filter(pk=parse_uuid(hold_id, "hold")).first()
        if hold is not None:
            capacity.release(hold)  # announces the freed slot (the waitlist listens)
            hold.delete()
    if hold is None:
        raise BookingError(ErrorCode.HOLD_NOT_FOUND, "This reservation no longer exists.", "hold")


MAX_HOLD_EXTENSIONS = 10


def hold_limit(hold: Hold) -> datetime:
    """The latest a hold may run until, however often it is extended."""
    lifetime = (MAX_HOLD_EXTENSIONS + 1) * policy_for(hold.service).hold_duration
    return min(hold.created_at + lifetime, hold.starts_at)


def check_extendable(hold: Hold, now: datetime) -> datetime:
    """The new expiry of an extension now, or why there is none."""
    if hold.expires_at <= now:
        raise BookingError(
            ErrorCode.HOLD_EXPIRED, "This reservation has run out; choose a time again.", "hold"
        )
    until = min(now + policy_for(hold.service).hold_duration, hold_limit(hold))
    if until <= hold.expires_at:
        raise BookingError(
            ErrorCode.HOLD_EXTENSION_LIMIT,
            "This reservation cannot be extended any further.",
            "hold",
        )
    return until


def do_extend_hold(hold_id: str, actor: Actor, now: datetime | None = None) -> Hold:
    """Give the citizen the organization's hold time again, from now (see the module)."""
    now = now or timezone.now()
    with write_transaction():
        hold = (
            Hold.objects.select_for_update(of=("self",))
            .select_related("service__organization")
            .filter(pk=parse_uuid(hold_id, "hold"))
            .first()
        )
        if hold is None or not actor.may_act_in(hold.service.organization_id):
            raise BookingError(
                ErrorCode.HOLD_NOT_FOUND, "This reservation no longer exists.", "hold"
            )
        until = check_extendable(hold, now)
        # The hold's claims carry its expiry (capacity.py deletes expired ones before taking):
        # both move together, and only while the hold is still unexpired.
        if not capacity.extend_hold(hold, until, now):
            raise BookingError(
                ErrorCode.HOLD_EXPIRED, "This reservation has run out; choose a time again.", "hold"
            )
        hold.expires_at = until
        hold.save(update_fields=["expires_at"])
    return hold
