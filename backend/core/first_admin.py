"""The first superuser of a fresh installation, created by `manage.py serve`.

Its password never reaches a log: it comes from ADMIN_PASSWORD, or it is generated and either
shown once on the developer's terminal (DEBUG) or written to a file only the server's user
can read (production: a terminal's scrollback and the service manager's journal are logs)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password

from .private_files import write_private

USERNAME = "admin"
PASSWORD_FILE = "admin_password"


def check_admin_password() -> None:
    """Raise ValidationError when ADMIN_PASSWORD is set but fails the password rules (checked
    before anything else starts)."""
    if settings.ADMIN_PASSWORD:
        validate_password(settings.ADMIN_PASSWORD)


def create_first_admin() -> str | None:
    """Create `admin` unless a superuser exists; returns the line to print about it."""
    users = get_user_model().objects
    if users.filter(is_superuser=True).exists():
        return None
    if password := settings.ADMIN_PASSWORD:
        check_admin_password()
        users.create_superuser(USERNAME, "admin@localhost", password)
        return f"Admin login: {USERNAME} with the password from ADMIN_PASSWORD"
    password = secrets.token_urlsafe(12)
    users.create_superuser(USERNAME, "admin@localhost", password)
    if settings.DEBUG:
        return f"Admin login (shown once): {USERNAME} / {password}"
    path = Path(settings.VAR_DIR) / PASSWORD_FILE
    write_private(path, password + "\n")
    return (
        f"Admin login: {USERNAME}, the password is in {path} (readable by this user only; "
        "delete the file after the first login)"
    )
