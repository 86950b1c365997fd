from __future__ import annotations

from typing import Annotated

import strawberry
from django.core.exceptions import PermissionDenied
from strawberry.types import Info

from backend.bookings.errors import BookingError
from backend.bookings.services.manage import do_cancel_booking, do_reschedule_booking
from backend.bookings.services.staff import do_staff_cancel_booking
from backend.core.ratelimit import knock

from ..args import described_input
from ..context import actor_of, aware
from ..errors import forbidden, user_errors
from ..types.booking import Booking
from .inputs import ManageBookingInput, RescheduleBookingInput, StaffCancelBookingInput
from .payloads import BookingPayload


def _payload(change, info: Info | None = None) -> BookingPayload:
    """`info`: a citizen's change by code and token, rate-limited against guessing."""
    try:
        if info is not None:
            knock("manageBooking", info.context.request)
        return BookingPayload(booking=Booking(_model=change()), errors=[])
    except BookingError as exc:
        return BookingPayload(booking=None, errors=user_errors(exc))


@strawberry.type
class ManageMutation:
    @strawberry.mutation(
        description="Cancel with code and token, until the cancellation "
        "deadline. The slot becomes free at once."
    )
    def cancel_booking(
        self, info: Info, input: Annotated[ManageBookingInput, described_input("The booking.")]
    ) -> BookingPayload:
        return _payload(lambda: do_cancel_booking(input.code, input.token, actor_of(info)), info)

    @strawberry.mutation(
        description="Move to another start, until the cancellation deadline. "
        "Takes the new slot before freeing the old one."
    )
    def reschedule_booking(
        self,
        info: Info,
        input: Annotated[RescheduleBookingInput, described_input("The booking and new start.")],
    ) -> BookingPayload:
        return _payload(
            lambda: do_reschedule_booking(
                input.code, input.token, aware(input.new_start, "newStart"), actor_of(info)
            ),
            info,
        )

    @strawberry.mutation(
        description="Cancel a booking as staff (no deadline). Needs the "
        "change permission for its location or assigned staff."
    )
    def staff_cancel_booking(
        self, info: Info, input: Annotated[StaffCancelBookingInput, described_input("The booking.")]
    ) -> BookingPayload:
        try:
            return _payload(
                lambda: do_staff_cancel_booking(actor_of(info), input.booking, input.reason)
            )
        except PermissionDenied as exc:
            raise forbidden(exc) from exc
