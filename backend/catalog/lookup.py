"""Finding catalog objects by the names people type on the command line."""

from __future__ import annotations

import contextlib
import uuid

from django.core.management.base import CommandError
from django.db.models import Q, QuerySet

from .models import Location, Organization, Service


def matching_locations(key: str) -> QuerySet[Location]:
    """Active locations whose id, slug or short name is `key` (what page URLs carry)."""
    matches = Q(slug__iexact=key) | Q(short_name__iexact=key)
    with contextlib.suppress(ValueError):
        matches |= Q(pk=uuid.UUID(key))
    return Location.objects.filter(matches, is_active=True)


def the_only(locations: QuerySet[Location]) -> Location | None:
    """The location when exactly one matches, else None (ambiguous across organizations)."""
    found = list(locations[:2])
    return found[0] if len(found) == 1 else None


def find_location_by_key(key: str) -> Location | None:
    return the_only(matching_locations(key).select_related("organization"))


def find_location(text: str, organization: str | None = None) -> Location:
    """By slug, short name or name, case-insensitive (operators type `--location=Rathaus`)."""
    matches = Location.objects.select_related("organization").filter(
        Q(slug__iexact=text) | Q(short_name__iexact=text) | Q(name__iexact=text)
    )
    if organization:
        matches = matches.filter(organization__slug=organization)
    found = list(matches[:2])
    if len(found) != 1:
        raise CommandError(
            f"No location matches {text!r}"
            if not found
            else f"More than one location matches {text!r} (use --organization)"
        )
    return found[0]


def find_services(names: str, organization: Organization) -> list[Service]:
    """Comma-separated service names or slugs of one organization."""
    services = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        service = Service.objects.filter(
            Q(slug__iexact=name) | Q(name__iexact=name), organization=organization
        ).first()
        if service is None:
            raise CommandError(f"No service {name!r} in {organization.name}")
        services.append(service)
    return services


def find_organization(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(f"No organization with slug {slug!r}")
    return organization
