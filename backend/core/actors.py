"""Who is acting: a citizen (anonymous), a staff member, an integration or the system."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID


class ActorKind(StrEnum):
    CITIZEN = "citizen"  # anonymous, on the site, the embed or a ticket page
    STAFF = "staff"  # a signed-in staff session
    INTEGRATION = "integration"  # an API token, acting only inside its organization
    DEVICE = "device"  # a paired kiosk or display, inside its location's organization
    SYSTEM = "system"  # jobs and reactions to events


@dataclass(frozen=True, slots=True)
class Actor:
    user: Any | None
    kind: ActorKind
    organization_id: UUID | None = None  # integrations and devices act only inside it
    device: Any | None = None  # a paired kiosk or display (backend.queue.models.Device)

    @classmethod
    def from_request(cls, request) -> Actor:
        device = getattr(request, "device", None)
        if device is not None:
            return cls(None, ActorKind.DEVICE, device.location.organization_id, device)
        token = getattr(request, "api_token", None)
        if token is not None:
            return cls(token.user, ActorKind.INTEGRATION, token.organization_id)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return cls(user, ActorKind.STAFF)
        return cls(None, ActorKind.CITIZEN)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    def may_act_in(self, organization_id: UUID) -> bool:
        return self.organization_id is None or self.organization_id == organization_id


SYSTEM = Actor(None, ActorKind.SYSTEM)
