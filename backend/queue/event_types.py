"""What the queue records. Facts are ids and non-personal values only."""

from __future__ import annotations

from uuid import UUID

from backend.core.events import event_type


@event_type(
    "queue.changed",
    description="A location's queue changed (e.g. to push updates to ticket holders).",
    audited=False,
)
class QueueChanged:
    location_id: UUID
