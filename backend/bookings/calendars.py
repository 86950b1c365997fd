"""Loads what the slot engine needs: the catalog from the location's cached snapshot
(backend/catalog/snapshot.py), claims live from the database."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db import connection
from django.db.models import Count, Func, IntegerField, Q, QuerySet

from backend.availability.calendar import local_day_span
from backend.availability.engine import LocationCalendar, ResourceCalendar, ServiceRule
from backend.availability.intervals import normalize
from backend.catalog.models import Location, Service
from backend.catalog.snapshot import snapshot_of

from .models import Claim


@lru_cache(maxsize=128)
def holidays_in(region: str, year: int) -> dict[date, str]:
    """Public holidays of a region ("DE-NW") in one year, from the holidays package."""
    country, _, subdiv = region.partition("-")
    return dict(
        holidays.country_holidays(country, subdiv=subdiv or None, years=year, language="de")
    )


def location_zone(location: Location) -> ZoneInfo:
    return ZoneInfo(location.timezone_name)


def location_calendar(location: Location, first_day: date, last_day: date) -> LocationCalendar:
    """Opening hours, closures and public holidays for the days (from the snapshot)."""
    snapshot = snapshot_of(location)
    holiday_map: dict[date, str] = {}
    for year in range(first_day.year, last_day.year + 1):
        holiday_map.update(holidays_in(snapshot.holiday_region, year))
    return LocationCalendar(
        tz=snapshot.tz,
        opening_hours=snapshot.opening_hours,
        closures=tuple(
            c for c in snapshot.closures if c.last_day >= first_day and c.first_day <= last_day
        ),
        holidays=holiday_map,
    )


def service_rule(service: Service) -> ServiceRule:
    return ServiceRule(
        duration=timedelta(minutes=service.duration_minutes),
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        step=timedelta(minutes=service.slot_step_minutes) if service.slot_step_minutes else None,
        capacity=service.capacity,
        needs=service.needed_kinds,
    )


def active_claims(now: datetime):
    """Claims that hold capacity now: every booking's, and holds not yet expired."""
    return Claim.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def span_of(first_day: date, last_day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_day_span(first_day, tz)[0], local_day_span(last_day, tz)[1]


class EpochSeconds(Func):
    """A datetime column as whole seconds since 1970 (UTC), computed by the database.

    The availability hot path reads thousands of claim windows; Django's per-value datetime
    loaders cost ~5-10 µs a value (Python-level on both backends), a number costs nothing.
    Slot times are whole minutes, so whole seconds are exact."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        template = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


def _busy_windows(claims: QuerySet[Claim], ids: list) -> dict:
    """{resource id: [(busy_from, busy_until), ...]}, read as raw numbers (see EpochSeconds)
    with the ORM's own SQL, and keyed by the database's raw form of each resource id."""
    field = Claim._meta.get_field("resource")
    key_of = {field.get_db_prep_value(pk, connection): pk for pk in ids}
    query = claims.annotate(
        busy_from_s=EpochSeconds("busy_from"), busy_until_s=EpochSeconds("busy_until")
    ).values_list("resource_id", "busy_from_s", "busy_until_s")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    at = datetime.fromtimestamp
    busy: dict = defaultdict(list)
    for raw_id, busy_from, busy_until in rows:
        busy[key_of[raw_id]].append((at(busy_from, UTC), at(busy_until, UTC)))
    return busy


def pool_taken(
    service: Service, location: Location, start: datetime, end: datetime, now: datetime
) -> dict[datetime, int]:
    """How many seats each start time in [start, end) has taken."""
    rows = (
        active_claims(now)
        .filter(location=location, service=service, start__gte=start, start__lt=end)
        .values("start")
        .annotate(taken=Count("id"))
        .values_list("start", "taken")
    )
    return dict(rows)


def resource_calendars(
    service: Service, location: Location, start: datetime, end: datetime, now: datetime
) -> list[ResourceCalendar]:
    """The location's active resources qualified for `service` (from the snapshot), with
    their absences and their live claims (of any service) in [start, end)."""
    templates = snapshot_of(location).resources_for(service)
    ids = [t.id for t in templates]
    busy = _busy_windows(
        active_claims(now).filter(resource_id__in=ids, busy_from__lt=end, busy_until__gt=start),
        ids,
    )
    return [
        ResourceCalendar(
            id=t.id,
            kind=t.kind,
            working_hours=t.working_hours,
            breaks=t.breaks,
            absences=[a for a in t.absences if a[0] < end and a[1] > start],
            busy=normalize(busy[t.id]),
        )
        for t in templates
    ]
