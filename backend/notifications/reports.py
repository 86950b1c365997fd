"""The day's figures of a location (bookings, free places, cancellations, ...) and the daily
report e-mail."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from backend.availability.calendar import local_day_span
from backend.bookings.availability import available_slots
from backend.bookings.models import Booking, WaitlistEntry
from backend.catalog.models import Location
from backend.core.actors import Actor
from backend.queue.access import access_location_figures

from .channels.base import Message, Recipient
from .channels.registry import EMAIL
from .dispatch import notify
from .messages import Email
from .models import Delivery, Kind


@dataclass(frozen=True)
class DayStats:
    location: Location
    day: date
    total_appointments: int
    available_slots: int  # free places left that day, over all services
    cancellations: int
    waitlist_count: int
    top_service: str | None


def day_stats(location: Location, day: date) -> DayStats:
    from zoneinfo import ZoneInfo

    start, end = local_day_span(day, ZoneInfo(location.timezone_name))
    bookings = Booking.objects.filter(
        location=location, starts_at__gte=start, starts_at__lt=end
    ).select_related("service")
    active = [b for b in bookings if b.status != Booking.Status.CANCELLED]
    free = sum(
        slot.remaining
        for service in location.services.filter(is_active=True)
        for slot in available_slots(service, location, day)
    )
    top = Counter(b.service.name for b in active).most_common(1)
    waiting = (
        WaitlistEntry.objects.filter(
            status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
            first_day__lte=day,
            last_day__gte=day,
            service__locations=location,
        )
        .filter(Q(location__isnull=True) | Q(location=location))  # "any", or this one
        .distinct()
        .count()
    )
    return DayStats(
        location,
        day,
        len(active),
        free,
        sum(1 for b in bookings if b.status == Booking.Status.CANCELLED),
        waiting,
        top[0][0] if top else None,
    )


def access_day_stats(actor: Actor, location_id: str, day: date) -> DayStats:
    """The day's figures, for whoever may see the location's figures: the same rule as the
    queue's figures (backend/queue/access.py: check_location_figures)."""
    return day_stats(access_location_figures(actor, location_id), day)


def send_daily_reports(today: date | None = None) -> int:
    """One e-mail per day to DAILY_REPORT_EMAIL with every location's figures (German: it
    goes to the office). Idempotent per day."""
    if not settings.DAILY_REPORT_EMAIL:
        return 0
    today = today or timezone.localdate()
    sent = 0
    # order_by(): Location's default ordering (organization, name) would make every
    # location a row of its own, i.e. one loop per location instead of per organization.
    organizations = Location.objects.order_by().values_list("organization_id", flat=True)
    for organization_id in organizations.distinct():
        locations = Location.objects.filter(organization_id=organization_id, is_active=True)
        stats = [day_stats(location, today) for location in locations]
        lines = [
            f"{s.location.name}: {s.total_appointments} Termine, {s.available_slots} "
            f"freie Plätze, {s.cancellations} Absagen, {s.waitlist_count} auf der "
            f"Warteliste" + (f", meistgebucht: {s.top_service}" if s.top_service else "")
            for s in stats
        ]
        failed = gave_up_count(organization_id, timezone.now() - timedelta(days=1))
        if failed:
            lines += [
                "",
                f"Nicht zustellbar (24 Stunden): {failed} Nachrichten – siehe Admin, "
                f"Zustellungen, Status „Gave up“",
            ]
        body = f"Tagesbericht {today:%d.%m.%Y}\n\n" + "\n".join(lines) + "\n"
        email = Email(
            subject=f"Tagesbericht {today:%d.%m.%Y}",
            text=body,
            html="<pre>" + body.replace("<", "&lt;") + "</pre>",
        )
        results = notify(
            Message(kind=Kind.DAILY_REPORT, language="de", email=_built(email)),
            Recipient(email=settings.DAILY_REPORT_EMAIL),
            [EMAIL],
            organization_id=organization_id,
            key=today.isoformat(),
        )
        sent += results[EMAIL] == "sent"
    return sent


def gave_up_count(organization_id, since: datetime) -> int:
    """Messages of the organization's citizens that could not be delivered (given up)."""
    return (
        Delivery.objects.filter(status=Delivery.Status.GAVE_UP, updated_at__gte=since)
        .filter(
            Q(booking__organization_id=organization_id)
            | Q(waitlist_entry__organization_id=organization_id)
            | Q(ticket__location__organization_id=organization_id)
        )
        .count()
    )


def _built(email: Email) -> Callable[[], Email]:
    return lambda: email
