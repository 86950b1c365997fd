"""Pairing kiosks and displays, and recognising them by their token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from backend.core.errors import DomainError, ErrorCode

from .models import Device
from .tokens import hash_secret, new_secret

DEVICE_TOKEN_PREFIX = "vzd_"  # tells a device token from an API token (vz_) at a glance
PAIRING_VALID_FOR = timedelta(minutes=15)
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def new_pairing_code(device: Device, now: datetime | None = None) -> str:
    """A fresh 8-digit code an admin reads off and types on the device; shown once."""
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**8):08d}"
    device.pairing_code_hash = hash_secret(code)
    device.pairing_expires_at = now + PAIRING_VALID_FOR
    device.pairing_failures = 0
    device.save(update_fields=["pairing_code_hash", "pairing_expires_at", "pairing_failures"])
    return code


def do_pair_device(
    code: str, kind: str | None = None, now: datetime | None = None
) -> tuple[Device, str]:
    """Trade a valid pairing code for the device's token (returned once, stored hashed).
    Pairing again replaces the old token, so a stolen kiosk can be re-paired away.

    Every refusal is the same PAIRING_INVALID — unknown, expired, used up, or meant for the
    other kind of device — so a guesser learns nothing about which codes exist. A wrong try
    cannot be pinned on the code it was aimed at, so it counts against every code live at the
    time: after PAIRING_MAX_FAILURES of them a code dies and the admin makes a new one. A
    guesser thus gets at most that many tries out of 10^8 per code (the request limits per
    address and overall come on top)."""
    now = now or timezone.now()
    digits = "".join(ch for ch in code or "" if ch.isdigit())
    with transaction.atomic():
        device = (
            Device.objects.select_for_update()
            .select_related("location__organization")
            .filter(live_codes(now), pairing_code_hash=hash_secret(digits))
            .first()
            if len(digits) == 8
            else None
        )
        if device is not None and (kind is None or device.kind == kind):
            return device, _paired(device, now)
    _count_failure(now)  # outside the transaction above: the count stays when we refuse
    raise DomainError(ErrorCode.PAIRING_INVALID, "This pairing code is not valid.", "code")


def live_codes(now: datetime) -> Q:
    return Q(pairing_expires_at__gt=now, revoked_at__isnull=True) & ~Q(pairing_code_hash="")


def _count_failure(now: datetime) -> None:
    with transaction.atomic():
        live = Device.objects.filter(live_codes(now))
        live.update(pairing_failures=F("pairing_failures") + 1)
        live.filter(pairing_failures__gte=settings.PAIRING_MAX_FAILURES).update(
            pairing_code_hash="", pairing_expires_at=None
        )


def _paired(device: Device, now: datetime) -> str:
    token = new_secret(DEVICE_TOKEN_PREFIX)
    device.token_hash = hash_secret(token)
    device.pairing_code_hash = ""
    device.pairing_expires_at = None
    device.paired_at = now
    device.save(
        update_fields=["token_hash", "pairing_code_hash", "pairing_expires_at", "paired_at"]
    )
    return token


def device_for_token(secret: str) -> Device | None:
    device = (
        Device.objects.select_related("location__organization")
        .filter(token_hash=hash_secret(secret), revoked_at__isnull=True)
        .exclude(token_hash="")
        .first()
    )
    if device is not None:
        now = timezone.now()
        if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
            Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    return device


PIN_ATTEMPTS = 5
PIN_LOCKOUT = timedelta(minutes=5)
DEFAULT_PIN = "1234"  # the example value in deployment guides: refused outside DEBUG


def do_unlock_kiosk_settings(device: Device | None, pin: str, now: datetime | None = None) -> None:
    """Check the kiosk's settings PIN (KIOSK_PIN); 5 wrong tries lock it for 5 minutes."""
    import hmac

    from django.conf import settings

    now = now or timezone.now()
    if device is None or device.kind != Device.Kind.KIOSK:
        raise DomainError(ErrorCode.NOT_FOUND, "Only a paired kiosk has settings.", "pin")
    if not settings.DEBUG and settings.KIOSK_PIN == DEFAULT_PIN:
        raise DomainError(
            ErrorCode.KIOSK_PIN_NOT_SET,
            "Set KIOSK_PIN: the default PIN is refused in production.",
            "pin",
        )
    with transaction.atomic():  # the counting commits even when the PIN is refused
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.pin_locked_until and device.pin_locked_until > now:
            outcome = ErrorCode.PIN_LOCKED
        elif hmac.compare_digest((pin or "").encode(), settings.KIOSK_PIN.encode()):
            Device.objects.filter(pk=device.pk).update(failed_pin_attempts=0, pin_locked_until=None)
            return
        else:
            attempts = device.failed_pin_attempts + 1
            locked = attempts >= PIN_ATTEMPTS
            Device.objects.filter(pk=device.pk).update(
                failed_pin_attempts=0 if locked else attempts,
                pin_locked_until=now + PIN_LOCKOUT if locked else None,
            )
            outcome = ErrorCode.PIN_LOCKED if locked else ErrorCode.WRONG_PIN
    if outcome == ErrorCode.PIN_LOCKED:
        raise DomainError(outcome, "Too many wrong PINs; try again in a few minutes.", "pin")
    raise DomainError(outcome, "Wrong PIN.", "pin")


@dataclass(frozen=True)
class PinState:
    attempts_left: int | None
    locked_until: datetime | None


def pin_state(device: Device | None, now: datetime | None = None) -> PinState:
    """How many wrong PINs a kiosk has left, or until when it is locked."""
    now = now or timezone.now()
    if device is None:
        return PinState(None, None)
    device.refresh_from_db(fields=["failed_pin_attempts", "pin_locked_until"])
    if device.pin_locked_until and device.pin_locked_until > now:
        return PinState(0, device.pin_locked_until)
    return PinState(PIN_ATTEMPTS - device.failed_pin_attempts, None)
