"""Offering freed slots to the waitlist: first come, first offered.

When capacity frees (a cancellation, a reschedule, a hold that ran out or was released), the
oldest waiting entry whose service, location and date window match is offered that slot: it
is held for them (a real Hold, so the database guarantees that one freed place is never
offered twice) for WAITLIST_OFFER_MINUTES, and they confirm with one click from the message.
If the offer runs out, the entry is marked missed, the hold is released, and the freed slot
goes to the next entry in line; if they decline it, it goes to the next one at once and they
keep waiting for another slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from backend.catalog.models import Location
from backend.core.actors import SYSTEM, Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.transactions import write_transaction

from ..event_types import WaitlistBooked, WaitlistDeclined, WaitlistMissed, WaitlistOffered
from ..models import Booking, WaitlistEntry
from ..proof_of_work import PAID_EARLIER
from .booking import BookingRequest, BookingResult, do_book_appointment
from .holds import do_hold_slot, release_hold
from .waitlist import access_entry

Status = WaitlistEntry.Status


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
            # Its subscribers send the offer.
            record(
                WaitlistOffered,
                SYSTEM,
                entry,
                location_id=location.pk,
                start=start,
                expires_at=hold.expires_at,
            )
    except DomainError:
        return None  # taken meanwhile or no longer bookable: the entry keeps waiting
    return str(entry.pk)


def _closed() -> DomainError:
    return DomainError(ErrorCode.OFFER_EXPIRED, "This offer is no longer open.", "entry")


def _is_open(entry: WaitlistEntry, now: datetime) -> bool:
    return (
        entry.status == Status.OFFERED
        and entry.offer_hold_id is not None
        and not (entry.offer_expires_at and entry.offer_expires_at <= now)
    )


def do_confirm_offer(
    entry_id: str, token: str, actor: Actor, now: datetime | None = None
) -> BookingResult:
    """One click from the message: the held slot becomes the entry's booking. Booking and
    the entry change together: if booking fails, the entry is still offered and nothing is
    booked; if the entry changed meanwhile (declined, left, ran out), nothing is booked.
    (The booking's per-person rate limit is inside this transaction here; the entry's
    secret link and its one open offer bound the attempts already.)"""
    now = now or timezone.now()
    entry = access_entry(entry_id, token)
    if not _is_open(entry, now):
        raise _closed()
    with write_transaction():
        locked = WaitlistEntry.objects.select_for_update().filter(pk=entry.pk).first()
        if locked is None or not _is_open(locked, now):
            raise _closed()
        result = do_book_appointment(
            BookingRequest(
                name=entry.name,
                email=entry.email,
                phone=entry.phone or None,
                language=entry.language,
                channel=entry.channel,
                hold_id=str(locked.offer_hold_id),
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
        record(WaitlistBooked, actor, entry, booking_id=result.booking.pk)
    return result


def do_decline_offer(
    entry_id: str, token: str, actor: Actor, now: datetime | None = None
) -> WaitlistEntry:
    """Not this slot: it goes to the next in line at once (capacity.freed), and the entry
    keeps its place for other slots (never offered this one again)."""
    now = now or timezone.now()
    entry = access_entry(entry_id, token)
    if entry.status != Status.OFFERED or (entry.offer_expires_at and entry.offer_expires_at <= now):
        raise _closed()
    with write_transaction():
        if not WaitlistEntry.objects.filter(pk=entry.pk, status=Status.OFFERED).update(
            status=Status.WAITING, offer_hold=None, offer_expires_at=None
        ):
            raise _closed()
        if entry.offer_hold_id is not None:
            release_hold(entry.offer_hold_id)
        assert entry.offer_start is not None  # set with every offer
        record(WaitlistDeclined, actor, entry, start=entry.offer_start)
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
            if entry.offer_hold_id is not None:
                release_hold(entry.offer_hold_id)
            assert entry.offer_start is not None  # set with every offer
            record(WaitlistMissed, SYSTEM, entry, start=entry.offer_start)
            expired += 1
    return expired
