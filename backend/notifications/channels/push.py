"""Web Push with VAPID (pywebpush). Keys are generated on first use and kept outside the
repository (VAPID_KEY_FILE, default var/vapid_private.pem, mode 0600)."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from backend.core import netguard
from backend.core.errors import DomainError

from ..models import PushSubscription
from ..subscriptions import check_push_endpoint
from . import PermanentError, TransientError
from .base import Message, Recipient


def ensure_vapid_keys() -> Vapid02:
    """The key pair, generated on first start (manage.py serve) or first use. Written to a
    temporary file and linked into place, so two processes starting at once agree on one
    key and neither reads a half-written file."""
    path = Path(settings.VAPID_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid = Vapid02()
        vapid.generate_keys()
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(vapid.private_pem())
            os.link(temporary, path)  # atomic; fails when another process was first
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return Vapid02.from_file(str(path))


def application_server_key() -> str:
    """The public key the browser's pushManager.subscribe() needs (base64url, raw point)."""
    public = ensure_vapid_keys().public_key
    raw = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _session_for(subscription: PushSubscription):
    """A session pinned to the endpoint's checked addresses (backend/core/netguard.py): the
    host is checked against the push services again (a subscription may predate a change of
    PUSH_ALLOWED_HOSTS) and resolved now, so a name that resolves to a private address, or
    starts to, is never called. A refused endpoint is deleted: it will not get better."""
    insecure = settings.PUSH_ALLOW_INSECURE_ENDPOINTS
    try:
        check_push_endpoint(subscription.endpoint)
        destination = netguard.resolve(
            subscription.endpoint,
            schemes=("https", "http") if insecure else ("https",),
            allow_private=insecure,
        )
    except netguard.UnresolvableHost:
        raise TransientError("push service unreachable (DNS)") from None
    except (DomainError, netguard.BlockedDestination):
        subscription.delete()
        raise PermanentError("push endpoint not allowed") from None
    return netguard.pinned_session(destination)


def send_push(subscription: PushSubscription, payload: dict, ttl: int, urgency: str) -> None:
    """Send one message. TTL is always > 0 (0 would drop it for a phone that is offline) and
    the claims dict is fresh per call (webpush() adds aud/exp to it, so a shared dict would
    carry one push service's audience to the next).
    A 404/410 means the browser dropped the subscription: it is deleted, like one whose keys
    are malformed (nothing could ever be encrypted for it) and one whose push service
    answers with a redirect (never followed: its target was not checked)."""
    assert ttl > 0
    ensure_vapid_keys()
    session = _session_for(subscription)
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=str(settings.VAPID_KEY_FILE),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=ttl,
            headers={"Urgency": urgency},
            timeout=10,
            requests_session=session,
        )
    except WebPushException as exc:
        # Not chained (`from None`): WebPushException quotes the push service's answer.
        if exc.response is None:  # raised before sending: the subscription's keys are bad
            subscription.delete()
            raise PermanentError("invalid subscription") from None
        status = exc.response.status_code
        if status in (404, 410):
            subscription.delete()
            raise PermanentError("subscription gone") from None
        if 300 <= status < 400:
            subscription.delete()
            raise PermanentError(f"push service redirected ({status})") from None
        if 400 <= status < 500 and status != 429:
            raise PermanentError(f"push service refused ({status})") from None
        raise TransientError(f"push service failed ({status})") from None
    except requests.RequestException as exc:  # unreachable, timed out: try again later
        # Not chained: the cause quotes the endpoint URL, a token of the citizen's browser.
        raise TransientError(f"push service unreachable ({type(exc).__name__})") from None
    except netguard.BlockedDestination:  # the session refused another host: never expected
        subscription.delete()
        raise PermanentError("push endpoint not allowed") from None
    except (ValueError, IndexError, TypeError):  # keys that are no P-256 point/secret
        subscription.delete()
        raise PermanentError("invalid subscription") from None
    finally:
        session.close()


def send_push_to_all(
    subscriptions: Iterable[PushSubscription],
    payload: Callable[[PushSubscription], dict],
    ttl: int,
    urgency: str,
) -> None:
    """Send one message to every browser subscribed to a booking or ticket (a phone and a
    laptop). One that is gone or fails does not keep the others from getting it; the message
    counts as delivered when at least one got it, so a retry never repeats it to the others.
    Raises (TransientError first, so it is retried) only when none got it."""
    errors: list[Exception] = []
    delivered = 0
    for subscription in subscriptions:
        try:
            send_push(subscription, payload(subscription), ttl=ttl, urgency=urgency)
            delivered += 1
        except (TransientError, PermanentError) as exc:
            errors.append(exc)
    if delivered:
        return
    if not errors:
        raise PermanentError("no push subscription")
    raise next((e for e in errors if isinstance(e, TransientError)), errors[0])


class PushChannel:
    """Minimal payloads: a title, the page to open (its secret stays in the browser that
    subscribed) and what the message adds (a ticket's number)."""

    name = "push"
    on_request = True
    switched_off = "Web Push is switched off"

    def available(self) -> bool:
        return True

    def reaches(self, recipient: Recipient) -> bool:
        return recipient.browsers is not None and recipient.browsers.exists()

    def send(self, recipient: Recipient, message: Message) -> None:
        browsers = list(recipient.browsers) if recipient.browsers is not None else []
        send_push_to_all(
            browsers,
            lambda browser: {
                "title": message.short_text(
                    self.name, browser.language if message.per_device_language else None
                ),
                **message.extra,
                "url": message.page,
            },
            ttl=message.ttl,
            urgency=message.urgency,
        )
