from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.devices import PinState, do_unlock_kiosk_settings, pin_state
from backend.accounts.idle import extend_session, idle_timeout_seconds
from backend.accounts.password_reset import do_request_password_reset, do_reset_password
from backend.accounts.session import do_change_password, do_log_in, do_log_out
from backend.core.actors import Actor, ActorKind
from backend.core.ratelimit import client_ip, client_network, hit

from ..args import described_input
from ..context import actor_of
from ..enums import Language
from ..errors import PublicError, UserError
from ..queries.me import Me, me_of
from ..runner import mutation


@strawberry.input(description="Staff credentials.")
class LogInInput:
    username: str = strawberry.field(description="Login name.")
    password: str = strawberry.field(description="Password.")


@strawberry.type(description="Result of logIn.")
class LogInPayload:
    me: Me | None = strawberry.field(default=None, description="The signed-in staff member.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why signing in failed."
    )


@strawberry.input(description="Change the signed-in staff member's password.")
class ChangePasswordInput:
    old_password: str = strawberry.field(description="The current password.")
    new_password: str = strawberry.field(description="The new password.")


@strawberry.type(description="Result of changePassword, requestPasswordReset and resetPassword.")
class PasswordPayload:
    ok: bool = strawberry.field(
        default=False, description="Whether it was done (or, for a request, accepted)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description="Why not.")


@strawberry.input(description="Ask for a password-reset e-mail.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="The staff account's e-mail address.")
    language: Language | None = strawberry.field(
        default=None, description="Language of the e-mail (default: German)."
    )


@strawberry.input(description="Set a new password with the link from the reset e-mail.")
class ResetPasswordInput:
    key: str = strawberry.field(
        description="What follows `#reset=` in the link (user id and token)."
    )
    new_password: str = strawberry.field(description="The new password.")


@strawberry.type(description="The staff session's idle clock.")
class StaffSessionPayload:
    expires_at: datetime.datetime | None = strawberry.field(
        description="When the session ends without further activity (null: not signed in)."
    )
    idle_timeout_seconds: int | None = strawberry.field(
        description="How long after the last activity a session ends (null: not signed in)."
    )


@strawberry.input(description="The kiosk settings PIN.")
class KioskPinInput:
    pin: str = strawberry.field(description="The PIN (KIOSK_PIN).")


def _pin_state(payload: UnlockPayload, info: Info) -> PinState | None:
    """After a refusal (which counted the wrong PIN): the kiosk's PIN state, read once."""
    if payload.unlocked:
        return None
    if payload._state is None:
        payload._state = pin_state(actor_of(info).device)
    return payload._state


def _attempts_left(root: UnlockPayload, info: Info) -> int | None:
    state = _pin_state(root, info)
    return state.attempts_left if state else None


def _locked_until(root: UnlockPayload, info: Info) -> datetime.datetime | None:
    state = _pin_state(root, info)
    return state.locked_until if state else None


@strawberry.type(description="Result of unlockKioskSettings.")
class UnlockPayload:
    unlocked: bool = strawberry.field(
        default=False, description="Whether the settings may be opened."
    )
    attempts_left: int | None = strawberry.field(
        resolver=_attempts_left,
        description="Wrong PINs left before the lockout (after a wrong PIN).",
    )
    locked_until: datetime.datetime | None = strawberry.field(
        resolver=_locked_until, description="When a lockout ends (while locked)."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Wrong PIN, locked out, …"
    )
    _state: strawberry.Private[PinState | None] = None


@strawberry.type
class SessionMutation:
    @mutation(
        description="Sign in to the staff console (session cookie; send the "
        "CSRF token as X-CSRFToken)."
    )
    def log_in(
        self, info: Info, input: Annotated[LogInInput, described_input("Credentials.")]
    ) -> LogInPayload:
        request = info.context.request
        user = do_log_in(request, input.username, input.password)
        request._vorzimmer_actor = Actor(user, ActorKind.STAFF)
        return LogInPayload(me=me_of(info))

    @mutation(
        description="Change your own password (staff session). This session stays signed in; "
        "the user's other sessions end. Wrong current passwords count as failed sign-ins."
    )
    def change_password(
        self, info: Info, input: Annotated[ChangePasswordInput, described_input("Passwords.")]
    ) -> PasswordPayload:
        request = info.context.request
        if actor_of(info).kind != "staff" or getattr(request, "api_token", None):
            raise PublicError("Sign in to the staff console first.", "UNAUTHENTICATED")
        do_change_password(request, input.old_password, input.new_password)
        return PasswordPayload(ok=True)

    @mutation(
        description="Send a password-reset link to a staff account's e-mail address. The "
        "answer is the same whether or not such an account exists."
    )
    def request_password_reset(
        self,
        info: Info,
        input: Annotated[RequestPasswordResetInput, described_input("The address.")],
    ) -> PasswordPayload:
        language = input.language.value if input.language else "de"
        address = client_network(client_ip(info.context.request))
        hit("requestPasswordReset", ip=address, email=input.email.strip().lower())
        do_request_password_reset(input.email, language)
        return PasswordPayload(ok=True)

    @mutation(description="Set a new password with the link from the reset e-mail.")
    def reset_password(
        self, input: Annotated[ResetPasswordInput, described_input("Link and password.")]
    ) -> PasswordPayload:
        do_reset_password(input.key, input.new_password)
        return PasswordPayload(ok=True)

    @mutation(
        description="Staff: 'stay signed in' — counts as activity and tells when the session "
        "would end (STAFF_IDLE_TIMEOUT_MINUTES after the last activity)."
    )
    def extend_staff_session(self, info: Info) -> StaffSessionPayload:
        expires_at = extend_session(info.context.request)
        return StaffSessionPayload(
            expires_at=expires_at,
            idle_timeout_seconds=round(idle_timeout_seconds()) if expires_at else None,
        )

    @mutation(description="Sign out of the staff console.")
    def log_out(self, info: Info) -> bool:
        do_log_out(info.context.request)
        return True

    @mutation(description="Kiosk only: check the settings PIN (5 tries, then a 5-minute lockout).")
    def unlock_kiosk_settings(
        self, info: Info, input: Annotated[KioskPinInput, described_input("The PIN.")]
    ) -> UnlockPayload:
        do_unlock_kiosk_settings(actor_of(info).device, input.pin)
        return UnlockPayload(unlocked=True)
