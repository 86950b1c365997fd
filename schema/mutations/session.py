from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.actors import Actor
from backend.accounts.session import do_log_in, do_log_out
from backend.bookings.errors import BookingError
from backend.queue.devices import do_unlock_kiosk_settings, pin_state

from ..args import described_input
from ..context import actor_of
from ..errors import UserError, user_errors
from ..queries.me import Me, me_of


@strawberry.input(description="Staff credentials.")
class LogInInput:
    username: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="Password.")


@strawberry.type(description="Result of logIn.")
class LogInPayload:
    me: Me | None = strawberry.field(description="The signed-in staff member.")
    errors: list[UserError] = strawberry.field(description="Why signing in failed.")


@strawberry.input(description="The kiosk settings PIN.")
class KioskPinInput:
    pin: str = strawberry.field(description="The PIN (KIOSK_PIN).")


@strawberry.type(description="Result of unlockKioskSettings.")
class UnlockPayload:
    unlocked: bool = strawberry.field(description="Whether the settings may be opened.")
    attempts_left: int | None = strawberry.field(
        description="Wrong PINs left before the lockout (after a wrong PIN)."
    )
    locked_until: datetime.datetime | None = strawberry.field(
        description="When a lockout ends (while locked)."
    )
    errors: list[UserError] = strawberry.field(description="Wrong PIN, locked out, …")


@strawberry.type
class SessionMutation:
    @strawberry.mutation(
        description="Sign in to the staff console (session cookie; send the "
        "CSRF token as X-CSRFToken)."
    )
    def log_in(
        self, info: Info, input: Annotated[LogInInput, described_input("Credentials.")]
    ) -> LogInPayload:
        request = info.context.request
        try:
            user = do_log_in(request, input.username, input.password)
        except BookingError as exc:
            return LogInPayload(me=None, errors=user_errors(exc))
        request._vorzimmer_actor = Actor(user, "staff")
        return LogInPayload(me=me_of(info), errors=[])

    @strawberry.mutation(description="Sign out of the staff console.")
    def log_out(self, info: Info) -> bool:
        do_log_out(info.context.request)
        return True

    @strawberry.mutation(
        description="Kiosk only: check the settings PIN (5 tries, then a 5-minute lockout)."
    )
    def unlock_kiosk_settings(
        self, info: Info, input: Annotated[KioskPinInput, described_input("The PIN.")]
    ) -> UnlockPayload:
        device = actor_of(info).device
        try:
            do_unlock_kiosk_settings(device, input.pin)
        except BookingError as exc:
            state = pin_state(device)
            return UnlockPayload(
                unlocked=False,
                attempts_left=state.attempts_left,
                locked_until=state.locked_until,
                errors=user_errors(exc),
            )
        return UnlockPayload(unlocked=True, attempts_left=None, locked_until=None, errors=[])
