"""Double opt-in for the waitlist: an entry counts only once its e-mail address is confirmed.

Joining sends a message to the address with a link /waitlist/<id>#<token>.<confirmation>.
The confirmation secret is derived like the entry's token but for another purpose, and only
the message carries it: joinWaitlist answers with the entry's token alone, so whoever joins
with an address they cannot read never gets past "pending". Pending entries take no place
and get no offers; after WAITLIST_CONFIRM_HOURS they expire (waitlist.expire_entries).
"""

from __future__ import annotations

import hmac
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from backend.accounts.actors import Actor
from backend.bookings.errors import BookingError, ErrorCode
from backend.bookings.services.transactions import write_transaction
from backend.bookings.tokens import manage_token
from backend.core.audit import log_action
from backend.core.links import waitlist_link

from .catalog import catalog, text
from .channels.email import send_email
from .dispatch import deliver
from .messages import Email, local_parts
from .models import Channel, Kind, WaitlistEntry
from .waitlist import access_entry, check_room, entry_token, lock_organization

Status = WaitlistEntry.Status


def confirmation_token(entry: WaitlistEntry) -> str:
    return manage_token(f"waitlist-confirm:{entry.pk}", entry.token_salt)


def confirmation_link(entry: WaitlistEntry) -> str:
    return waitlist_link(entry.pk, f"{entry_token(entry)}.{confirmation_token(entry)}")


def confirm_by(entry: WaitlistEntry) -> datetime:
    return entry.created_at + timedelta(hours=settings.WAITLIST_CONFIRM_HOURS)


def notify_confirmation(entry_id, final: bool = False) -> str:
    """The message with the confirmation link (once per entry; idempotent like every job)."""
    entry = WaitlistEntry.objects.select_related("service__organization", "location").get(
        pk=entry_id
    )
    if entry.status != Status.PENDING:
        return ""
    return deliver(
        Kind.WAITLIST_CONFIRMATION,
        Channel.EMAIL,
        lambda: send_email(entry.email, confirmation_email(entry)),
        waitlist_entry=entry,
        final=final,
    )


def confirmation_email(entry: WaitlistEntry) -> Email:
    language = entry.language
    words = catalog(language)
    tz_name = entry.location.timezone_name if entry.location else settings.TIME_ZONE
    until_date, until_time = local_parts(confirm_by(entry), tz_name, language)
    first, _ = local_parts(_noon(entry.first_day, tz_name), tz_name, language)
    last, _ = local_parts(_noon(entry.last_day, tz_name), tz_name, language)
    context = {
        "lang": language,
        "dir": words["dir"],
        "t": words,
        "subject": text(language, "waitlist_confirmation", "subject"),
        "greeting": text(language, "greeting", name=entry.name),
        "intro": text(language, "waitlist_confirmation", "intro"),
        "service": entry.service.translated("name", language),
        "where": entry.location.name
        if entry.location
        else text(language, "waitlist_confirmation", "any_location"),
        "period": text(language, "waitlist_confirmation", "period", first=first, last=last),
        "action_link": confirmation_link(entry),
        "action_label": text(language, "waitlist_confirmation", "action"),
        "deadline": text(
            language, "waitlist_confirmation", "deadline", date=until_date, time=until_time
        ),
        "ignore": text(language, "waitlist_confirmation", "ignore"),
        "organization": entry.service.organization,
    }
    return Email(
        subject=context["subject"],
        text=render_to_string("notifications/waitlist_confirmation.txt", context),
        html=render_to_string("notifications/waitlist_confirmation.html", context),
    )


def _noon(day: date, tz_name: str) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(tz_name))


def do_confirm_entry(
    entry_id: str, token: str, confirmation: str, actor: Actor, now: datetime | None = None
) -> WaitlistEntry:
    """The link from the message: the entry takes its place on the list (if there is room).
    Confirming twice is harmless."""
    now = now or timezone.now()
    entry = access_entry(entry_id, token)
    if not hmac.compare_digest(confirmation_token(entry), confirmation or ""):
        raise BookingError(ErrorCode.NOT_FOUND, "No waitlist entry with this link.", "confirmation")
    if entry.confirmed_at is not None:
        return entry
    if entry.status != Status.PENDING or confirm_by(entry) <= now:
        raise BookingError(
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
            log_action("waitlist.confirmed", actor, entry, entry.organization_id)
    entry.refresh_from_db()
    return entry
