from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.errors import BookingError
from backend.bookings.services.holds import do_hold_slot, do_release_hold

from ..args import described_input
from ..context import actor_of, aware
from ..errors import user_errors
from ..types.booking import Hold
from .inputs import HoldSlotInput, ReleaseHoldInput
from .payloads import HoldSlotPayload, ReleaseHoldPayload


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
