"""Checks the citizen's contact data: all problems are reported at once, nothing is stored.

Names go into official e-mails and SMS ("Guten Tag, <name>"), so they may carry no message
of their own: letters of any script (Unicode categories L and M, so Arabic with its marks,
Turkish, Ukrainian), spaces and - ' . (with the typographic apostrophes) only, no digits and
nothing that reads as a web address; otherwise INVALID_NAME.
"""

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from email_validator import EmailNotValidError, validate_email

from backend.core.errors import DomainError, DomainErrors, ErrorCode

from .models import Booking

LANGUAGES = {code for code, _name in settings.LANGUAGES}
MAX_NAME = 200
NAME_PUNCTUATION = frozenset(" -'.’ʼ")
# "example.com", "www.x": two runs of two or more letters joined by a dot ("J.R.R." passes).
WEB_ADDRESS = re.compile(r"[^\W\d_]{2,}\.[^\W\d_]{2,}|\bwww\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str
    phone: str  # E.164 or ""
    language: str
    channel: str


def check_contact(
    name: str,
    email: str,
    phone: str | None,
    language: str | None,
    channel: str | None,
    default_region: str = "DE",
) -> Contact:
    errors: list[DomainError] = []
    clean_name = " ".join((name or "").split())
    if not clean_name or len(clean_name) > MAX_NAME or not any(ch.isalpha() for ch in clean_name):
        errors.append(DomainError(ErrorCode.INVALID_NAME, "Please enter your name.", "name"))
    elif not is_plain_name(clean_name):
        errors.append(
            DomainError(
                ErrorCode.INVALID_NAME,
                "A name may contain letters, spaces and - ' . only.",
                "name",
            )
        )
    try:
        clean_email = validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        clean_email = ""
        errors.append(
            DomainError(ErrorCode.INVALID_EMAIL, "Please enter a valid email address.", "email")
        )
    clean_phone = ""
    if phone and phone.strip():
        try:
            parsed = phonenumbers.parse(phone, default_region)
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(0, "invalid")
            clean_phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors.append(
                DomainError(ErrorCode.INVALID_PHONE, "Please enter a valid phone number.", "phone")
            )
    clean_language = language or settings.LANGUAGE_CODE
    if clean_language not in LANGUAGES:
        errors.append(
            DomainError(ErrorCode.INVALID_LANGUAGE, "This language is not offered.", "language")
        )
    clean_channel = channel or Booking.Channel.EMAIL
    if clean_channel == Booking.Channel.SMS and not settings.SMS_ENABLED:
        # Nothing would ever arrive (the SMS channel gives up while SMS_ENABLED is off).
        errors.append(
            DomainError(
                ErrorCode.CHANNEL_UNAVAILABLE,
                "SMS notifications are not offered here; choose email.",
                "channel",
            )
        )
    elif clean_channel == Booking.Channel.SMS and not phone:
        errors.append(
            DomainError(ErrorCode.PHONE_REQUIRED, "SMS notifications need a phone number.", "phone")
        )
    elif clean_channel == Booking.Channel.SMS and clean_phone and not sms_allowed(clean_phone):
        errors.append(
            DomainError(
                ErrorCode.SMS_COUNTRY_NOT_ALLOWED,
                "SMS cannot be sent to numbers of this country; choose email.",
                "phone",
            )
        )
    if errors:
        raise DomainErrors(errors)
    return Contact(clean_name, clean_email, clean_phone, clean_language, clean_channel)


def is_plain_name(name: str) -> bool:
    for ch in name:
        if ch in NAME_PUNCTUATION:
            continue
        if unicodedata.category(ch)[0] not in "LM":
            return False
    return WEB_ADDRESS.search(name) is None


def sms_allowed(phone: str) -> bool:
    """Whether SMS may go to this E.164 number (SMS_ALLOWED_COUNTRY_CODES, against SMS
    pumping to expensive foreign ranges)."""
    return any(phone.startswith(code) for code in settings.SMS_ALLOWED_COUNTRY_CODES)
