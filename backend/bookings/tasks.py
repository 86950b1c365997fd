"""Jobs for bookings. Thin: they call the capacity module and are safe to run twice."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import capacity, proof_of_work


@db_periodic_task(crontab(minute="*"))
def purge_expired_holds() -> int:
    """Tidy up holds that ran out. Booking never waits for this: expired claims are ignored
    by availability and deleted by the capacity module before it takes a slot."""
    return capacity.purge_expired(timezone.now())


@db_periodic_task(crontab(minute="*/10"))
def purge_spent_challenges() -> int:
    """Spent proofs are kept only while they could be replayed or count for the difficulty."""
    return proof_of_work.purge_spent(timezone.now())
