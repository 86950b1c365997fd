"""Sending exactly once: every message is a Delivery row claimed before it is sent.

A job that runs twice (retries, a duplicated periodic run, two workers) finds the row sent or
being sent and does nothing. Transient failures are recorded and re-raised so Huey retries
with backoff; permanent ones give up loudly (logged and visible in the admin). Nothing
personal is written to the log or the row: ids, kinds and the provider's status only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from .channels import PermanentError, TransientError
from .models import Delivery

logger = logging.getLogger(__name__)
STALE_SENDING = timedelta(minutes=10)  # a worker died mid-send: try again


def deliver(kind: str, channel: str, send: Callable[[], None], *, key: str = "", **subject) -> str:
    """Send once per (subject, kind, channel, key); returns the delivery's final status.
    `subject` is one of booking=, ticket=, waitlist_entry=, organization=."""
    delivery, _created = Delivery.objects.get_or_create(
        kind=kind, channel=channel, key=key, **subject
    )
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery.pk)
        .filter(
            Q(status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED])
            | Q(status=Delivery.Status.SENDING, updated_at__lt=now - STALE_SENDING)
        )
        .update(status=Delivery.Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)
    try:
        send()
    except TransientError as exc:
        _finish(delivery, Delivery.Status.FAILED, str(exc))
        raise
    except PermanentError as exc:
        _finish(delivery, Delivery.Status.GAVE_UP, str(exc))
        logger.warning("Gave up delivery %s (%s by %s): %s", delivery.pk, kind, channel, exc)
        return Delivery.Status.GAVE_UP
    except Exception as exc:
        # Unexpected (a provider's odd answer, a bug): failed for now, not left "sending"
        # for nobody to pick up. Only the type is kept: the message may quote contact data.
        _finish(delivery, Delivery.Status.FAILED, type(exc).__name__)
        raise
    _finish(delivery, Delivery.Status.SENT, "")
    return Delivery.Status.SENT


def skip(kind: str, channel: str, *, key: str = "", **subject) -> None:
    """Record that a message will not be sent (e.g. an older reminder overtaken)."""
    Delivery.objects.get_or_create(
        kind=kind, channel=channel, key=key, **subject, defaults={"status": Delivery.Status.SKIPPED}
    )


def _finish(delivery: Delivery, status: str, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        last_error=error[:200],
        updated_at=timezone.now(),
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
    )
