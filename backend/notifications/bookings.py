"""Messages about bookings: confirmation, reminders, cancellation, rescheduling."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from backend.bookings.ics import booking_ics
from backend.bookings.models import Booking
from backend.bookings.tokens import manage_token
from backend.core.qr import qr_png
from backend.core.ratelimit import RateLimited, hit

from . import messages
from .channels import Suppressed, TransientError
from .channels.base import Message, Recipient
from .channels.registry import CHANNELS, EMAIL, SMS, on_request
from .dispatch import notify, skip, skip_unsent
from .messages import Email
from .models import Kind
from .schedule import parse_offset

logger = logging.getLogger(__name__)
ALWAYS_BY_EMAIL = {Kind.BOOKING_CONFIRMATION, Kind.BOOKING_CANCELLATION, Kind.BOOKING_RESCHEDULED}
# The calendar file each e-mail carries: a cancellation removes the event (same UID).
CALENDAR_METHOD: dict[str, str] = {
    Kind.BOOKING_CONFIRMATION: "PUBLISH",
    Kind.BOOKING_RESCHEDULED: "PUBLISH",
    Kind.BOOKING_CANCELLATION: "CANCEL",
}
PUSH_TTL = 6 * 3600  # a reminder or a change that arrives later than this is stale


def preferred_channel(booking: Booking) -> str:
    if settings.ALLOW_CHANNEL_CHOICE:
        return booking.channel
    return {"email": "email", "sms": "sms", "both": "both"}.get(settings.REMINDER_CHANNEL, "email")


def channels_for(booking: Booking, kind: str) -> list[str]:
    """The confirmation, cancellation and rescheduling always go by e-mail (they carry the
    calendar file and the manage link), plus SMS when the citizen chose it; reminders go the
    chosen way (e-mail when the chosen way is not possible). A browser that asked to be
    notified ("notify me" on the site or the manage page) gets reminders, cancellations and
    moves by Web Push in addition to the chosen way, whatever that is; not the confirmation,
    which is sent before any browser can subscribe."""
    preferred = preferred_channel(booking)
    recipient = recipient_of(booking)
    has_phone = bool(booking.phone)
    requested = (
        []
        if kind == Kind.BOOKING_CONFIRMATION
        else [c.name for c in on_request() if c.reaches(recipient)]
    )
    chosen: list[str]
    if kind in ALWAYS_BY_EMAIL:
        chosen = [EMAIL] + ([SMS] if preferred in ("sms", "both") and has_phone else [])
    elif preferred == "none":
        chosen = []
    elif preferred == "both":
        chosen = [EMAIL] + ([SMS] if has_phone else [])
    elif preferred == "sms" and has_phone:
        chosen = [SMS]
    elif preferred in requested:
        chosen = []  # the way asked for on the device is the chosen way
    else:
        chosen = [EMAIL]
    return chosen + requested


def recipient_of(booking: Booking) -> Recipient:
    return Recipient(
        email=booking.email, phone=booking.phone, browsers=booking.push_subscriptions.all()
    )


def reminder_key(label: str, starts_at: datetime) -> str:
    """The delivery key of a reminder: the schedule point and the start it reminds of, so a
    moved appointment gets its reminders again, for its new time ("24h@20260302T0845Z")."""
    return f"{label}@{_start_tag(starts_at)}"


def _start_tag(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%MZ}"


def is_still_true(booking: Booking, kind: str, key: str, now: datetime) -> bool:
    """Whether the message still says something true when it is (re)sent: a reminder only
    for a confirmed appointment ahead at the time it was due for; a cancellation only for a
    cancelled booking; a confirmation or a move not once the booking is cancelled."""
    if kind == Kind.BOOKING_REMINDER:
        _label, _at, start = key.partition("@")
        return (
            booking.status == Booking.Status.CONFIRMED
            and booking.starts_at > now
            and (not start or start == _start_tag(booking.starts_at))
        )
    if kind == Kind.BOOKING_CANCELLATION:
        return booking.status == Booking.Status.CANCELLED
    return booking.status != Booking.Status.CANCELLED


def notify_booking(
    booking_id, kind: str, key: str = "", final: bool = False, now: datetime | None = None
) -> dict[str, str]:
    """Send `kind` about the booking over its channels, each exactly once. `final`: the job
    is not retried again, so a transient failure gives up."""
    booking = Booking.objects.select_related("service__organization", "location__organization").get(
        pk=booking_id
    )
    if not is_still_true(booking, kind, key, now or timezone.now()):
        skip_unsent(kind, key=key, booking=booking)
        return {}
    link = messages.manage_url(
        booking, manage_token(booking.pk, booking.token_salt) if booking.token_salt else None
    )
    return notify(
        booking_message(kind, booking, link),
        recipient_of(booking),
        channels_for(booking, kind),
        booking=booking,
        key=key,
        final=final,
    )


def check_confirmation_cap(channel: str, kind: str, booking: Booking) -> None:
    """Confirmations per recipient per day are capped (RATE_LIMITS "confirmation.email" /
    "confirmation.phone"): bookings with somebody else's address must not turn the office
    into a mail cannon. The booking stands; the extra message is skipped."""
    if kind != Kind.BOOKING_CONFIRMATION or channel not in (EMAIL, SMS):
        return
    recipient = {"email": booking.email} if channel == EMAIL else {"phone": booking.phone}
    try:
        hit("confirmation", **recipient)
    except RateLimited:
        raise Suppressed("daily confirmation cap of this recipient reached") from None


def booking_message(kind: str, booking: Booking, link: str | None) -> Message:
    def email() -> Email:
        email = messages.booking_email(kind, booking, link)
        if kind in CALENDAR_METHOD:
            method = CALENDAR_METHOD[kind]
            email.attachments.append(
                (
                    "termin.ics",
                    booking_ics(booking, method=method).encode(),
                    f"text/calendar; method={method}",
                )
            )
        if kind in (Kind.BOOKING_CONFIRMATION, Kind.BOOKING_RESCHEDULED):
            email.attachments.append(("check-in-qr.png", qr_png(booking.code), "image/png"))
        return email

    return Message(
        kind=kind,
        language=booking.language,
        values=messages.booking_values(booking),
        email=email,
        page=f"/manage/{booking.code}",
        ttl=PUSH_TTL,
        per_device_language=False,  # the booking's language, as on every other channel
        guard=lambda channel: check_confirmation_cap(channel, kind, booking),
    )


def reminder_schedule() -> list[tuple[str, timedelta]]:
    """REMINDER_SCHEDULE, the latest point first. An invalid entry stops the start (system
    check notifications.E002); should one slip through, it is left out, not crashed on."""
    points = []
    for label in settings.REMINDER_SCHEDULE:
        try:
            points.append((label, parse_offset(label)))
        except ValueError:
            logger.error("REMINDER_SCHEDULE entry %r is invalid and left out", label)
    return sorted(points, key=lambda item: item[1])


def send_due_reminders(now: datetime | None = None) -> int:
    """Send each booking the reminder of the latest schedule point that has passed (e.g.
    REMINDER_SCHEDULE=48h,24h,2h). Points that had already passed when the booking was made
    are never sent (a booking made 3 h ahead gets only the 2 h reminder), and an older point
    overtaken by a newer one is skipped, so nobody gets two reminders at once. A moved
    booking starts over for its new time (the key holds the start; skip_passed_reminders)."""
    now = now or timezone.now()
    schedule = reminder_schedule()
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
            for channel in CHANNELS:
                key = reminder_key(older, booking.starts_at)
                skip(Kind.BOOKING_REMINDER, channel, key=key, booking=booking)
        key = reminder_key(label, booking.starts_at)
        try:
            results = notify_booking(booking.pk, Kind.BOOKING_REMINDER, key=key, now=now)
        except TransientError as exc:
            # Recorded as failed; the next run (every few minutes) tries again, until the
            # delivery's attempts are used up. One failing reminder must not stop the others.
            logger.warning("Reminder %s of booking %s failed for now: %s", label, booking.pk, exc)
            continue
        sent += sum(1 for status in results.values() if status == "sent")
    return sent


def skip_passed_reminders(booking_id, now: datetime | None = None) -> None:
    """After a move: the schedule points of the new time that are already over are not sent
    (the rescheduling message just told the citizen), as for a booking made that late."""
    now = now or timezone.now()
    booking = Booking.objects.filter(pk=booking_id, status=Booking.Status.CONFIRMED).first()
    if booking is None:
        return
    for label, offset in reminder_schedule():
        if booking.starts_at - offset <= now:
            for channel in CHANNELS:
                key = reminder_key(label, booking.starts_at)
                skip(Kind.BOOKING_REMINDER, channel, key=key, booking=booking)
