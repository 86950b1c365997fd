"""Domain events, delivered after commit.

Use cases call `emit("booking.cancelled", booking_id=...)`; apps that react (notifications,
the waitlist) register handlers in their AppConfig.ready(). Handlers run only once the
transaction has committed, with ids (never model instances), and must be quick: they enqueue
Huey jobs. So the booking core knows nothing about e-mail, SMS or push.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)
Handler = Callable[..., None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def emit(name: str, **payload: Any) -> None:
    """Run the event's handlers after the current transaction commits (at once if none)."""

    def deliver() -> None:
        for handler in _handlers.get(name, []):
            try:
                handler(**payload)
            except Exception:  # one failing reaction must not hide the others
                logger.exception("Handler %s for %s failed", handler.__qualname__, name)

    transaction.on_commit(deliver)
