"""The live queue as integrators, boards, phones and the staff console see it."""

from __future__ import annotations

import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from backend.catalog.models import Organization as OrganizationModel
from backend.queue.board import holder_view, waits_by_service
from backend.queue.models import QueueTicket as TicketModel
from backend.queue.models import ServicePoint as ServicePointModel
from backend.queue.services.acting import viewer_parties
from backend.queue.state import QueueState
from backend.queue.transitions import Party, available_actions
from backend.queue.transitions import TicketAction as Action

from ..context import actor_of
from ..enums import TicketSource, TicketStatusCode


@strawberry.enum(
    description="Who runs the queue; pages word the status chain by it: an office calls to "
    "counters, a practice shows registered / waiting / in treatment / done."
)
class OrganizationKind(Enum):
    MUNICIPALITY = OrganizationModel.Kind.MUNICIPALITY.value
    PRACTICE = OrganizationModel.Kind.PRACTICE.value


def _when(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


@strawberry.type(description="A ticket shown on the call display. No personal data.")
class CalledTicket:
    number: str = strawberry.field(description="Ticket number, e.g. A042.")
    service_point: str = strawberry.field(description='Where to go, e.g. "Schalter 3".')
    service: strawberry.ID = strawberry.field(description="The ticket's service.")
    called_at: datetime.datetime | None = strawberry.field(description="When it was called.")
    recalls: int = strawberry.field(description="How often it has been called again.")
    serving: bool = strawberry.field(description="True once the clerk has started.")


@strawberry.type(description="How many wait for a service, and roughly how long.")
class WaitingCount:
    service: strawberry.ID = strawberry.field(description="Service id.")
    prefix: str = strawberry.field(description="Ticket prefix of the service.")
    count: int = strawberry.field(description="Tickets waiting.")
    estimated_wait_minutes: int = strawberry.field(
        description="Estimated minutes for someone drawing a ticket now."
    )


@strawberry.type(description="The waiting-room board of one location. No personal data.")
class QueueBoard:
    location: strawberry.ID = strawberry.field(description="Location id.")
    called: list[CalledTicket] = strawberry.field(description="Recently called, newest first.")
    waiting: list[WaitingCount] = strawberry.field(description="Waiting counts per service.")
    recalled: str | None = strawberry.field(
        description="A number called again just now (boards repeat the gong)."
    )
    updated_at: datetime.datetime = strawberry.field(description="When this state was taken.")


def board_from_state(state: QueueState, recalled: str | None = None) -> QueueBoard:
    return QueueBoard(
        location=strawberry.ID(state["location"]),
        called=[
            CalledTicket(
                number=c["number"],
                service_point=c["service_point"],
                service=strawberry.ID(c["service"]),
                called_at=_when(c["called_at"]),
                recalls=c["recalls"],
                serving=c["serving"],
            )
            for c in state["called"]
        ],
        waiting=[
            WaitingCount(
                service=strawberry.ID(w.service),
                prefix=w.prefix,
                count=w.count,
                estimated_wait_minutes=w.estimated_wait_minutes,
            )
            for w in waits_by_service(state)
        ],
        recalled=recalled,
        updated_at=datetime.datetime.fromisoformat(state["updated_at"]),
    )


@strawberry.type(description="A ticket holder's own live view of their ticket.")
class TicketStatus:
    ticket: strawberry.ID = strawberry.field(
        description="The ticket id now (it changes when the ticket is transferred)."
    )
    number: str = strawberry.field(description="Ticket number, e.g. A042.")
    status: TicketStatusCode = strawberry.field(description="Where the ticket is.")
    position: int | None = strawberry.field(description="1 = next; null unless waiting.")
    estimated_wait_minutes: int | None = strawberry.field(
        description="Estimated minutes until the call; null unless waiting."
    )
    service_point: str | None = strawberry.field(description="Where to go once called.")
    called_at: datetime.datetime | None = strawberry.field(description="When it was called.")
    service: strawberry.ID | None = strawberry.field(description="The ticket's service.")
    location: strawberry.ID = strawberry.field(description="The ticket's location.")
    organization_kind: OrganizationKind = strawberry.field(
        description="Office or practice: a practice words the chain registered / waiting / "
        "in treatment / done."
    )


def status_from_state(
    state: QueueState, ticket_id: str, number: str, final_status: str | None = None
) -> TicketStatus:
    """The holder's view from a queue state; `final_status` for tickets that left it."""
    view = holder_view(state, ticket_id, number, final_status)
    return TicketStatus(
        ticket=strawberry.ID(view.ticket),
        number=view.number,
        status=TicketStatusCode(view.status),
        position=view.position,
        estimated_wait_minutes=view.estimated_wait_minutes,
        service_point=view.service_point,
        called_at=_when(view.called_at),
        service=strawberry.ID(view.service) if view.service else None,
        location=strawberry.ID(view.location),
        organization_kind=OrganizationKind(view.organization_kind),
    )


@strawberry.enum(description="What may be done to one ticket (the counter's call picks its own).")
class TicketAction(Enum):
    RECALL = Action.RECALL.value
    START = Action.START.value
    FINISH = Action.FINISH.value
    NO_SHOW = Action.NO_SHOW.value
    PARK = Action.PARK.value
    RETURN = Action.RETURN.value
    TRANSFER = Action.TRANSFER.value
    CANCEL = Action.CANCEL.value


def _parties(info: Info, location_id) -> frozenset[Party]:
    """The viewer's standing at a location, once per request however many tickets."""
    request = info.context.request
    cache = getattr(request, "_vorzimmer_queue_parties", None)
    if cache is None:
        cache = request._vorzimmer_queue_parties = {}
    if location_id not in cache:
        cache[location_id] = viewer_parties(actor_of(info), location_id)
    return cache[location_id]


@strawberry.type(description="A ticket in the staff console, with what the clerk needs.")
class StaffTicket:
    _model: strawberry.Private[TicketModel]
    # As whom the viewer acts, when the caller knows it (a subscription must: its field
    # resolvers may not query the database).
    _parties: strawberry.Private[frozenset[Party] | None] = None

    @strawberry.field(description="Ticket id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._model.pk))

    @strawberry.field(description="Ticket number, e.g. A042.")
    def number(self) -> str:
        return self._model.display_number

    @strawberry.field(description="Where the ticket is.")
    def status(self) -> TicketStatusCode:
        return TicketStatusCode(self._model.status)

    @strawberry.field(description="Walk-in or checked-in booking.")
    def source(self) -> TicketSource:
        return TicketSource(self._model.source)

    @strawberry.field(description="Service id.")
    def service(self) -> strawberry.ID:
        return strawberry.ID(str(self._model.service_id))

    @strawberry.field(description="Higher is called first.")
    def priority(self) -> int:
        return self._model.priority

    @strawberry.field(description="When the holder arrived.")
    def queued_at(self) -> datetime.datetime:
        return self._model.queued_at

    @strawberry.field(description="The booking's start, for checked-in bookings.")
    def due_at(self) -> datetime.datetime | None:
        return self._model.due_at

    @strawberry.field(description="When it was called.")
    def called_at(self) -> datetime.datetime | None:
        return self._model.called_at

    @strawberry.field(description="Where it was called to.")
    def service_point(self) -> str | None:
        return self._model.service_point.name if self._model.service_point else None

    @strawberry.field(description="Id of the service point it was called to.")
    def service_point_id(self) -> strawberry.ID | None:
        point_id = self._model.service_point_id
        return strawberry.ID(str(point_id)) if point_id else None

    @strawberry.field(description="Only this service point may call it (after a transfer).")
    def target_service_point_id(self) -> strawberry.ID | None:
        point_id = self._model.target_service_point_id
        return strawberry.ID(str(point_id)) if point_id else None

    @strawberry.field(description="How often it was called again.")
    def recall_count(self) -> int:
        return self._model.recall_count

    @strawberry.field(description="The booking code, for checked-in bookings.")
    def booking_code(self) -> str | None:
        return self._model.booking.code if self._model.booking else None

    @strawberry.field(
        description="What the viewer may do to the ticket now (the queue's transition table): "
        "the console's buttons."
    )
    def available_actions(self, info: Info) -> list[TicketAction]:
        parties = self._parties
        if parties is None:
            parties = _parties(info, self._model.location_id)
        return [TicketAction(a.value) for a in available_actions(self._model.status, parties)]

    @strawberry.field(description="The booked citizen's name (staff only).")
    def name(self) -> str | None:
        return self._model.booking.name if self._model.booking else None


@strawberry.type(description="A counter or room tickets are called to.")
class ServicePoint:
    _model: strawberry.Private[ServicePointModel]

    @strawberry.field(description="Service point id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._model.pk))

    @strawberry.field(description='Name on the board, e.g. "Schalter 3".')
    def name(self) -> str:
        return self._model.name

    @strawberry.field(description="Services handled here (empty: all).")
    def services(self) -> list[strawberry.ID]:
        return [strawberry.ID(str(s.pk)) for s in self._model.services.all()]

    @strawberry.field(description="The signed-in clerk's user name, if any.")
    def signed_in(self) -> str | None:
        user = self._model.current_user
        return user.get_username() if user else None


@strawberry.type(description="The staff view of a location's queue today.")
class CounterQueue:
    location: strawberry.ID = strawberry.field(description="Location id.")
    waiting: list[StaffTicket] = strawberry.field(description="Waiting, in call order.")
    active: list[StaffTicket] = strawberry.field(description="Called or being served.")
    parked: list[StaffTicket] = strawberry.field(description="Parked tickets.")
    service_points: list[ServicePoint] = strawberry.field(description="The counters.")
    organization_kind: OrganizationKind = strawberry.field(
        description="Office or practice: the console words the status chain by it."
    )
    as_of: datetime.datetime = strawberry.field(
        description="When this state was read: of two states, keep the one read later (a "
        "live event may overtake a refetch)."
    )


@strawberry.type(description="Queue figures of one service on one day.")
class ServiceQueueStats:
    service: strawberry.ID = strawberry.field(description="Service id.")
    prefix: str = strawberry.field(description="Ticket prefix.")
    tickets: int = strawberry.field(description="Tickets that entered this service's queue.")
    called: int = strawberry.field(description="Tickets called.")
    served: int = strawberry.field(description="Tickets finished.")
    no_shows: int = strawberry.field(description="Called, but nobody came.")
    cancelled: int = strawberry.field(description="Left the queue.")
    no_show_rate: float | None = strawberry.field(description="No-shows per called ticket.")
    wait_p50_minutes: float | None = strawberry.field(
        description="Median wait of called tickets until their first call (recalls do not "
        "count; a checked-in booking waits from max(arrival, appointment start))."
    )
    wait_p90_minutes: float | None = strawberry.field(
        description="90th percentile of the same waits."
    )
    service_p50_minutes: float | None = strawberry.field(description="Median service time.")
    target_minutes: int | None = strawberry.field(description="The waiting-time target.")
    within_target_share: float | None = strawberry.field(
        description="Share within the target (0–1): tickets first called within it, out of all "
        "called tickets plus those never called that waited longer than the target "
        "(gave up, or still waiting). Null without a target or tickets to judge."
    )
    uncalled_over_target: int = strawberry.field(
        description="Tickets never called that waited longer than the target (they count "
        "against withinTargetShare); 0 without a target."
    )


@strawberry.type(description="Tickets that arrived in one local hour.")
class HourCount:
    hour: int = strawberry.field(description="Local hour (0–23).")
    tickets: int = strawberry.field(description="Tickets drawn or checked in.")


@strawberry.type(description="Queue statistics of a location for one day.")
class QueueStatsResult:
    date: datetime.date = strawberry.field(description="The local day.")
    services: list[ServiceQueueStats] = strawberry.field(description="Per service.")
    tickets_per_hour: list[HourCount] = strawberry.field(description="Arrivals per hour.")
