from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.errors import BookingError
from backend.bookings.idempotency import caller_scope
from backend.bookings.services.holds import (
    MAX_HOLD_EXTENSIONS,
    do_extend_hold,
    do_hold_slot,
    do_release_hold,
)

from ..args import described_input
from ..context import actor_of, aware
from ..errors import UserError, user_errors
from ..types.booking import Hold
from .inputs import HoldSlotInput, ReleaseHoldInput
from .payloads import HoldSlotPayload, ReleaseHoldPayload


@strawberry.input(description="Which hold needs more time.")
class ExtendHoldInput:
    hold: strawberry.ID = strawberry.field(
        description="The hold's id from holdSlot (its only key: keep it to yourself)."
    )


@strawberry.type(description="Result of extendHold.")
class ExtendHoldPayload:
    hold: Hold | None = strawberry.field(
        description="The hold with its new expiry, unless there are errors."
    )
    errors: list[UserError] = strawberry.field(description="Why the hold was not extended.")


@strawberry.type
class HoldMutation:
    @strawberry.mutation(
        description="Reserve a slot for a few minutes while the citizen types. "
        "A hold takes capacity and expires by itself."
    )
    def hold_slot(
        self, info: Info, input: Annotated[HoldSlotInput, described_input("The slot.")]
    ) -> HoldSlotPayload:
        try:
            hold = do_hold_slot(
                input.service, input.location, aware(input.start, "start"), actor_of(info)
            )
        except BookingError as exc:
            return HoldSlotPayload(hold=None, errors=user_errors(exc))
        # An anonymous browser gets its idempotency secret (a session cookie) with the hold:
        # were it first set by the booking's answer, a lost answer would lose it too, and the
        # retry could not replay.
        caller_scope(info.context.request)
        return HoldSlotPayload(hold=Hold(_model=hold), errors=[])

    @strawberry.mutation(description="Give a hold back before it expires.")
    def release_hold(
        self, info: Info, input: Annotated[ReleaseHoldInput, described_input("The hold.")]
    ) -> ReleaseHoldPayload:
        try:
            do_release_hold(input.hold, actor_of(info))
        except BookingError as exc:
            return ReleaseHoldPayload(released=False, errors=user_errors(exc))
        return ReleaseHoldPayload(released=True, errors=[])

    @strawberry.mutation(
        description="More time for a hold that has not run out yet (WCAG 2.2.1): it then "
        "runs the organization's hold time from now. A hold lives at most "
        f"{MAX_HOLD_EXTENSIONS + 1} hold times from when it was taken (so it can be extended "
        "at least ten times), never past the slot's start; beyond that "
        "HOLD_EXTENSION_LIMIT. An expired hold gives HOLD_EXPIRED."
    )
    def extend_hold(
        self, info: Info, input: Annotated[ExtendHoldInput, described_input("The hold.")]
    ) -> ExtendHoldPayload:
        try:
            hold = do_extend_hold(input.hold, actor_of(info))
        except BookingError as exc:
            return ExtendHoldPayload(hold=None, errors=user_errors(exc))
        return ExtendHoldPayload(hold=Hold(_model=hold), errors=[])
