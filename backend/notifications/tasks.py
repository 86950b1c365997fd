"""Huey jobs: thin, take ids, idempotent (dispatch.py), retried with a growing delay.

A transient failure raises, and Huey runs the job again after RETRY_DELAY, then twice, four
times ... as long (RETRY_BACKOFF); on the last retry (`final`) a failure gives the delivery
up instead (GAVE_UP, logged as an error, shown in the admin)."""

from __future__ import annotations

from django.conf import settings
from huey.contrib.djhuey import db_periodic_task, db_task

from backend.bookings.services import waitlist, waitlist_offers

from . import bookings, queue_push, reports, retention, waitlist_messages
from .dispatch import MAX_ATTEMPTS
from .schedule import daily_report_clock, local_crontab

RETRIES = MAX_ATTEMPTS - 1
RETRY_DELAY = 60  # seconds before the first retry
RETRY_BACKOFF = 2  # each further retry waits twice as long: 1, 2, 4, 8, 16, 32 minutes


def _final(task) -> bool:
    """Whether this run is the job's last (no retries left). `task` is None when called
    directly (call_local): then the delivery's own attempt count decides."""
    return task is not None and not task.retries


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, context=True)
def send_booking_message(booking_id, kind: str, key: str = "", task=None) -> dict:
    return bookings.notify_booking(booking_id, kind, key, final=_final(task))


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
def offer_freed_slot(service_id, location_id, start_iso: str) -> str | None:
    return waitlist_offers.offer_freed_slot(service_id, location_id, start_iso)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, context=True)
def send_waitlist_offer(entry_id, task=None) -> dict:
    return waitlist_messages.notify_offer(entry_id, final=_final(task))


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, context=True)
def send_waitlist_confirmation(entry_id, task=None) -> str:
    return waitlist_messages.notify_confirmation(entry_id, final=_final(task))


@db_task(retries=2, retry_delay=5)
def push_queue_updates(location_id) -> int:
    return queue_push.push_updates(location_id)


@db_periodic_task(local_crontab(minute="*/5", hour="*"))
def send_due_reminders() -> int:
    return bookings.send_due_reminders()


@db_periodic_task(local_crontab(minute="*", hour="*"))
def expire_waitlist_offers() -> int:
    """Offers that ran out go to the next in line; entries whose last day passed end."""
    return waitlist_offers.expire_offers() + waitlist.expire_entries()


_REPORT_HOUR, _REPORT_MINUTE = daily_report_clock()


@db_periodic_task(local_crontab(minute=str(_REPORT_MINUTE), hour=str(_REPORT_HOUR)))
def send_daily_reports() -> int:
    """At DAILY_REPORT_TIME in TIME_ZONE (not UTC)."""
    return reports.send_daily_reports() if settings.DAILY_REPORT_ENABLED else 0


@db_periodic_task(local_crontab(minute="17", hour="3"))
def apply_retention() -> dict:
    return retention.apply_retention()
