"""Housekeeping jobs of the cross-cutting pieces."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, periodic_task

from .health import record_heartbeat
from .ratelimit import purge_expired


@db_periodic_task(crontab(minute="23"))
def purge_rate_limit_counters() -> int:
    """Expired rate-limit windows of the database store (Redis expires its own keys)."""
    return purge_expired()


@db_periodic_task(crontab(minute="41"))
def purge_expired_sessions() -> None:
    """Sessions past their expiry: every anonymous hold starts one (it carries the browser's
    idempotency secret), and Django deletes expired rows only when told to."""
    SessionStore.clear_expired()


@HUEY.on_startup()
def heartbeat_at_start() -> None:
    """At once, so a freshly started consumer makes readiness pass without waiting a minute."""
    record_heartbeat()


@periodic_task(crontab(minute="*"))
def huey_heartbeat() -> None:
    """Readiness (backend/core/health.py) fails when this stops: the consumer is down, or its
    queue is so far behind that a job waits for minutes."""
    record_heartbeat()
