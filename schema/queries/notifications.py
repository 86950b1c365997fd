from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.services.waitlist import access_entry
from backend.notifications.channels.push import application_server_key
from backend.notifications.reports import access_day_stats

from ..args import LocalDate, LocationId
from ..context import actor_of
from ..runner import field
from ..types.waitlist import WaitlistEntry


@strawberry.type(description="A location's figures for one day.")
class DayStats:
    total_appointments: int = strawberry.field(description="Appointments not cancelled.")
    available_slots: int = strawberry.field(description="Free places left that day.")
    cancellations: int = strawberry.field(description="Cancelled appointments.")
    waitlist_count: int = strawberry.field(description="People waiting for that day.")
    top_service: str | None = strawberry.field(description="The most booked service.")


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="The public VAPID key for pushManager.subscribe().")
    def vapid_public_key(self) -> str:
        return application_server_key()

    @field(
        description="A waitlist entry from its link, e.g. to show an offer.",
        null_when_refused=True,
    )
    def waitlist_entry(
        self,
        entry: Annotated[strawberry.ID, strawberry.argument(description="The entry id.")],
        token: Annotated[str, strawberry.argument(description="The link's secret.")],
    ) -> WaitlistEntry | None:
        return WaitlistEntry(_model=access_entry(entry, token))

    @field(
        description="A location's day in figures, for whoever may see all of the "
        "location's bookings (not a doctor, who sees only their own)."
    )
    def stats(self, info: Info, location: LocationId, date: LocalDate) -> DayStats:
        stats = access_day_stats(actor_of(info), location, date)
        return DayStats(
            total_appointments=stats.total_appointments,
            available_slots=stats.available_slots,
            cancellations=stats.cancellations,
            waitlist_count=stats.waitlist_count,
            top_service=stats.top_service,
        )
