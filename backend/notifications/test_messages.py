"""Samples of every e-mail template, for send_test_email (no booking is stored)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backend.bookings.models import Booking, WaitlistEntry
from backend.catalog.models import Service

from .channels.base import Message, Recipient
from .channels.registry import EMAIL, channel
from .messages import booking_email, local_parts, waitlist_email

TEMPLATES = [
    "booking_confirmation",
    "booking_reminder",
    "booking_cancellation",
    "booking_rescheduled",
    "waitlist_notification",
]
# Ticket messages (ticket_called, ticket_next) go by Web Push or SMS only: no e-mail template
# (send_test_push / send_test_sms try those ways).


def send_test_email(template: str, to: str, language: str = "de") -> None:
    service = Service.objects.select_related("organization").filter(is_active=True).first()
    if service is None:
        raise ValueError("Load a catalog first (manage.py load_demo).")
    location = service.locations.select_related("organization").first()
    start = timezone.now() + timedelta(days=2)
    sample = Booking(
        organization=service.organization,
        location=location,
        service=service,
        starts_at=start,
        ends_at=start + timedelta(minutes=service.duration_minutes),
        code="TES-T23",
        name="Test Person",
        email=to,
        language=language,
        created_at=timezone.now(),
    )
    if template == "waitlist_notification":
        entry = WaitlistEntry(
            organization=service.organization,
            service=service,
            name=sample.name,
            email=to,
            language=language,
            offer_location=location,
            offer_start=start,
            offer_expires_at=timezone.now() + timedelta(minutes=settings.WAITLIST_OFFER_MINUTES),
        )
        assert location is not None and entry.offer_expires_at is not None
        date, time = local_parts(start, location.timezone_name, language)
        _day, expires = local_parts(entry.offer_expires_at, location.timezone_name, language)
        link = "https://example.invalid/waitlist/sample#token"
        email = waitlist_email(entry, date, time, expires, link)
    else:
        email = booking_email(template, sample, manage_link="https://example.invalid/manage")
    message = Message(kind=template, language=language, email=lambda: email)
    channel(EMAIL).send(Recipient(email=to), message)
