"""Keeping Location.catalog_version honest for writes that send no model signals.

Saves and deletes are caught by signals (backend/catalog/versioning.py). QuerySet.update(),
bulk_create() and bulk_update() send none, so the catalog models use this queryset, which
changes the version of every location such a write affects.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.apps import apps
from django.db import models


def bump(location_ids: Iterable) -> None:
    """Give the locations a new catalog version. A random one, not +1: a rolled-back
    transaction could otherwise hand the same number to different data."""
    ids = [pk for pk in set(location_ids) if pk is not None]
    if ids:
        location = apps.get_model("catalog", "Location")
        location.objects.filter(pk__in=ids).update(catalog_version=secrets.randbits(62))


class VersionedQuerySet(models.QuerySet):
    # How each model reaches the locations it affects (set on the model as LOCATIONS_PATH).
    def affected_locations(self) -> list:
        path = self.model.LOCATIONS_PATH
        return [pk for pk in self.values_list(path, flat=True).distinct() if pk is not None]

    def update(self, **kwargs):
        if set(kwargs) == {"catalog_version"}:
            return super().update(**kwargs)
        ids = self.affected_locations()
        updated = super().update(**kwargs)
        bump(ids)
        return updated

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        self._bump_for(created)
        return created

    def bulk_update(self, objs, *args, **kwargs):
        objs = list(objs)
        updated = super().bulk_update(objs, *args, **kwargs)
        self._bump_for(objs)
        return updated

    def _bump_for(self, objs) -> None:
        pks = [obj.pk for obj in objs if obj.pk is not None]
        if pks:
            bump(self.model._default_manager.filter(pk__in=pks).affected_locations())
