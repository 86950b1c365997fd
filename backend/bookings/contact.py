"""Checks the citizen's contact data: all problems are reported at once, nothing is stored."""

from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from email_validator import EmailNotValidError, validate_email

from .errors import BookingError, BookingErrors, ErrorCode
from .models import Booking

LANGUAGES = {code for code, _name in settings.LANGUAGES}
MAX_NAME = 200


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
    errors: list[BookingError] = []
    clean_name = " ".join((name or "").split())
    if not clean_name or len(clean_name) > MAX_NAME or not any(ch.isalpha() for ch in clean_name):
        errors.append(BookingError(ErrorCode.INVALID_NAME, "Please enter your name.", "name"))
    try:
        clean_email = validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        clean_email = ""
        errors.append(
            BookingError(ErrorCode.INVALID_EMAIL, "Please enter a valid email address.", "email")
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
                BookingError(ErrorCode.INVALID_PHONE, "Please enter a valid phone number.", "phone")
            )
    clean_language = language or settings.LANGUAGE_CODE
    if clean_language not in LANGUAGES:
        errors.append(
            BookingError(ErrorCode.INVALID_LANGUAGE, "This language is not offered.", "language")
        )
    clean_channel = channel or Booking.Channel.EMAIL
    if clean_channel == Booking.Channel.SMS and not settings.SMS_ENABLED:
        # Nothing would ever arrive (the SMS channel gives up while SMS_ENABLED is off).
        errors.append(
            BookingError(
                ErrorCode.CHANNEL_UNAVAILABLE,
                "SMS notifications are not offered here; choose email.",
                "channel",
            )
        )
    elif clean_channel == Booking.Channel.SMS and not phone:
        errors.append(
            BookingError(
                ErrorCode.PHONE_REQUIRED, "SMS notifications need a phone number.", "phone"
            )
        )
    if errors:
        raise BookingErrors(errors)
    return Contact(clean_name, clean_email, clean_phone, clean_language, clean_channel)
