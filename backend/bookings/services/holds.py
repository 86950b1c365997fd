"""Holding a slot while the citizen types their details."""

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
) -> Hold:
    """Reserve one unit of capacity at `start` until the organization's hold time (or
    `duration`, e.g. a waitlist offer's) runs out."""
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
        capacity.take(service, location, start, plan, hold, now)
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
