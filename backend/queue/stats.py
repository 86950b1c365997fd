"""Queue statistics for one location and local day: waiting and service times per service,
no-shows, tickets per hour, and the share served within the service's waiting-time target
(like a helpdesk's SLA).

A wait runs from wait_started() to the first call: recalls do not lengthen it, and an early
check-in does not count as waiting before the appointment's start."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.utils import timezone

from backend.catalog.models import Location, Service
from backend.core.actors import Actor

from .access import access_location_figures
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
    wait_p50_minutes: float | None  # of called tickets, until their first call
    wait_p90_minutes: float | None
    service_p50_minutes: float | None
    target_minutes: int | None
    within_target_share: float | None  # see within_target_share()
    uncalled_over_target: int  # never called, but waited longer than the target

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
    return queue_stats(access_location_figures(actor, location_id), day)


def wait_started(ticket: QueueTicket) -> datetime:
    """When the ticket began to wait for its service.

    Arrival for walk-ins. A checked-in booking waits from max(arrival, appointment start):
    whoever checks in 40 minutes early has not waited those 40 minutes for us. A ticket that
    continues a transfer waits from the transfer (its queued_at keeps the original arrival
    for its place in the queue, not for these figures)."""
    started = ticket.created_at if ticket.transferred_from_id else ticket.queued_at
    if ticket.due_at is not None and ticket.due_at > started:
        started = ticket.due_at
    return started


def stopped_waiting_uncalled(ticket: QueueTicket, until: datetime) -> datetime | None:
    """When a ticket that was never called stopped waiting: it left (cancelled, or transferred
    on while still waiting), or it is still waiting or parked (then `until`: now, or the end
    of its day). None for tickets that were called."""
    if ticket.first_called_at is not None:
        return None
    if ticket.status == Status.CANCELLED:
        return ticket.cancelled_at
    if ticket.status == Status.TRANSFERRED:
        return ticket.done_at
    if ticket.status in (Status.WAITING, Status.PARKED):
        return until
    return None


def within_target_share(
    called_waits: list[float], uncalled_waits: list[float], target: int | None
) -> tuple[float | None, int]:
    """The share of tickets served within the waiting-time target, and how many uncalled
    tickets count against it.

    Called tickets count with their wait until the first call. A ticket that was never called
    (the holder gave up, or is still waiting) counts as outside the target once it waited
    longer than the target: leaving it out would flatter the share exactly when waits are
    long. One that left before the target passed says nothing about it and is left out."""
    if target is None:
        return None, 0
    missed = sum(1 for w in uncalled_waits if w > target)
    counted = len(called_waits) + missed
    if not counted:
        return None, missed
    return sum(1 for w in called_waits if w <= target) / counted, missed


def _minutes(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60)


def queue_stats(location: Location, day: date, now: datetime | None = None) -> QueueStats:
    tz = ZoneInfo(location.timezone_name)
    now = now or timezone.now()
    day_end = datetime.combine(day + timedelta(days=1), time(0), tz)
    until = min(now, day_end)
    tickets = list(QueueTicket.objects.filter(location=location, day=day).select_related("service"))
    by_service: dict[UUID, list[QueueTicket]] = defaultdict(list)
    for ticket in tickets:
        by_service[ticket.service_id].append(ticket)
    services = []
    for group in by_service.values():
        service = group[0].service
        waits = [_minutes(wait_started(t), t.first_called_at) for t in group if t.first_called_at]
        uncalled = [
            _minutes(wait_started(t), end)
            for t in group
            if (end := stopped_waiting_uncalled(t, until)) is not None
        ]
        served = [
            (t.done_at - t.serving_at).total_seconds() / 60
            for t in group
            if t.status == Status.DONE and t.done_at and t.serving_at
        ]
        target = service.waiting_target_minutes
        share, missed = within_target_share(waits, uncalled, target)
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
                within_target_share=share,
                uncalled_over_target=missed,
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
