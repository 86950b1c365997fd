"""An appointment as an iCalendar file (RFC 5545) for "add to calendar" and e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress

from backend.core.models import AuditLog

from .models import Booking

REMINDER_BEFORE = timedelta(hours=2)


def sequence(booking: Booking) -> int:
    """RFC 5545 SEQUENCE: 0 as booked, +1 per move, +1 more once cancelled, so a calendar
    that has the event (same UID) replaces it with the newer file, or removes it."""
    moves = AuditLog.objects.filter(
        action="booking.rescheduled", object_type="booking", object_id=str(booking.pk)
    ).count()
    return moves + (booking.status == Booking.Status.CANCELLED)


def booking_ics(booking: Booking, language: str | None = None, method: str = "PUBLISH") -> str:
    """One VEVENT with the location's address and a display alarm two hours before.
    `method` CANCEL (for the cancellation e-mail) asks calendars to remove the event with
    this UID (RFC 5546: ORGANIZER, ATTENDEE, SEQUENCE and STATUS:CANCELLED)."""
    service = booking.service
    location = booking.location
    language = language or booking.language
    documents = service.translated("required_documents", language) or []
    calendar = Calendar()
    calendar.add("prodid", "-//vorzimmer//appointments//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"{booking.pk}@vorzimmer")
    event.add("sequence", sequence(booking))
    event.add("dtstamp", timezone.now())  # RFC 5545: when this file was made
    organizer = vCalAddress(f"mailto:{settings.FROM_EMAIL}")
    organizer.params["cn"] = settings.FROM_NAME
    event.add("organizer", organizer)
    if method == "CANCEL" and booking.email:
        event.add("attendee", vCalAddress(f"mailto:{booking.email}"))
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    event.add("summary", f"{service.translated('name', language)} – {location.name}")
    address = ", ".join(
        p
        for p in (location.name, location.street, f"{location.zip_code} {location.city}".strip())
        if p
    )
    event.add("location", address)
    lines = [booking.code, *[f"• {doc}" for doc in documents]]
    event.add("description", "\n".join(lines))
    cancelled = method == "CANCEL" or booking.status == Booking.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event["summary"])
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical().decode()
