"""Staff sign-in throttling with django-axes, for the admin's login form and GraphQL `logIn`.

Axes counts failed sign-ins per user name and per client address (either one locks:
AXES_LOCKOUT_PARAMETERS) in the database, so every server process sees the same counts. A
locked-out try is refused before the password is even checked, and each try during a lockout
starts the cool-off again (axes' default), so guessing on only slows the guesser down.

Admins unlock early with `manage.py axes_reset_username <name>` / `axes_reset_ip <addr>`, or
by deleting the entry under "Access attempts" in the admin.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.helpers import get_client_username
from axes.middleware import AxesMiddleware
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q
from django.shortcuts import render
from django.utils import timezone

from backend.core.ratelimit import client_ip as ratelimit_client_ip
from backend.core.ratelimit import client_network


def client_ip(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the address the rate limits count too — the socket peer, or
    what a trusted proxy (TRUSTED_PROXIES) says in X-Forwarded-For; IPv6 per /64."""
    return client_network(ratelimit_client_ip(request))


def cool_off_for(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: read per request, so the setting can change at run time."""
    return timedelta(minutes=settings.STAFF_LOGIN_COOLOFF_MINUTES)


def retry_after_seconds(request, username: str) -> int:
    """Seconds until a locked-out sign-in may be tried again: the cool-off runs from the last
    failure of this user name or this address."""
    ip = getattr(request, "axes_ip_address", None) or client_ip(request)
    last = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=ip)).aggregate(
        last=Max("attempt_time")
    )["last"]
    if last is None:
        return 0
    remaining = (last + cool_off_for() - timezone.now()).total_seconds()
    return max(1, math.ceil(remaining))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the admin's lockout page (429, Retry-After) in five languages."""
    seconds = retry_after_seconds(request, get_client_username(request, credentials) or "")
    response = render(
        request, "accounts/lockout.html", {"minutes": math.ceil(seconds / 60)}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


class LoginLockoutMiddleware(AxesMiddleware):
    """Axes' middleware turns a locked-out request into its lockout page (the admin's login
    form). GraphQL answers `logIn` itself with a typed LOGIN_LOCKED error instead, so its
    responses pass unchanged."""

    async_capable = False  # the rest of the stack is synchronous

    def __call__(self, request):
        if request.path == "/graphql":
            return self.get_response(request)
        return super().__call__(request)
