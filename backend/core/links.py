"""Every link the app hands to citizens, staff and devices, on PUBLIC_BASE_URL.

Links leave the request they were made in (e-mails, SMS, printed tickets, a kiosk's QR code,
a manage link shown after booking), so they use the configured public address, never the
host a request happened to arrive by. Secrets go in the fragment (after `#`): browsers do
not send it, so it never reaches a server's or proxy's log."""

from __future__ import annotations

from django.conf import settings


def public_url(path: str) -> str:
    """`path` (starting with `/`) on the public address."""
    return f"{settings.PUBLIC_BASE_URL}{path}"


def manage_link(code: str, token: str) -> str:
    """A citizen's booking: /manage/<code>#<token>."""
    return public_url(f"/manage/{code}#{token}")


def waitlist_link(entry_id: object, token: str | None = None) -> str:
    """A waitlist entry's page: /waitlist/<id>, with #<token> when the link proves access
    (the e-mail confirmation link carries `<entry token>.<confirmation>`)."""
    path = f"/waitlist/{entry_id}"
    return public_url(f"{path}#{token}" if token else path)


def ticket_link(ticket_id: object, token: str) -> str:
    """A queue ticket holder's live status page: /t/<id>#<token>."""
    return public_url(f"/t/{ticket_id}#{token}")


def password_reset_link(uid: str, token: str) -> str:
    """A staff member's password reset in the console: /staff/#reset=<uid>.<token>."""
    return public_url(f"/staff/#reset={uid}.{token}")


def kiosk_link() -> str:
    """Where a kiosk starts; it is paired by typing the code there."""
    return public_url("/kiosk")


def display_pairing_link(code: str) -> str:
    """Opened once on a call display's TV to pair it: /display/queue#pair=<code>."""
    return public_url(f"/display/queue#pair={code}")


def display_link(location_slug: str) -> str:
    """An unpaired call display of a location (the board is public)."""
    return public_url(f"/display/queue?location={location_slug}")
