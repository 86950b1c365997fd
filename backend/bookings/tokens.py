"""The secret manage token of a booking.

It is derived, not stored: HMAC(SECRET_KEY, booking id + a random per-booking salt), so every
later message (reminder, reschedule) can carry the manage link, while the database holds only
the token's hash and the salt. Rotating SECRET_KEY invalidates old manage links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def new_salt() -> str:
    return secrets.token_hex(16)


def manage_token(booking_id, salt: str) -> str:
    """192 bits, URL-safe."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"manage:{booking_id}:{salt}".encode(), hashlib.sha256
    ).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
