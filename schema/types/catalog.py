"""Public catalog: organizations, locations, opening hours, closures, services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
import strawberry_django
from django.conf import settings
from django.utils import timezone

from backend.catalog import models

from ..args import InLanguage
from ..enums import ResourceKind


@strawberry_django.type(models.OpeningHours, description="One opening interval on a weekday.")
class OpeningInterval:
    weekday: int = strawberry_django.field(description="ISO weekday: 1 = Monday … 7 = Sunday.")
    opens: datetime.time = strawberry_django.field(description="Local opening time.")
    closes: datetime.time = strawberry_django.field(description="Local closing time.")


@strawberry_django.type(models.Closure, description="Days on which a location is closed.")
class Closure:
    first_day: datetime.date = strawberry_django.field(description="First closed day.")
    last_day: datetime.date = strawberry_django.field(description="Last closed day (inclusive).")
    reason: str = strawberry_django.field(description="Why, as the office wrote it.")

    @classmethod
    def get_queryset(cls, queryset, info, **kwargs):
        """Only closures that have not ended yet."""
        return queryset.filter(last_day__gte=timezone.localdate())


@strawberry.type(description="A postal address.")
class Address:
    street: str = strawberry.field(description="Street and number.")
    zip_code: str = strawberry.field(description="Postal code.")
    city: str = strawberry.field(description="City.")


@strawberry_django.type(models.Location, description="An office or practice site.")
class Location:
    id: strawberry.ID = strawberry_django.field(description="Stable identifier.")
    slug: str = strawberry_django.field(description="Short name for URLs, e.g. `rathaus`.")
    name: str = strawberry_django.field(description="Full name.")
    short_name: str = strawberry_django.field(description="Short display name.")
    phone: str = strawberry_django.field(description="Phone number.")
    email: str = strawberry_django.field(description="Contact email.")
    opening_hours: list[OpeningInterval] = strawberry_django.field(
        description="Weekly opening intervals; several per weekday make split shifts."
    )

    @strawberry_django.field(description="Postal address.", only=["street", "zip_code", "city"])
    def address(self, root: models.Location) -> Address:
        return Address(street=root.street, zip_code=root.zip_code, city=root.city)

    @strawberry_django.field(
        description="IANA time zone all local times here are in.",
        select_related=["organization"],
        only=["timezone", "organization__timezone"],
    )
    def timezone(self, root: models.Location) -> str:
        return root.timezone_name

    @strawberry_django.field(
        description="The organization the location belongs to.", select_related=["organization"]
    )
    def organization(self, root: models.Location) -> Organization:
        return root.organization

    closures: list[Closure] = strawberry_django.field(
        description="Closures that have not ended yet, soonest first."
    )
    services: list[Service] = strawberry_django.field(
        description="Active services offered here. Refused inside `Service.locations` "
        "(NESTED_LIST_REFUSED): the answer would multiply with the size of the catalog."
    )

    @classmethod
    def get_queryset(cls, queryset, info, **kwargs):
        return queryset.filter(is_active=True)


@strawberry.type(description="A fee for a service.")
class Fee:
    amount: Decimal = strawberry.field(description="Amount, e.g. 37.00.")
    currency: str = strawberry.field(description="ISO 4217 currency code.")


@strawberry_django.type(models.Service, description="Something citizens can book.")
class Service:
    id: strawberry.ID = strawberry_django.field(description="Stable identifier.")
    slug: str = strawberry_django.field(description="Short name for URLs.")
    duration_minutes: int = strawberry_django.field(description="Length of an appointment.")
    capacity: int = strawberry_django.field(
        description="Parallel bookings per start time (capacity-pool services)."
    )
    queue_prefix: str = strawberry_django.field(description="Ticket prefix in the walk-in queue.")

    @strawberry_django.field(
        description="Name, in `language` when translated.", only=["name", "translations"]
    )
    def name(self, root: models.Service, language: InLanguage = None) -> str:
        return root.translated("name", language.value if language else None)

    @strawberry_django.field(
        description="Description, in `language` when translated.",
        only=["description", "translations"],
    )
    def description(self, root: models.Service, language: InLanguage = None) -> str:
        return root.translated("description", language.value if language else None)

    @strawberry_django.field(
        description="Documents to bring, in `language` when translated.",
        only=["required_documents", "translations"],
    )
    def required_documents(self, root: models.Service, language: InLanguage = None) -> list[str]:
        return list(root.translated("required_documents", language.value if language else None))

    @strawberry_django.field(
        description="The fee, or null when there is none or it varies.",
        only=["fee", "fee_currency"],
    )
    def fee(self, root: models.Service) -> Fee | None:
        return Fee(amount=root.fee, currency=root.fee_currency) if root.fee is not None else None

    @strawberry_django.field(
        description="Resource kinds each booking is assigned (empty: a capacity pool).",
        only=["needs_staff", "needs_room", "needs_device"],
    )
    def needs(self, root: models.Service) -> list[ResourceKind]:
        return [ResourceKind(kind) for kind in sorted(root.needed_kinds)]

    locations: list[Location] = strawberry_django.field(
        description="Active locations that offer this service. Refused inside "
        "`Location.services` (NESTED_LIST_REFUSED); ask "
        "`organizations { services { locations { id } } }` instead."
    )

    @classmethod
    def get_queryset(cls, queryset, info, **kwargs):
        return queryset.filter(is_active=True)


@strawberry_django.type(models.Organization, description="A municipality or medical practice.")
class Organization:
    id: strawberry.ID = strawberry_django.field(description="Stable identifier.")
    slug: str = strawberry_django.field(description="Short name for URLs.")
    name: str = strawberry_django.field(description="Full name.")
    short_name: str = strawberry_django.field(description="Short display name.")
    website: str = strawberry_django.field(description="Website.")
    privacy_url: str = strawberry_django.field(
        description="The privacy policy (Datenschutzerklärung) the booking form links to; "
        "empty when none is set."
    )
    imprint_url: str = strawberry_django.field(
        description="The imprint (Impressum); empty when none is set."
    )
    phone: str = strawberry_django.field(description="Phone number.")
    timezone: str = strawberry_django.field(description="Default IANA time zone.")

    locations: list[Location] = strawberry_django.field(description="Active locations.")
    services: list[Service] = strawberry_django.field(description="Active services.")

    @strawberry_django.field(description="Whether citizens can join a waitlist here.")
    def waitlist_enabled(self) -> bool:
        return settings.WAITLIST_ENABLED

    @strawberry_django.field(description="How long a freed slot is held for a waitlist offer.")
    def waitlist_offer_minutes(self) -> int:
        return settings.WAITLIST_OFFER_MINUTES

    @strawberry_django.field(
        description="Whether SMS can be chosen as the notification channel "
        "(bookAppointment refuses SMS with CHANNEL_UNAVAILABLE otherwise)."
    )
    def sms_enabled(self) -> bool:
        return settings.SMS_ENABLED

    @strawberry_django.field(
        description="Whether the citizen's preferred channel decides how reminders go; when "
        "false, every booking is reminded the deployment's way and forms need not ask."
    )
    def allow_channel_choice(self) -> bool:
        return settings.ALLOW_CHANNEL_CHOICE
