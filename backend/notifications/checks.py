"""System checks of the notification settings: a wrong value stops `manage.py serve`,
`run_huey`, `migrate` and `check` with a clear message, instead of crashing at import or
failing in a periodic job (or being cut silently, like a long SMS sender) later."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from .channels.sms import PROVIDERS
from .schedule import parse_clock, parse_offset

ALPHANUMERIC_SENDER = re.compile(r"[A-Za-z0-9 ]{1,11}")  # GSM alphanumeric sender ID
NUMERIC_SENDER = re.compile(r"\+?[0-9]{3,15}")  # a phone number (E.164 digits)
SIPGATE_SMS_ID = re.compile(r"s[0-9]+")


@register()
def check_schedules(app_configs=None, **kwargs) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    try:
        parse_clock(settings.DAILY_REPORT_TIME)
    except ValueError as exc:
        errors.append(
            Error(
                f"DAILY_REPORT_TIME: {exc}.",
                hint="The report is sent at this local time (TIME_ZONE) each day.",
                id="notifications.E001",
            )
        )
    for label in settings.REMINDER_SCHEDULE:
        try:
            parse_offset(label)
        except ValueError as exc:
            errors.append(
                Error(
                    f"REMINDER_SCHEDULE: {exc}.",
                    hint="A comma-separated list such as 48h,24h,2h (m, h or d; no fractions: "
                    "90m instead of 1.5h).",
                    id="notifications.E002",
                )
            )
    return errors


@register()
def check_sms(app_configs=None, **kwargs) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    provider = settings.SMS_PROVIDER
    if provider not in PROVIDERS:
        errors.append(
            Error(
                f"SMS_PROVIDER {provider!r} is unknown.",
                hint=f"One of: {', '.join(PROVIDERS)}.",
                id="notifications.E003",
            )
        )
    if not settings.SMS_ENABLED or provider == "console":
        return errors
    if provider in ("twilio", "vonage") and not _valid_sender(settings.SMS_SENDER):
        errors.append(
            Error(
                f"SMS_SENDER {settings.SMS_SENDER!r} cannot be an SMS sender.",
                hint="At most 11 characters, letters A-Z/a-z, digits and spaces with at least "
                "one letter (no umlauts), or a phone number such as +4915123456789.",
                id="notifications.E004",
            )
        )
    if provider == "sipgate" and not SIPGATE_SMS_ID.fullmatch(settings.SIPGATE_SMS_ID):
        errors.append(
            Error(
                f"SIPGATE_SMS_ID {settings.SIPGATE_SMS_ID!r} is no sipgate SMS extension.",
                hint='The extension id, e.g. "s0" (sipgate API: GET /v2/{userId}/sms).',
                id="notifications.E005",
            )
        )
    if ":" not in settings.SMS_API_KEY:
        errors.append(
            Error(
                "SMS_API_KEY must be 'id:secret' for SMS_PROVIDER " + provider + ".",
                id="notifications.E006",
            )
        )
    return errors


@register()
def check_push(app_configs=None, **kwargs) -> list[CheckMessage]:
    if settings.PUSH_ALLOW_INSECURE_ENDPOINTS and not settings.DEBUG:
        return [
            Error(
                "PUSH_ALLOW_INSECURE_ENDPOINTS is on without DEBUG.",
                hint="It lets a browser register any http or local URL, which the server then "
                "sends requests to: for development and tests only.",
                id="notifications.E007",
            )
        ]
    return []


def _valid_sender(sender: str) -> bool:
    if NUMERIC_SENDER.fullmatch(sender):
        return True
    return bool(ALPHANUMERIC_SENDER.fullmatch(sender)) and any(c.isalpha() for c in sender)
