"""Queue statistics for one location and local day: waiting and service times per service,
no-shows, tickets per hour, and the share served within the service's waiting-time target
(the helpdesk SLA idea of seed 001)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from backend.accounts.actors import Actor
from backend.bookings.services.lookup import get_location
from backend.catalog.models import Location, Service

from .access import check_staff_view
from .models import QueueTicket

Status = QueueTicket.Status


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (no interpolation): a value that really occurred."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class ServiceStats:
    service: Service
    tickets: int  # tickets that entered this service's queue (transfers in included)
    called: int
    served: int  # done
    no_shows: int
    cancelled: int
    wait_p50_minutes: float | None
    wait_p90_minutes: float | None
    service_p50_minutes: float | None
    target_minutes: int | None
    within_target_share: float | None  # of called tickets, called within the target

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.called if self.called else None


@dataclass(frozen=True)
class QueueStats:
    location: Location
    day: date
    services: list[ServiceStats]
    tickets_per_hour: list[tuple[int, int]]  # (local hour, tickets drawn or checked in)


def access_queue_stats(actor: Actor, location_id: str, day: date) -> QueueStats:
    location = get_location(location_id)
    check_staff_view(actor, location)
    return queue_stats(location, day)


def queue_stats(location: Location, day: date) -> QueueStats:
    tz = ZoneInfo(location.timezone_name)
    tickets = list(QueueTicket.objects.filter(location=location, day=day).select_related("service"))
    by_service: dict[UUID, list[QueueTicket]] = defaultdict(list)
    for ticket in tickets:
        by_service[ticket.service_id].append(ticket)
    services = []
    for group in by_service.values():
        service = group[0].service
        waits = [(t.called_at - t.created_at).total_seconds() / 60 for t in group if t.called_at]
        served = [
            (t.done_at - t.serving_at).total_seconds() / 60
            for t in group
            if t.status == Status.DONE and t.done_at and t.serving_at
        ]
        target = service.waiting_target_minutes
        services.append(
            ServiceStats(
                service=service,
                tickets=len(group),
                called=len(waits),
                served=sum(1 for t in group if t.status == Status.DONE),
                no_shows=sum(1 for t in group if t.status == Status.NO_SHOW),
                cancelled=sum(1 for t in group if t.status == Status.CANCELLED),
                wait_p50_minutes=percentile(waits, 0.5),
                wait_p90_minutes=percentile(waits, 0.9),
                service_p50_minutes=percentile(served, 0.5),
                target_minutes=target,
                within_target_share=(
                    sum(1 for w in waits if w <= target) / len(waits)
                    if target is not None and waits
                    else None
                ),
            )
        )
    hours = Counter(
        t.created_at.astimezone(tz).hour for t in tickets if t.transferred_from_id is None
    )
    return QueueStats(
        location,
        day,
        sorted(services, key=lambda s: s.service.ticket_prefix),
        sorted(hours.items()),
    )
