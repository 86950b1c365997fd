"""The delivery log, push subscriptions and the waitlist."""

import uuid

from django.db import models
from django.db.models import Q

from backend.bookings.models import Booking, Hold
from backend.catalog.models import Location, Organization, Service


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


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    PUSH = "push", "Web Push"


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
        "WaitlistEntry", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
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
        "WaitlistEntry",
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


class WaitlistEntry(models.Model):
    """A citizen waiting for a freed slot of a service at one (or any) location in a window.
    When capacity frees, the first matching entry is offered the slot: it is held for them
    for WAITLIST_OFFER_MINUTES and confirmed (or declined) with one click from the message.
    A declined offer's slot stays in offer_start/offer_location while the entry waits on, so
    the same slot is not offered to it again.

    A new entry is pending until its e-mail address is confirmed with the link sent to it
    (double opt-in): only then does it count against the limit and get offers."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for e-mail confirmation"
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a slot"
        BOOKED = "booked", "Booked"
        MISSED = "missed", "Offer ran out"
        LEFT = "left", "Left the list"
        EXPIRED = "expired", "Last day passed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: any location.",
    )
    first_day = models.DateField()
    last_day = models.DateField()
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=5, default="de")
    channel = models.CharField(max_length=8, default="email")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the e-mail address was confirmed (queue order)."
    )
    token_salt = models.CharField(max_length=32)  # with SECRET_KEY derives the link's token
    offer_hold = models.ForeignKey(
        Hold, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer_start = models.DateTimeField(null=True, blank=True)
    offer_location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    offers_made = models.PositiveSmallIntegerField(default=0)
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            models.Index(
                fields=["service", "status", "created_at"], name="waitlist_service_status"
            ),
            models.Index(fields=["organization", "status"], name="waitlist_organization_status"),
            models.Index(
                fields=["service", "location", "status"], name="waitlist_service_location"
            ),
        ]
