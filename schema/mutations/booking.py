from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.actors import Actor
from backend.bookings.errors import BookingError
from backend.bookings.idempotency import caller_scope
from backend.bookings.models import Booking as BookingModel
from backend.bookings.services.booking import BookingRequest, do_book_appointment
from backend.bookings.services.language import do_set_booking_language
from backend.core.bursts import note_burst
from backend.core.ratelimit import knock

from ..args import described_input
from ..context import actor_of, aware, proof_of
from ..enums import Language
from ..errors import user_errors
from ..types.booking import Booking
from .inputs import BookAppointmentInput
from .payloads import BookAppointmentPayload, BookingPayload

CITIZEN_SOURCES = {BookingModel.Source.WEB, BookingModel.Source.EMBED, BookingModel.Source.KIOSK}


def booking_source(actor: Actor, requested: str | None) -> str:
    """Integrations always book as `api`; citizens cannot claim to be staff or an API."""
    if actor.kind == "integration":
        return BookingModel.Source.API
    if actor.kind == "staff":
        return requested or BookingModel.Source.STAFF
    return requested if requested in CITIZEN_SOURCES else BookingModel.Source.WEB


@strawberry.input(description="A booking (code and secret token) and its new message language.")
class SetBookingLanguageInput:
    code: str = strawberry.field(description="The booking code, e.g. K7M-4QX.")
    token: str = strawberry.field(description="The secret token from the manage link.")
    language: Language = strawberry.field(
        description="The language for the booking's later messages."
    )


@strawberry.type
class BookingMutation:
    @strawberry.mutation(
        description="Book an appointment from a hold or directly. Returns the "
        "booking with its code and the secret manage token."
    )
    def book_appointment(
        self, info: Info, input: Annotated[BookAppointmentInput, described_input("Who books what.")]
    ) -> BookAppointmentPayload:
        actor, request = actor_of(info), info.context.request
        try:
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
        except BookingError as exc:
            return BookAppointmentPayload(
                booking=None,
                manage_token=None,
                manage_url=None,
                replayed=False,
                errors=user_errors(exc),
            )
        if not result.replayed:
            note_burst("bookings", request)
        code, token = result.booking.code, result.manage_token
        manage_url = info.context.request.build_absolute_uri(f"/manage/{code}") + f"#{token}"
        return BookAppointmentPayload(
            booking=Booking(_model=result.booking),
            manage_token=result.manage_token,
            manage_url=manage_url,
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(
        description="Change the language of a booking's later messages (reminders, changes, "
        "cancellation) with code and token, e.g. when the citizen switches the manage page's "
        "language."
    )
    def set_booking_language(
        self,
        info: Info,
        input: Annotated[SetBookingLanguageInput, described_input("The booking and language.")],
    ) -> BookingPayload:
        try:
            knock("manageBooking", info.context.request)
            booking = do_set_booking_language(
                input.code, input.token, input.language.value, actor_of(info)
            )
        except BookingError as exc:
            return BookingPayload(booking=None, errors=user_errors(exc))
        return BookingPayload(booking=Booking(_model=booking), errors=[])
