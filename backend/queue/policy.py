"""Who is called next, and how long someone will wait. Pure functions, tested on their own.

The order, in one place:
1. higher priority first (e.g. urgent cases a clerk marked);
2. checked-in bookings that are due (their start is at most DUE_GRACE away) before everyone
   else, earliest appointment first: a booked citizen is served at their time, not after the
   walk-ins who came earlier;
3. then everyone else by arrival (queued_at; a transfer keeps the original arrival), and
   early check-ins simply wait as walk-ins until their time comes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

DUE_GRACE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Waiting:
    """What the order needs to know about a waiting ticket."""

    id: Any
    priority: int
    queued_at: datetime
    due_at: datetime | None  # only for checked-in bookings
    number: int


def order_key(ticket: Waiting, now: datetime) -> tuple:
    due = ticket.due_at is not None and ticket.due_at <= now + DUE_GRACE
    return (
        -ticket.priority,
        0 if due else 1,
        ticket.due_at if due else ticket.queued_at,
        ticket.number,
    )


def in_call_order(tickets: Iterable[Waiting], now: datetime) -> list[Waiting]:
    return sorted(tickets, key=lambda t: order_key(t, now))


def typical_minutes(recent_service_minutes: Sequence[float], planned_minutes: int) -> float:
    """The median of recent service times, or the planned duration until there are some."""
    return median(recent_service_minutes) if len(recent_service_minutes) >= 3 else planned_minutes


def estimated_wait_minutes(position: int, typical: float, open_points: int) -> int:
    """Minutes until a ticket at `position` (1 = next) is called, rounded up to 5."""
    if position <= 0:
        return 0
    # Full rounds of every open point ahead, plus half a service time for the one in progress.
    rounds = math.ceil(position / max(open_points, 1)) - 1
    minutes = rounds * typical + typical / 2
    return int(math.ceil(minutes / 5) * 5)
