"""Every change that availability depends on bumps the affected locations' catalog_version.

The version is read with the location on every request, so a cached snapshot
(backend/catalog/snapshot.py) is never used after a change has committed. Saves, deletes
and many-to-many changes are caught here by signals; update(), bulk_create() and
bulk_update() by the catalog models' queryset (models/versioned.py). Raw SQL is on its own:
the snapshot's short lifetime bounds that.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import (
    Absence,
    Closure,
    Location,
    OpeningHours,
    Organization,
    Resource,
    ResourceBreak,
    Service,
    WorkingHours,
)
from .models.versioned import bump


def _locations_of(instance) -> list:
    match instance:
        case Location():
            return [instance.pk]
        case Organization():
            return list(Location.objects.filter(organization=instance).values_list("pk", flat=True))
        case Service():
            return list(instance.locations.values_list("pk", flat=True))
        case OpeningHours() | Closure() | Resource():
            return [instance.location_id]
        case WorkingHours() | ResourceBreak() | Absence():
            resource = Resource.objects.filter(pk=instance.resource_id).values("location_id")
            return [row["location_id"] for row in resource]
    return []


def _changed(sender, instance, raw=False, **kwargs) -> None:
    if raw:  # loaddata
        return
    if isinstance(instance, Location) and kwargs.get("created"):
        return  # a new location has no cached snapshot yet
    bump(_locations_of(instance))


def _m2m_changed(sender, instance, action, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    ids = _locations_of(instance)
    if sender is Service.locations.through and isinstance(instance, Service):
        ids += list(pk_set or ())  # locations added to or removed from the service
    if sender is Service.locations.through and isinstance(instance, Location):
        ids.append(instance.pk)
    bump(ids)


def connect() -> None:
    models = (
        Organization,
        Location,
        OpeningHours,
        Closure,
        Service,
        Resource,
        WorkingHours,
        ResourceBreak,
        Absence,
    )
    for model in models:
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-version-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-version-del-{model}")
    for through in (Service.locations.through, Resource.services.through):
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"catalog-version-{through}")
