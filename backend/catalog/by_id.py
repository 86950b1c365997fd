"""Loading catalog objects by the ids callers send, as typed errors when they don't exist."""

from __future__ import annotations

import uuid

from backend.core.errors import DomainError, ErrorCode

from .models import Location, Service
from .snapshot import snapshot_of


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        raise DomainError(ErrorCode.NOT_FOUND, f"No such {field}.", field) from None


def get_service(service_id: str) -> Service:
    service = (
        Service.objects.select_related("organization")
        .filter(pk=parse_uuid(service_id, "service"))
        .first()
    )
    if service is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such service.", "service")
    return service


def get_location(location_id: str) -> Location:
    location = (
        Location.objects.select_related("organization")
        .filter(pk=parse_uuid(location_id, "location"))
        .first()
    )
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such location.", "location")
    return location


def get_offered_service(service_id: str, location_id: str) -> tuple[Service, Location]:
    """The service and the location that offers it: one query for the location, the service
    from the location's snapshot. Unknown ids are NOT_FOUND, a service the location does not
    offer is SERVICE_NOT_OFFERED."""
    service_pk = parse_uuid(service_id, "service")
    location = get_location(location_id)
    service = snapshot_of(location).services.get(service_pk) if location.is_active else None
    if service is None:
        get_service(service_id)  # NOT_FOUND when it does not exist at all
        raise DomainError(
            ErrorCode.SERVICE_NOT_OFFERED,
            "This service is not offered at this location.",
            "service",
        )
    return service, location
