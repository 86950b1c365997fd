"""The live state of a location's queue today, as one JSON-able dict.

It is computed once per change, after commit, and sent to every subscriber in the Channels
message, so thousands of boards and phones never query the database themselves. It carries
no personal data: numbers, counters, services and ticket ids only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, TypedDict
from uuid import UUID
from zoneinfo import ZoneInfo

from django.utils import timezone

from backend.catalog.models import Location
from backend.catalog.snapshot import snapshot_of

from .models import QueueTicket, ServicePoint
from .policy import Waiting, in_call_order, typical_minutes

BOARD_SIZE = 10  # recently called tickets on the board
RECENT_SERVICE_TIMES = 10


class CalledEntry(TypedDict):
    """A ticket on the board: called or being served."""

    ticket: str
    number: str
    service: str
    service_point: str  # its name, "" if none
    called_at: str | None  # ISO time of the latest call
    recalls: int
    serving: bool


class ServiceEntry(TypedDict):
    prefix: str
    typical_minutes: float  # median of recent service times, or the planned duration
    open_points: int  # staffed counters that handle the service
    waiting: list[str]  # ticket ids in call order


class OpenEntry(TypedDict):
    """An open ticket (waiting, called, serving or parked), for its holder's page."""

    number: str
    status: str
    service: str
    service_point: str
    called_at: str | None


class QueueState(TypedDict):
    """The state every subscriber derives its view from (ops/adr/0010)."""

    location: str
    organization_kind: str  # municipality or practice: pages word the status chain by it
    day: str  # ISO date, the location's local day
    updated_at: str  # ISO time the state was taken
    called: list[CalledEntry]  # newest call first, at most BOARD_SIZE
    services: dict[str, ServiceEntry]  # by service id
    open: dict[str, OpenEntry]  # by ticket id


def local_today(location: Location, now: datetime | None = None):
    return (now or timezone.now()).astimezone(ZoneInfo(location.timezone_name)).date()


OPEN_FIELDS = (
    "id",
    "service_id",
    "prefix",
    "number",
    "status",
    "priority",
    "queued_at",
    "due_at",
    "called_at",
    "recall_count",
    "service_point__name",
)


def queue_state(location: Location, now: datetime | None = None) -> QueueState:
    """Computed once per change (plain rows, no model instances): the open tickets of the
    day, the recent service times per service, and which counters are staffed."""
    now = now or timezone.now()
    day = local_today(location, now)
    snapshot = snapshot_of(location)
    today = QueueTicket.objects.filter(location=location, day=day)
    tickets = [
        dict(zip(OPEN_FIELDS, row, strict=True))
        for row in today.filter(status__in=QueueTicket.OPEN).values_list(*OPEN_FIELDS)
    ]
    recent = (
        today.filter(status=QueueTicket.Status.DONE, serving_at__isnull=False)
        .order_by("-done_at")
        .values_list("service_id", "serving_at", "done_at")[:200]
    )
    durations: dict[UUID, list[float]] = defaultdict(list)
    for service_id, serving_at, done_at in recent:
        if done_at and serving_at and len(durations[service_id]) < RECENT_SERVICE_TIMES:
            durations[service_id].append((done_at - serving_at).total_seconds() / 60)
    points = list(
        ServicePoint.objects.filter(location=location, is_active=True, current_user__isnull=False)
        .prefetch_related("services")
        .only("id")
    )

    waiting = [t for t in tickets if t["status"] == QueueTicket.Status.WAITING]
    service_of = {t["id"]: t["service_id"] for t in waiting}
    by_service: dict[UUID, list[str]] = defaultdict(list)
    for w in in_call_order(
        (
            Waiting(t["id"], t["priority"], t["queued_at"], t["due_at"], t["number"])
            for t in waiting
        ),
        now,
    ):
        by_service[service_of[w.id]].append(str(w.id))

    handled = [{s.pk for s in p.services.all()} for p in points]  # empty set: everything
    services = {
        str(service_id): ServiceEntry(
            prefix=service.ticket_prefix,
            typical_minutes=typical_minutes(durations[service_id], service.duration_minutes),
            open_points=sum(1 for ids in handled if not ids or service_id in ids),
            waiting=by_service.get(service_id, []),
        )
        for service_id, service in snapshot.services.items()
    }
    called = sorted(
        (
            t
            for t in tickets
            if t["status"] in (QueueTicket.Status.CALLED, QueueTicket.Status.SERVING)
        ),
        key=lambda t: t["called_at"] or now,
        reverse=True,
    )
    return QueueState(
        location=str(location.pk),
        organization_kind=location.organization.kind,
        day=day.isoformat(),
        updated_at=now.isoformat(),
        called=[
            CalledEntry(
                ticket=str(t["id"]),
                number=_number(t),
                service=str(t["service_id"]),
                service_point=t["service_point__name"] or "",
                called_at=t["called_at"].isoformat() if t["called_at"] else None,
                recalls=t["recall_count"],
                serving=t["status"] == QueueTicket.Status.SERVING,
            )
            for t in called[:BOARD_SIZE]
        ],
        services=services,
        open={
            str(t["id"]): OpenEntry(
                number=_number(t),
                status=t["status"],
                service=str(t["service_id"]),
                service_point=t["service_point__name"] or "",
                called_at=t["called_at"].isoformat() if t["called_at"] else None,
            )
            for t in tickets
        },
    )


def _number(ticket: dict[str, Any]) -> str:
    return f"{ticket['prefix']}{ticket['number']:03d}"


def position_of(state: QueueState, ticket_id: str) -> tuple[int | None, int | None]:
    """(position, estimated minutes) of a waiting ticket in a state dict, else (None, None)."""
    from .policy import estimated_wait_minutes

    for service in state["services"].values():
        if ticket_id in service["waiting"]:
            position = service["waiting"].index(ticket_id) + 1
            return position, estimated_wait_minutes(
                position, service["typical_minutes"], service["open_points"]
            )
    return None, None
