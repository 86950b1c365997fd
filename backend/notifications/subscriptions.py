"""Browsers that asked to be notified ("notify me"): the endpoint checked, the number per
booking, ticket or waitlist entry capped, the language defaulted from what it is about.

The server later POSTs to the endpoint, so an endpoint is a URL anybody with a booking can
make the server call. It must be https on a host of a known push service (FCM, Mozilla
autopush, Apple, Windows; PUSH_ALLOWED_HOSTS adds more) and never an address in a private,
loopback or link-local range or a local name. Sending resolves the host again and calls only
public addresses, without redirects (channels/push.py, backend/core/netguard.py).
PUSH_ALLOW_INSECURE_ENDPOINTS relaxes the scheme and address rules (not the host list) for a
local fake push service in development and tests."""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

from django.conf import settings

from backend.bookings.models import Booking, WaitlistEntry
from backend.core import netguard
from backend.core.actors import Actor, ActorKind
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.transactions import write_transaction
from backend.queue.models import QueueTicket

from .event_types import PushSubscribed
from .models import PushSubscription

CITIZEN = Actor(None, ActorKind.CITIZEN)

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".localdomain")
# The push services browsers use: a host, or "*." and a domain for any host below it.
KNOWN_PUSH_HOSTS = (
    "fcm.googleapis.com",  # Chrome, Edge, Opera, Samsung Internet (Firebase Cloud Messaging)
    "updates.push.services.mozilla.com",  # Firefox (autopush)
    "*.push.apple.com",  # Safari (web.push.apple.com)
    "*.notify.windows.com",  # legacy Edge (Windows Push Notification Services)
)


def check_push_endpoint(endpoint: str) -> str:
    invalid = DomainError(
        ErrorCode.INVALID_PUSH_ENDPOINT,
        "The push endpoint must be an https URL of a public push service.",
        "endpoint",
    )
    insecure = settings.PUSH_ALLOW_INSECURE_ENDPOINTS
    try:
        _scheme, host, _port = netguard.check_url(
            endpoint, ("https", "http") if insecure else ("https",)
        )
    except netguard.BlockedDestination:
        raise invalid from None
    if len(endpoint) > 1000 or not is_push_service_host(host):
        raise invalid
    if not insecure and not _is_public_host(host):
        raise invalid
    return endpoint


def is_push_service_host(host: str) -> bool:
    for pattern in (*KNOWN_PUSH_HOSTS, *settings.PUSH_ALLOWED_HOSTS):
        pattern = pattern.rstrip(".").lower()
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


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
        ((about, owner),) = subject.items()
        record(
            PushSubscribed,
            CITIZEN,  # whoever holds the booking's, ticket's or entry's link
            subscription,
            organization_id=getattr(owner, "organization_id", None),
            about=about,
            language=language,
        )
    return subscription
