from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.catalog.by_id import get_location
from backend.queue.services.views import access_counter_queue, access_held_ticket
from backend.queue.state import queue_state
from backend.queue.stats import access_queue_stats

from ..args import LocalDate, LocationId
from ..context import actor_of
from ..runner import field
from ..types.queue import (
    CounterQueue,
    HourCount,
    OrganizationKind,
    QueueBoard,
    QueueStatsResult,
    ServicePoint,
    ServiceQueueStats,
    StaffTicket,
    TicketStatus,
    board_from_state,
    status_from_state,
)

TicketId = Annotated[strawberry.ID, strawberry.argument(description="The ticket's id.")]
TicketToken = Annotated[str, strawberry.argument(description="The secret from the ticket link.")]


def counter_queue_of(info: Info, location: str) -> CounterQueue:
    view = access_counter_queue(actor_of(info), location)
    return CounterQueue(
        location=strawberry.ID(str(view.location.pk)),
        waiting=[StaffTicket(_model=t, _parties=view.parties) for t in view.waiting],
        active=[StaffTicket(_model=t, _parties=view.parties) for t in view.active],
        parked=[StaffTicket(_model=t, _parties=view.parties) for t in view.parked],
        service_points=[ServicePoint(_model=p) for p in view.service_points],
        organization_kind=OrganizationKind(view.location.organization.kind),
        as_of=view.as_of,
    )


def held_ticket_status(ticket: str, token: str) -> TicketStatus:
    held = access_held_ticket(ticket, token)
    return status_from_state(
        held.state, str(held.ticket.pk), held.ticket.display_number, held.ticket.status
    )


@strawberry.type
class QueueQuery:
    @field(description="The waiting-room board of a location now (public).")
    def queue_board(self, location: LocationId) -> QueueBoard:
        return board_from_state(queue_state(get_location(location)))

    @field(description="A ticket holder's live status, by ticket id and token.")
    def ticket_status(self, ticket: TicketId, token: TicketToken) -> TicketStatus:
        return held_ticket_status(ticket, token)

    @field(description="Today's queue of a location for staff.")
    def counter_queue(self, info: Info, location: LocationId) -> CounterQueue:
        return counter_queue_of(info, location)


@strawberry.type(description="What a paired kiosk needs to know about itself.")
class KioskConfig:
    location: strawberry.ID = strawberry.field(description="The kiosk's location.")
    name: str = strawberry.field(description="The device's name.")
    idle_timeout_seconds: int = strawberry.field(
        description="Return to the start screen after this long without input "
        "(KIOSK_IDLE_TIMEOUT_SECONDS); warn first."
    )
    organization_kind: OrganizationKind = strawberry.field(
        description="Office or practice: a practice's kiosk registers patients "
        "(registered / waiting / in treatment / done)."
    )


@strawberry.type(description="What a paired call display needs to know about itself.")
class DisplayConfig:
    location: strawberry.ID = strawberry.field(description="The display's location.")
    name: str = strawberry.field(description="The device's name.")


@strawberry.type
class KioskQuery:
    @strawberry.field(description="For a paired kiosk (device token): its configuration.")
    def kiosk_config(self, info: Info) -> KioskConfig | None:
        from django.conf import settings

        device = actor_of(info).device
        if device is None or device.kind != "kiosk":
            return None
        return KioskConfig(
            location=strawberry.ID(str(device.location_id)),
            name=device.name,
            idle_timeout_seconds=settings.KIOSK_IDLE_TIMEOUT_SECONDS,
            organization_kind=OrganizationKind(device.location.organization.kind),
        )

    @strawberry.field(
        description="For a paired call display (device token): its location, so the TV's "
        "address needs no ?location=. Displays may also run unpaired: the board is public."
    )
    def display_config(self, info: Info) -> DisplayConfig | None:
        device = actor_of(info).device
        if device is None or device.kind != "display":
            return None
        return DisplayConfig(location=strawberry.ID(str(device.location_id)), name=device.name)


@strawberry.type
class QueueStatsQuery:
    @field(
        description="Waiting and service times, no-shows, arrivals per hour and "
        "the waiting-time target share (staff)."
    )
    def queue_stats(self, info: Info, location: LocationId, date: LocalDate) -> QueueStatsResult:
        stats = access_queue_stats(actor_of(info), location, date)
        return QueueStatsResult(
            date=stats.day,
            services=[
                ServiceQueueStats(
                    service=strawberry.ID(str(s.service.pk)),
                    prefix=s.service.ticket_prefix,
                    tickets=s.tickets,
                    called=s.called,
                    served=s.served,
                    no_shows=s.no_shows,
                    cancelled=s.cancelled,
                    no_show_rate=s.no_show_rate,
                    wait_p50_minutes=s.wait_p50_minutes,
                    wait_p90_minutes=s.wait_p90_minutes,
                    service_p50_minutes=s.service_p50_minutes,
                    target_minutes=s.target_minutes,
                    within_target_share=s.within_target_share,
                    uncalled_over_target=s.uncalled_over_target,
                )
                for s in stats.services
            ],
            tickets_per_hour=[HourCount(hour=h, tickets=n) for h, n in stats.tickets_per_hour],
        )
