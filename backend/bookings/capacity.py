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
5. Freed capacity cools down (ops/adr/0007-freed-slot-cooldown.md): a released claim is not
   deleted but loses its owner and keeps blocking until a random moment; only a waitlist
   offer may take it over before then. A hold's claims block that long past the hold's own
   expiry, so an expired hold cools down too without depending on the purge job.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from backend.availability.engine import DayPlan, free_resources_at, resource_free_time
from backend.catalog.models import Location, Resource, Service
from backend.core.actors import SYSTEM
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record

from .calendars import location_zone, resource_calendars, service_rule
from .event_types import CapacityFreed
from .models import Booking, Claim, Hold

SLOT_TAKEN_MESSAGE = "This time was just taken. Please choose another one."


def cooldown() -> timedelta:
    """A fresh random delay in the configured window (zero when disabled). Drawn from the
    OS's CSPRNG: a bot must not be able to predict the moment a place comes back."""
    low = max(0, settings.FREED_SLOT_COOLDOWN_MIN_SECONDS)
    high = settings.FREED_SLOT_COOLDOWN_MAX_SECONDS
    if high <= 0:
        return timedelta(0)
    low = min(low, high)
    return timedelta(seconds=low + secrets.randbelow(high - low + 1))


def _hold_claims_until(hold: Hold) -> datetime:
    """When a hold's claims stop blocking: its expiry plus a cool-down."""
    return hold.expires_at + cooldown()


def _owner_fields(owner: Hold | Booking) -> dict:
    if isinstance(owner, Hold):
        return {"hold": owner, "expires_at": _hold_claims_until(owner)}
    return {"booking": owner}


def _cooling(now: datetime):
    """Freed claims still in their cool-down: owned by nobody, not yet expired."""
    return Claim.objects.filter(hold__isnull=True, booking__isnull=True, expires_at__gt=now)


def take(
    service: Service,
    location: Location,
    start: datetime,
    plan: DayPlan,
    owner: Hold | Booking,
    now: datetime,
    reclaim_freed: bool = False,
) -> Resource | None:
    """Claim capacity for `owner` at `start`; return the assigned staff member, if any.

    With `reclaim_freed` (only for a waitlist offer) a place of this very slot that is still
    cooling down is taken over first. Must run inside transaction.atomic(). Raises
    DomainError(SLOT_TAKEN) when full.
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
        if not (reclaim_freed and _reclaim_seat(base, now)):
            _take_seat(base, rule.capacity, now)
        return None
    reclaimed = _reclaim_resources(base, rule.needs, now) if reclaim_freed else {}
    return _take_resources(service, location, start, plan, base, now, reclaimed)


_OWNED = ("hold", "booking", "expires_at")


def _reclaim_seat(base: dict, now: datetime) -> bool:
    """Take over one cooling seat of the slot. The conditional UPDATE is the guard: of two
    offers for the same seat, the second finds it owned (PostgreSQL re-checks the WHERE
    after waiting for the row lock; SQLite has one writer) and tries the next one."""
    owned = {k: base.get(k) for k in _OWNED}
    cooling = _cooling(now).filter(
        location=base["location"], service=base["service"], start=base["start"]
    )
    for pk in cooling.values_list("pk", flat=True):
        if _cooling(now).filter(pk=pk).update(**owned):
            return True
    return False


def _reclaim_resources(base: dict, needs, now: datetime) -> dict[str, UUID]:
    """Take over cooling resource claims of this very slot, one per needed kind, all or
    none; {kind: resource id}. Kinds, then resources by name and id: the order every claim
    locks in."""
    owned = {k: base.get(k) for k in _OWNED}
    cooling = _cooling(now).filter(
        location=base["location"],
        service=base["service"],
        start=base["start"],
        busy_from=base["busy_from"],
        busy_until=base["busy_until"],
    )
    reclaimed: dict[str, UUID] = {}
    sid = transaction.savepoint()
    for kind in sorted(needs):
        candidates = cooling.filter(resource__kind=kind).order_by("resource__name", "resource")
        for claim_pk, resource_id in candidates.values_list("pk", "resource_id"):
            # The same lock as a new claim takes (see _lock_resource): an UPDATE of a row
            # under the exclusion constraint re-checks it like an insert.
            _lock_resource(resource_id)
            if _cooling(now).filter(pk=claim_pk).update(**owned):
                reclaimed[kind] = resource_id
                break
        else:
            # Not all of it is cooling: give back what was taken over (and its row locks)
            # and claim the slot the ordinary way.
            transaction.savepoint_rollback(sid)
            return {}
    transaction.savepoint_commit(sid)
    return reclaimed


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
    raise DomainError(ErrorCode.SLOT_TAKEN, SLOT_TAKEN_MESSAGE, "start")


def _take_resources(
    service: Service,
    location: Location,
    start: datetime,
    plan: DayPlan,
    base: dict,
    now: datetime,
    reclaimed: dict[str, UUID],
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
    assigned: dict[str, UUID] = dict(reclaimed)
    for kind in sorted(rule.needs):
        if kind in assigned:
            continue
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
            raise DomainError(ErrorCode.SLOT_TAKEN, SLOT_TAKEN_MESSAGE, "start")
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
    """Move an unexpired hold's claims to the booking; False when the hold has run out.

    The hold's own expiry decides (its claims block a cool-down longer, see the module); a
    run-out hold's claims start cooling now and are announced to the waitlist."""
    moved = Claim.objects.filter(hold=hold, hold__expires_at__gt=now).update(
        hold=None, booking=booking, expires_at=None
    )
    if not moved:
        _free_expired_holds(Hold.objects.filter(pk=hold.pk), now)
    Hold.objects.filter(pk=hold.pk).delete()
    return moved > 0


def extend_hold(hold: Hold, until: datetime, now: datetime) -> bool:
    """Move the claims of an unexpired hold along with its new expiry; False when it has
    run out meanwhile."""
    return (
        Claim.objects.filter(hold=hold, hold__expires_at__gt=now).update(
            expires_at=until + cooldown()
        )
        > 0
    )


def held_staff(booking: Booking) -> Resource | None:
    claim = (
        Claim.objects.filter(booking=booking, resource__kind=Resource.Kind.STAFF)
        .select_related("resource")
        .first()
    )
    return claim.resource if claim else None


def release(owner: Hold | Booking, keep: Q | None = None, now: datetime | None = None) -> int:
    """Give back an owner's capacity (all of it, or all but `keep`); the freed slots are
    announced after commit as `capacity.freed` (the waitlist listens). With a cool-down the
    claims stay, owned by nobody, until a random moment from now."""
    claims = Claim.objects.filter(**{"hold" if isinstance(owner, Hold) else "booking": owner})
    if keep is not None:
        claims = claims.exclude(keep)
    delay = cooldown()
    if not delay:
        return _delete_and_announce(claims)
    freed = _freed_slots(claims)
    released = claims.update(hold=None, booking=None, expires_at=(now or timezone.now()) + delay)
    _announce(freed)
    return released


def _freed_slots(claims) -> set:
    return set(claims.values_list("service_id", "location_id", "start"))


def _announce(freed: set) -> None:
    for service_id, location_id, start in freed:
        record(CapacityFreed, SYSTEM, service_id=service_id, location_id=location_id, start=start)


def _delete_and_announce(claims) -> int:
    freed = _freed_slots(claims)
    deleted, _ = claims.delete()
    _announce(freed)
    return deleted


def _free_expired_holds(expired, now: datetime) -> None:
    """Claims of run-out holds: those still in their cool-down lose their owner and keep
    blocking (their moment was drawn when the hold was taken), the others go."""
    claims = Claim.objects.filter(hold__in=expired)
    freed = _freed_slots(claims)
    claims.filter(expires_at__gt=now).update(hold=None)
    claims.filter(expires_at__lte=now).delete()
    _announce(freed)


def purge_expired(now: datetime) -> int:
    """Free the claims of expired holds, delete the holds and cooled-down claims (the
    periodic tidy-up; taking capacity never waits for it); returns the holds."""
    expired = Hold.objects.filter(expires_at__lte=now)
    _free_expired_holds(expired, now)
    Claim.objects.filter(hold__isnull=True, booking__isnull=True, expires_at__lte=now).delete()
    _total, by_model = expired.delete()
    return by_model.get(Hold._meta.label, 0)
