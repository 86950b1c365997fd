"""Without DEBUG, `manage.py check --deploy` (and so `serve` and daphne, tests/commands/
test_serve.py) refuses what is fine for development but unsafe in production; syntax errors
in these settings are refused always."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

STRONG_KEY = "k7Qz0pWm3vRx9sT2yLb5nJc8hFd4gKe6aUo1iYw_XqZr-MvNtBs"


def core_messages(deploy: bool = True) -> list[str]:
    """The core.* lines `manage.py check [--deploy]` prints, errors and warnings."""
    out, err = StringIO(), StringIO()
    try:
        call_command("check", deploy=deploy, stdout=out, stderr=err)
        text = out.getvalue() + err.getvalue()
    except SystemCheckError as exc:
        text = str(exc)
    return [line for line in text.splitlines() if "(core." in line]


@pytest.fixture
def production(settings, tmp_path):
    """A safe production configuration; each test breaks one thing."""
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o700)
    settings.DEBUG = False
    settings.EMAIL_TRANSPORT = "smtp"
    settings.SMTP_HOST = "mail.musterhausen.example"
    settings.PUBLIC_BASE_URL = "https://termine.musterhausen.example"
    settings.PUBLIC_BASE_URL_IS_DEFAULT = False
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECRET_KEY = STRONG_KEY
    settings.VAR_DIR = var_dir
    return settings


def test_a_safe_production_configuration_passes(production):
    assert core_messages() == []
    production.EMAIL_TRANSPORT = "console"  # the explicit opt-in
    assert core_messages() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"EMAIL_TRANSPORT": "", "SMTP_HOST": ""},
            ["?: (core.E005) No e-mail transport: SMTP_HOST is not set."],
        ),
        (
            {"PUBLIC_BASE_URL": "http://127.0.0.1:8000", "PUBLIC_BASE_URL_IS_DEFAULT": True},
            [
                "?: (core.E006) PUBLIC_BASE_URL is not set (the development default is "
                "http://127.0.0.1:8000)."
            ],
        ),
        (
            {"SECRET_KEY": "django-insecure-" + STRONG_KEY},
            [
                "?: (core.E007) SECRET_KEY is weak: shorter than 50 characters, fewer than 5 "
                "different characters, or one of Django's generated development keys."
            ],
        ),
        (
            {"SECRET_KEY": STRONG_KEY[:49]},
            [
                "?: (core.E007) SECRET_KEY is weak: shorter than 50 characters, fewer than 5 "
                "different characters, or one of Django's generated development keys."
            ],
        ),
        (
            {"SECRET_KEY": "abcd" * 20},
            [
                "?: (core.E007) SECRET_KEY is weak: shorter than 50 characters, fewer than 5 "
                "different characters, or one of Django's generated development keys."
            ],
        ),
        (
            {"TRUSTED_PROXIES": []},
            [
                "?: (core.W001) PUBLIC_BASE_URL is https but TRUSTED_PROXIES is empty: the TLS "
                "proxy's X-Forwarded-Proto is ignored, so requests look like plain http (no "
                "HSTS header; staff logins fail the CSRF origin check)."
            ],
        ),
    ],
    ids=[
        "no-mail-transport",
        "default-url",
        "insecure-key",
        "short-key",
        "repetitive-key",
        "https-without-proxy",
    ],
)
def test_unsafe_production_values_are_refused(production, changes, expected):
    for name, value in changes.items():
        setattr(production, name, value)
    assert core_messages() == expected
    production.DEBUG = True  # development accepts all of it
    assert core_messages() == []


def test_var_dir_open_to_other_users_is_refused(production):
    production.VAR_DIR.chmod(0o750)
    assert core_messages() == [
        f"?: (core.E008) {production.VAR_DIR} is open to other users (it holds personal data "
        "and keys)."
    ]


def test_the_development_defaults_are_refused_without_debug(production):
    production.EMAIL_TRANSPORT = ""
    production.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    production.PUBLIC_BASE_URL_IS_DEFAULT = True
    assert [line.split(")")[0] for line in core_messages()] == ["?: (core.E005", "?: (core.E006"]
    # Plain `manage.py check` (migrate, the test suite, `make check`) does not ask.
    assert core_messages(deploy=False) == []


def test_malformed_values_are_refused_always(settings):
    settings.DEBUG = True
    settings.EMAIL_TRANSPORT = "sendmail"
    settings.PUBLIC_BASE_URL = "termine.musterhausen.example"
    settings.TRUSTED_PROXIES = ["10.0.0.5", "10.0.0.300", "proxy.local", "192.168.10.0/24"]
    assert core_messages(deploy=False) == [
        "?: (core.E001) EMAIL_BACKEND 'sendmail' is unknown.",
        "?: (core.E003) PUBLIC_BASE_URL 'termine.musterhausen.example' is no http(s) address.",
        "?: (core.E004) TRUSTED_PROXIES: '10.0.0.300' is no IP address or network.",
        "?: (core.E004) TRUSTED_PROXIES: 'proxy.local' is no IP address or network.",
    ]
    settings.EMAIL_TRANSPORT = "smtp"
    settings.SMTP_HOST = ""
    settings.PUBLIC_BASE_URL = "https://termine.musterhausen.example"
    settings.TRUSTED_PROXIES = []
    assert core_messages(deploy=False) == [
        "?: (core.E002) EMAIL_BACKEND is smtp but SMTP_HOST is not set."
    ]
