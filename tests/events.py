"""Which events a use case records, as subscribers see them after commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from backend.core.events import Event, event_types, subscribe, unsubscribe


class Recorded(list[Event]):
    def names(self) -> list[str]:
        return [event.type.name for event in self]

    def of(self, name: str) -> list[Event]:
        return [event for event in self if event.type.name == name]


@contextmanager
def recorded_events(capture_on_commit) -> Iterator[Recorded]:
    """Collect every event delivered while the block runs. `capture_on_commit` is
    pytest-django's `django_capture_on_commit_callbacks` fixture: delivery happens on
    commit, which a test's transaction only simulates."""
    seen = Recorded()
    kinds = event_types()
    for kind in kinds:
        subscribe(kind.payload, seen.append)
    try:
        with capture_on_commit(execute=True):
            yield seen
    finally:
        for kind in kinds:
            unsubscribe(kind.payload, seen.append)
