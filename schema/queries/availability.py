from __future__ import annotations

import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import strawberry
from strawberry.types import Info

from backend.availability.engine import Slot as SlotData
from backend.bookings import availability
from backend.catalog.by_id import get_offered_service, get_service
from backend.core.ratelimit import knock

from ..args import LocalDate, LocationId, ServiceId
from ..runner import field
from ..types.availability import Slot
from ..types.catalog import Location


@strawberry.type(description="A location and its earliest free slot.")
class LocationAvailability:
    location: Location = strawberry.field(description="The location.")
    first_slot: Slot | None = strawberry.field(
        description="The earliest free slot within the booking window; null when none."
    )


def slot_in(slot: SlotData, tz: ZoneInfo) -> Slot:
    start = slot.start.astimezone(tz)
    return Slot(
        start=start,
        end=slot.end.astimezone(tz),
        local_time=start.strftime("%H:%M"),
        remaining=slot.remaining,
    )


@strawberry.type
class AvailabilityQuery:
    @field(description="Local days in [from, to] with at least one free slot (at most 92 days).")
    def available_days(
        self,
        info: Info,
        service: ServiceId,
        location: LocationId,
        from_: Annotated[
            datetime.date, strawberry.argument(name="from", description="First local day.")
        ],
        to: Annotated[
            datetime.date, strawberry.argument(description="Last local day (inclusive).")
        ],
    ) -> list[datetime.date]:
        knock("availability", info.context.request)
        return availability.available_days(*get_offered_service(service, location), from_, to)

    @field(description="Free start times on one local day, with remaining capacity.")
    def available_slots(
        self, info: Info, service: ServiceId, location: LocationId, date: LocalDate
    ) -> list[Slot]:
        knock("availability", info.context.request)
        offered, place = get_offered_service(service, location)
        slots = availability.available_slots(offered, place, date)
        tz = ZoneInfo(place.timezone_name)
        return [slot_in(s, tz) for s in slots]

    @field(
        description="Every location offering the service with its earliest free slot, "
        "soonest first: for 'any location'."
    )
    def soonest_availability(self, info: Info, service: ServiceId) -> list[LocationAvailability]:
        knock("availability", info.context.request)
        offered = get_service(service)
        return [
            LocationAvailability(
                location=location,  # type: ignore[arg-type]  # strawberry_django type
                first_slot=slot_in(slot, ZoneInfo(location.timezone_name)) if slot else None,
            )
            for location, slot in availability.soonest_by_location(offered)
        ]
