from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.idempotency import caller_scope
from backend.bookings.services.booking import BookingRequest, booking_source, do_book_appointment
from backend.bookings.services.language import do_set_booking_language
from backend.core.bursts import note_burst
from backend.core.links import manage_link
from backend.core.ratelimit import knock

from ..args import described_input
from ..context import actor_of, aware, proof_of
from ..enums import Language
from ..runner import mutation
from ..types.booking import Booking
from .inputs import BookAppointmentInput
from .payloads import BookAppointmentPayload, BookingPayload


@strawberry.input(description="A booking (code and secret token) and its new message language.")
class SetBookingLanguageInput:
    code: str = strawberry.field(description="The booking code, e.g. K7M-4QX.")
    token: str = strawberry.field(description="The secret token from the manage link.")
    language: Language = strawberry.field(
        description="The language for the booking's later messages."
    )


@strawberry.type
class BookingMutation:
    @mutation(
        description="Book an appointment from a hold or directly. Returns the "
        "booking with its code and the secret manage token."
    )
    def book_appointment(
        self, info: Info, input: Annotated[BookAppointmentInput, described_input("Who books what.")]
    ) -> BookAppointmentPayload:
        actor, request = actor_of(info), info.context.request
        knock("bookAppointment", request)
        result = do_book_appointment(
            BookingRequest(
                name=input.name,
                email=input.email,
                phone=input.phone,
                language=input.language.value if input.language else None,
                channel=input.channel.value if input.channel else None,
                hold_id=input.hold,
                hold_secret=input.hold_secret,
                service_id=input.service,
                location_id=input.location,
                start=aware(input.start, "start") if input.start else None,
                source=booking_source(actor, input.source.value if input.source else None),
                idempotency_key=input.idempotency_key,
                idempotency_scope=(
                    caller_scope(request, input.hold_secret) if input.idempotency_key else None
                ),
            ),
            actor,
            proof=proof_of(info, input.proof),
        )
        if not result.replayed:
            note_burst("bookings", request)
        return BookAppointmentPayload(
            booking=Booking(_model=result.booking),
            manage_token=result.manage_token,
            manage_url=manage_link(result.booking.code, result.manage_token),
            replayed=result.replayed,
        )

    @mutation(
        description="Change the language of a booking's later messages (reminders, changes, "
        "cancellation) with code and token, e.g. when the citizen switches the manage page's "
        "language."
    )
    def set_booking_language(
        self,
        info: Info,
        input: Annotated[SetBookingLanguageInput, described_input("The booking and language.")],
    ) -> BookingPayload:
        knock("manageBooking", info.context.request)
        booking = do_set_booking_language(
            input.code, input.token, input.language.value, actor_of(info)
        )
        return BookingPayload(booking=Booking(_model=booking))
