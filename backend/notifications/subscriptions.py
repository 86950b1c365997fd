"""Browsers that asked to be notified ("notify me"): the endpoint checked, the number per
booking, ticket or waitlist entry capped, the language defaulted from what it is about.

The server later POSTs to the endpoint, so an endpoint is a URL anybody with a booking can
make the server call: it must be https on a public host name, never an address in a private,
loopback or link-local range or a local name (PUSH_ALLOW_INSECURE_ENDPOINTS relaxes this for
a local fake push service in development and tests). Real push services (FCM, Mozilla,
Apple, Microsoft) all use public https host names."""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from backend.bookings.errors import BookingError, ErrorCode
from backend.bookings.models import Booking
from backend.bookings.services.transactions import write_transaction
from backend.queue.models import QueueTicket

from .models import PushSubscription, WaitlistEntry

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain")


def check_push_endpoint(endpoint: str) -> str:
    invalid = BookingError(
        ErrorCode.INVALID_PUSH_ENDPOINT,
        "The push endpoint must be an https URL of a public push service.",
        "endpoint",
    )
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018  (raises ValueError for a port that is no number)
    except ValueError:
        raise invalid from None
    host = (parts.hostname or "").rstrip(".").lower()
    if len(endpoint) > 1000 or not host or parts.username or parts.password:
        raise invalid
    if settings.PUSH_ALLOW_INSECURE_ENDPOINTS:
        if parts.scheme not in ("https", "http"):
            raise invalid
        return endpoint
    if parts.scheme != "https" or not _is_public_host(host):
        raise invalid
    return endpoint


def _is_public_host(host: str) -> bool:
    address = _ip_literal(host)
    if address is not None:
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address.is_global and not address.is_multicast
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return False
    # A single label ("intranet") is looked up in the local search domains.
    top = host.rpartition(".")[2]
    return "." in host and any(c.isalpha() for c in top)


def _ip_literal(host: str) -> IPv4Address | IPv6Address | None:
    """An IP address in any spelling the resolver accepts: 127.0.0.1, but also 2130706433,
    0x7f.1 or 127.1, which getaddrinfo() would turn into 127.0.0.1 too."""
    try:
        return ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def default_language(
    booking: Booking | None = None,
    ticket: QueueTicket | None = None,
    waitlist_entry: WaitlistEntry | None = None,
) -> str:
    if booking is not None:
        return booking.language
    if waitlist_entry is not None:
        return waitlist_entry.language
    if ticket is not None and ticket.booking_id:
        return Booking.objects.values_list("language", flat=True).get(pk=ticket.booking_id)
    return settings.LANGUAGE_CODE


def do_subscribe_push(
    endpoint: str,
    p256dh: str,
    auth: str,
    language: str | None,
    *,
    booking: Booking | None = None,
    ticket: QueueTicket | None = None,
    waitlist_entry: WaitlistEntry | None = None,
) -> PushSubscription:
    """Store (or refresh) a browser's subscription; beyond MAX_PER_SUBJECT browsers for one
    booking, ticket or entry the oldest is dropped (a link shared around cannot make every
    reminder a mass mailing)."""
    check_push_endpoint(endpoint)
    subject: dict[str, Any] = {
        name: value
        for name, value in (
            ("booking", booking),
            ("ticket", ticket),
            ("waitlist_entry", waitlist_entry),
        )
        if value is not None
    }
    assert len(subject) == 1, "exactly one subject"
    language = language or default_language(booking, ticket, waitlist_entry)
    with write_transaction():
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            **subject,
            defaults={"p256dh": p256dh, "auth": auth, "language": language},
        )
        others = PushSubscription.objects.filter(**subject).exclude(pk=subscription.pk)
        keep = PushSubscription.MAX_PER_SUBJECT - 1
        newest = list(others.order_by("-pk").values_list("pk", flat=True)[:keep])
        others.exclude(pk__in=newest).delete()
    return subscription
