"""When the notification jobs run: the reminder schedule (REMINDER_SCHEDULE=48h,24h,2h) and
the daily report's local time (DAILY_REPORT_TIME=07:00). Parsed strictly here; checks.py
reports a bad value at startup, so the jobs themselves never meet one."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from huey import crontab

OFFSET = re.compile(r"(?P<amount>[1-9][0-9]{0,3})(?P<unit>[mhd])")
CLOCK = re.compile(r"(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_offset(label: str) -> timedelta:
    """ "48h" -> 48 hours, "30m" -> 30 minutes, "2d" -> 2 days; anything else is a ValueError."""
    match = OFFSET.fullmatch(label.strip())
    if match is None:
        raise ValueError(
            f"{label!r} is no reminder time: use a whole number and m, h or d, e.g. 48h"
        )
    return timedelta(**{UNITS[match["unit"]]: int(match["amount"])})


def parse_clock(value: str) -> tuple[int, int]:
    """ "07:00" -> (7, 0); "7:30" is fine, "07:30:00" or "25:00" are ValueErrors."""
    match = CLOCK.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is no time of day: use HH:MM, e.g. 07:00")
    return int(match["hour"]), int(match["minute"])


def daily_report_clock() -> tuple[int, int]:
    """DAILY_REPORT_TIME, or 07:00 while it is invalid (the system check reports it)."""
    try:
        return parse_clock(settings.DAILY_REPORT_TIME)
    except ValueError:
        return 7, 0


def local_crontab(minute: str, hour: str) -> Callable[[datetime], bool]:
    """huey.crontab in the deployment's TIME_ZONE. Huey hands periodic tasks naive UTC
    timestamps (utc=True, its default, which keeps retry times right across DST changes); a
    plain crontab(hour=7) would therefore run at 07:00 UTC, i.e. 08:00 or 09:00 in Berlin."""
    matches = crontab(minute=minute, hour=hour)

    def validate(timestamp: datetime) -> bool:
        from huey.contrib.djhuey import HUEY

        if not HUEY.utc:  # already local time
            return matches(timestamp)
        zone = ZoneInfo(settings.TIME_ZONE)
        return matches(timestamp.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None))

    return validate
