"""Which backups to keep: grandfather-father-son (7 daily, 4 weekly, 12 monthly).

For each of the most recent `daily` days that have a backup, the newest backup of that day
is kept; likewise per ISO week and per month. A backup may be kept for several reasons; the
newest is always kept. Days, weeks and months are local (TIME_ZONE): "the backup of
Monday" is what an operator looks for. Safety backups (taken by `restore`) have their own
name and are never rotated away."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

NAME = re.compile(r"vorzimmer-(?P<stamp>\d{8}T\d{6}Z)(?:-\d+)?\.vzbak")
STAMP = "%Y%m%dT%H%M%SZ"


def created_at(name: str) -> datetime | None:
    match = NAME.fullmatch(name)
    if match is None:
        return None
    return datetime.strptime(match["stamp"], STAMP).replace(tzinfo=UTC)


def survivors(
    backups: dict[str, datetime], zone: ZoneInfo, daily: int = 7, weekly: int = 4, monthly: int = 12
) -> set[str]:
    """The names to keep among `backups` (name -> when it was made)."""
    newest_first = sorted(backups, key=lambda name: (backups[name], name), reverse=True)
    keep: set[str] = set(newest_first[:1])
    periods: list[tuple[int, Callable[[datetime], tuple]]] = [
        (daily, lambda t: (t.year, t.month, t.day)),
        (weekly, lambda t: tuple(t.isocalendar()[:2])),
        (monthly, lambda t: (t.year, t.month)),
    ]
    for count, period in periods:
        seen: set[tuple] = set()
        for name in newest_first:
            if len(seen) >= count:
                break
            bucket = period(backups[name].astimezone(zone))
            if bucket not in seen:
                seen.add(bucket)
                keep.add(name)
    return keep


def rotate(backup_dir: Path) -> list[Path]:
    """Delete the regular backups in backup_dir that `survivors` does not keep."""
    stamps = {p.name: t for p in backup_dir.iterdir() if (t := created_at(p.name)) is not None}
    keep = survivors(
        stamps,
        ZoneInfo(settings.TIME_ZONE),
        settings.BACKUP_KEEP_DAILY,
        settings.BACKUP_KEEP_WEEKLY,
        settings.BACKUP_KEEP_MONTHLY,
    )
    removed = []
    for name in sorted(set(stamps) - keep):
        (backup_dir / name).unlink(missing_ok=True)
        removed.append(backup_dir / name)
    return removed
