"""System checks of the backup settings: a missing key is a warning of the deployment check
(backups are off, which the operator must decide knowingly); bad values are errors."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from backend.notifications.schedule import parse_clock

from .crypto import MIN_KEY_LENGTH


@register(Tags.security)
def check_backup_settings(app_configs=None, **kwargs) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    try:
        parse_clock(settings.BACKUP_TIME)
    except ValueError as exc:
        errors.append(Error(f"BACKUP_TIME: {exc}", id="backups.E001"))
    key = settings.BACKUP_ENCRYPTION_KEY
    if key and len(key) < MIN_KEY_LENGTH:
        errors.append(
            Error(
                f"BACKUP_ENCRYPTION_KEY is shorter than {MIN_KEY_LENGTH} characters.",
                hint='Generate one: python -c "import secrets; print(secrets.token_urlsafe(32))"',
                id="backups.E002",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_backups_on(app_configs=None, **kwargs) -> list[CheckMessage]:
    if settings.BACKUP_ENCRYPTION_KEY:
        return []
    return [
        Warning(
            "BACKUP_ENCRYPTION_KEY is not set: the nightly backup is off.",
            hint="Set a key of at least 32 random characters and keep a copy outside this "
            "server: without it no backup can be read (docs/backup-and-restore.md).",
            id="backups.W001",
        )
    ]
