"""The one place where holds and bookings take and give back capacity.

Rules (ops/adr/0001-capacity-claims.md):
1. Capacity is taken only by inserting Claim rows, inside the caller's transaction, as its
   last step before commit ("lock late and once").
2. The database decides: a pool seat is unique per (location, service, start, seat) and a
   resource's claims never overlap (exclusion constraint / trigger). An IntegrityError means
   somebody else was faster: try the next seat or resource, then give up with SLOT_TAKEN.
   Before claiming a resource its row is locked, so concurrent claims queue instead of
   deadlocking inside the exclusion constraint.
3. Expired hold claims are deleted before taking, in the same transaction, so they never
   block a booking, and the periodic purge only tidies up.
4. Lock waits that run out (SQLite busy timeout, PostgreSQL deadlock) become BUSY.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Q

from backend.availability.engine import DayPlan, free_resources_at, resource_free_time
from backend.catalog.models import Location, Resource, Service
from backend.core.events import emit

from .calendars import location_zone, resource_calendars, service_rule
from .errors import BookingError, ErrorCode
from .models import Booking, Claim, Hold

SLOT_TAKEN_MESSAGE = "This time was just taken. Please choose another one."


def _owner_fields(owner: Hold | Booking) -> dict:
    if isinstance(owner, Hold):
        return {"hold": owner, "expires_at": owner.expires_at}
    return {"booking": owner}


def take(
    service: Service,
    location: Location,
    start: datetime,
    plan: DayPlan,
    owner: Hold | Booking,
    now: datetime,
) -> Resource | None:
    """Claim capacity for `owner` at `start`; return the assigned staff member, if any.

    Must run inside transaction.atomic(). Raises BookingError(SLOT_TAKEN) when full.
    """
    rule = service_rule(service)
    busy_from, busy_until = rule.occupied(start)
    base = {
        "location": location,
        "service": service,
        "start": start,
        "busy_from": busy_from,
        "busy_until": busy_until,
        **_owner_fields(owner),
    }
    if rule.is_pool:
        _take_seat(base, rule.capacity, now)
        return None
    return _take_resources(service, location, start, plan, base, now)


def _take_seat(base: dict, capacity: int, now: datetime) -> None:
    slot = Claim.objects.filter(
        location=base["location"], service=base["service"], start=base["start"]
    )
    slot.filter(expires_at__lte=now).delete()
    for _attempt in range(capacity):
        taken = set(slot.values_list("seat", flat=True))
        free = [seat for seat in range(capacity) if seat not in taken]
        if len(taken) >= capacity or not free:
            break
        try:
            with transaction.atomic():
                Claim.objects.create(seat=free[0], capacity=capacity, **base)
            return
        except IntegrityError:
            continue  # another transaction took that seat first: look again
    raise BookingError(ErrorCode.SLOT_TAKEN, SLOT_TAKEN_MESSAGE, "start")


def _take_resources(
    service: Service, location: Location, start: datetime, plan: DayPlan, base: dict, now: datetime
) -> Resource | None:
    rule = service_rule(service)
    tz = location_zone(location)
    Claim.objects.filter(
        resource__location=location,
        expires_at__lte=now,
        busy_from__lt=base["busy_until"],
        busy_until__gt=base["busy_from"],
    ).delete()
    calendars = resource_calendars(service, location, base["busy_from"], base["busy_until"], now)
    free_time = {c.id: (c.kind, resource_free_time(plan, c, tz)) for c in calendars}
    candidates = free_resources_at(start, rule, free_time)
    assigned: dict[str, UUID] = {}
    for kind in sorted(rule.needs):
        for resource_id in candidates[kind]:
            try:
                with transaction.atomic():
                    _lock_resource(cast(UUID, resource_id))
                    Claim.objects.create(resource_id=cast(UUID, resource_id), **base)
                assigned[kind] = cast(UUID, resource_id)
                break
            except IntegrityError:
                continue  # taken concurrently: the next qualified resource
        else:
            raise BookingError(ErrorCode.SLOT_TAKEN, SLOT_TAKEN_MESSAGE, "start")
    staff_id = assigned.get(Resource.Kind.STAFF)
    return Resource.objects.get(pk=staff_id) if staff_id else None


def _lock_resource(resource_id: UUID) -> None:
    """Queue up behind any transaction that is claiming this resource right now.

    PostgreSQL's exclusion constraint lets two transactions that insert overlapping claims
    wait for each other, which ends in a deadlock (seen under load: 1 s lost per deadlock).
    Taking the resource's row lock first makes them wait in line instead; the constraint then
    rejects the second insert at once. Locks are taken in the engine's candidate order (kind,
    name, id), the same in every transaction, so they cannot form a cycle. SQLite serialises
    writers anyway (BEGIN IMMEDIATE) and ignores the lock.
    """
    list(Resource.objects.select_for_update(no_key=True).filter(pk=resource_id).values("pk"))


def convert_hold(hold: Hold, booking: Booking, now: datetime) -> bool:
    """Move an unexpired hold's claims to the booking; False when the hold has run out."""
    moved = Claim.objects.filter(hold=hold, expires_at__gt=now).update(
        hold=None, booking=booking, expires_at=None
    )
    Hold.objects.filter(pk=hold.pk).delete()
    return moved > 0


def held_staff(booking: Booking) -> Resource | None:
    claim = (
        Claim.objects.filter(booking=booking, resource__kind=Resource.Kind.STAFF)
        .select_related("resource")
        .first()
    )
    return claim.resource if claim else None


def release(owner: Hold | Booking, keep: Q | None = None) -> int:
    """Give back an owner's capacity (all of it, or all but `keep`); the freed slots are
    announced after commit as `capacity.freed` (the waitlist listens)."""
    claims = Claim.objects.filter(**{"hold" if isinstance(owner, Hold) else "booking": owner})
    if keep is not None:
        claims = claims.exclude(keep)
    return _delete_and_announce(claims)


def _delete_and_announce(claims) -> int:
    freed = set(claims.values_list("service_id", "location_id", "start"))
    deleted, _ = claims.delete()
    for service_id, location_id, start in freed:
        emit("capacity.freed", service_id=service_id, location_id=location_id, start=start)
    return deleted


def purge_expired(now: datetime) -> int:
    """Delete expired holds and their claims (the periodic tidy-up); returns the holds."""
    expired = Hold.objects.filter(expires_at__lte=now)
    _delete_and_announce(Claim.objects.filter(hold__in=expired))
    _total, by_model = expired.delete()
    return by_model.get(Hold._meta.label, 0)
