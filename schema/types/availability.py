from __future__ import annotations

import datetime

import strawberry


@strawberry.type(description="A start time that can still be booked.")
class Slot:
    start: datetime.datetime = strawberry.field(
        description="Start, with the location's UTC offset. Send it back as-is to book."
    )
    end: datetime.datetime = strawberry.field(description="End of the appointment.")
    local_time: str = strawberry.field(description="Local start time as HH:MM, for display.")
    remaining: int = strawberry.field(description="How many more bookings this start can take.")
