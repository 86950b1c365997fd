"""Staff sessions end after STAFF_IDLE_TIMEOUT_MINUTES without activity.

What counts as activity: every HTTP request of the signed-in session (the console and the
admin) except those the console marks as background work with `X-Background-Request: 1` —
refetches after a live update and the periodic refresh of the bookings list. Live updates
arrive over the WebSocket, which never passes here, so a console left open on a counter
does not keep itself signed in. When the staff member types or clicks without causing a
request, the console sends `extendStaffSession` (at most about once a minute) instead.

The last activity is kept in the session (server side), so every process and every tab of
the same session agree; an expired session is signed out (Django's logout, so its signals
fire) before the request is handled, which then runs as anonymous.

Writing the session on every request would cost a staff request three more queries, so the
time is written again only when it is older than TOUCH_RESOLUTION (a minute, or a tenth of a
short timeout), and the server grants that much grace on top of the timeout: it never ends a
session before the console expects (the console counts from its own last request and signs
out itself), and at most TOUCH_RESOLUTION after.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

LAST_ACTIVITY_KEY = "staff_last_activity"
BACKGROUND_HEADER = "X-Background-Request"


def idle_timeout_seconds() -> float:
    return settings.STAFF_IDLE_TIMEOUT_MINUTES * 60


def touch_resolution_seconds() -> float:
    return min(60.0, idle_timeout_seconds() / 10)


def _session_user(request) -> bool:
    """Signed in by the session cookie (not by a bearer token or a device)."""
    if getattr(request, "api_token", None) or getattr(request, "device", None):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def session_expires_at(request) -> datetime | None:
    """When the current staff session ends unless there is activity before."""
    last = request.session.get(LAST_ACTIVITY_KEY) if _session_user(request) else None
    if last is None:
        return None
    return datetime.fromtimestamp(last + idle_timeout_seconds(), UTC)


def touch(request) -> None:
    request.session[LAST_ACTIVITY_KEY] = time.time()


@receiver(user_logged_in, dispatch_uid="staff-idle-clock")
def _start_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        touch(request)


def extend_session(request) -> datetime | None:
    """Count this request as activity now (the 'stay signed in' button)."""
    if _session_user(request):
        touch(request)
    return session_expires_at(request)


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _session_user(request):
            last = request.session.get(LAST_ACTIVITY_KEY)
            now = time.time()
            if (
                last is not None
                and now - last > idle_timeout_seconds() + touch_resolution_seconds()
            ):
                logout(request)
                request.user = AnonymousUser()
            elif last is None or (
                request.headers.get(BACKGROUND_HEADER) != "1"
                and now - last >= touch_resolution_seconds()
            ):
                touch(request)
        return self.get_response(request)
