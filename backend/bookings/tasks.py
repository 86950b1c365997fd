"""Jobs for bookings. Thin: they call the capacity module and are safe to run twice."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import capacity


@db_periodic_task(crontab(minute="*"))
def purge_expired_holds() -> int:
    """Tidy up holds that ran out. Booking never waits for this: expired claims are ignored
    by availability and deleted by the capacity module before it takes a slot."""
    return capacity.purge_expired(timezone.now())
