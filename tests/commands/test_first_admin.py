"""The first admin `serve` creates: its password from ADMIN_PASSWORD (never printed), or
generated and shown once on a development terminal (DEBUG). Production without
ADMIN_PASSWORD (a 0600 file): tests/commands/test_serve.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from backend.core.first_admin import create_first_admin

pytestmark = pytest.mark.django_db


def signs_in(username: str, password: str) -> bool:
    """The password is the account's (sign-in itself, throttled per request, is tested in
    tests/accounts)."""
    user = get_user_model().objects.get(username=username)
    return user.is_active and user.check_password(password)


def test_the_password_from_the_environment_is_used_and_never_printed(settings):
    settings.DEBUG = False
    settings.ADMIN_PASSWORD = "Vorzimmer-Erster-Start-2026"
    line = create_first_admin()
    assert line == "Admin login: admin with the password from ADMIN_PASSWORD"
    assert signs_in("admin", "Vorzimmer-Erster-Start-2026")
    assert create_first_admin() is None  # once


def test_development_shows_the_generated_password_once(settings, tmp_path):
    settings.DEBUG = True
    settings.ADMIN_PASSWORD = ""
    settings.VAR_DIR = tmp_path
    line = create_first_admin()
    assert line is not None and line.startswith("Admin login (shown once): admin / ")
    password = line.rsplit(" / ", 1)[1]
    assert signs_in("admin", password)
    assert list(tmp_path.iterdir()) == []  # no file in development
