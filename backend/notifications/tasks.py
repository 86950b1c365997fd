"""Huey jobs: thin, take ids, idempotent (dispatch.py), retried with backoff."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import bookings, queue_push, reports, retention, waitlist

RETRIES = 5
RETRY_DELAY = 60  # seconds; transient failures raise, Huey tries again


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def send_booking_message(booking_id, kind: str, key: str = "") -> dict:
    return bookings.notify_booking(booking_id, kind, key)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def offer_freed_slot(service_id, location_id, start_iso: str) -> str | None:
    return waitlist.offer_freed_slot(service_id, location_id, start_iso)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def send_waitlist_offer(entry_id) -> dict:
    return waitlist.notify_offer(entry_id)


@db_task(retries=2, retry_delay=5)
def push_queue_updates(location_id) -> int:
    return queue_push.push_updates(location_id)


@db_periodic_task(crontab(minute="*/5"))
def send_due_reminders() -> int:
    return bookings.send_due_reminders()


@db_periodic_task(crontab(minute="*"))
def expire_waitlist_offers() -> int:
    return waitlist.expire_offers()


def _report_time() -> tuple[str, str]:
    hour, _, minute = settings.DAILY_REPORT_TIME.partition(":")
    return str(int(minute or 0)), str(int(hour))


@db_periodic_task(crontab(minute=_report_time()[0], hour=_report_time()[1]))
def send_daily_reports() -> int:
    return reports.send_daily_reports() if settings.DAILY_REPORT_ENABLED else 0


@db_periodic_task(crontab(minute="17", hour="3"))
def apply_retention() -> dict:
    return retention.apply_retention()
