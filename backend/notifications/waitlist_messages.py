"""What the waitlist tells a citizen, to whom and over what: the confirmation link of a new
entry (e-mail only: it proves the address) and the offer of a freed slot (e-mail, SMS if
chosen, and Web Push to browsers that asked for it). The waitlist itself is a booking use
case (backend/bookings/services/waitlist.py); these run as jobs on its events."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from backend.bookings.models import WaitlistEntry
from backend.bookings.services.waitlist import confirm_by, confirmation_link, entry_link

from .catalog import catalog, text
from .channels.base import Message, Recipient
from .channels.registry import EMAIL, SMS, on_request
from .dispatch import notify, skip_unsent
from .messages import Email, local_parts, waitlist_email
from .models import Kind

Status = WaitlistEntry.Status


def notify_confirmation(entry_id, final: bool = False) -> str:
    """The message with the confirmation link (once per entry; idempotent like every job)."""
    entry = WaitlistEntry.objects.select_related("service__organization", "location").get(
        pk=entry_id
    )
    if entry.status != Status.PENDING:
        return ""
    message = Message(
        kind=Kind.WAITLIST_CONFIRMATION,
        language=entry.language,
        email=lambda: confirmation_email(entry),
    )
    results = notify(
        message, Recipient(email=entry.email), [EMAIL], waitlist_entry=entry, final=final
    )
    return results[EMAIL]


def notify_offer(entry_id, final: bool = False) -> dict[str, str]:
    """The offer by e-mail, SMS if chosen, and Web Push to browsers that asked for it."""
    entry = WaitlistEntry.objects.select_related(
        "service__organization", "offer_location", "offer_location__organization"
    ).get(pk=entry_id)
    key = entry.offer_start.isoformat() if entry.offer_start else ""
    if entry.status != Status.OFFERED or entry.offer_location is None:
        skip_unsent(Kind.WAITLIST_NOTIFICATION, key=key, waitlist_entry=entry)
        return {}
    recipient = Recipient(
        email=entry.email, phone=entry.phone, browsers=entry.push_subscriptions.all()
    )
    channels = [EMAIL] + ([SMS] if entry.channel == SMS and entry.phone else [])
    channels += [c.name for c in on_request() if c.reaches(recipient)]
    return notify(
        offer_message(entry), recipient, channels, waitlist_entry=entry, key=key, final=final
    )


def offer_message(entry: WaitlistEntry) -> Message:
    location = entry.offer_location
    assert location is not None and entry.offer_start and entry.offer_expires_at
    date_text, time_text = local_parts(entry.offer_start, location.timezone_name, entry.language)
    _d, expires_text = local_parts(entry.offer_expires_at, location.timezone_name, entry.language)
    link = entry_link(entry)
    return Message(
        kind=Kind.WAITLIST_NOTIFICATION,
        language=entry.language,
        values={"date": date_text, "time": time_text, "expires": expires_text, "link": link},
        email=lambda: waitlist_email(entry, date_text, time_text, expires_text, link),
        page=f"/waitlist/{entry.pk}",
        # High urgency, and stale once the offer ran out.
        ttl=max(60, int((entry.offer_expires_at - timezone.now()).total_seconds())),
        urgency="high",
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
