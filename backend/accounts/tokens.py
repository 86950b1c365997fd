"""Secrets handed out once and stored only as hashes (API tokens, booking manage tokens)."""

import hashlib
import hmac
import secrets


def new_secret(prefix: str = "") -> str:
    """A fresh secret with 192 bits of entropy, URL-safe."""
    return prefix + secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    """SHA-256 is enough here: the secrets are random with ≥128 bits, not passwords."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)
