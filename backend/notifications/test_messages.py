"""Samples of every e-mail template, for send_test_email (no booking is stored)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from backend.bookings.models import Booking
from backend.catalog.models import Service

from .channels.email import send_email
from .messages import booking_email

TEMPLATES = [
    "booking_confirmation",
    "booking_reminder",
    "booking_cancellation",
    "booking_rescheduled",
]


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
    send_email(to, booking_email(template, sample, manage_link="https://example.invalid/manage"))
