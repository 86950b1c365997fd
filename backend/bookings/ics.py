"""An appointment as an iCalendar file (RFC 5545) for "add to calendar" and e-mail."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Alarm, Calendar, Event

from .models import Booking

REMINDER_BEFORE = timedelta(hours=2)


def booking_ics(booking: Booking, language: str | None = None) -> str:
    """One VEVENT with the location's address and a display alarm two hours before."""
    service = booking.service
    location = booking.location
    language = language or booking.language
    documents = service.translated("required_documents", language) or []
    calendar = Calendar()
    calendar.add("prodid", "-//vorzimmer//appointments//DE")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.pk}@vorzimmer")
    event.add("dtstamp", booking.created_at)
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
    event.add("status", "CANCELLED" if booking.status == Booking.Status.CANCELLED else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event["summary"])
    alarm.add("trigger", -REMINDER_BEFORE)
    event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical().decode()
