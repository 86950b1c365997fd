"""The one writer of a booking's status after it was created."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from backend.core.actors import Actor
from backend.core.events import Ref, record

from ..event_types import BookingStatusChanged
from ..models import Booking


def set_booking_status(
    booking_id: UUID,
    status: str,
    actor: Actor,
    now: datetime,
    *,
    only_from: Collection[str] | None = None,
) -> bool:
    """Move the booking to `status` and record it; False (nothing written) when its status
    is not one of `only_from`, e.g. when a concurrent request moved it first. Runs in the
    caller's transaction (the queue's), which it requires: the row stays locked until the
    caller commits, so the recorded previous status is the real one."""
    row = (
        Booking.objects.select_for_update()
        .filter(pk=booking_id)
        .values_list("status", "organization_id")
        .first()
    )
    if row is None:
        return False
    previous, organization_id = row
    if only_from is not None and previous not in only_from:
        return False
    if previous == status:
        return True
    Booking.objects.filter(pk=booking_id).update(status=status, updated_at=now)
    record(
        BookingStatusChanged,
        actor,
        Ref("booking", booking_id),
        organization_id=organization_id,
        at=now,
        previous=previous,
        status=status,
    )
    return True
