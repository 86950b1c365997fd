"""Service points, queue tickets with gap-free numbers, and paired kiosk/display devices."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from backend.bookings.models import Booking
from backend.catalog.models import Location, Service


class ServicePoint(models.Model):
    """A counter (Schalter) or treatment room where tickets are called to."""

    class Kind(models.TextChoices):
        COUNTER = "counter", "Counter"
        ROOM = "room", "Room"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_points")
    name = models.CharField(max_length=60, help_text='Shown on the board, e.g. "Schalter 3".')
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COUNTER)
    services = models.ManyToManyField(
        Service,
        blank=True,
        related_name="service_points",
        help_text="Services handled here; empty: all services of the location.",
    )
    is_active = models.BooleanField(default=True)
    current_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The clerk signed in here right now.",
    )
    signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="service_point_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TicketCounter(models.Model):
    """The last number drawn per location, local day and prefix. Incrementing this row inside
    the drawing transaction serialises draws of one prefix: numbers are gap-free and unique."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    prefix = models.CharField(max_length=2)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "day", "prefix"], name="ticket_counter_unique"
            )
        ]


class QueueTicket(models.Model):
    """A place in the queue: a walk-in, or a booking that checked in.

    Status chain: waiting -> called -> serving -> done, or no_show / cancelled; parked tickets
    wait outside the queue until returned. A transfer ends this ticket as `transferred` and
    continues in a new one with the same number (`transferred_from`)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        CALLED = "called", "Called"
        SERVING = "serving", "Serving"
        DONE = "done", "Done"
        NO_SHOW = "no_show", "No-show"
        TRANSFERRED = "transferred", "Transferred"
        CANCELLED = "cancelled", "Cancelled"
        PARKED = "parked", "Parked"

    class Source(models.TextChoices):
        WALK_IN = "walk_in", "Walk-in"
        BOOKING = "booking", "Checked-in booking"

    OPEN = (Status.WAITING, Status.CALLED, Status.SERVING, Status.PARKED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="tickets")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(help_text="The location's local day the ticket belongs to.")
    prefix = models.CharField(max_length=2)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WALK_IN)
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    priority = models.SmallIntegerField(default=0, help_text="Higher is called first.")
    service_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="Where the ticket was called to.",
    )
    target_service_point = models.ForeignKey(
        ServicePoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only this service point may call it (after a transfer to a counter).",
    )
    queued_at = models.DateTimeField(help_text="Arrival; kept across transfers for fairness.")
    due_at = models.DateTimeField(null=True, blank=True, help_text="A booking's start.")
    recall_count = models.PositiveSmallIntegerField(default=0)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    transferred_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="transferred_to"
    )
    status_token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    first_called_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The first call; waiting times are measured to it (recalls do not move it).",
    )
    called_at = models.DateTimeField(
        null=True, blank=True, help_text="The latest call (a recall moves it): board order."
    )
    serving_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    parked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "queued_at"]
        indexes = [
            models.Index(fields=["location", "day", "status"], name="ticket_location_day_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "day", "prefix", "number"],
                condition=Q(transferred_from__isnull=True),
                name="ticket_number_unique",
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(booking__isnull=False, transferred_from__isnull=True),
                name="ticket_one_check_in_per_booking",
            ),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"{self.prefix}{self.number:03d}"
