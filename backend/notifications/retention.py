"""Deleting personal data on schedule: N days after the appointment (the organization's
retention_days, else RETENTION_DAYS) names, contacts and links are anonymised, keeping every
figure the statistics need; push subscriptions are deleted; staff's free text in the audit
trail (a cancellation's reason) is emptied. Running it twice changes nothing the second
time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.bookings.models import Booking, IdempotencyRecord, WaitlistEntry
from backend.catalog.models import Organization
from backend.core.audit import clear_free_text
from backend.queue.models import QueueTicket

from .models import PushSubscription

ANONYMOUS = "—"


def cutoff(organization: Organization, now: datetime) -> datetime:
    days = organization.retention_days
    return now - timedelta(days=days if days is not None else settings.RETENTION_DAYS)


@transaction.atomic
def apply_retention(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"bookings": 0, "tickets": 0, "waitlist": 0, "push": 0, "audit": 0}
    for organization in Organization.objects.all():
        before = cutoff(organization, now)
        old = Booking.objects.filter(organization=organization, starts_at__lt=before)
        counts["push"] += PushSubscription.objects.filter(booking__in=old).delete()[0]
        IdempotencyRecord.objects.filter(booking__in=old).delete()
        newly = list(old.exclude(name=ANONYMOUS).values_list("pk", flat=True))
        counts["audit"] += clear_free_text("booking", newly)
        counts["bookings"] += old.exclude(name=ANONYMOUS).update(
            name=ANONYMOUS, email="", phone="", token_salt="", manage_token_hash=""
        )
        tickets = QueueTicket.objects.filter(
            location__organization=organization, queued_at__lt=before
        )
        counts["push"] += PushSubscription.objects.filter(ticket__in=tickets).delete()[0]
        counts["tickets"] += tickets.exclude(status_token_hash="").update(status_token_hash="")
        entries = WaitlistEntry.objects.filter(
            organization=organization, last_day__lt=timezone.localdate(before)
        )
        counts["push"] += PushSubscription.objects.filter(waitlist_entry__in=entries).delete()[0]
        counts["waitlist"] += entries.exclude(name=ANONYMOUS).update(
            name=ANONYMOUS, email="", phone="", token_salt=""
        )
    return counts
