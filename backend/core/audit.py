"""The audit trail's retention. Entries are written by `record` (backend/core/events.py) for
event types declared `audited`, never by a signal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import AuditLog

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
