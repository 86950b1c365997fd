from __future__ import annotations

import strawberry

from ..errors import UserError
from ..types.booking import Booking, Hold


@strawberry.type(description="Result of holdSlot.")
class HoldSlotPayload:
    hold: Hold | None = strawberry.field(
        default=None, description="The hold, unless there are errors."
    )
    hold_secret: str | None = strawberry.field(
        default=None,
        description="The hold's secret, shown only here: extendHold, releaseHold and "
        "bookAppointment from this hold need it. Keep it in memory, not in storage.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was held."
    )


@strawberry.type(description="Result of releaseHold.")
class ReleaseHoldPayload:
    released: bool = strawberry.field(default=False, description="Whether the hold was given back.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was released."
    )


@strawberry.type(description="Result of bookAppointment.")
class BookAppointmentPayload:
    booking: Booking | None = strawberry.field(
        default=None, description="The booking, unless there are errors."
    )
    manage_token: str | None = strawberry.field(
        default=None,
        description="Secret for the manage link. Shown only in this response (and its replays).",
    )
    manage_url: str | None = strawberry.field(
        default=None,
        description="The citizen's manage link (/manage/<code>#<token>; the token stays in "
        "the fragment, so it never reaches server logs).",
    )
    replayed: bool = strawberry.field(
        default=False,
        description="True when this is the stored result of an earlier call with the same key.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was booked."
    )


@strawberry.type(description="Result of cancelBooking, rescheduleBooking, staffCancelBooking.")
class BookingPayload:
    booking: Booking | None = strawberry.field(
        default=None, description="The booking after the change."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was changed."
    )
