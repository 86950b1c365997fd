"""SMS through sipgate, Twilio or Vonage (their real HTTP APIs), or the console.

SMS_PROVIDER picks one; SMS_API_KEY holds "id:secret" (sipgate token id and token, Twilio
account SID and auth token, Vonage API key and secret); SMS_SENDER is the sender name for
Twilio and Vonage (≤ 11 letters/digits, or a phone number; checks.py); sipgate sends from the
account's SMS extension SIPGATE_SMS_ID ("s0"), its sender name is set in sipgate's web app;
SMS_API_BASE_URL points a provider at another host (tests)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import requests
from django.conf import settings

from backend.bookings.contact import sms_allowed
from backend.core.ratelimit import RateLimited, hit

from . import PermanentError, Suppressed, TransientError
from .base import Message, Recipient

TIMEOUT = 10


@dataclass(frozen=True)
class Credentials:
    user: str
    secret: str

    @classmethod
    def from_settings(cls) -> Credentials:
        user, _, secret = settings.SMS_API_KEY.partition(":")
        if not user or not secret:
            raise PermanentError("SMS_API_KEY must be 'id:secret'")
        return cls(user, secret)


def _check(response: requests.Response) -> requests.Response:
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(f"provider answered {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"provider refused ({response.status_code})")
    return response


def _post(url: str, **kwargs) -> requests.Response:
    try:
        return _check(requests.post(url, timeout=TIMEOUT, **kwargs))
    except requests.RequestException as exc:
        # Not chained: the cause quotes the URL (Twilio's has the account id in it).
        raise TransientError(type(exc).__name__) from None


def send_sipgate(to: str, text: str) -> None:
    """https://api.sipgate.com/v2/sessions/sms with the token as basic auth. `smsId` is
    the SMS extension of the account ("s0"; GET /v2/{userId}/sms lists them), not a name."""
    creds = Credentials.from_settings()
    base = settings.SMS_API_BASE_URL or "https://api.sipgate.com"
    _post(
        f"{base}/v2/sessions/sms",
        auth=(creds.user, creds.secret),
        json={"smsId": settings.SIPGATE_SMS_ID, "recipient": to, "message": text},
    )


def send_twilio(to: str, text: str) -> None:
    """POST .../Accounts/{SID}/Messages.json, form-encoded, basic auth SID:token."""
    creds = Credentials.from_settings()
    base = settings.SMS_API_BASE_URL or "https://api.twilio.com"
    _post(
        f"{base}/2010-04-01/Accounts/{creds.user}/Messages.json",
        auth=(creds.user, creds.secret),
        data={"To": to, "From": settings.SMS_SENDER, "Body": text},
    )


def send_vonage(to: str, text: str) -> None:
    """POST https://rest.nexmo.com/sms/json; the API answers 200 with a per-message status."""
    creds = Credentials.from_settings()
    base = settings.SMS_API_BASE_URL or "https://rest.nexmo.com"
    response = _post(
        f"{base}/sms/json",
        data={
            "api_key": creds.user,
            "api_secret": creds.secret,
            "to": to.lstrip("+"),
            "from": settings.SMS_SENDER,
            "text": text,
            "type": "unicode",
        },
    )
    status = str(response.json().get("messages", [{}])[0].get("status", "0"))
    if status == "1":  # throttled
        raise TransientError("vonage throttled")
    if status != "0":
        raise PermanentError(f"vonage status {status}")


def check_sms_allowed(to: str) -> None:
    """Against SMS pumping (premium ranges abroad, floods to one number): only the allowed
    country codes, and at most RATE_LIMITS["sms.phone"] messages per number."""
    if not sms_allowed(to):
        raise Suppressed("country code not in SMS_ALLOWED_COUNTRY_CODES")
    try:
        hit("sms", phone=to)
    except RateLimited:
        raise Suppressed("daily SMS cap of this number reached") from None


def mask_number(number: str) -> str:
    """+4915123456789 -> +49151*****89: enough to tell two test phones apart."""
    keep_start, keep_end = 6, 2
    if len(number) <= keep_start + keep_end:
        return "*" * len(number)
    return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]


def send_console(to: str, text: str) -> None:
    """The embedded default: print that an SMS would go, like Django's console e-mail
    backend, but without the number or the text (stdout ends up in server logs)."""
    sys.stdout.write(f"--- SMS to {mask_number(to)}: {len(text)} characters (not sent) ---\n")


PROVIDERS = {
    "sipgate": send_sipgate,
    "twilio": send_twilio,
    "vonage": send_vonage,
    "console": send_console,
}


def send_sms(to: str, text: str) -> None:
    if not settings.SMS_ENABLED and settings.SMS_PROVIDER != "console":
        raise PermanentError("SMS_ENABLED is false")
    check_sms_allowed(to)
    provider = PROVIDERS.get(settings.SMS_PROVIDER)
    if provider is None:
        raise PermanentError(f"unknown SMS_PROVIDER {settings.SMS_PROVIDER!r}")
    provider(to, text)


class SmsChannel:
    name = "sms"
    on_request = False
    switched_off = "SMS_ENABLED is false"

    def available(self) -> bool:
        return settings.SMS_ENABLED or settings.SMS_PROVIDER == "console"

    def reaches(self, recipient: Recipient) -> bool:
        return bool(recipient.phone)

    def send(self, recipient: Recipient, message: Message) -> None:
        send_sms(recipient.phone, message.short_text(self.name))
