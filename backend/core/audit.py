"""The audit trail: a domain call with a dotted action name, never a signal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .actors import Actor
from .models import AuditLog


def log_action(action: str, actor: Actor, obj: Any, organization_id=None, **data: Any) -> None:
    """Record that `actor` did `action` to `obj`. `data` must hold no secrets or contact data.
    Only the queue still writes entries this way; everything else records declared event
    types (backend/core/events.py: `record`), which write the same rows."""
    AuditLog.objects.create(
        action=action,
        actor=actor.user,
        actor_kind=actor.kind,
        organization_id=organization_id,
        object_type=type(obj).__name__.lower(),
        object_id=str(obj.pk),
        data=data,
    )


FREE_TEXT_KEYS = ("reason",)  # typed by staff (a cancellation's reason): may name people
CHUNK = 500


def clear_free_text(object_type: str, object_ids: Iterable[Any]) -> int:
    """Retention: empty the free text of the entries about these objects (e.g. bookings
    whose personal data is being anonymised), keeping who did what when. Returns how many
    entries changed; a second run changes none. (A queryset update: entries are otherwise
    immutable.)"""
    ids = [str(pk) for pk in object_ids]
    changed = 0
    for start in range(0, len(ids), CHUNK):
        about = AuditLog.objects.filter(
            object_type=object_type, object_id__in=ids[start : start + CHUNK]
        )
        for key in FREE_TEXT_KEYS:
            entries = about.filter(data__has_key=key).exclude(**{f"data__{key}": ""})
            for entry_id, data in entries.values_list("pk", "data"):
                changed += AuditLog.objects.filter(pk=entry_id).update(data={**data, key: ""})
    return changed
