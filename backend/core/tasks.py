"""Housekeeping jobs of the cross-cutting pieces."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .ratelimit import purge_expired


@db_periodic_task(crontab(minute="23"))
def purge_rate_limit_counters() -> int:
    """Expired rate-limit windows of the database store (Redis expires its own keys)."""
    return purge_expired()
