"""Messages about bookings: confirmation, reminders, cancellation, rescheduling."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from backend.bookings.ics import booking_ics
from backend.bookings.models import Booking
from backend.bookings.tokens import manage_token
from backend.core.qr import qr_png

from . import messages
from .channels import TransientError
from .channels.email import send_email
from .channels.push import send_push_to_all
from .channels.sms import send_sms
from .dispatch import deliver, skip
from .models import Channel, Delivery, Kind

logger = logging.getLogger(__name__)
ALWAYS_BY_EMAIL = {Kind.BOOKING_CONFIRMATION, Kind.BOOKING_CANCELLATION, Kind.BOOKING_RESCHEDULED}


def preferred_channel(booking: Booking) -> str:
    if settings.ALLOW_CHANNEL_CHOICE:
        return booking.channel
    return {"email": "email", "sms": "sms", "both": "both"}.get(settings.REMINDER_CHANNEL, "email")


def channels_for(booking: Booking, kind: str) -> list[Channel]:
    """The confirmation, cancellation and rescheduling always go by e-mail (they carry the
    calendar file and the manage link), plus SMS when the citizen chose it; reminders go the
    chosen way (e-mail when the chosen way is not possible)."""
    preferred = preferred_channel(booking)
    has_phone = bool(booking.phone)
    has_push = booking.push_subscriptions.exists()
    if kind in ALWAYS_BY_EMAIL:
        return [Channel.EMAIL] + (
            [Channel.SMS] if preferred in ("sms", "both") and has_phone else []
        )
    if preferred == "none":
        return []
    if preferred == "both":
        return [Channel.EMAIL] + ([Channel.SMS] if has_phone else [])
    if preferred == "sms" and has_phone:
        return [Channel.SMS]
    if preferred == "push" and has_push:
        return [Channel.PUSH]
    return [Channel.EMAIL]


def notify_booking(booking_id, kind: str, key: str = "") -> dict[str, str]:
    """Send `kind` about the booking over its channels, each exactly once."""
    booking = Booking.objects.select_related("service__organization", "location__organization").get(
        pk=booking_id
    )
    link = messages.manage_url(
        booking, manage_token(booking.pk, booking.token_salt) if booking.token_salt else None
    )
    results: dict[str, str] = {}
    failure: TransientError | None = None
    for channel in channels_for(booking, kind):
        # A channel that fails for now must not hold up the others (SMTP down: the SMS
        # still goes); the failure is raised at the end, so the job is retried.
        try:
            results[str(channel)] = deliver(
                kind, channel, _sender(channel, kind, booking, link), booking=booking, key=key
            )
        except TransientError as exc:
            results[str(channel)] = Delivery.Status.FAILED
            failure = failure or exc
    if failure is not None:
        raise failure
    return results


def _sender(channel: str, kind: str, booking: Booking, link: str | None):
    if channel == Channel.EMAIL:

        def send() -> None:
            email = messages.booking_email(kind, booking, link)
            if kind in (Kind.BOOKING_CONFIRMATION, Kind.BOOKING_RESCHEDULED):
                email.attachments.append(
                    ("termin.ics", booking_ics(booking).encode(), "text/calendar; method=PUBLISH")
                )
                email.attachments.append(("check-in-qr.png", qr_png(booking.code), "image/png"))
            send_email(booking.email, email)

        return send
    if channel == Channel.SMS:
        return lambda: send_sms(booking.phone, messages.booking_sms(kind, booking))

    def push() -> None:
        send_push_to_all(
            list(booking.push_subscriptions.all()),
            lambda _subscription: messages.booking_push(kind, booking),
            ttl=6 * 3600,
            urgency="normal",
        )

    return push


def parse_offset(label: str) -> timedelta:
    """ "48h" -> 48 hours, "30m" -> 30 minutes, "2d" -> 2 days."""
    unit = label[-1].lower()
    amount = int(label[:-1])
    return {
        "h": timedelta(hours=amount),
        "m": timedelta(minutes=amount),
        "d": timedelta(days=amount),
    }[unit]


def send_due_reminders(now: datetime | None = None) -> int:
    """Send each booking the reminder of the latest schedule point that has passed (e.g.
    REMINDER_SCHEDULE=48h,24h,2h). Points that had already passed when the booking was made
    are never sent (a booking made 3 h ahead gets only the 2 h reminder), and an older point
    overtaken by a newer one is skipped, so nobody gets two reminders at once."""
    now = now or timezone.now()
    schedule = sorted(
        ((label, parse_offset(label)) for label in settings.REMINDER_SCHEDULE),
        key=lambda item: item[1],
    )
    if not schedule:
        return 0
    sent = 0
    due = Booking.objects.filter(
        status=Booking.Status.CONFIRMED, starts_at__gt=now, starts_at__lte=now + schedule[-1][1]
    )
    for booking in due.only("pk", "starts_at", "created_at"):
        passed = [
            (label, offset)
            for label, offset in schedule
            if booking.starts_at - offset <= now
            and booking.created_at <= booking.starts_at - offset
        ]
        if not passed:
            continue
        label, _offset = passed[0]  # the smallest offset: the latest point
        for older, _ in passed[1:]:
            for channel in Channel.values:
                skip(Kind.BOOKING_REMINDER, channel, key=older, booking=booking)
        try:
            results = notify_booking(booking.pk, Kind.BOOKING_REMINDER, key=label)
        except TransientError as exc:
            # Recorded as failed; the next run (every few minutes) tries again. One failing
            # reminder must not stop the others of this run.
            logger.warning("Reminder %s of booking %s failed for now: %s", label, booking.pk, exc)
            continue
        sent += sum(1 for status in results.values() if status == "sent")
    return sent
