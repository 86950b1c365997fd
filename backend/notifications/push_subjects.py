"""Subscribing a browser to pushes about what its page shows: a booking, a queue ticket or a
waitlist entry, each proven by the secret from its link (subscriptions.py stores it)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.bookings.services.manage import access_booking
from backend.bookings.services.waitlist import access_entry
from backend.queue.services.views import access_held_ticket

from .models import PushSubscription
from .subscriptions import do_subscribe_push


@dataclass(frozen=True)
class PushKeys:
    """The browser's PushSubscription and the language its messages should be in."""

    endpoint: str
    p256dh: str
    auth: str
    language: str | None = None


@dataclass(frozen=True)
class PushSubject:
    """What to push about, by the first of these that is given, with its link's secret."""

    booking_code: str | None = None
    booking_token: str | None = None
    ticket: str | None = None
    ticket_token: str | None = None
    waitlist_entry: str | None = None
    waitlist_token: str | None = None


def do_subscribe_push_to(keys: PushKeys, subject: PushSubject) -> PushSubscription | None:
    """Subscribe to the subject; None (nothing stored) when no subject is named."""
    store = (keys.endpoint, keys.p256dh, keys.auth, keys.language)
    if subject.booking_code:
        booking = access_booking(subject.booking_code, subject.booking_token or "")
        return do_subscribe_push(*store, booking=booking)
    if subject.ticket:
        held = access_held_ticket(subject.ticket, subject.ticket_token or "")
        return do_subscribe_push(*store, ticket=held.ticket)
    if subject.waitlist_entry:
        entry = access_entry(subject.waitlist_entry, subject.waitlist_token or "")
        return do_subscribe_push(*store, waitlist_entry=entry)
    return None
