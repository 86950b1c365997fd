"""Telling the operators that a backup did not happen: one ERROR line in the log and an
e-mail to the installation's admins (active superusers with an address, and
BACKUP_ALERT_EMAIL). Neither contains personal data: sizes, paths and the reason only."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import DatabaseError

logger = logging.getLogger("backend.backups")


def recipients() -> list[str]:
    try:
        admins = list(
            get_user_model()
            .objects.filter(is_superuser=True, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    except DatabaseError:  # the database may be why the backup failed
        admins = []
    extra = [a.strip() for a in settings.BACKUP_ALERT_EMAIL.split(",") if a.strip()]
    return sorted(set(admins) | set(extra))


def alert(subject: str, text: str) -> None:
    logger.error("%s", text)
    to = recipients()
    if not to:
        logger.error("No admin e-mail address for the backup alert (set BACKUP_ALERT_EMAIL).")
        return
    try:
        send_mail(f"[vorzimmer] {subject}", text + "\n", None, to)
    except Exception as exc:  # the log line above is the alert of last resort
        logger.error("The backup alert e-mail could not be sent: %s", type(exc).__name__)
