"""Holds, bookings, and the claims through which both take capacity.

A Claim is the only record that consumes capacity. Its constraints are the overbooking
guarantee (ops/adr/0001-capacity-claims.md):
- pool services: one claim per (location, service, start, seat), seat in [0, capacity);
- resources: no two claims of one resource overlap in time (an exclusion constraint on
  PostgreSQL, a trigger on SQLite; both added in migration 0002).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from backend.catalog.models import Location, Organization, Resource, Service


class Hold(models.Model):
    """A slot reserved for a few minutes while the citizen types; expires by itself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    # The same instant its expiry was counted from (services/holds.py passes it): the
    # 30-minute lifetime and the hold time start together, however long the request took.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Who made it (services/holds.py): only the holder of the secret may extend, release or
    # book it; the live-hold cap counts per network and per client. Hashes only.
    secret_hash = models.CharField(max_length=64, blank=True)
    network_key = models.CharField(max_length=32, blank=True, db_index=True)
    client_key = models.CharField(max_length=32, blank=True, db_index=True)


class Booking(models.Model):
    """An appointment. Citizens manage it with `code` plus a secret token (only its hash)."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        CALLED = "called", "Called"
        IN_SERVICE = "in_service", "In service"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        PUSH = "push", "Web Push"
        NONE = "none", "No notifications"

    class Source(models.TextChoices):
        WEB = "web", "Citizen site"
        EMBED = "embed", "Embedded widget"
        KIOSK = "kiosk", "Kiosk"
        STAFF = "staff", "Staff"
        API = "api", "Integration"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CONFIRMED)
    code = models.CharField(max_length=8, unique=True)
    manage_token_hash = models.CharField(max_length=64)
    token_salt = models.CharField(
        max_length=32,
        blank=True,
        help_text="With SECRET_KEY derives the manage token for later messages (tokens.py).",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=5, default="de")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    assigned_staff = models.ForeignKey(
        Resource,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
        help_text="The staff member a resource-based booking was assigned to.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "created_at"]
        indexes = [models.Index(fields=["location", "starts_at"], name="booking_location_day")]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="booking_ordered"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_active(self) -> bool:
        return self.status not in {self.Status.CANCELLED, self.Status.NO_SHOW}


class Claim(models.Model):
    """One unit of capacity taken by a hold or a booking: a pool seat or a resource's time.

    A claim without either owner is a freed place cooling down until `expires_at`
    (ops/adr/0007-freed-slot-cooldown.md)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(help_text="The appointment's start.")
    busy_from = models.DateTimeField(help_text="Start of the occupied window (buffer included).")
    busy_until = models.DateTimeField(help_text="End of the occupied window (buffer included).")
    seat = models.PositiveIntegerField(null=True, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    hold = models.ForeignKey(
        Hold, on_delete=models.CASCADE, null=True, blank=True, related_name="claims"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, null=True, blank=True, related_name="claims"
    )
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["location", "service", "start"], name="claim_slot"),
            models.Index(fields=["resource", "busy_from"], name="claim_resource_time"),
            models.Index(fields=["location", "busy_from"], name="claim_location_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "service", "start", "seat"],
                condition=Q(seat__isnull=False),
                name="claim_pool_seat_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        seat__isnull=False,
                        capacity__isnull=False,
                        resource__isnull=True,
                        seat__lt=F("capacity"),
                    )
                    | Q(seat__isnull=True, capacity__isnull=True, resource__isnull=False)
                ),
                name="claim_seat_or_resource",
            ),
            models.CheckConstraint(
                condition=(
                    Q(hold__isnull=False, booking__isnull=True, expires_at__isnull=False)
                    | Q(hold__isnull=True, booking__isnull=False, expires_at__isnull=True)
                    # freed and cooling down (ops/adr/0007-freed-slot-cooldown.md)
                    | Q(hold__isnull=True, booking__isnull=True, expires_at__isnull=False)
                ),
                name="claim_owned_once",
            ),
            models.CheckConstraint(
                condition=Q(busy_from__lt=F("busy_until")), name="claim_ordered"
            ),
        ]


class IdempotencyRecord(models.Model):
    """The first successful result of a bookAppointment call with an idempotency key.

    Only a hash of the key together with its caller's scope is stored (idempotency.py: one
    record per caller and key, found by no other caller); a replay derives the manage token
    again (tokens.py)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="idempotency_caller_key_unique"),
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
        db_table = "notifications_waitlistentry"  # moved from notifications; table kept
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
