"""The nightly backup, run by the Huey worker at BACKUP_TIME in TIME_ZONE."""

from __future__ import annotations

import logging

from django.conf import settings
from huey.contrib.djhuey import db_periodic_task

from backend.notifications.schedule import local_crontab, parse_clock

from .alerts import alert
from .create import backup_dir, create_backup
from .errors import BackupFailed, DiskSpaceLow
from .rotation import rotate

logger = logging.getLogger("backend.backups")


def backup_clock() -> tuple[int, int]:
    """BACKUP_TIME, or 02:30 while it is invalid (the system check reports it)."""
    try:
        return parse_clock(settings.BACKUP_TIME)
    except ValueError:
        return 2, 30


def run_scheduled_backup() -> str | None:
    """One backup and rotation; off without BACKUP_ENCRYPTION_KEY (the deployment check
    warns). A failure alerts the admins: a silent gap in backups is found only when needed."""
    if not settings.BACKUP_ENCRYPTION_KEY:
        return None
    try:
        path = create_backup()
    except DiskSpaceLow:
        return None  # alerted by the space check itself
    except BackupFailed as exc:
        alert("Nightly backup failed", str(exc))
        return None
    except Exception as exc:  # any other failure too: a silent gap is the worst outcome
        alert("Nightly backup failed", f"{type(exc).__name__}: {exc}")
        raise
    rotate(backup_dir())
    logger.info("Backup written: %s", path.name)
    return str(path)


_HOUR, _MINUTE = backup_clock()


@db_periodic_task(local_crontab(minute=str(_MINUTE), hour=str(_HOUR)))
def nightly_backup() -> str | None:
    return run_scheduled_backup()
