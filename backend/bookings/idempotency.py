"""Idempotency keys for bookAppointment: the same key from the same caller replays the first
result.

A key is scoped to the caller that sent it: the records are found by a hash of the key
together with who is asking (an API token, a device, a staff user, or an anonymous browser's
own random secret kept in its session). Another caller sending the same key (and body)
finds nothing and is treated as a new request: it never sees the first caller's booking,
its personal data or its manage token. Keys therefore need to be unique per caller only,
like the idempotency keys of payment APIs."""

import hashlib
import json
import re
import secrets

from backend.core.errors import DomainError, ErrorCode

from .models import IdempotencyRecord

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")
# The session entry holding an anonymous browser's secret (created by its first keyed booking).
CLIENT_SECRET_SESSION_KEY = "idempotency_client_secret"
# Retries come within minutes; an anonymous session kept for nothing else ends after a day.
CLIENT_SESSION_SECONDS = 24 * 3600


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise DomainError(
            ErrorCode.INVALID_IDEMPOTENCY_KEY,
            "Use 8 to 128 letters, digits or . _ : - (a UUID is ideal).",
            "idempotencyKey",
        )
    return key


def caller_scope(request, hold_secret: str | None = None) -> str:
    """Who sends a request, as the string its keys are hashed with. An anonymous citizen who
    books from a hold is known by the hold's secret (returned once by holdSlot, kept in the
    page's memory): a retry after a lost answer sends the same secret and so replays, also in
    an embed whose browser keeps no cookies, and nobody without the secret can. Anonymous
    bookings without a hold fall back to a random secret in the session cookie."""
    device = getattr(request, "device", None)
    if device is not None:
        return f"device:{device.pk}"
    token = getattr(request, "api_token", None)
    if token is not None:
        return f"token:{token.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if hold_secret:
        return f"hold:{hold_secret}"
    secret = request.session.get(CLIENT_SECRET_SESSION_KEY)
    if not isinstance(secret, str):
        secret = secrets.token_urlsafe(32)
        request.session[CLIENT_SECRET_SESSION_KEY] = secret
        request.session.set_expiry(CLIENT_SESSION_SECONDS)
    return f"client:{secret}"


def key_hash(scope: str, key: str) -> str:
    # The key pattern has no newline: "scope\nkey" is unambiguous.
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def find(scope: str, key: str) -> IdempotencyRecord | None:
    """This caller's record of the key, if it used the key before."""
    return (
        IdempotencyRecord.objects.select_related("booking")
        .filter(key_hash=key_hash(scope, key))
        .first()
    )
