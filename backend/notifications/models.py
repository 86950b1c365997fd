"""The delivery log and push subscriptions."""

from django.db import models
from django.db.models import Q

from backend.bookings.models import Booking, WaitlistEntry
from backend.catalog.models import Organization


class Kind(models.TextChoices):
    """Message kinds; the e-mail template names are those municipal systems use
    (booking_confirmation, ...), which `send_test_email --template` takes."""

    BOOKING_CONFIRMATION = "booking_confirmation", "Booking confirmation"
    BOOKING_REMINDER = "booking_reminder", "Reminder"
    BOOKING_CANCELLATION = "booking_cancellation", "Cancellation"
    BOOKING_RESCHEDULED = "booking_rescheduled", "Rescheduled"
    WAITLIST_NOTIFICATION = "waitlist_notification", "Waitlist offer"
    WAITLIST_CONFIRMATION = "waitlist_confirmation", "Waitlist e-mail confirmation"
    TICKET_NEXT = "ticket_next", "Your turn is near"
    TICKET_CALLED = "ticket_called", "Ticket called"
    DAILY_REPORT = "daily_report", "Daily report"


class Delivery(models.Model):
    """One message to one recipient over one channel. The unique key (subject, kind, channel,
    key) makes every job idempotent: a retried or duplicated job finds the row and sends
    nothing twice. No message text and no contact data is stored here."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Gave up (retries used up or refused)"
        SKIPPED = "skipped", "Skipped"

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    ticket = models.ForeignKey(
        "queue.QueueTicket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    waitlist_entry = models.ForeignKey(
        WaitlistEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, help_text="A channel's name (channels/registry.py).")
    key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text='Distinguishes repeats, e.g. the reminder "24h@20260302T0845Z" (point and '
        "start: a moved appointment is reminded again).",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "channel", "key"],
                condition=Q(booking__isnull=False),
                name="delivery_once_per_booking",
            ),
            models.UniqueConstraint(
                fields=["ticket", "kind", "channel", "key"],
                condition=Q(ticket__isnull=False),
                name="delivery_once_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["waitlist_entry", "kind", "channel", "key"],
                condition=Q(waitlist_entry__isnull=False),
                name="delivery_once_per_waitlist_entry",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "channel", "key"],
                condition=Q(organization__isnull=False),
                name="delivery_once_per_organization",
            ),
        ]


class PushSubscription(models.Model):
    """A browser's Web Push endpoint, tied to the booking, ticket or waitlist entry it asked
    to hear about (at most MAX_PER_SUBJECT each; the oldest gives way)."""

    MAX_PER_SUBJECT = 5

    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="push_subscriptions"
    )
    ticket = models.ForeignKey(
        "queue.QueueTicket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="push_subscriptions",
    )
    waitlist_entry = models.ForeignKey(
        WaitlistEntry,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="push_subscriptions",
    )
    language = models.CharField(max_length=5, default="de")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(booking__isnull=False)
                | Q(ticket__isnull=False)
                | Q(waitlist_entry__isnull=False),
                name="push_subscription_has_subject",
            ),
        ]
