"""The words of every message: e-mail (HTML and plain text), SMS and Web Push, in the
recipient's language. Names and other input are escaped by the templates; push payloads
are minimal (no service name, no health hint)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import formats, translation

from backend.bookings.models import Booking
from backend.bookings.policy import policy_for
from backend.core.links import manage_link

from .catalog import catalog, text


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def local_parts(moment: datetime, tz_name: str, language: str) -> tuple[str, str]:
    """("Montag, 2. März 2026", "09:30") in the language and the location's time zone."""
    local = moment.astimezone(ZoneInfo(tz_name))
    with translation.override(language):
        return (
            formats.date_format(local, "l, j. F Y" if language == "de" else "DATE_FORMAT"),
            formats.time_format(local, "H:i"),
        )


def manage_url(booking: Booking, token: str | None) -> str | None:
    if not token:
        return None
    return manage_link(booking.code, token)


def booking_email(
    kind: str, booking: Booking, manage_link: str | None = None, extra: dict | None = None
) -> Email:
    language = booking.language
    location = booking.location
    date, time = local_parts(booking.starts_at, location.timezone_name, language)
    deadline_date, deadline_time = local_parts(
        booking.starts_at - policy_for(booking.service).cancellation_deadline,
        location.timezone_name,
        language,
    )
    words = catalog(language)
    context = {
        "lang": language,
        "dir": words["dir"],
        "t": words,
        "subject": text(language, kind, "subject", date=date, time=time),
        "intro": text(language, kind, "intro", **(extra or {})),
        "greeting": text(language, "greeting", name=booking.name),
        "date": date,
        "time": time,
        "service": booking.service.translated("name", language),
        "location": location,
        "code": booking.code,
        "documents": booking.service.translated("required_documents", language) or [],
        "manage_link": manage_link if kind != "booking_cancellation" else None,
        "deadline": text(language, "deadline", deadline=f"{deadline_date} {deadline_time}"),
        "show_checkin": kind in ("booking_confirmation", "booking_reminder", "booking_rescheduled"),
        "organization": location.organization,
        # Every variable the template names is set: Django logs a missing one (at DEBUG)
        # with the whole context, the citizen's name included.
        "action_link": None,
        "action_label": "",
    }
    return Email(
        subject=context["subject"],
        text=render_to_string("notifications/booking_email.txt", context),
        html=render_to_string("notifications/booking_email.html", context),
    )


def booking_values(booking: Booking) -> dict[str, str]:
    """What the short texts (SMS, push) of a booking message may name."""
    date, time = local_parts(booking.starts_at, booking.location.timezone_name, booking.language)
    return {
        "date": date,
        "time": time,
        "where": booking.location.short_name or booking.location.name,
        "code": booking.code,
    }


def waitlist_email(entry, date: str, time: str, expires: str, link: str) -> Email:
    """The offer of a freed slot, with the one-click confirmation link."""
    language = entry.language
    words = catalog(language)
    location = entry.offer_location
    context = {
        "lang": language,
        "dir": words["dir"],
        "t": words,
        "subject": text(language, "waitlist_notification", "subject", date=date, time=time),
        "intro": text(language, "waitlist_notification", "intro", expires=expires),
        "greeting": text(language, "greeting", name=entry.name),
        "date": date,
        "time": time,
        "service": entry.service.translated("name", language),
        "location": location,
        "code": "",
        "documents": entry.service.translated("required_documents", language) or [],
        "action_link": link,
        "action_label": text(language, "waitlist_notification", "action"),
        "organization": location.organization,
        "manage_link": None,  # see booking_email: no template variable may be missing
        "deadline": "",
        "show_checkin": False,
    }
    return Email(
        subject=context["subject"],
        text=render_to_string("notifications/booking_email.txt", context),
        html=render_to_string("notifications/booking_email.html", context),
    )
