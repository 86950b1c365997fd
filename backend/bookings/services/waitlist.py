"""A fair waitlist: joining, confirming the address, leaving, and the rules of a place.

A new entry is pending until its e-mail address is confirmed with the link sent to it
(double opt-in): only confirmed entries count, queue and get offers, so nobody can fill the
list with addresses they do not own. The confirmation secret is derived like the entry's
token but for another purpose, and only the message carries it: joinWaitlist answers with
the entry's token alone, so whoever joins with an address they cannot read never gets past
"pending"; after WAITLIST_CONFIRM_HOURS such entries expire.

The size limit is per service and location (the organization's waitlist_max_size, else
WAITLIST_MAX_SIZE; "any location" is a list of its own), so filling one list locks nobody
out of the others; it counts the entries still waiting or offered a slot, and is checked on
joining and again on confirming. Both lock the organization's row, so on PostgreSQL two at
the same moment cannot both take the last place. The last day may be at most the service's
booking horizon. Offers of freed slots: waitlist_offers.py. What the messages say and how
they go out: backend/notifications (it reacts to the events recorded here)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from backend.catalog.by_id import get_location, get_service, parse_uuid
from backend.catalog.models import Location, Organization
from backend.core.actors import SYSTEM, Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.links import waitlist_link
from backend.core.ratelimit import hit
from backend.core.transactions import write_transaction

from ..contact import check_contact
from ..event_types import WaitlistConfirmed, WaitlistExpired, WaitlistJoined, WaitlistLeft
from ..models import WaitlistEntry
from ..policy import policy_for
from ..proof_of_work import ProofAttempt, Purpose, spend_proof
from ..tokens import manage_token, new_salt
from .holds import release_hold

Status = WaitlistEntry.Status
ACTIVE = (Status.WAITING, Status.OFFERED)


@dataclass(frozen=True)
class JoinedWaitlist:
    entry: WaitlistEntry
    token: str  # for the entry's link (/waitlist/<id>#<token>); derived, not stored


def entry_token(entry: WaitlistEntry) -> str:
    return manage_token(f"waitlist:{entry.pk}", entry.token_salt)


def confirmation_token(entry: WaitlistEntry) -> str:
    return manage_token(f"waitlist-confirm:{entry.pk}", entry.token_salt)


def entry_link(entry: WaitlistEntry) -> str:
    return waitlist_link(entry.pk, entry_token(entry))


def confirmation_link(entry: WaitlistEntry) -> str:
    return waitlist_link(entry.pk, f"{entry_token(entry)}.{confirmation_token(entry)}")


def confirm_by(entry: WaitlistEntry) -> datetime:
    return entry.created_at + timedelta(hours=settings.WAITLIST_CONFIRM_HOURS)


def access_entry(entry_id: str, token: str) -> WaitlistEntry:
    entry = (
        WaitlistEntry.objects.select_related(
            "service__organization", "location", "offer_location__organization"
        )
        .filter(pk=parse_uuid(entry_id, "entry"))
        .first()
    )
    if entry is None or not hmac.compare_digest(entry_token(entry), token or ""):
        raise DomainError(ErrorCode.NOT_FOUND, "No waitlist entry with this link.", "entry")
    return entry


def max_size(organization: Organization) -> int:
    configured = organization.waitlist_max_size
    return configured if configured is not None else settings.WAITLIST_MAX_SIZE


def active_entries(organization_id, today: date):
    """The entries that take a place: confirmed, waiting or offered, last day not over."""
    return WaitlistEntry.objects.filter(
        organization_id=organization_id, status__in=ACTIVE, last_day__gte=today
    )


def check_room(
    organization: Organization, service_id, location_id, email: str, today: date
) -> None:
    """Raise unless the entry may take a place: not on this list yet, and the list of this
    service and location is not full. Call with the organization's row locked."""
    active = active_entries(organization.pk, today)
    if active.filter(service_id=service_id, email__iexact=email).exists():
        raise DomainError(
            ErrorCode.ALREADY_ON_WAITLIST,
            "You are already on the waitlist for this service.",
            "email",
        )
    if active.filter(service_id=service_id, location_id=location_id).count() >= max_size(
        organization
    ):
        raise DomainError(ErrorCode.WAITLIST_FULL, "The waitlist is full.", "service")


def lock_organization(organization_id) -> Organization:
    """Joins and confirmations of one organization queue here (a row lock on PostgreSQL;
    SQLite has one writer anyway), so a count is still true when the entry is added.
    FOR NO KEY UPDATE: bookings referencing the organization are not held up."""
    return (
        Organization.objects.select_for_update(no_key=True)
        .only("pk", "waitlist_max_size")
        .get(pk=organization_id)
    )


def check_last_day(service, location: Location | None, last_day: date, now: datetime) -> None:
    """The last day may be at most the booking horizon: later days cannot be booked yet, and
    entries for them would sit on the list for months."""
    zone = ZoneInfo(location.timezone_name if location else settings.TIME_ZONE)
    horizon = policy_for(service).window(now, zone).last_day
    if last_day > horizon:
        raise DomainError(
            ErrorCode.OUTSIDE_BOOKING_WINDOW,
            f"'lastDay' may be at most {horizon.isoformat()}, the last day that can be booked.",
            "lastDay",
        )


def do_join_waitlist(
    service_id: str,
    location_id: str | None,
    first_day: date,
    last_day: date,
    name: str,
    email: str,
    phone: str | None,
    language: str | None,
    channel: str | None,
    actor: Actor,
    now: datetime | None = None,
    proof: ProofAttempt | None = None,
) -> JoinedWaitlist:
    now = now or timezone.now()
    if not settings.WAITLIST_ENABLED:
        raise DomainError(ErrorCode.WAITLIST_DISABLED, "There is no waitlist here.")
    spend_proof(proof, Purpose.JOIN_WAITLIST, actor)
    contact = check_contact(name, email, phone, language, channel)
    if actor.kind != "staff":
        # Each join mails the address (double opt-in): counted per address, before the
        # write transaction, so a refused attempt still counts (backend/core/ratelimit.py).
        hit("joinWaitlist", email=contact.email.lower())
    service = get_service(service_id)
    location: Location | None = None
    if location_id:
        location = get_location(location_id)
        if not service.locations.filter(pk=location.pk, is_active=True).exists():
            raise DomainError(
                ErrorCode.SERVICE_NOT_OFFERED,
                "This service is not offered at this location.",
                "service",
            )
    if last_day < first_day:
        raise DomainError(
            ErrorCode.INVALID_DATE_RANGE, "'lastDay' is before 'firstDay'.", "lastDay"
        )
    today = timezone.localdate(now)
    if last_day < today:
        raise DomainError(ErrorCode.OUTSIDE_BOOKING_WINDOW, "These days have passed.", "lastDay")
    check_last_day(service, location, last_day, now)
    with write_transaction():
        organization = lock_organization(service.organization_id)
        # Checked now to answer at once, and again on confirming (only that takes a place).
        check_room(
            organization, service.pk, location.pk if location else None, contact.email, today
        )
        entry = WaitlistEntry.objects.create(
            organization_id=service.organization_id,
            service=service,
            location=location,
            first_day=first_day,
            last_day=last_day,
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            language=contact.language,
            channel=contact.channel,
            token_salt=new_salt(),
            status=Status.PENDING,
        )
        # Its subscribers send the message with the confirmation link.
        record(
            WaitlistJoined,
            actor,
            entry,
            service_id=service.pk,
            location_id=location.pk if location else None,
            first_day=first_day,
            last_day=last_day,
        )
    return JoinedWaitlist(entry, entry_token(entry))


def do_confirm_entry(
    entry_id: str, token: str, confirmation: str, actor: Actor, now: datetime | None = None
) -> WaitlistEntry:
    """The link from the message: the entry takes its place on the list (if there is room).
    Confirming twice is harmless."""
    now = now or timezone.now()
    entry = access_entry(entry_id, token)
    if not hmac.compare_digest(confirmation_token(entry), confirmation or ""):
        raise DomainError(ErrorCode.NOT_FOUND, "No waitlist entry with this link.", "confirmation")
    if entry.confirmed_at is not None:
        return entry
    if entry.status != Status.PENDING or confirm_by(entry) <= now:
        raise DomainError(
            ErrorCode.CONFIRMATION_EXPIRED,
            "This confirmation link has run out; please join the waitlist again.",
            "confirmation",
        )
    with write_transaction():
        organization = lock_organization(entry.organization_id)
        check_room(
            organization, entry.service_id, entry.location_id, entry.email, timezone.localdate(now)
        )
        if WaitlistEntry.objects.filter(pk=entry.pk, status=Status.PENDING).update(
            status=Status.WAITING, confirmed_at=now
        ):
            record(WaitlistConfirmed, actor, entry)
    entry.refresh_from_db()
    return entry


def do_leave_waitlist(entry_id: str, token: str, actor: Actor) -> WaitlistEntry:
    """Off the list; an open offer's slot goes to the next in line."""
    entry = access_entry(entry_id, token)
    with write_transaction():
        if entry.offer_hold_id is not None:
            release_hold(entry.offer_hold_id)
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=Status.LEFT, offer_hold=None)
        record(WaitlistLeft, actor, entry, previous=entry.status)
    entry.refresh_from_db()
    return entry


def expire_entries(now: datetime | None = None) -> int:
    """Entries still waiting after their last day end: they no longer take a place. So do
    entries whose e-mail address was not confirmed in time."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    expired = 0
    unconfirmed_since = now - timedelta(hours=settings.WAITLIST_CONFIRM_HOURS)
    ended = WaitlistEntry.objects.filter(
        Q(status=Status.WAITING, last_day__lt=today)
        | Q(status=Status.PENDING, last_day__lt=today)
        | Q(status=Status.PENDING, created_at__lte=unconfirmed_since)
    )
    for entry in ended.only("pk", "organization_id", "status"):
        with write_transaction():
            if WaitlistEntry.objects.filter(pk=entry.pk, status=entry.status).update(
                status=Status.EXPIRED
            ):
                record(WaitlistExpired, SYSTEM, entry, previous=entry.status)
                expired += 1
    return expired
