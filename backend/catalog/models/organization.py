import uuid

from django.conf import settings
from django.db import models

from backend.core.origins_syntax import origin_lines

from .validators import validate_embed_origins, validate_holiday_region, validate_timezone
from .versioned import VersionedQuerySet


class Organization(models.Model):
    """A tenant: a municipality or a medical practice.

    Booking policy fields left empty follow the deployment defaults from the environment
    (BOOKING_MIN_ADVANCE_HOURS, BOOKING_MAX_ADVANCE_DAYS, CANCELLATION_DEADLINE_HOURS,
    BOOKING_HOLD_MINUTES); a service can override them again.
    """

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", "Municipality"
        PRACTICE = "practice", "Medical practice"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY)
    website = models.URLField(blank=True)
    privacy_url = models.URLField(
        "privacy policy URL",
        blank=True,
        help_text="The organization's privacy policy (Datenschutzerklärung); the booking "
        "form's privacy notice links to it.",
    )
    imprint_url = models.URLField(
        "imprint URL",
        blank=True,
        help_text="The organization's imprint (Impressum), linked beside the privacy policy.",
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=200, blank=True)
    timezone = models.CharField(
        max_length=64, default=settings.TIME_ZONE, validators=[validate_timezone]
    )
    holiday_region = models.CharField(
        max_length=12,
        default="DE-NW",
        validators=[validate_holiday_region],
        help_text="Country and subdivision as the holidays package names them, e.g. DE-NW.",
    )
    min_advance_hours = models.PositiveIntegerField(null=True, blank=True)
    max_advance_days = models.PositiveIntegerField(null=True, blank=True)
    cancellation_deadline_hours = models.PositiveIntegerField(null=True, blank=True)
    hold_minutes = models.PositiveIntegerField(null=True, blank=True)
    waitlist_max_size = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Confirmed waiting entries per service and location (each location, and "
        "'any location', has its own list of this size); empty: WAITLIST_MAX_SIZE.",
    )
    retention_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Days after the appointment until personal data is anonymised; "
        "empty: RETENTION_DAYS.",
    )
    allowed_embed_origins = models.TextField(
        blank=True,
        validators=[validate_embed_origins],
        help_text="Portal origins that may frame the booking widget and call the API, one per "
        "line as scheme://host[:port] without a path, e.g. https://www.musterhausen.de "
        "(plus CORS_ALLOWED_ORIGINS). Stored as browsers send them: lower case, no default "
        "port.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    LOCATIONS_PATH = "locations"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_all_bookings", "Can see the bookings of every location"),
            ("change_all_bookings", "Can change the bookings of every location"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        origins, invalid = origin_lines(self.allowed_embed_origins)
        if not invalid:  # invalid lines stay as typed, for the form to show them
            self.allowed_embed_origins = "\n".join(origins)

    @property
    def embed_origins(self) -> list[str]:
        """The listed origins in the browsers' spelling (lines that are none are skipped)."""
        return origin_lines(self.allowed_embed_origins)[0]
