"""The smoke booking of verify_backup: one appointment booked through the booking service,
the way the site books, in the (scratch) database this process runs on."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backend.bookings.availability import available_slots
from backend.bookings.services.booking import BookingRequest, do_book_appointment
from backend.catalog.models import Service
from backend.core.actors import SYSTEM
from backend.core.errors import DomainError

SMOKE_NAME, SMOKE_EMAIL = "Backup Probe", "backup-probe@example.org"


def first_free_slot():
    """The earliest free slot of any active service at any of its active locations."""
    today = timezone.localdate()
    offered = [
        (service, location)
        for service in Service.objects.filter(is_active=True).order_by("pk")
        for location in service.locations.filter(is_active=True).order_by("pk")
    ]
    for offset in range(settings.BOOKING_MAX_ADVANCE_DAYS + 1):
        day = today + timedelta(days=offset)
        for service, location in offered:
            try:
                slots = available_slots(service, location, day)
            except DomainError:
                continue
            if slots:
                return service, location, slots[0].start
    return None


def book_smoke_appointment() -> str | None:
    """The booking's code, or None when nothing is offered at all (an empty installation)."""
    if not Service.objects.filter(is_active=True).exists():
        return None
    found = first_free_slot()
    if found is None:
        raise LookupError("Services are offered, but no slot is free in the booking horizon.")
    service, location, start = found
    request = BookingRequest(
        name=SMOKE_NAME,
        email=SMOKE_EMAIL,
        service_id=str(service.pk),
        location_id=str(location.pk),
        start=start,
    )
    return do_book_appointment(request, SYSTEM).booking.code
