"""Holding a slot while the citizen types their details, and giving them more time.

Holds belong to whoever made them. holdSlot hands out a secret once (only its hash is
stored, like a booking's manage token); extendHold, releaseHold and booking from the hold
need it, and a wrong or missing secret is answered exactly like an unknown hold
(HOLD_NOT_FOUND), so hold ids are worth nothing to anybody else. A client keeps at most
HOLD_MAX_LIVE_PER_CLIENT live holds per network and per session (integrations: their own
HOLD_MAX_LIVE_PER_TOKEN; staff and the system are not capped): a bot cannot sit on a day's
seats however many requests it sends.

Extending (WCAG 2.2.1 Timing Adjustable). The citizen is warned two minutes before the hold
runs out and can ask for more time with one button (≥ 20 s to react); the hold then runs the
organization's hold time from now again. WCAG's "Extend" option would let a user extend at
least ten times; here a hold lives at most HOLD_MAX_LIFETIME_MINUTES (30) from when it was
taken, and extending is possible only in the last HOLD_EXTEND_WINDOW_SECONDS before expiry
(when the page offers it). That is the criterion's *essential exception*: a hold withholds a
scarce public resource from every other citizen, and letting one client keep it for hours
(ten extensions of ten minutes) would invalidate the allocation itself: the attack this
limits is exactly bots sitting on slots. What the time limit costs a slow user is small and
recoverable: nothing typed is lost when the hold runs out, and booking after expiry still
succeeds if the time is still free (services/booking.py takes the capacity again). Only an
unexpired hold can be extended: an expired one may have been taken by somebody else already.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import connection
from django.utils import timezone

from backend.accounts.tokens import hash_secret, new_secret, secret_matches
from backend.catalog.by_id import get_offered_service, parse_uuid
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.ratelimit import caller_keys, keyed_hash
from backend.core.transactions import write_transaction

from .. import capacity
from ..availability import check_bookable_start
from ..models import Hold
from ..policy import policy_for
from ..proof_of_work import ProofAttempt, Purpose, spend_proof


@dataclass(frozen=True)
class HoldOwner:
    """Who makes a hold, as the live-hold cap counts it (keyed hashes, never an address)."""

    network: str = ""
    client: str = ""
    max_live: int | None = None  # None: not capped (staff, the system)

    @classmethod
    def of(cls, request, actor: Actor) -> HoldOwner:
        if actor.kind == "staff":
            return cls()
        keys = caller_keys(request)
        if "token" in keys:
            return cls(
                client=keyed_hash(f"token:{keys['token']}"),
                max_live=settings.HOLD_MAX_LIVE_PER_TOKEN,
            )
        session = keys.get("session")
        return cls(
            network=keyed_hash(f"ip:{keys['ip']}"),
            client=keyed_hash(f"session:{session}") if session else "",
            max_live=settings.HOLD_MAX_LIVE_PER_CLIENT,
        )


@dataclass(frozen=True)
class HeldSlot:
    hold: Hold
    secret: str  # shown once; only its hash is stored


NOT_FOUND_MESSAGE = "This reservation no longer exists."


def hold_not_found() -> DomainError:
    return DomainError(ErrorCode.HOLD_NOT_FOUND, NOT_FOUND_MESSAGE, "hold")


def owns(hold: Hold, secret: str | None) -> bool:
    """Whether `secret` is this hold's. Holds without a secret (a waitlist offer's, made by
    the system) are nobody's to touch through the API."""
    return bool(secret and hold.secret_hash and secret_matches(secret, hold.secret_hash))


def do_hold_slot(
    service_id: str,
    location_id: str,
    start: datetime,
    actor: Actor,
    now: datetime | None = None,
    duration: timedelta | None = None,
    proof: ProofAttempt | None = None,
    reclaim_freed: bool = False,
    owner: HoldOwner | None = None,
) -> HeldSlot:
    """Reserve one unit of capacity at `start` until the organization's hold time (or
    `duration`, e.g. a waitlist offer's) runs out. Citizens pay with a proof of work.
    `reclaim_freed` is for waitlist offers only: they may take a freed place still in its
    cool-down (capacity.py)."""
    now = now or timezone.now()
    spend_proof(proof, Purpose.HOLD_SLOT, actor)
    owner = owner or HoldOwner()
    service, location = get_offered_service(service_id, location_id)
    if not actor.may_act_in(service.organization_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such service.", "service")
    plan = check_bookable_start(service, location, start, now)
    secret = new_secret()
    with write_transaction():
        _check_live_holds(owner, now)
        hold = Hold.objects.create(
            service=service,
            location=location,
            starts_at=start,
            ends_at=start + timedelta(minutes=service.duration_minutes),
            expires_at=now + (duration or policy_for(service).hold_duration),
            created_at=now,
            secret_hash=hash_secret(secret),
            network_key=owner.network,
            client_key=owner.client,
        )
        capacity.take(service, location, start, plan, hold, now, reclaim_freed=reclaim_freed)
    return HeldSlot(hold, secret)


def _check_live_holds(owner: HoldOwner, now: datetime) -> None:
    if owner.max_live is None:
        return
    live = Hold.objects.filter(expires_at__gt=now)
    for column, key in (("network_key", owner.network), ("client_key", owner.client)):
        if not key:
            continue
        serialize_on(key)
        if live.filter(**{column: key}).count() >= owner.max_live:
            raise DomainError(
                ErrorCode.TOO_MANY_HOLDS,
                f"You already hold {owner.max_live} times. Book or give one back first.",
                "start",
            )


def serialize_on(key: str) -> None:
    """Count-then-insert per owner under a lock: on PostgreSQL a transaction-scoped advisory
    lock on the key (concurrent requests of one bot would otherwise all see the old count);
    SQLite's write transactions are serial already."""
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def do_release_hold(hold_id: str, secret: str | None, actor: Actor) -> None:
    """Give a hold's capacity back early (the citizen chose another time)."""
    with write_transaction():
        hold = Hold.objects.filter(pk=parse_uuid(hold_id, "hold")).first()
        released = hold is not None and owns(hold, secret) and release_hold(hold)
    if not released:
        raise hold_not_found()


def release_hold(hold: Hold | UUID) -> bool:
    """Give a hold (or the hold with this id) back and delete it, inside the caller's
    transaction; the caller has checked its right to the hold. The freed slot cools down and
    is announced (capacity.freed: the waitlist's next in line). False when it is gone."""
    if not isinstance(hold, Hold):
        found = Hold.objects.filter(pk=hold).first()
        if found is None:
            return False
        hold = found
    capacity.release(hold)
    hold.delete()
    return True


def hold_limit(hold: Hold) -> datetime:
    """The latest a hold may run until, however often it is extended."""
    lifetime = timedelta(minutes=settings.HOLD_MAX_LIFETIME_MINUTES)
    return min(hold.created_at + lifetime, hold.starts_at)


def check_extendable(hold: Hold, now: datetime) -> datetime:
    """The new expiry of an extension now, or why there is none."""
    if hold.expires_at <= now:
        raise DomainError(
            ErrorCode.HOLD_EXPIRED, "This reservation has run out; choose a time again.", "hold"
        )
    until = min(now + policy_for(hold.service).hold_duration, hold_limit(hold))
    if until <= hold.expires_at:
        raise DomainError(
            ErrorCode.HOLD_EXTENSION_LIMIT,
            "This reservation cannot be extended any further.",
            "hold",
        )
    window = timedelta(seconds=settings.HOLD_EXTEND_WINDOW_SECONDS)
    if hold.expires_at - now > window:
        raise DomainError(
            ErrorCode.HOLD_EXTENSION_LIMIT,
            f"A reservation can be extended only in its last {window.seconds // 60} minutes.",
            "hold",
        )
    return until


def do_extend_hold(
    hold_id: str, secret: str | None, actor: Actor, now: datetime | None = None
) -> Hold:
    """Give the citizen the organization's hold time again, from now (see the module)."""
    now = now or timezone.now()
    with write_transaction():
        hold = (
            Hold.objects.select_for_update(of=("self",))
            .select_related("service__organization")
            .filter(pk=parse_uuid(hold_id, "hold"))
            .first()
        )
        if (
            hold is None
            or not owns(hold, secret)
            or not actor.may_act_in(hold.service.organization_id)
        ):
            raise hold_not_found()
        until = check_extendable(hold, now)
        # The hold's claims carry its expiry (capacity.py deletes expired ones before taking):
        # both move together, and only while the hold is still unexpired.
        if not capacity.extend_hold(hold, until, now):
            raise DomainError(
                ErrorCode.HOLD_EXPIRED, "This reservation has run out; choose a time again.", "hold"
            )
        hold.expires_at = until
        hold.save(update_fields=["expires_at"])
    return hold
