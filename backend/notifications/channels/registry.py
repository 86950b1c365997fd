"""Every delivery channel, by name. Adding one: its module (a class with the `Channel`
protocol's members), a line here, and its texts in the catalogs."""

from __future__ import annotations

from .base import Channel
from .email import EmailChannel
from .push import PushChannel
from .sms import SmsChannel

CHANNELS: dict[str, Channel] = {
    channel.name: channel for channel in (EmailChannel(), SmsChannel(), PushChannel())
}
EMAIL, SMS, PUSH = "email", "sms", "push"  # the names the choosing rules refer to


def channel(name: str) -> Channel:
    return CHANNELS[name]


def on_request() -> list[Channel]:
    """The channels a recipient asks for on a device, sent in addition (Web Push)."""
    return [c for c in CHANNELS.values() if c.on_request]
