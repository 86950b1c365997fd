"""Idempotency keys for bookAppointment: the same key replays the first result."""

import hashlib
import json
import re

from .errors import BookingError, ErrorCode
from .models import IdempotencyRecord

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise BookingError(
            ErrorCode.INVALID_IDEMPOTENCY_KEY,
            "Use 8 to 128 letters, digits or . _ : - (a UUID is ideal).",
            "idempotencyKey",
        )
    return key


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def find(key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The record of a key (keys are random per client, so one is enough to find it; should
    two organizations hold the same key, the one with this request's fingerprint wins)."""
    records = list(
        IdempotencyRecord.objects.select_related("booking").filter(key_hash=key_hash(key))[:5]
    )
    return next(
        (r for r in records if r.fingerprint == fingerprint), records[0] if records else None
    )
