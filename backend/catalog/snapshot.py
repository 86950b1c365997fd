"""An immutable, cached picture of what availability needs to know about a location.

Opening hours, closures, the services offered and the resources with their hours, breaks and
absences change rarely but are read on every availability request and every booking. They
are loaded once per (location, catalog_version) and kept per process for a short time; the
version (backend/catalog/versioning.py) comes with the location row each request reads
anyway, so a change is seen by the next request after it commits. Claims (who booked what)
are never cached.

Snapshots are shared between threads: treat them, and the model instances inside, as
read-only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Prefetch

from backend.availability.calendar import WeeklyInterval
from backend.availability.engine import Closure as EngineClosure
from backend.availability.intervals import Interval, normalize

from .models import Absence, Closure, Location, Resource, Service

LIFETIME_SECONDS = 60  # bounds staleness from writes that bypass the version signals
MAX_ENTRIES = 512


@dataclass(frozen=True)
class ResourceTemplate:
    """A resource as the engine sees it, without its claims (those are read live)."""

    id: UUID
    kind: str
    service_ids: frozenset[UUID]
    working_hours: tuple[WeeklyInterval, ...]
    breaks: tuple[WeeklyInterval, ...]
    absences: tuple[Interval, ...]


@dataclass(frozen=True)
class LocationSnapshot:
    location_id: UUID
    version: int
    tz: ZoneInfo
    holiday_region: str
    opening_hours: tuple[WeeklyInterval, ...]
    closures: tuple[EngineClosure, ...]  # all of them (a location has few)
    services: dict[UUID, Service]  # active services offered here, organization loaded
    resources: tuple[ResourceTemplate, ...]  # active, in assignment order (kind, name, id)
    absences_since: datetime  # absences that ended before this are left out

    def resources_for(self, service: Service) -> list[ResourceTemplate]:
        needed = service.needed_kinds
        return [r for r in self.resources if service.pk in r.service_ids and r.kind in needed]


_cache: dict[tuple[UUID, int], tuple[float, LocationSnapshot]] = {}
_lock = threading.Lock()


def snapshot_of(location: Location) -> LocationSnapshot:
    """The location's snapshot at its current catalog_version (built on a miss)."""
    key = (location.pk, location.catalog_version)
    now = time.monotonic()
    with _lock:
        entry = _cache.get(key)
    if entry is not None and now - entry[0] < LIFETIME_SECONDS:
        return entry[1]
    snapshot = _build(location)
    with _lock:
        if len(_cache) >= MAX_ENTRIES:
            for stale in sorted(_cache, key=lambda k: _cache[k][0])[: MAX_ENTRIES // 4]:
                del _cache[stale]
        _cache[key] = (now, snapshot)
    return snapshot


def forget_all() -> None:
    """Drop every cached snapshot (tests that write around the ORM's signals)."""
    with _lock:
        _cache.clear()


def _build(location: Location) -> LocationSnapshot:
    organization = location.organization
    since = datetime.now(UTC) - timedelta(days=2)
    services = {
        s.pk: s
        for s in Service.objects.filter(locations=location, is_active=True).select_related(
            "organization"
        )
    }
    resources = (
        Resource.objects.filter(location=location, is_active=True)
        .order_by("kind", "name", "id")
        .prefetch_related(
            "working_hours",
            "breaks",
            Prefetch("services", queryset=Service.objects.only("id")),
            Prefetch("absences", queryset=Absence.objects.filter(ends_at__gt=since)),
        )
    )
    return LocationSnapshot(
        location_id=location.pk,
        version=location.catalog_version,
        tz=ZoneInfo(location.timezone_name),
        holiday_region=organization.holiday_region,
        opening_hours=tuple(
            WeeklyInterval(h.weekday, h.opens, h.closes) for h in location.opening_hours.all()
        ),
        closures=tuple(
            EngineClosure(c.first_day, c.last_day, c.reason)
            for c in Closure.objects.filter(location=location)
        ),
        services=services,
        resources=tuple(
            ResourceTemplate(
                id=r.pk,
                kind=r.kind,
                service_ids=frozenset(s.pk for s in r.services.all()),
                working_hours=tuple(
                    WeeklyInterval(w.weekday, w.starts, w.ends) for w in r.working_hours.all()
                ),
                breaks=tuple(WeeklyInterval(b.weekday, b.starts, b.ends) for b in r.breaks.all()),
                absences=tuple(normalize((a.starts_at, a.ends_at) for a in r.absences.all())),
            )
            for r in resources
        ),
        absences_since=since,
    )
