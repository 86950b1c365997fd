import uuid

from django.db import models
from django.db.models import F, Q

from .organization import Organization
from .validators import validate_timezone
from .versioned import VersionedQuerySet

WEEKDAYS = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
    (7, "Sunday"),
]


class Location(models.Model):
    """An office or practice site with its own opening hours and closures."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True)
    street = models.CharField(max_length=200, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="Empty: the organization's time zone.",
    )
    is_active = models.BooleanField(default=True)
    catalog_version = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Changed whenever anything availability depends on changes "
        "(backend/catalog/versioning.py); keys the cached snapshot.",
    )

    LOCATIONS_PATH = "pk"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="location_slug_unique"),
        ]
        permissions = [
            ("view_location_bookings", "Can see this location's bookings"),
            ("change_location_bookings", "Can change this location's bookings"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def timezone_name(self) -> str:
        return self.timezone or self.organization.timezone


class OpeningHours(models.Model):
    """One opening interval on an ISO weekday; several per day make split shifts."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    opens = models.TimeField()
    closes = models.TimeField()

    LOCATIONS_PATH = "location"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="opening_ordered"),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="opening_iso_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """The location is closed on these days (both inclusive), e.g. for a works outing."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    LOCATIONS_PATH = "location"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")), name="closure_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day} {self.reason}"
