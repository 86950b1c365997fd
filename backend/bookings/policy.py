"""The booking rules in force for a service: service override, else organization, else env."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from backend.availability.engine import BookingWindow
from backend.catalog.models import Service


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    min_advance: timedelta
    max_advance_days: int
    cancellation_deadline: timedelta
    hold_duration: timedelta

    def window(self, now: datetime, tz: ZoneInfo) -> BookingWindow:
        """From now + minimum notice to the local day `max_advance_days` after today."""
        today = now.astimezone(tz).date()
        return BookingWindow(now + self.min_advance, today + timedelta(days=self.max_advance_days))

    def may_change(self, starts_at: datetime, now: datetime) -> bool:
        """Citizens may cancel or reschedule until the deadline before the appointment."""
        return now <= starts_at - self.cancellation_deadline


def _first(*values, default: int) -> int:
    return next((v for v in values if v is not None), default)


def policy_for(service: Service) -> BookingPolicy:
    org = service.organization
    return BookingPolicy(
        min_advance=timedelta(
            hours=_first(
                service.min_advance_hours,
                org.min_advance_hours,
                default=settings.BOOKING_MIN_ADVANCE_HOURS,
            )
        ),
        max_advance_days=_first(
            service.max_advance_days,
            org.max_advance_days,
            default=settings.BOOKING_MAX_ADVANCE_DAYS,
        ),
        cancellation_deadline=timedelta(
            hours=_first(
                service.cancellation_deadline_hours,
                org.cancellation_deadline_hours,
                default=settings.CANCELLATION_DEADLINE_HOURS,
            )
        ),
        hold_duration=timedelta(
            minutes=_first(org.hold_minutes, default=settings.BOOKING_HOLD_MINUTES)
        ),
    )
