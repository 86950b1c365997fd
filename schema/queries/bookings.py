from __future__ import annotations

from typing import Annotated

import strawberry
from django.core.exceptions import PermissionDenied
from strawberry.types import Info

from backend.bookings.errors import BookingError
from backend.bookings.services.manage import access_booking
from backend.bookings.services.staff import MAX_PAGE, access_location_bookings
from backend.core.ratelimit import RateLimited, knock

from ..args import BookingCode, LocalDate, LocationId, ManageToken
from ..context import actor_of
from ..enums import BookingStatus
from ..errors import as_public_error, forbidden
from ..types.booking import Booking, BookingPage


@strawberry.type
class BookingQuery:
    @strawberry.field(
        description="A booking by its code and the secret token from its link; "
        "null when they do not match. Rate-limited per client (RATE_LIMITED)."
    )
    def booking(self, info: Info, code: BookingCode, token: ManageToken) -> Booking | None:
        try:
            knock("booking", info.context.request)
            return Booking(_model=access_booking(code, token))
        except RateLimited as exc:
            raise as_public_error(exc) from exc
        except BookingError:
            return None

    @strawberry.field(
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
        try:
            page = access_location_bookings(
                actor_of(info),
                location,
                date,
                offset,
                limit,
                [s.value for s in statuses] if statuses else None,
            )
        except PermissionDenied as exc:
            raise forbidden(exc) from exc
        except BookingError as exc:
            raise as_public_error(exc) from exc
        return BookingPage(
            items=[Booking(_model=b) for b in page.items],
            total_count=page.total,
            offset=page.offset,
            limit=page.limit,
            has_next_page=page.offset + len(page.items) < page.total,
        )
