"""Short human booking codes like K7M-4QX, easy to read out and to type at a kiosk."""

import re
import secrets

# No 0/O, 1/I/L: nothing a citizen can confuse when reading the code from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:3]}-{raw[3:]}"


def normalize_code(typed: str) -> str | None:
    """'k7m 4qx', 'K7M4QX' and 'K7M-4QX' are the same code; anything else is None."""
    raw = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return f"{raw[:3]}-{raw[3:]}"
