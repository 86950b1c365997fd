"""Booking an appointment, from a hold or directly, optionally with an idempotency key."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.tokens import hash_secret
from backend.catalog.by_id import get_offered_service, parse_uuid
from backend.core.actors import Actor, ActorKind
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.ratelimit import hit
from backend.core.transactions import write_transaction

from .. import capacity, idempotency
from ..availability import check_bookable_start
from ..codes import new_code
from ..contact import Contact, check_contact
from ..event_types import BookingCreated
from ..models import Booking, Hold, IdempotencyRecord
from ..proof_of_work import ProofAttempt, Purpose, spend_proof
from ..tokens import manage_token, new_salt
from .holds import hold_not_found, owns, serialize_on


@dataclass(frozen=True)
class BookingRequest:
    name: str
    email: str
    phone: str | None = None
    language: str | None = None
    channel: str | None = None
    hold_id: str | None = None
    hold_secret: str | None = None
    # The caller proved its right to the hold another way (a waitlist entry's token).
    hold_verified: bool = False
    service_id: str | None = None
    location_id: str | None = None
    start: datetime | None = None
    source: str = Booking.Source.WEB
    idempotency_key: str | None = None
    # Who sends the key (idempotency.caller_scope); required with a key.
    idempotency_scope: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    manage_token: str  # shown once; only its hash is stored
    replayed: bool = False


CITIZEN_SOURCES = frozenset({Booking.Source.WEB, Booking.Source.EMBED, Booking.Source.KIOSK})


def booking_source(actor: Actor, requested: str | None) -> str:
    """Where a booking comes from, as far as the caller may say: integrations always book as
    `api`; staff say where (default `staff`); citizens cannot claim to be staff or an API."""
    if actor.kind == ActorKind.INTEGRATION:
        return Booking.Source.API
    if actor.kind == ActorKind.STAFF:
        return requested or Booking.Source.STAFF
    return requested if requested in CITIZEN_SOURCES else Booking.Source.WEB


class _SameKeyInFlight(Exception):
    """Another request with the same idempotency key committed first."""


def do_book_appointment(
    request: BookingRequest,
    actor: Actor,
    now: datetime | None = None,
    proof: ProofAttempt | None = None,
) -> BookingResult:
    now = now or timezone.now()
    contact = check_contact(
        request.name, request.email, request.phone, request.language, request.channel
    )
    if actor.kind != "staff":
        # Per person, whatever the address: counted before the write transaction, so a
        # refused attempt still counts (backend/core/ratelimit.py).
        hit("bookAppointment", email=_alias_free(contact.email), phone=contact.phone or None)
    key = idempotency.check_key(request.idempotency_key) if request.idempotency_key else None
    scope = request.idempotency_scope or ""
    assert key is None or scope, "an idempotency key needs the caller's scope"
    # The request as sent, not as resolved: a retry after a lost response must replay even
    # though the booking consumed its hold meanwhile.
    fingerprint = idempotency.fingerprint(
        {
            "hold": request.hold_id,
            "service": request.service_id if not request.hold_id else None,
            "location": request.location_id if not request.hold_id else None,
            "start": request.start.isoformat() if request.start and not request.hold_id else None,
            "contact": asdict(contact),
            "source": request.source,
        }
    )
    if key and (earlier := idempotency.find(scope, key)):
        return _replay(earlier, fingerprint, actor)
    # After the replay: a retry of a booking that was made changes nothing, so costs nothing.
    spend_proof(proof, Purpose.BOOK_APPOINTMENT, actor)
    hold, service, location, start = _target(request)
    if not actor.may_act_in(service.organization_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such service.", "service")
    plan = check_bookable_start(service, location, start, now)
    booking_id, salt = uuid.uuid4(), new_salt()
    token = manage_token(booking_id, salt)
    try:
        with write_transaction():
            if actor.kind != "staff":
                _check_open_bookings(service, contact, now)
            booking = _insert_booking(
                service,
                location,
                start,
                contact,
                request.source,
                actor,
                id=booking_id,
                token_salt=salt,
                manage_token_hash=hash_secret(token),
            )
            if key:
                _record_key(booking, idempotency.key_hash(scope, key), fingerprint)
            staff = _take_capacity(hold, booking, service, location, start, plan, now)
            if staff is not None:
                booking.assigned_staff = staff
                booking.save(update_fields=["assigned_staff"])
            record(
                BookingCreated, actor, booking, source=request.source, from_hold=hold is not None
            )
    except _SameKeyInFlight:
        assert key is not None and scope  # only raised while recording a key
        earlier = idempotency.find(scope, key)
        assert earlier is not None  # the winner committed it
        return _replay(earlier, fingerprint, actor)
    return BookingResult(booking, token)


def _target(request: BookingRequest):
    if request.hold_id:
        hold = (
            Hold.objects.select_related("service__organization", "location__organization")
            .filter(pk=parse_uuid(request.hold_id, "hold"))
            .first()
        )
        if hold is None or not (request.hold_verified or owns(hold, request.hold_secret)):
            raise hold_not_found()
        return hold, hold.service, hold.location, hold.starts_at
    if not (request.service_id and request.location_id and request.start):
        raise DomainError(
            ErrorCode.SLOT_UNAVAILABLE,
            "Give a hold, or a service, a location and a start.",
            "start",
        )
    service, location = get_offered_service(request.service_id, request.location_id)
    return None, service, location, request.start


def _alias_free(email: str) -> str:
    """One mailbox, one count: "anna+1@x.de" and "anna+2@x.de" are the same person."""
    local, _at, domain = email.lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _check_open_bookings(service, contact: Contact, now: datetime) -> None:
    """At most BOOKING_MAX_OPEN_PER_CONTACT future confirmed bookings per e-mail and per
    phone for one service of one organization (staff book past it)."""
    limit = settings.BOOKING_MAX_OPEN_PER_CONTACT
    open_bookings = Booking.objects.filter(
        service=service, status=Booking.Status.CONFIRMED, starts_at__gt=now
    )
    for kind, value in (("email", contact.email), ("phone", contact.phone)):
        if not value:
            continue
        serialize_on(f"open-bookings:{service.pk}:{value}")
        if open_bookings.filter(**{f"{kind}__iexact": value}).count() >= limit:
            raise DomainError(
                ErrorCode.TOO_MANY_BOOKINGS,
                f"There are already {limit} open appointments for this service with this "
                f"{'e-mail address' if kind == 'email' else 'phone number'}.",
                kind,
            )


def _insert_booking(
    service, location, start, contact: Contact, source, actor, **secrets: object
) -> Booking:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Booking.objects.create(
                    organization_id=service.organization_id,
                    location=location,
                    service=service,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=service.duration_minutes),
                    code=new_code(),
                    **secrets,
                    name=contact.name,
                    email=contact.email,
                    phone=contact.phone,
                    language=contact.language,
                    channel=contact.channel,
                    source=source,
                    created_by=actor.user,
                )
        except IntegrityError:
            continue  # the random code exists already: draw another
    raise DomainError(ErrorCode.BUSY, "Could not issue a booking code. Please try again.")


def _record_key(booking: Booking, key_hash: str, fingerprint: str) -> None:
    """Insert the key first, before taking capacity: concurrent requests with the same key
    wait here on the unique index and then replay, instead of competing for seats."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                organization_id=booking.organization_id,
                key_hash=key_hash,
                fingerprint=fingerprint,
                booking=booking,
            )
    except IntegrityError:
        raise _SameKeyInFlight from None


def _take_capacity(hold, booking, service, location, start, plan, now):
    if hold is not None:
        if capacity.convert_hold(hold, booking, now):
            return capacity.held_staff(booking)
        try:
            return capacity.take(service, location, start, plan, booking, now)
        except DomainError as exc:
            if exc.code == ErrorCode.SLOT_TAKEN:
                raise DomainError(
                    ErrorCode.HOLD_EXPIRED,
                    "Your reservation ran out and the time was taken meanwhile.",
                    "hold",
                ) from exc
            raise
    return capacity.take(service, location, start, plan, booking, now)


def _replay(earlier: IdempotencyRecord, fingerprint: str, actor: Actor) -> BookingResult:
    """Only the caller that made the record finds it (the key is hashed with its scope);
    the permission is checked again all the same before anything of the booking is shown."""
    if not actor.may_act_in(earlier.organization_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such service.", "service")
    if earlier.fingerprint != fingerprint:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used for a different booking.",
            "idempotencyKey",
        )
    booking = earlier.booking
    return BookingResult(booking, manage_token(booking.pk, booking.token_salt), replayed=True)
