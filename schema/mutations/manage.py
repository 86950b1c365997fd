from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.services.manage import do_cancel_booking, do_reschedule_booking
from backend.bookings.services.staff import do_staff_cancel_booking
from backend.core.ratelimit import knock

from ..args import described_input
from ..context import actor_of, aware
from ..runner import mutation
from ..types.booking import Booking
from .inputs import ManageBookingInput, RescheduleBookingInput, StaffCancelBookingInput
from .payloads import BookingPayload


@strawberry.type
class ManageMutation:
    @mutation(
        description="Cancel with code and token, until the cancellation "
        "deadline. The slot becomes free at once."
    )
    def cancel_booking(
        self, info: Info, input: Annotated[ManageBookingInput, described_input("The booking.")]
    ) -> BookingPayload:
        knock("manageBooking", info.context.request)  # codes and tokens are not to be guessed
        booking = do_cancel_booking(input.code, input.token, actor_of(info))
        return BookingPayload(booking=Booking(_model=booking))

    @mutation(
        description="Move to another start, until the cancellation deadline. "
        "Takes the new slot before freeing the old one."
    )
    def reschedule_booking(
        self,
        info: Info,
        input: Annotated[RescheduleBookingInput, described_input("The booking and new start.")],
    ) -> BookingPayload:
        knock("manageBooking", info.context.request)
        booking = do_reschedule_booking(
            input.code, input.token, aware(input.new_start, "newStart"), actor_of(info)
        )
        return BookingPayload(booking=Booking(_model=booking))

    @mutation(
        description="Cancel a booking as staff (no deadline). Needs the "
        "change permission for its location or assigned staff."
    )
    def staff_cancel_booking(
        self, info: Info, input: Annotated[StaffCancelBookingInput, described_input("The booking.")]
    ) -> BookingPayload:
        booking = do_staff_cancel_booking(actor_of(info), input.booking, input.reason)
        return BookingPayload(booking=Booking(_model=booking))
