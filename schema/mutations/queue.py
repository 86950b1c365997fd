from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.devices import do_pair_device
from backend.core.actors import Actor
from backend.core.qr import qr_svg
from backend.core.ratelimit import client_ip, client_network, hit
from backend.queue.models import QueueTicket as TicketModel
from backend.queue.services import calling
from backend.queue.services.tickets import (
    IssuedTicket,
    do_check_in,
    do_draw_ticket,
)
from backend.queue.state import position_of

from ..args import described_input
from ..context import actor_of
from ..errors import UserError
from ..runner import mutation
from ..types.queue import ServicePoint, StaffTicket


@strawberry.input(description="Draw a walk-in ticket.")
class DrawTicketInput:
    service: strawberry.ID = strawberry.field(description="Service id.")
    location: strawberry.ID = strawberry.field(description="Location id.")
    priority: int = strawberry.field(default=0, description="Staff only: higher is called first.")


@strawberry.input(description="Check a booking in.")
class CheckInInput:
    code: str = strawberry.field(description="The booking code as typed, or the scanned QR text.")
    location: strawberry.ID | None = strawberry.field(
        default=None,
        description="Staff: the location checking in (required); a kiosk knows its own. Codes "
        "of other locations are NOT_FOUND, like unknown ones.",
    )


@strawberry.input(description="A service point to act on.")
class ServicePointInput:
    service_point: strawberry.ID = strawberry.field(description="Service point id.")


@strawberry.input(description="A ticket to act on.")
class TicketInput:
    ticket: strawberry.ID = strawberry.field(description="Ticket id.")


@strawberry.input(description="Hand a ticket on to another service and/or counter.")
class TransferTicketInput:
    ticket: strawberry.ID = strawberry.field(description="Ticket id.")
    service: strawberry.ID | None = strawberry.field(default=None, description="New service.")
    service_point: strawberry.ID | None = strawberry.field(
        default=None, description="Only this counter may call it."
    )


@strawberry.input(description="Leave the queue (holder, with the token) or remove a ticket.")
class CancelTicketInput:
    ticket: strawberry.ID = strawberry.field(description="Ticket id.")
    token: str | None = strawberry.field(
        default=None, description="The holder's secret; staff leave it out."
    )


@strawberry.input(description="Pair a kiosk or display with the code an admin created.")
class PairDeviceInput:
    code: str = strawberry.field(description="The 8-digit pairing code.")
    kind: str | None = strawberry.field(
        default=None,
        description='"kiosk" or "display": a code of the other kind is PAIRING_INVALID too.',
    )


@strawberry.type(description="A ticket just issued, for printing and for the holder's phone.")
class IssuedTicketResult:
    id: strawberry.ID = strawberry.field(description="Ticket id (for the status page link).")
    number: str = strawberry.field(description="Ticket number, e.g. A042.")
    service: strawberry.ID = strawberry.field(description="Service id.")
    status_token: str = strawberry.field(
        description="Secret for the holder's status page (/t/<id>#<token>); shown once."
    )
    position: int | None = strawberry.field(description="Place in the queue (1 = next).")
    estimated_wait_minutes: int | None = strawberry.field(description="Estimated wait.")
    status_url: str = strawberry.field(
        description="The holder's live status page, token in the fragment (for the QR code)."
    )
    issued_at: datetime.datetime = strawberry.field(description="When it was issued.")

    @strawberry.field(description="SVG QR code of statusUrl, for the printout.")
    def qr_svg(self) -> str:
        return qr_svg(self.status_url)  # only drawn when asked for: ~10 ms of pure Python


@strawberry.type(description="Result of drawTicket and checkIn.")
class IssueTicketPayload:
    ticket: IssuedTicketResult | None = strawberry.field(
        default=None, description="The ticket, unless errors."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why no ticket was issued."
    )


@strawberry.type(description="Result of a queue action on one ticket.")
class TicketPayload:
    ticket: StaffTicket | None = strawberry.field(
        default=None, description="The ticket after the action."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="Result of signing in to or out of a service point.")
class ServicePointPayload:
    service_point: ServicePoint | None = strawberry.field(
        default=None, description="The service point."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="Result of pairDevice.")
class PairDevicePayload:
    token: str | None = strawberry.field(
        default=None,
        description="The device's secret: send it as `Authorization: Bearer <token>`.",
    )
    kind: str | None = strawberry.field(default=None, description='"kiosk" or "display".')
    location: strawberry.ID | None = strawberry.field(
        default=None, description="The paired location."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why pairing failed."
    )


def _issued(result: IssuedTicket) -> IssueTicketPayload:
    ticket = result.ticket
    position, minutes = position_of(result.state(), str(ticket.pk))
    return IssueTicketPayload(
        ticket=IssuedTicketResult(
            id=strawberry.ID(str(ticket.pk)),
            number=ticket.display_number,
            service=strawberry.ID(str(ticket.service_id)),
            status_token=result.status_token,
            position=position,
            estimated_wait_minutes=minutes,
            status_url=result.status_url,
            issued_at=ticket.created_at,
        )
    )


def _ticket_payload(ticket: TicketModel) -> TicketPayload:
    ticket = TicketModel.objects.select_related("service_point", "booking").get(pk=ticket.pk)
    return TicketPayload(ticket=StaffTicket(_model=ticket))


Input = described_input


def _counted_per_kiosk(action: str, info: Info) -> Actor:
    """The caller; a paired device's call counts against its own limit (staff are counted
    by their session limits instead)."""
    actor = actor_of(info)
    if actor.device is not None:
        hit(action, device=actor.device.pk)
    return actor


@strawberry.type
class QueueMutation:
    @mutation(description="Draw a walk-in ticket (kiosk of the location, or staff).")
    def draw_ticket(
        self, info: Info, input: Annotated[DrawTicketInput, Input("What to draw.")]
    ) -> IssueTicketPayload:
        actor = _counted_per_kiosk("drawTicket", info)  # a kiosk prints paper
        return _issued(do_draw_ticket(input.service, input.location, actor, input.priority))

    @mutation(
        description="Check a booking in by its code or QR; it gets a ticket "
        "and is called at its time, before walk-ins."
    )
    def check_in(
        self, info: Info, input: Annotated[CheckInInput, Input("The booking.")]
    ) -> IssueTicketPayload:
        actor = _counted_per_kiosk("checkIn", info)  # bounds guessing codes at a kiosk
        return _issued(do_check_in(input.code, actor, input.location))

    @mutation(description="Sign in to a counter (and out of any other).")
    def sign_in_to_service_point(
        self, info: Info, input: Annotated[ServicePointInput, Input("The counter.")]
    ) -> ServicePointPayload:
        point = calling.do_sign_in(input.service_point, actor_of(info))
        return ServicePointPayload(service_point=ServicePoint(_model=point))

    @mutation(description="Sign out of a counter.")
    def sign_out_of_service_point(
        self, info: Info, input: Annotated[ServicePointInput, Input("The counter.")]
    ) -> ServicePointPayload:
        point = calling.do_sign_out(input.service_point, actor_of(info))
        return ServicePointPayload(service_point=ServicePoint(_model=point))

    @mutation(description="Finish the counter's current ticket and call the next one.")
    def call_next_ticket(
        self, info: Info, input: Annotated[ServicePointInput, Input("The counter.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_call_next(input.service_point, actor_of(info)))

    @mutation(description="Call a ticket again; after too many recalls: no-show.")
    def recall_ticket(
        self, info: Info, input: Annotated[TicketInput, Input("The ticket.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_recall(input.ticket, actor_of(info)))

    @mutation(description="The holder arrived at the counter: start serving.")
    def start_ticket(
        self, info: Info, input: Annotated[TicketInput, Input("The ticket.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_start(input.ticket, actor_of(info)))

    @mutation(description="Done with this ticket.")
    def finish_ticket(
        self, info: Info, input: Annotated[TicketInput, Input("The ticket.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_finish(input.ticket, actor_of(info)))

    @mutation(description="Nobody came after the call.")
    def mark_no_show(
        self, info: Info, input: Annotated[TicketInput, Input("The ticket.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_mark_no_show(input.ticket, actor_of(info)))

    @mutation(description="Hand a ticket on; it keeps its number and its place.")
    def transfer_ticket(
        self, info: Info, input: Annotated[TransferTicketInput, Input("Where to.")]
    ) -> TicketPayload:
        return _ticket_payload(
            calling.do_transfer(input.ticket, actor_of(info), input.service, input.service_point)
        )

    @mutation(description="Take a ticket out of the queue for a while.")
    def park_ticket(
        self, info: Info, input: Annotated[TicketInput, Input("The ticket.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_park(input.ticket, actor_of(info)))

    @mutation(description="Put a parked ticket back at its original place.")
    def return_ticket(
        self, info: Info, input: Annotated[TicketInput, Input("The ticket.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_return(input.ticket, actor_of(info)))

    @mutation(description="Leave the queue (holder with token) or remove a ticket.")
    def cancel_ticket(
        self, info: Info, input: Annotated[CancelTicketInput, Input("The ticket.")]
    ) -> TicketPayload:
        return _ticket_payload(calling.do_cancel_ticket(input.ticket, actor_of(info), input.token))

    @mutation(description="Pair a kiosk or display with an admin's pairing code.")
    def pair_device(
        self, info: Info, input: Annotated[PairDeviceInput, Input("The code.")]
    ) -> PairDevicePayload:
        hit("pairDevice", ip=client_network(client_ip(info.context.request)), all="*")
        device, token = do_pair_device(input.code, input.kind)
        return PairDevicePayload(
            token=token, kind=device.kind, location=strawberry.ID(str(device.location_id))
        )
