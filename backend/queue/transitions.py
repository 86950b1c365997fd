"""The ticket state machine, in one table: for every action, the statuses it may start
from, the status it leaves, who may do it and what else it changes. `do_act`
(backend/queue/services/acting.py) applies any row of it; the staff console shows a
ticket's buttons from it (`StaffTicket.availableActions`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from backend.bookings.models import Booking

from . import event_types as events
from .models import QueueTicket

Status = QueueTicket.Status
BookingStatus = Booking.Status


class TicketAction(StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    PARK = "park"
    RETURN = "return"
    TRANSFER = "transfer"
    CANCEL = "cancel"


class Party(StrEnum):
    """Who acts on a ticket: the location's queue staff, or its holder (with the token)."""

    STAFF = "staff"
    HOLDER = "holder"


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    action: TicketAction
    sources: frozenset[str]  # the statuses it may start from
    target: str  # the status it leaves the ticket in
    by: frozenset[Party]
    event: type  # the payload type it records (backend/queue/event_types.py)
    stamp: str | None = None  # the time field set to now
    booking: str | None = None  # the status a checked-in booking follows to
    picked: bool = True  # the clerk picks the ticket (else the queue order picks it)
    to_counter: bool = False  # the calling counter gets it (first call kept for the figures)
    leaves_counter: bool = False  # no longer at any counter
    counts_recall: bool = False  # one more recall; past QUEUE_MAX_RECALLS it is a no-show
    resets_recalls: bool = False  # a fresh start: earlier recalls no longer count
    served_from_call: bool = False  # finished without a start: served since its call
    continued: bool = False  # a new ticket with the same number continues it


STAFF = frozenset({Party.STAFF})

TRANSITIONS: dict[TicketAction, Transition] = {
    t.action: t
    for t in (
        Transition(
            action=TicketAction.CALL,
            sources=frozenset({Status.WAITING}),
            target=Status.CALLED,
            by=STAFF,
            event=events.TicketCalled,
            stamp="called_at",
            booking=BookingStatus.CALLED,
            picked=False,
            to_counter=True,
        ),
        Transition(
            action=TicketAction.RECALL,
            sources=frozenset({Status.CALLED}),
            target=Status.CALLED,
            by=STAFF,
            event=events.TicketRecalled,
            stamp="called_at",  # boards sort and ring by the latest call
            counts_recall=True,
        ),
        Transition(
            action=TicketAction.START,
            sources=frozenset({Status.CALLED}),
            target=Status.SERVING,
            by=STAFF,
            event=events.TicketStarted,
            stamp="serving_at",
            booking=BookingStatus.IN_SERVICE,
        ),
        Transition(
            action=TicketAction.FINISH,
            sources=frozenset({Status.CALLED, Status.SERVING}),
            target=Status.DONE,
            by=STAFF,
            event=events.TicketFinished,
            stamp="done_at",
            booking=BookingStatus.COMPLETED,
            served_from_call=True,
        ),
        Transition(
            action=TicketAction.NO_SHOW,
            sources=frozenset({Status.CALLED}),
            target=Status.NO_SHOW,
            by=STAFF,
            event=events.TicketNoShow,
            stamp="no_show_at",
            booking=BookingStatus.NO_SHOW,
        ),
        Transition(
            action=TicketAction.PARK,
            sources=frozenset({Status.WAITING, Status.CALLED}),
            target=Status.PARKED,
            by=STAFF,
            event=events.TicketParked,
            stamp="parked_at",
            booking=BookingStatus.CHECKED_IN,  # no longer called
            leaves_counter=True,
        ),
        Transition(
            action=TicketAction.RETURN,
            sources=frozenset({Status.PARKED}),
            target=Status.WAITING,  # at its old place: queued_at is unchanged
            by=STAFF,
            event=events.TicketReturned,
            resets_recalls=True,  # sent away on purpose, not missing
        ),
        Transition(
            action=TicketAction.TRANSFER,
            sources=frozenset({Status.WAITING, Status.CALLED, Status.SERVING}),
            target=Status.TRANSFERRED,
            by=STAFF,
            event=events.TicketTransferred,
            stamp="done_at",
            booking=BookingStatus.CHECKED_IN,  # waiting again, for the next service or counter
            continued=True,
        ),
        Transition(
            action=TicketAction.CANCEL,
            sources=frozenset({Status.WAITING, Status.PARKED}),
            target=Status.CANCELLED,
            by=frozenset({Party.STAFF, Party.HOLDER}),
            event=events.TicketCancelled,
            stamp="cancelled_at",
        ),
    )
}


def available_actions(status: str, parties: Iterable[Party]) -> list[TicketAction]:
    """The actions these parties may pick for a ticket in `status`, in table order."""
    who = set(parties)
    return [
        t.action for t in TRANSITIONS.values() if t.picked and status in t.sources and who & t.by
    ]
