"""What boards and holders' pages show, derived from a queue state alone (no database:
ops/adr/0010), so every subscriber of a location computes the same figures."""

from __future__ import annotations

from dataclasses import dataclass

from .models import QueueTicket
from .policy import estimated_wait_minutes
from .state import QueueState, position_of


@dataclass(frozen=True, slots=True)
class ServiceWait:
    service: str
    prefix: str
    count: int  # tickets waiting
    estimated_wait_minutes: int  # for someone drawing a ticket now


def waits_by_service(state: QueueState) -> list[ServiceWait]:
    """Per service, by prefix: how many wait and how long a new ticket would wait."""
    busy = {c["service"] for c in state["called"]}
    return [
        ServiceWait(
            service=service_id,
            prefix=s["prefix"],
            count=len(s["waiting"]),
            # Nobody waiting and nobody of this service at a counter: no wait at all.
            estimated_wait_minutes=estimated_wait_minutes(
                len(s["waiting"]) + 1, s["typical_minutes"], s["open_points"]
            )
            if s["waiting"] or service_id in busy
            else 0,
        )
        for service_id, s in sorted(state["services"].items(), key=lambda i: i[1]["prefix"])
    ]


@dataclass(frozen=True, slots=True)
class HolderView:
    ticket: str
    number: str
    status: str
    position: int | None  # 1 = next; None unless waiting
    estimated_wait_minutes: int | None
    service_point: str | None  # where to go once called
    called_at: str | None  # ISO time
    service: str | None  # None once the ticket has left the queue
    location: str
    organization_kind: str


def holder_view(
    state: QueueState, ticket_id: str, number: str, final_status: str | None = None
) -> HolderView:
    """A holder's view of their ticket; `final_status` for a ticket that left the open
    tickets (done when not known)."""
    entry = state["open"].get(ticket_id)
    position, minutes = position_of(state, ticket_id)
    return HolderView(
        ticket=ticket_id,
        number=entry["number"] if entry else number,
        status=entry["status"] if entry else final_status or QueueTicket.Status.DONE,
        position=position,
        estimated_wait_minutes=minutes,
        service_point=(entry["service_point"] or None) if entry else None,
        called_at=entry["called_at"] if entry else None,
        service=entry["service"] if entry else None,
        location=state["location"],
        organization_kind=state["organization_kind"],
    )
