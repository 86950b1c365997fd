"""Domain events: one registry of event types, one call that records an event.

A use case calls `record(BookingCancelled, actor, booking, by="staff", reason="")` inside its
transaction. `record` checks the facts against the event type's payload dataclass, writes the
audit row in the same transaction (for audited types), and runs the subscribers once the
transaction has committed. Subscribers get an `Event`: the type, the subject's id, the
organization, who acted, when, and the typed facts (ids and non-personal facts, never model
instances), so the booking core knows nothing about e-mail, SMS, push or webhooks.

Event types are declared with `@event_type(...)` in each domain's `event_types.py`; the
registry lists them all (`event_types()`) for the audit log, the tests and integrations.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from .models import AuditLog

logger = logging.getLogger(__name__)

P = TypeVar("P")
# What a fact may be: plain values a webhook body or an audit row can hold as JSON.
FACT_TYPES = (str, int, bool, float, Decimal, UUID, datetime, date, type(None))


@dataclasses.dataclass(frozen=True, slots=True)
class EventType(Generic[P]):
    name: str  # dotted, stable: "booking.cancelled"; also the audit log's action
    payload: type[P]
    description: str
    audited: bool  # written to the audit log (who did what when)
    public: bool  # may leave the system (integrations' webhooks)


@dataclasses.dataclass(frozen=True, slots=True)
class Event(Generic[P]):
    """One thing that happened, as subscribers receive it after commit."""

    type: EventType[P]
    subject_type: str | None  # e.g. "booking"; None for events about no single object
    subject_id: Any  # the subject's primary key (a UUID for our models), or None
    organization_id: UUID | None
    actor_kind: str
    at: datetime
    facts: P


@dataclasses.dataclass(frozen=True, slots=True)
class Ref:
    """A subject known by its id only (no need to load the row to record an event)."""

    type: str  # e.g. "booking", as the audit log names object types
    pk: Any


_types: dict[str, EventType] = {}
_by_payload: dict[type, EventType] = {}
_handlers: dict[str, list[Callable[[Event], None]]] = defaultdict(list)


def event_type(
    name: str, *, description: str, audited: bool = True, public: bool = False
) -> Callable[[type[P]], type[P]]:
    """Class decorator: make the class a frozen payload dataclass and register it as the
    event type `name`."""

    def register(cls: type[P]) -> type[P]:
        payload = dataclasses.dataclass(frozen=True, slots=True, kw_only=True)(cls)
        if name in _types and _types[name].payload.__qualname__ != payload.__qualname__:
            raise ValueError(f"Event type {name!r} is declared twice.")
        for field, annotation in typing.get_type_hints(payload).items():
            if not _allowed(annotation):
                raise TypeError(f"{name}.{field}: {annotation} is not a plain fact type.")
        kind = EventType(name, payload, description, audited, public)
        _types[name] = kind
        _by_payload[payload] = kind
        return payload

    return register


def event_types() -> list[EventType]:
    """Every registered event type, by name."""
    return [_types[name] for name in sorted(_types)]


def type_of(payload: type[P]) -> EventType[P]:
    return _by_payload[payload]


def subscribe(payload: type[P], handler: Callable[[Event[P]], None]) -> None:
    name = type_of(payload).name
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def unsubscribe(payload: type[P], handler: Callable[[Event[P]], None]) -> None:
    name = type_of(payload).name
    if handler in _handlers[name]:
        _handlers[name].remove(handler)


def record(
    payload: type[P],
    actor: Any,
    subject: Any = None,
    *,
    organization_id: UUID | None = None,
    at: datetime | None = None,
    **facts: Any,
) -> Event[P]:
    """Record that `actor` did something to `subject` (a model instance, a `Ref`, or None for
    events about no single object). Raises TypeError when the facts do not fit the payload type:
    a programming error, caught by the tests of each use case."""
    kind = type_of(payload)
    checked = payload(**facts)
    for field, annotation in typing.get_type_hints(payload).items():
        if not _fits(getattr(checked, field), annotation):
            raise TypeError(f"{kind.name}.{field}={getattr(checked, field)!r} is not {annotation}")
    if organization_id is None:
        organization_id = getattr(subject, "organization_id", None)
    subject_type = _type_name(subject)
    event = Event(
        type=kind,
        subject_type=subject_type,
        subject_id=subject.pk if subject is not None else None,
        organization_id=organization_id,
        actor_kind=actor.kind,
        at=at or timezone.now(),
        facts=checked,
    )
    if kind.audited:
        if subject is None or subject_type is None:
            raise TypeError(f"{kind.name} is audited, so it needs a subject.")
        AuditLog.objects.create(
            action=kind.name,
            actor=actor.user,
            actor_kind=actor.kind,
            organization_id=organization_id,
            object_type=subject_type,
            object_id=str(subject.pk),
            data=as_json(checked),
        )
    handlers = list(_handlers.get(kind.name, ()))
    if handlers:
        transaction.on_commit(lambda: _deliver(event, handlers))
    return event


def as_json(facts: Any) -> dict[str, Any]:
    """The facts as JSON values (ids and times as strings), e.g. for an audit row."""
    return {
        field.name: _json_value(getattr(facts, field.name)) for field in dataclasses.fields(facts)
    }


def _type_name(subject: Any) -> str | None:
    if subject is None:
        return None
    if isinstance(subject, Ref):
        return subject.type
    return type(subject).__name__.lower()


def _deliver(event: Event, handlers: list[Callable[[Event], None]]) -> None:
    for handler in handlers:
        try:
            handler(event)
        except Exception:  # one failing reaction must not hide the others
            logger.exception("Handler %s for %s failed", handler.__qualname__, event.type.name)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    return value


def _members(annotation: Any) -> tuple[Any, ...]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def _allowed(annotation: Any) -> bool:
    return all(member in FACT_TYPES for member in _members(annotation))


def _fits(value: Any, annotation: Any) -> bool:
    members = _members(annotation)
    if isinstance(value, bool):  # bool is an int; accept it only where a bool is declared
        return bool in members
    return isinstance(value, members)
