import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .location import WEEKDAYS, Location
from .service import Service
from .versioned import VersionedQuerySet


class Resource(models.Model):
    """A staff member, room or device that resource-based services are booked onto."""

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff member"
        ROOM = "room", "Room"
        DEVICE = "device", "Device"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        help_text="The staff member's login, if any.",
    )
    services = models.ManyToManyField(
        Service,
        related_name="resources",
        blank=True,
        help_text="Services this resource is qualified or equipped for.",
    )
    is_active = models.BooleanField(default=True)

    LOCATIONS_PATH = "location"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["location", "kind", "name"]
        permissions = [
            ("view_assigned_bookings", "Can see the bookings assigned to this resource"),
            ("change_assigned_bookings", "Can change the bookings assigned to this resource"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class WorkingHours(models.Model):
    """When a resource works on an ISO weekday. A resource without any follows opening hours."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    starts = models.TimeField()
    ends = models.TimeField()

    LOCATIONS_PATH = "resource__location"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=F("ends")), name="working_ordered"),
        ]


class ResourceBreak(models.Model):
    """A recurring break (e.g. lunch) on an ISO weekday."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="breaks")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    starts = models.TimeField()
    ends = models.TimeField()

    LOCATIONS_PATH = "resource__location"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=F("ends")), name="break_ordered"),
        ]


class Absence(models.Model):
    """A resource is unavailable (holiday, sickness, maintenance) in [starts_at, ends_at)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    LOCATIONS_PATH = "resource__location"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="absence_ordered"),
        ]
