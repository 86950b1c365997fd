"""Staff alerting: a burst of activity from one network becomes one audit entry.

Counted with the rate limiter's storage (Redis or the database, shared by all processes) in
fixed windows of SECURITY_BURST_WINDOW_MINUTES per network: IPv4 /24, IPv6 /48, which is
coarse enough not to identify a person and fine enough to point at one source. The entry is
written when the count reaches the threshold, so once per window and network however long
the burst goes on; "security.burst" entries show in the admin's audit log. With
SECURITY_ALERT_EMAIL set the same facts are mailed there.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .actors import SYSTEM
from .event_types import SecurityBurst
from .events import Ref, record

logger = logging.getLogger(__name__)

KINDS = {
    "bookings": "SECURITY_BURST_BOOKINGS",  # holds and bookings made
    "rate_limited": "SECURITY_BURST_LIMIT_HITS",  # requests refused by a rate limit
}


def network_of(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def note_burst(kind: str, request) -> None:
    """Count one event of `kind` from the request's network (integrations are not counted:
    they act for many citizens and have their own per-token limits)."""
    if getattr(request, "api_token", None) is not None:
        return
    from .ratelimit import client_ip, count_in_window

    network = network_of(client_ip(request))
    window = settings.SECURITY_BURST_WINDOW_MINUTES * 60
    threshold = getattr(settings, KINDS[kind])
    if count_in_window(f"burst.{kind}", network, window) != threshold:
        return
    facts = {
        "kind": kind,
        "network": network,
        "threshold": threshold,
        "window_minutes": settings.SECURITY_BURST_WINDOW_MINUTES,
    }
    record(SecurityBurst, SYSTEM, Ref("network", network), **facts)
    logger.warning("security burst: %(kind)s from %(network)s", facts)
    if settings.SECURITY_ALERT_EMAIL:
        transaction.on_commit(lambda: _mail(facts))


def _mail(facts: dict) -> None:
    send_mail(
        f"[vorzimmer] Security burst: {facts['kind']} from {facts['network']}",
        f"{facts['threshold']} {facts['kind']} from {facts['network']} within "
        f"{facts['window_minutes']} minutes. See the audit log (action security.burst).",
        None,
        [settings.SECURITY_ALERT_EMAIL],
        fail_silently=True,
    )
