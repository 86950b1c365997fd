from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry_django.optimizer import optimize

from backend.catalog import models
from backend.catalog.by_id import parse_uuid
from backend.catalog.lookup import matching_locations, the_only

from ..args import LocationId, ServiceId
from ..runner import field
from ..types.catalog import Location, Organization, Service


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="All organizations on this server.")
    def organizations(self, info: Info) -> list[Organization]:
        return optimize(models.Organization.objects.all(), info)

    @strawberry.field(description="An organization by its slug, e.g. `musterhausen`.")
    def organization(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="e.g. `musterhausen`.")],
    ) -> Organization | None:
        return optimize(models.Organization.objects.filter(slug=slug), info).first()

    @field(description="An active location by id.")
    def location(self, info: Info, id: LocationId) -> Location | None:
        return optimize(
            models.Location.objects.filter(pk=parse_uuid(id, "location"), is_active=True), info
        ).first()

    @strawberry.field(
        description="An active location by id, slug or short name (what page URLs carry, e.g. "
        "`?location=Rathaus`); null when nothing or more than one location matches."
    )
    def find_location(
        self,
        info: Info,
        key: Annotated[str, strawberry.argument(description="Id, slug or short name.")],
    ) -> Location | None:
        return the_only(optimize(matching_locations(key), info))

    @field(description="An active service by id.")
    def service(self, info: Info, id: ServiceId) -> Service | None:
        return optimize(
            models.Service.objects.filter(pk=parse_uuid(id, "service"), is_active=True), info
        ).first()
