"""Gap-free, duplicate-free ticket numbers per location, local day and prefix."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F

from backend.catalog.models import Location

from .models import TicketCounter


def next_number(location: Location, day: date, prefix: str) -> int:
    """The next number; must run inside the transaction that creates the ticket.

    The UPDATE takes the counter row's lock (PostgreSQL) or runs under the single writer lock
    (SQLite), so concurrent draws of one prefix queue here; if the ticket is not created, the
    rollback returns the number, so there are no gaps."""
    counter = TicketCounter.objects.filter(location=location, day=day, prefix=prefix)
    if not counter.update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                TicketCounter.objects.create(
                    location=location, day=day, prefix=prefix, last_number=1
                )
                return 1
        except IntegrityError:  # another draw created today's counter first
            counter.update(last_number=F("last_number") + 1)
    return counter.values_list("last_number", flat=True).get()
