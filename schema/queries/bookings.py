from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.services.manage import access_booking
from backend.bookings.services.staff import MAX_PAGE, access_location_bookings
from backend.core.ratelimit import knock

from ..args import BookingCode, LocalDate, LocationId, ManageToken
from ..context import actor_of
from ..enums import BookingStatus
from ..runner import field
from ..types.booking import Booking, BookingPage


@strawberry.type
class BookingQuery:
    @field(
        description="A booking by its code and the secret token from its link; "
        "null when they do not match. Rate-limited per client (RATE_LIMITED).",
        null_when_refused=True,
    )
    def booking(self, info: Info, code: BookingCode, token: ManageToken) -> Booking | None:
        knock("booking", info.context.request)
        return Booking(_model=access_booking(code, token))

    @field(
        description="A location's bookings on one local day, as far as you may "
        f"see them (staff and integrations). Pages of up to {MAX_PAGE}."
    )
    def location_bookings(
        self,
        info: Info,
        location: LocationId,
        date: LocalDate,
        offset: Annotated[int, strawberry.argument(description="Items to skip.")] = 0,
        limit: Annotated[int, strawberry.argument(description="Page size (1–100).")] = 50,
        statuses: Annotated[
            list[BookingStatus] | None,
            strawberry.argument(description="Only bookings in these states; default: all."),
        ] = None,
    ) -> BookingPage:
        page = access_location_bookings(
            actor_of(info),
            location,
            date,
            offset,
            limit,
            [s.value for s in statuses] if statuses else None,
        )
        return BookingPage(
            items=[Booking(_model=b) for b in page.items],
            total_count=page.total,
            offset=page.offset,
            limit=page.limit,
            has_next_page=page.offset + len(page.items) < page.total,
        )
