"""Who is acting: a citizen (anonymous), a staff member, an integration or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Actor:
    user: Any | None
    kind: str  # "citizen" | "staff" | "integration" | "device" | "system"
    organization_id: UUID | None = None  # integrations and devices act only inside it
    device: Any | None = None  # a paired kiosk or display (backend.queue.models.Device)

    @classmethod
    def from_request(cls, request) -> Actor:
        device = getattr(request, "device", None)
        if device is not None:
            return cls(None, "device", device.location.organization_id, device)
        token = getattr(request, "api_token", None)
        if token is not None:
            return cls(token.user, "integration", token.organization_id)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return cls(user, "staff")
        return cls(None, "citizen")

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    def may_act_in(self, organization_id: UUID) -> bool:
        return self.organization_id is None or self.organization_id == organization_id


SYSTEM = Actor(None, "system")
