"""Queue changes reach subscribers after commit, through a Channels group per location."""

from __future__ import annotations

import logging
from typing import NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from backend.catalog.models import Location
from backend.core.actors import SYSTEM
from backend.core.events import record

from .event_types import QueueChanged
from .state import QueueState, queue_state

logger = logging.getLogger(__name__)
MESSAGE_TYPE = "queue.updated"


class TicketChange(TypedDict):
    status: str
    next: NotRequired[str]  # a transfer: the ticket that continues it


class QueueMessage(TypedDict):
    """The Channels group message every subscriber of a location gets (ops/adr/0010)."""

    type: str  # MESSAGE_TYPE
    state: QueueState
    changed: dict[str, TicketChange]  # by ticket id
    recalled: str | None  # a number called again just now: boards repeat the gong


def group_name(location_id) -> str:
    return f"queue.{location_id}"


def publish_on_commit(
    location: Location,
    changed: dict[str, TicketChange] | None = None,
    recalled: str | None = None,
    published: list[QueueState] | None = None,
) -> None:
    """After commit, send the location's new state, which tickets changed (id -> status and,
    for transfers, the ticket that continues it), and a recalled ticket number if any. The
    state is also appended to `published`, so the caller can answer from it without
    computing it again."""

    def send() -> None:
        try:
            state = queue_state(location)
            if published is not None:
                published.append(state)
            message = QueueMessage(
                type=MESSAGE_TYPE, state=state, changed=changed or {}, recalled=recalled
            )
            async_to_sync(get_channel_layer().group_send)(group_name(location.pk), message)
            record(QueueChanged, SYSTEM, location_id=location.pk)  # e.g. Web Push to ticket holders
        except Exception:  # the change is committed; a lost push is healed by refetching
            logger.exception("Could not publish a queue update for location %s", location.pk)

    transaction.on_commit(send)
