from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.services.holds import (
    HoldOwner,
    do_extend_hold,
    do_hold_slot,
    do_release_hold,
)
from backend.core.bursts import note_burst
from backend.core.ratelimit import knock

from ..args import described_input
from ..context import actor_of, aware, proof_of
from ..errors import UserError
from ..runner import mutation
from ..types.booking import Hold
from .inputs import HoldSlotInput, ReleaseHoldInput
from .payloads import HoldSlotPayload, ReleaseHoldPayload


@strawberry.input(description="Which hold needs more time.")
class ExtendHoldInput:
    hold: strawberry.ID = strawberry.field(description="The hold's id from holdSlot.")
    secret: str | None = strawberry.field(
        default=None,
        description="The holdSecret from holdSlot; without the right one HOLD_NOT_FOUND.",
    )


@strawberry.type(description="Result of extendHold.")
class ExtendHoldPayload:
    hold: Hold | None = strawberry.field(
        default=None, description="The hold with its new expiry, unless there are errors."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the hold was not extended."
    )


@strawberry.type
class HoldMutation:
    @mutation(
        description="Reserve a slot for a few minutes while the citizen types. "
        "A hold takes capacity and expires by itself. Returns the hold's secret once. "
        "A client holds at most a few slots at a time (TOO_MANY_HOLDS)."
    )
    def hold_slot(
        self, info: Info, input: Annotated[HoldSlotInput, described_input("The slot.")]
    ) -> HoldSlotPayload:
        request, actor = info.context.request, actor_of(info)
        knock("holdSlot", request)
        held = do_hold_slot(
            input.service,
            input.location,
            aware(input.start, "start"),
            actor,
            proof=proof_of(info, input.proof),
            owner=HoldOwner.of(request, actor),
        )
        note_burst("bookings", request)
        return HoldSlotPayload(hold=Hold(_model=held.hold), hold_secret=held.secret)

    @mutation(description="Give a hold back before it expires (needs its secret).")
    def release_hold(
        self, info: Info, input: Annotated[ReleaseHoldInput, described_input("The hold.")]
    ) -> ReleaseHoldPayload:
        knock("releaseHold", info.context.request)
        do_release_hold(input.hold, input.secret, actor_of(info))
        return ReleaseHoldPayload(released=True)

    @mutation(
        description="More time for a hold that has not run out yet (WCAG 2.2.1), in its last "
        "minutes (HOLD_EXTEND_WINDOW_SECONDS; needs its secret): it then runs the "
        "organization's hold time from now. A hold lives at most HOLD_MAX_LIFETIME_MINUTES "
        "from when it was taken, never past the slot's start; beyond that, or earlier than "
        "its last minutes, HOLD_EXTENSION_LIMIT. An expired hold gives HOLD_EXPIRED."
    )
    def extend_hold(
        self, info: Info, input: Annotated[ExtendHoldInput, described_input("The hold.")]
    ) -> ExtendHoldPayload:
        knock("extendHold", info.context.request)
        hold = do_extend_hold(input.hold, input.secret, actor_of(info))
        return ExtendHoldPayload(hold=Hold(_model=hold))
