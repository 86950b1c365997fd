"""A fair waitlist: first come, first offered.

When capacity frees (a cancellation, a reschedule, a hold that ran out or was released), the
oldest waiting entry whose service, location and date window match is offered that slot: it
is held for them (a real Hold, so the database guarantees that one freed place is never
offered twice) for WAITLIST_OFFER_MINUTES, and they confirm with one click from the message.
If the offer runs out, the entry is marked missed, the hold is released, and the freed slot
goes to the next entry in line; if they decline it, it goes to the next one at once and they
keep waiting for another slot. Entries whose last day has passed end (expired).

A new entry is pending until its e-mail address is confirmed with the link sent to it
(double opt-in, waitlist_optin.py); only confirmed entries count, queue and get offers, so
nobody can fill the list with addresses they do not own. The size limit is per service and
location (the organization's waitlist_max_size, else WAITLIST_MAX_SIZE; "any location" is a
list of its own), so filling one list locks nobody out of the others; it counts the entries
still waiting or offered a slot, and is checked on joining and again on confirming. Both lock
the organization's row, so on PostgreSQL two at the same moment cannot both take the last
place. The last day may be at most the service's booking horizon."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backend.accounts.actors import SYSTEM, Actor
from backend.bookings import capacity
from backend.bookings.contact import check_contact
from backend.bookings.errors import BookingError, ErrorCode
from backend.bookings.models import Booking, Hold
from backend.bookings.policy import policy_for
from backend.bookings.proof_of_work import PAID_EARLIER, ProofAttempt, Purpose, spend_proof
from backend.bookings.services.booking import BookingRequest, BookingResult, do_book_appointment
from backend.bookings.services.holds import do_hold_slot
from backend.bookings.services.lookup import get_location, get_service, parse_uuid
from backend.bookings.services.transactions import write_transaction
from backend.bookings.tokens import manage_token, new_salt
from backend.catalog.models import Location, Organization
from backend.core.audit import log_action
from backend.core.ratelimit import hit

from . import messages
from .catalog import text
from .channels import TransientError
from .channels.email import send_email
from .channels.push import send_push_to_all
from .channels.sms import send_sms
from .dispatch import deliver, skip_unsent
from .models import Channel, Delivery, Kind, WaitlistEntry

Status = WaitlistEntry.Status
ACTIVE = (Status.WAITING, Status.OFFERED)


@dataclass(frozen=True)
class JoinedWaitlist:
    entry: WaitlistEntry
    token: str  # for the entry's link (/waitlist/<id>#<token>); derived, not stored


def entry_token(entry: WaitlistEntry) -> str:
    return manage_token(f"waitlist:{entry.pk}", entry.token_salt)


def entry_link(entry: WaitlistEntry) -> str:
    return f"{settings.PUBLIC_BASE_URL}/waitlist/{entry.pk}#{entry_token(entry)}"


def access_entry(entry_id: str, token: str) -> WaitlistEntry:
    entry = (
        WaitlistEntry.objects.select_related(
            "service__organization", "location", "offer_location__organization"
        )
        .filter(pk=parse_uuid(entry_id, "entry"))
        .first()
    )
    if entry is None or not hmac.compare_digest(entry_token(entry), token or ""):
        raise BookingError(ErrorCode.NOT_FOUND, "No waitlist entry with this link.", "entry")
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
        raise BookingError(
            ErrorCode.ALREADY_ON_WAITLIST,
            "You are already on the waitlist for this service.",
            "email",
        )
    if active.filter(service_id=service_id, location_id=location_id).count() >= max_size(
        organization
    ):
        raise BookingError(ErrorCode.WAITLIST_FULL, "The waitlist is full.", "service")


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
        raise BookingError(
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
        raise BookingError(ErrorCode.WAITLIST_DISABLED, "There is no waitlist here.")
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
            raise BookingError(
                ErrorCode.SERVICE_NOT_OFFERED,
                "This service is not offered at this location.",
                "service",
            )
    if last_day < first_day:
        raise BookingError(
            ErrorCode.INVALID_DATE_RANGE, "'lastDay' is before 'firstDay'.", "lastDay"
        )
    today = timezone.localdate(now)
    if last_day < today:
        raise BookingError(ErrorCode.OUTSIDE_BOOKING_WINDOW, "These days have passed.", "lastDay")
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
        log_action("waitlist.joined", actor, entry, service.organization_id)
        transaction.on_commit(lambda: _send_confirmation(entry.pk))
    return JoinedWaitlist(entry, entry_token(entry))


def _send_confirmation(entry_id) -> None:
    from .tasks import send_waitlist_confirmation

    send_waitlist_confirmation(entry_id)


def offer_freed_slot(
    service_id, location_id, start_iso: str, now: datetime | None = None
) -> str | None:
    """Offer a freed slot to the first matching waiting entry; returns its id, or None."""
    now = now or timezone.now()
    start = datetime.fromisoformat(start_iso)
    location = Location.objects.select_related("organization").get(pk=location_id)
    local_day = start.astimezone(ZoneInfo(location.timezone_name)).date()
    waiting = (
        WaitlistEntry.objects.filter(
            service_id=service_id,
            status=Status.WAITING,
            first_day__lte=local_day,
            last_day__gte=local_day,
        )
        .filter(Q(location__isnull=True) | Q(location=location))
        .exclude(offer_start=start, offer_location=location)  # declined this very slot
        .order_by("confirmed_at", "created_at", "pk")
    )
    # Only the first in line is asked: if the slot is gone meanwhile (taken, or no longer
    # bookable), it is gone for everyone behind them too. But when a concurrent offer (of
    # another place freed at the same moment) took the first entry, the next one is asked.
    while (first := waiting.first()) is not None:
        offered = _offer(first, location, start, now)
        if offered is not _ENTRY_TAKEN:
            return offered
    return None


_ENTRY_TAKEN = "entry taken"  # the entry stopped waiting meanwhile: ask the next one


def _offer(entry: WaitlistEntry, location: Location, start: datetime, now: datetime) -> str | None:
    expires = now + timedelta(minutes=settings.WAITLIST_OFFER_MINUTES)
    try:
        with write_transaction():
            if not WaitlistEntry.objects.filter(pk=entry.pk, status=Status.WAITING).update(
                status=Status.OFFERED
            ):
                return _ENTRY_TAKEN
            # The freed place may still be cooling down: the waitlist is offered it first.
            hold = do_hold_slot(
                str(entry.service_id),
                str(location.pk),
                start,
                SYSTEM,
                now,
                duration=expires - now,
                reclaim_freed=True,
            ).hold
            WaitlistEntry.objects.filter(pk=entry.pk).update(
                offer_hold=hold,
                offer_start=start,
                offer_location=location,
                offer_expires_at=hold.expires_at,
                offers_made=entry.offers_made + 1,
            )
            log_action(
                "waitlist.offered", SYSTEM, entry, entry.organization_id, start=start.isoformat()
            )
            transaction.on_commit(lambda: _send_offer(entry.pk))
    except BookingError:
        return None  # taken meanwhile or no longer bookable: the entry keeps waiting
    return str(entry.pk)


def _send_offer(entry_id) -> None:
    from .tasks import send_waitlist_offer

    send_waitlist_offer(entry_id)


def notify_offer(entry_id, final: bool = False) -> dict[str, str]:
    """The offer by e-mail, SMS if chosen, and Web Push to browsers that asked for it."""
    entry = WaitlistEntry.objects.select_related(
        "service__organization", "offer_location", "offer_location__organization"
    ).get(pk=entry_id)
    key = entry.offer_start.isoformat() if entry.offer_start else ""
    if entry.status != Status.OFFERED or entry.offer_location is None:
        skip_unsent(Kind.WAITLIST_NOTIFICATION, key=key, waitlist_entry=entry)
        return {}
    channels = [Channel.EMAIL] + ([Channel.SMS] if entry.channel == "sms" and entry.phone else [])
    if entry.push_subscriptions.exists():
        channels.append(Channel.PUSH)
    results: dict[str, str] = {}
    failure: TransientError | None = None
    for channel in channels:
        try:  # as for bookings: one channel failing for now does not hold up the other
            results[str(channel)] = deliver(
                Kind.WAITLIST_NOTIFICATION,
                channel,
                _offer_sender(channel, entry),
                waitlist_entry=entry,
                key=key,
                final=final,
            )
        except TransientError as exc:
            results[str(channel)] = Delivery.Status.FAILED
            failure = failure or exc
    if failure is not None:
        raise failure
    return results


def _offer_sender(channel: str, entry: WaitlistEntry):
    location = entry.offer_location
    assert location is not None and entry.offer_start and entry.offer_expires_at
    date_text, time_text = messages.local_parts(
        entry.offer_start, location.timezone_name, entry.language
    )
    _d, expires_text = messages.local_parts(
        entry.offer_expires_at, location.timezone_name, entry.language
    )
    link = entry_link(entry)
    if channel == Channel.PUSH:
        # Minimal, like every push: when, until when, and the page (its secret stays in
        # the browser that subscribed). High urgency, and stale once the offer ran out.
        ttl = max(60, int((entry.offer_expires_at - timezone.now()).total_seconds()))
        return lambda: send_push_to_all(
            list(entry.push_subscriptions.all()),
            lambda subscription: {
                "title": text(
                    subscription.language,
                    "push",
                    "waitlist_notification",
                    date=date_text,
                    time=time_text,
                    expires=expires_text,
                ),
                "url": f"/waitlist/{entry.pk}",
            },
            ttl=ttl,
            urgency="high",
        )
    if channel == Channel.SMS:
        return lambda: send_sms(
            entry.phone,
            text(
                entry.language,
                "sms",
                "waitlist_notification",
                date=date_text,
                time=time_text,
                expires=expires_text,
                link=link,
            ),
        )
    return lambda: send_email(
        entry.email, messages.waitlist_email(entry, date_text, time_text, expires_text, link)
    )


def do_confirm_offer(
    entry_id: str, token: str, actor: Actor, now: datetime | None = None
) -> BookingResult:
    """One click from the message: the held slot becomes the entry's booking."""
    now = now or timezone.now()
    entry = access_entry(entry_id, token)
    if (
        entry.status != Status.OFFERED
        or entry.offer_hold_id is None
        or (entry.offer_expires_at and entry.offer_expires_at <= now)
    ):
        raise BookingError(ErrorCode.OFFER_EXPIRED, "This offer is no longer open.", "entry")
    result = do_book_appointment(
        BookingRequest(
            name=entry.name,
            email=entry.email,
            phone=entry.phone or None,
            language=entry.language,
            channel=entry.channel,
            hold_id=str(entry.offer_hold_id),
            hold_verified=True,  # the entry's token was checked above
            source=Booking.Source.WEB,
        ),
        actor,
        now,
        proof=PAID_EARLIER,
    )
    WaitlistEntry.objects.filter(pk=entry.pk).update(
        status=Status.BOOKED, booking=result.booking, offer_hold=None
    )
    return result


def do_decline_offer(
    entry_id: str, token: str, actor: Actor, now: datetime | None = None
) -> WaitlistEntry:
    """Not this slot: it goes to the next in line at once (capacity.freed), and the entry
    keeps its place for other slots (never offered this one again)."""
    now = now or timezone.now()
    entry = access_entry(entry_id, token)
    closed = BookingError(ErrorCode.OFFER_EXPIRED, "This offer is no longer open.", "entry")
    if entry.status != Status.OFFERED or (entry.offer_expires_at and entry.offer_expires_at <= now):
        raise closed
    with write_transaction():
        if not WaitlistEntry.objects.filter(pk=entry.pk, status=Status.OFFERED).update(
            status=Status.WAITING, offer_hold=None, offer_expires_at=None
        ):
            raise closed
        _release_offer_hold(entry)
        log_action("waitlist.declined", actor, entry, entry.organization_id)
    entry.refresh_from_db()
    return entry


def do_leave_waitlist(entry_id: str, token: str, actor: Actor) -> WaitlistEntry:
    entry = access_entry(entry_id, token)
    with write_transaction():
        _release_offer_hold(entry)
        WaitlistEntry.objects.filter(pk=entry.pk).update(status=Status.LEFT, offer_hold=None)
        log_action("waitlist.left", actor, entry, entry.organization_id)
    entry.refresh_from_db()
    return entry


def expire_offers(now: datetime | None = None) -> int:
    """Offers whose time ran out: the entry missed it; the hold is released, which offers
    the slot to the next one in line (capacity.freed)."""
    now = now or timezone.now()
    expired = 0
    for entry in WaitlistEntry.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now):
        with write_transaction():
            if not WaitlistEntry.objects.filter(pk=entry.pk, status=Status.OFFERED).update(
                status=Status.MISSED, offer_hold=None
            ):
                continue
            _release_offer_hold(entry)
            log_action("waitlist.missed", SYSTEM, entry, entry.organization_id)
            expired += 1
    return expired


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
                log_action("waitlist.expired", SYSTEM, entry, entry.organization_id)
                expired += 1
    return expired


def _release_offer_hold(entry: WaitlistEntry) -> None:
    """Give the offered slot back (announced as capacity.freed: the next one in line)."""
    if entry.offer_hold_id is None:
        return
    hold = Hold.objects.filter(pk=entry.offer_hold_id).first()
    if hold is not None:
        capacity.release(hold)
        hold.delete()
