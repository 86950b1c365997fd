import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .location import Location
from .organization import Organization
from .versioned import VersionedQuerySet


class Service(models.Model):
    """Something a citizen can book, e.g. "Personalausweis beantragen".

    Without `needs_*` flags it is a capacity pool: `capacity` parallel bookings per start time
    inside opening hours. With them it is resource-based: each booking is assigned one free
    qualified resource of every needed kind.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    capacity = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Parallel bookings per start time (pool services).",
    )
    buffer_before_minutes = models.PositiveIntegerField(default=0)
    buffer_after_minutes = models.PositiveIntegerField(default=0)
    slot_step_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Minutes between start times. Empty: duration plus buffers.",
    )
    needs_staff = models.BooleanField(default=False)
    needs_room = models.BooleanField(default=False)
    needs_device = models.BooleanField(default=False)
    fee = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    fee_currency = models.CharField(max_length=3, default="EUR")
    required_documents = models.JSONField(default=list, blank=True)
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per language: {"en": {"name": ..., "description": ..., '
        '"required_documents": [...]}}',
    )
    queue_prefix = models.CharField(
        max_length=2,
        blank=True,
        help_text="Ticket prefix (A, B …); empty: the slug's first letter.",
    )
    daily_ticket_quota = models.PositiveIntegerField(
        null=True, blank=True, help_text="Walk-in tickets per day and location; empty: no limit."
    )
    waiting_target_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Waiting-time target for queue statistics (SLA)."
    )
    locations = models.ManyToManyField(Location, related_name="services", blank=True)
    min_advance_hours = models.PositiveIntegerField(null=True, blank=True)
    max_advance_days = models.PositiveIntegerField(null=True, blank=True)
    cancellation_deadline_hours = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    LOCATIONS_PATH = "locations"  # the locations a write affects (versioned.py)
    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="service_slug_unique"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="service_capacity_min"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="service_duration_min"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needed_kinds(self) -> frozenset[str]:
        from .resource import Resource

        flags = {
            Resource.Kind.STAFF: self.needs_staff,
            Resource.Kind.ROOM: self.needs_room,
            Resource.Kind.DEVICE: self.needs_device,
        }
        return frozenset(str(kind) for kind, needed in flags.items() if needed)

    @property
    def ticket_prefix(self) -> str:
        return (self.queue_prefix or self.slug[:1] or "A").upper()

    def translated(self, field: str, language: str | None):
        """A text in the citizen's language, falling back to the organization's own."""
        if language:
            value = self.translations.get(language, {}).get(field)
            if value:
                return value
        return getattr(self, field)
