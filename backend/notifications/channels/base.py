"""What every delivery channel is: a name, whether it is switched on here, whether it can
reach a recipient, and how it sends a message. The registry (registry.py) lists them;
dispatch.notify sends a message over the channels chosen for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..catalog import text

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ..messages import Email
    from ..models import PushSubscription


@dataclass(frozen=True)
class Recipient:
    """Where a message can go: an address, a number, the browsers that asked for it."""

    email: str = ""
    phone: str = ""
    browsers: QuerySet[PushSubscription] | None = None


@dataclass(frozen=True)
class Message:
    """One message in a channel-neutral form. Short texts come from the catalogs
    (`<language>.json`: "<channel>" -> kind), filled with `values`; the e-mail is built only
    when it is sent."""

    kind: str
    language: str
    values: Mapping[str, Any] = field(default_factory=dict)
    email: Callable[[], Email] | None = None
    page: str = ""  # what a notification opens on the device (no secret in it)
    extra: Mapping[str, Any] = field(default_factory=dict)  # more fields for a push payload
    ttl: int = 6 * 3600  # seconds until a device-bound message is stale
    urgency: str = "normal"
    per_device_language: bool = True  # a browser's own language for its texts
    # Runs before each channel's send, e.g. a per-recipient cap (raises Suppressed).
    guard: Callable[[str], None] | None = None

    def short_text(self, channel: str, language: str | None = None) -> str:
        return text(language or self.language, channel, self.kind, **self.values)


class Channel(Protocol):
    name: str  # also the Delivery row's channel and the catalogs' section of its texts
    # Sent in addition whenever the recipient asked for it on a device (Web Push), rather
    # than chosen as the way to be told.
    on_request: bool
    switched_off: str  # why it is not available, as its delivery records it

    def available(self) -> bool:
        """Switched on and configured here."""
        ...

    def reaches(self, recipient: Recipient) -> bool:
        """The recipient has what this channel needs (an address, a number, a browser)."""
        ...

    def send(self, recipient: Recipient, message: Message) -> None:
        """Send now; raises TransientError, PermanentError or Suppressed."""
        ...
