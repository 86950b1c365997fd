"""System checks of the production configuration.

Without DEBUG the server refuses to start on values that are fine for development but unsafe
in production: mail only printed without saying so, links to 127.0.0.1, a weak secret key,
var/ open to other users. They run with `manage.py check --deploy`, at every start of
`manage.py serve` without DEBUG, and when daphne loads backend.asgi without DEBUG
(refuse_unsafe_configuration), so no way of starting the server skips them. Syntax errors in
these settings are reported always (`manage.py check`)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register, run_checks

from .private_files import open_to_others
from .proxy import parse_proxies

EMAIL_TRANSPORTS = ("smtp", "console")
INSECURE_KEY_PREFIX = "django-insecure-"
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5


@register(Tags.security)
def check_values(app_configs=None, **kwargs) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    transport = settings.EMAIL_TRANSPORT
    if transport and transport not in EMAIL_TRANSPORTS:
        errors.append(
            Error(
                f"EMAIL_BACKEND {transport!r} is unknown.",
                hint="smtp (with SMTP_HOST) or console (e-mails are printed, not sent).",
                id="core.E001",
            )
        )
    if transport == "smtp" and not settings.SMTP_HOST:
        errors.append(
            Error(
                "EMAIL_BACKEND is smtp but SMTP_HOST is not set.",
                hint="Set SMTP_HOST (and SMTP_PORT, SMTP_USER, SMTP_PASS).",
                id="core.E002",
            )
        )
    url = urlsplit(settings.PUBLIC_BASE_URL)
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        errors.append(
            Error(
                f"PUBLIC_BASE_URL {settings.PUBLIC_BASE_URL!r} is no http(s) address.",
                hint="The address citizens open, e.g. https://termine.musterhausen.de (links "
                "in e-mails, SMS and pushes start with it).",
                id="core.E003",
            )
        )
    for entry in parse_proxies(settings.TRUSTED_PROXIES)[1]:
        errors.append(
            Error(
                f"TRUSTED_PROXIES: {entry!r} is no IP address or network.",
                hint="A comma-separated list such as 10.0.0.5,192.168.10.0/24.",
                id="core.E004",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_production(app_configs=None, **kwargs) -> list[CheckMessage]:
    if settings.DEBUG:
        return []
    messages: list[CheckMessage] = []
    if not settings.EMAIL_TRANSPORT:
        messages.append(
            Error(
                "No e-mail transport: SMTP_HOST is not set.",
                hint="Set SMTP_HOST to send e-mail, or EMAIL_BACKEND=console to accept that "
                "e-mails are not sent (only recipient, subject and size are printed).",
                id="core.E005",
            )
        )
    if settings.PUBLIC_BASE_URL_IS_DEFAULT:
        messages.append(
            Error(
                f"PUBLIC_BASE_URL is not set (the development default is "
                f"{settings.PUBLIC_BASE_URL}).",
                hint="Set it to the address citizens open, e.g. https://termine.musterhausen.de: "
                "links in e-mails, SMS, pushes and printed tickets start with it.",
                id="core.E006",
            )
        )
    if weak_secret_key(settings.SECRET_KEY):
        messages.append(
            Error(
                "SECRET_KEY is weak: shorter than 50 characters, fewer than 5 different "
                "characters, or one of Django's generated development keys.",
                hint="Unset it (a strong key is generated once into var/secret_key) or set "
                'a long random value, e.g. python -c "import secrets; '
                'print(secrets.token_urlsafe(50))".',
                id="core.E007",
            )
        )
    var_dir = Path(settings.VAR_DIR)
    if var_dir.exists() and open_to_others(var_dir):
        messages.append(
            Error(
                f"{var_dir} is open to other users (it holds personal data and keys).",
                hint=f"chmod 700 {var_dir}, and make the server's user its owner.",
                id="core.E008",
            )
        )
    if settings.PUBLIC_BASE_URL.startswith("https://") and not settings.TRUSTED_PROXIES:
        messages.append(
            Warning(
                "PUBLIC_BASE_URL is https but TRUSTED_PROXIES is empty: the TLS proxy's "
                "X-Forwarded-Proto is ignored, so requests look like plain http (no HSTS "
                "header; staff logins fail the CSRF origin check).",
                hint="Set TRUSTED_PROXIES to the proxy's address, e.g. 127.0.0.1.",
                id="core.W001",
            )
        )
    return messages


def weak_secret_key(key: str) -> bool:
    """Django's own rule (security.W009), as an error."""
    return (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
        or key.startswith(INSECURE_KEY_PREFIX)
    )


def refuse_unsafe_configuration() -> None:
    """For servers that load backend.asgi without Django's checks (daphne): without DEBUG, the
    errors `serve` would stop on end the process before it accepts a connection."""
    if settings.DEBUG:
        return
    errors = [
        message
        for message in run_checks(include_deployment_checks=True)
        if message.is_serious() and not message.is_silenced()
    ]
    if errors:
        sys.stderr.write(
            "Refusing to start, the configuration is unsafe for production (DEBUG is off):\n"
            + "".join(f"{error}\n" for error in errors)
        )
        raise SystemExit(1)
