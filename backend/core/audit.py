"""The audit trail: a domain call with a dotted action name, never a signal."""

from __future__ import annotations

from typing import Any

from backend.accounts.actors import Actor

from .models import AuditLog


def log_action(action: str, actor: Actor, obj: Any, organization_id=None, **data: Any) -> None:
    """Record that `actor` did `action` to `obj`. `data` must hold no secrets or contact data."""
    AuditLog.objects.create(
        action=action,
        actor=actor.user,
        actor_kind=actor.kind,
        organization_id=organization_id,
        object_type=type(obj).__name__.lower(),
        object_id=str(obj.pk),
        data=data,
    )
