"""Sending exactly once: every message is a Delivery row claimed before it is sent.

A job that runs twice (retries, a duplicated periodic run, two workers) finds the row sent or
being sent and does nothing. Transient failures are recorded and re-raised so Huey retries
with a growing delay; after MAX_ATTEMPTS (or on the job's last retry) the delivery gives up
loudly: status GAVE_UP, an ERROR log line, the admin's "Gave up" filter and the daily report.
Nothing personal is written to the log, the row or a raised exception: ids, kinds and the
provider's status only."""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

from django.db.models import F, Q
from django.utils import timezone

from backend.core.actors import SYSTEM
from backend.core.events import record

from .channels import PermanentError, Suppressed, TransientError
from .channels.base import Channel, Message, Recipient
from .channels.registry import channel
from .event_types import DeliveryGaveUp
from .models import Delivery

logger = logging.getLogger(__name__)
STALE_SENDING = timedelta(minutes=10)  # a worker died mid-send: try again
MAX_ATTEMPTS = 7  # the first try and 6 retries (1, 2, 4, 8, 16, 32 min: about an hour)
OUR_CODE = str(Path(__file__).resolve().parents[1]) + os.sep  # backend/


class UnexpectedError(TransientError):
    """An exception no channel expected (a provider's odd answer, a bug), reduced to its type
    and where it was raised: its message and traceback may quote an address or a phone
    number, and Huey logs what a job raises."""

    @classmethod
    def of(cls, exc: Exception) -> UnexpectedError:
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if f.filename.startswith(OUR_CODE)] or frames
        where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
        return cls(f"{type(exc).__name__}{where}")


def deliver(
    kind: str,
    channel: str,
    send: Callable[[], None],
    *,
    key: str = "",
    final: bool = False,
    **subject,
) -> str:
    """Send once per (subject, kind, channel, key); returns the delivery's final status.
    `subject` is one of booking=, ticket=, waitlist_entry=, organization=. `final`: the job
    will not be retried, so a transient failure now gives up instead of raising."""
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
    except Suppressed as exc:
        _finish(delivery, Delivery.Status.SKIPPED, str(exc))
        logger.info("Not sent: delivery %s (%s by %s): %s", delivery.pk, kind, channel, exc)
        return Delivery.Status.SKIPPED
    except PermanentError as exc:
        _finish(delivery, Delivery.Status.GAVE_UP, str(exc))
        _record_gave_up(delivery, delivery.attempts + 1)  # this claim counted one more
        logger.warning("Gave up delivery %s (%s by %s): %s", delivery.pk, kind, channel, exc)
        return Delivery.Status.GAVE_UP
    except Exception as exc:
        # Not chained (`from None`): the cause's message may quote contact data.
        failure = exc if isinstance(exc, TransientError) else UnexpectedError.of(exc)
        attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
        if final or attempts >= MAX_ATTEMPTS:
            give_up(delivery, attempts, str(failure))
            return Delivery.Status.GAVE_UP
        _finish(delivery, Delivery.Status.FAILED, str(failure))
        if failure is exc:
            raise
        raise failure from None
    _finish(delivery, Delivery.Status.SENT, "")
    return Delivery.Status.SENT


def give_up(delivery: Delivery, attempts: int, error: str) -> None:
    """Retrying stops here: logged as an error (ids and the sanitised reason only)."""
    _finish(delivery, Delivery.Status.GAVE_UP, error)
    _record_gave_up(delivery, attempts)
    logger.error(
        "Gave up delivery %s (%s by %s) after %d attempts: %s",
        delivery.pk,
        delivery.kind,
        delivery.channel,
        attempts,
        error,
    )


def _record_gave_up(delivery: Delivery, attempts: int) -> None:
    record(
        DeliveryGaveUp,
        SYSTEM,
        delivery,
        kind=delivery.kind,
        channel=delivery.channel,
        attempts=attempts,
    )


def skip(kind: str, channel: str, *, key: str = "", **subject) -> None:
    """Record that a message will not be sent (e.g. an older reminder overtaken)."""
    Delivery.objects.get_or_create(
        kind=kind, channel=channel, key=key, **subject, defaults={"status": Delivery.Status.SKIPPED}
    )


def skip_unsent(kind: str, *, key: str = "", **subject) -> None:
    """A message that is no longer true (a reminder of a cancelled or moved appointment):
    whatever of it is still waiting or failed is skipped, so no retry sends it later."""
    Delivery.objects.filter(
        kind=kind,
        key=key,
        status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
        **subject,
    ).update(status=Delivery.Status.SKIPPED, updated_at=timezone.now())


def _finish(delivery: Delivery, status: str, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        last_error=error[:200],
        updated_at=timezone.now(),
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
    )


def notify(
    message: Message,
    recipient: Recipient,
    channels: Iterable[str],
    *,
    key: str = "",
    final: bool = False,
    **subject,
) -> dict[str, str]:
    """Send `message` over each of `channels` (registry names), each exactly once (deliver).
    A channel that fails for now must not hold up the others (SMTP down: the SMS still
    goes); its failure is raised at the end, so the job is retried. A channel switched off
    here gives up (nothing would ever arrive)."""
    results: dict[str, str] = {}
    failure: TransientError | None = None
    for name in channels:
        try:
            results[name] = deliver(
                message.kind,
                name,
                _sender(channel(name), message, recipient),
                key=key,
                final=final,
                **subject,
            )
        except TransientError as exc:
            results[name] = Delivery.Status.FAILED
            failure = failure or exc
    if failure is not None:
        raise failure
    return results


def _sender(way: Channel, message: Message, recipient: Recipient) -> Callable[[], None]:
    def send() -> None:
        if not way.available():
            raise PermanentError(way.switched_off)
        if message.guard is not None:
            message.guard(way.name)
        way.send(recipient, message)

    return send
