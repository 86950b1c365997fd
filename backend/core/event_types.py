"""What the kernel records. Facts are ids and non-personal values only."""

from __future__ import annotations

from .events import event_type


@event_type(
    "security.burst",
    description="Many holds and bookings, or many refused requests, from one network within a "
    "window (staff alerting; the subject is the network, IPv4 /24 or IPv6 /48).",
)
class SecurityBurst:
    kind: str  # bookings, rate_limited
    network: str
    threshold: int
    window_minutes: int
