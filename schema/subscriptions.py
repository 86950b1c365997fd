"""Live queue updates over graphql-transport-ws.

Each subscription joins its location's feed (feeds.py: one channel-layer listener per
location and process) first and only then reads the current state, so no change can slip
between the two; after that, boards and phones are fed from the state inside each message
(backend/queue/state.py) without touching the database. Identical board subscriptions run
once per process (multiplex.py). Clients
refetch after every reconnect (graphql-transport-ws has no "subscribed" acknowledgement)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from channels.db import database_sync_to_async
from strawberry.types import Info

from backend.catalog.by_id import get_location
from backend.queue.models import QueueTicket
from backend.queue.services.views import access_held_ticket
from backend.queue.state import queue_state

from .args import LocationId
from .feeds import location_updates
from .queries.queue import TicketId, TicketToken, counter_queue_of
from .runner import refusals_raised
from .types.queue import (
    CounterQueue,
    QueueBoard,
    TicketStatus,
    board_from_state,
    status_from_state,
)

FINAL = {QueueTicket.Status.DONE, QueueTicket.Status.NO_SHOW, QueueTicket.Status.CANCELLED}


_location = database_sync_to_async(refusals_raised(get_location))
_held = database_sync_to_async(refusals_raised(access_held_ticket))


@strawberry.type(description="Live updates of the queue.")
class Subscription:
    @strawberry.subscription(
        description="The waiting-room board of a location: the current "
        "state first, then every change. Public, no personal "
        "data."
    )
    async def queue_display(
        self, info: Info, location: LocationId
    ) -> AsyncGenerator[QueueBoard, None]:
        place = await _location(location)
        async with location_updates(place.pk) as messages:
            yield board_from_state(await database_sync_to_async(queue_state)(place))
            async for message in messages:
                yield board_from_state(message["state"], message.get("recalled"))

    @strawberry.subscription(
        description="A ticket holder's own ticket: position, estimate, and "
        "the call. Ends when the ticket is done."
    )
    async def ticket_status(
        self, info: Info, ticket: TicketId, token: TicketToken
    ) -> AsyncGenerator[TicketStatus, None]:
        held = await _held(ticket, token)
        async with location_updates(held.ticket.location_id) as messages:
            held = await _held(ticket, token)  # read again now that nothing can be missed
            current, number = str(held.ticket.pk), held.ticket.display_number
            last = status_from_state(held.state, current, number, held.ticket.status)
            yield last
            async for message in messages:
                change = message["changed"].get(current)
                if change and change.get("next"):
                    current = change["next"]  # transferred: follow the new ticket
                    change = message["changed"].get(current)
                if change is None and current not in message["state"]["open"]:
                    continue
                status = status_from_state(
                    message["state"], current, number, change["status"] if change else None
                )
                if status != last:
                    yield status
                    last = status
                if status.status.value in FINAL:
                    return

    @strawberry.subscription(description="The staff view of a location's queue, on every change.")
    async def counter_queue(
        self, info: Info, location: LocationId
    ) -> AsyncGenerator[CounterQueue, None]:
        place = await _location(location)
        view = database_sync_to_async(refusals_raised(counter_queue_of))
        await view(info, str(place.pk))  # checks permission before joining the group
        async with location_updates(place.pk) as messages:
            # Read again now that nothing can be missed: a state read before joining misses a
            # call made in between, and the console would show it as never called.
            yield await view(info, str(place.pk))
            async for _message in messages:
                # names of citizens follow: only while the staff session still holds
                if not await info.context.still_signed_in():
                    return
                yield await view(info, str(place.pk))
