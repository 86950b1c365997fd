from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.bookings.services.waitlist import (
    do_confirm_entry,
    do_join_waitlist,
    do_leave_waitlist,
)
from backend.bookings.services.waitlist_offers import do_confirm_offer, do_decline_offer
from backend.core.links import manage_link
from backend.core.ratelimit import knock
from backend.notifications.push_subjects import PushKeys, PushSubject, do_subscribe_push_to

from ..args import described_input
from ..context import actor_of, proof_of
from ..enums import Language, NotificationChannel
from ..errors import UserError
from ..runner import mutation
from ..types.booking import Booking
from ..types.waitlist import WaitlistEntry


@strawberry.input(description="Join the waitlist for a service.")
class JoinWaitlistInput:
    service: strawberry.ID = strawberry.field(description="Service id.")
    location: strawberry.ID | None = strawberry.field(
        default=None, description="Location id; leave out for any location."
    )
    first_day: datetime.date = strawberry.field(description="Earliest acceptable local day.")
    last_day: datetime.date = strawberry.field(description="Latest acceptable local day.")
    name: str = strawberry.field(description="The citizen's name.")
    email: str = strawberry.field(description="E-mail for the offer.")
    phone: str | None = strawberry.field(default=None, description="Phone (for SMS offers).")
    language: Language | None = strawberry.field(default=None, description="Message language.")
    channel: NotificationChannel | None = strawberry.field(
        default=None, description="How to send the offer (e-mail or SMS)."
    )
    proof: str | None = strawberry.field(
        default=None,
        description="A solved proofOfWorkChallenge (purpose JOIN_WAITLIST); anonymous "
        "callers only.",
    )


@strawberry.input(description="A waitlist entry from its link.")
class WaitlistEntryInput:
    entry: strawberry.ID = strawberry.field(description="The entry id from the link.")
    token: str = strawberry.field(description="The secret from the link's fragment.")


@strawberry.input(description="The confirmation link from the e-mail sent on joining.")
class ConfirmWaitlistEmailInput:
    entry: strawberry.ID = strawberry.field(description="The entry id from the link.")
    token: str = strawberry.field(description="The entry's secret (the fragment before '.').")
    confirmation: str = strawberry.field(
        description="The confirmation secret (the fragment after '.'); only the e-mail has it."
    )


@strawberry.type(description="Result of confirmWaitlistEmail.")
class ConfirmWaitlistEmailPayload:
    entry: WaitlistEntry | None = strawberry.field(
        default=None, description="The entry, now waiting."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it does not count (CONFIRMATION_EXPIRED, WAITLIST_FULL, "
        "ALREADY_ON_WAITLIST, NOT_FOUND).",
    )


@strawberry.type(description="Result of joinWaitlist.")
class JoinWaitlistPayload:
    entry: WaitlistEntry | None = strawberry.field(default=None, description="The entry.")
    token: str | None = strawberry.field(
        default=None, description="Secret for the entry's link; shown once."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the citizen was not added."
    )


@strawberry.type(description="Result of confirmWaitlistOffer.")
class ConfirmOfferPayload:
    booking: Booking | None = strawberry.field(default=None, description="The new booking.")
    manage_token: str | None = strawberry.field(
        default=None, description="Secret for the manage link."
    )
    manage_url: str | None = strawberry.field(
        default=None, description="The manage link (token in #)."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing was booked."
    )


@strawberry.type(description="Result of leaveWaitlist.")
class LeaveWaitlistPayload:
    entry: WaitlistEntry | None = strawberry.field(default=None, description="The entry, now left.")
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="Result of declineWaitlistOffer.")
class DeclineOfferPayload:
    entry: WaitlistEntry | None = strawberry.field(
        default=None, description="The entry, waiting again (for other slots)."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why nothing changed (OFFER_EXPIRED: no open offer)."
    )


@strawberry.input(
    description="The browser's push subscription (PushSubscription.toJSON()) and what it is "
    "about: a booking, a ticket or a waitlist entry, each proven by its secret token."
)
class PushSubscriptionInput:
    endpoint: str = strawberry.field(
        description="The push service endpoint URL (https on a public host)."
    )
    p256dh: str = strawberry.field(description="keys.p256dh")
    auth: str = strawberry.field(description="keys.auth")
    language: Language | None = strawberry.field(
        default=None, description="Message language; default: the booking's, ticket's or entry's."
    )
    booking_code: str | None = strawberry.field(default=None, description="A booking's code…")
    booking_token: str | None = strawberry.field(default=None, description="…and its token.")
    ticket: strawberry.ID | None = strawberry.field(default=None, description="Or a ticket id…")
    ticket_token: str | None = strawberry.field(default=None, description="…and its token.")
    waitlist_entry: strawberry.ID | None = strawberry.field(
        default=None, description="Or a waitlist entry id (pushes its offers)…"
    )
    waitlist_token: str | None = strawberry.field(default=None, description="…and its token.")


@strawberry.type(description="Result of subscribePush.")
class SubscribePushPayload:
    subscribed: bool = strawberry.field(default=False, description="Whether pushes will be sent.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="Why not.")


Input = described_input


@strawberry.type
class NotificationMutation:
    @mutation(
        description="Join the waitlist; the first in line is offered a freed "
        "slot, held for a while, confirmed with one click. The entry is pending until the "
        "e-mail address is confirmed with the link sent to it (confirmWaitlistEmail)."
    )
    def join_waitlist(
        self, info: Info, input: Annotated[JoinWaitlistInput, Input("Who waits for what.")]
    ) -> JoinWaitlistPayload:
        knock("joinWaitlist", info.context.request)
        joined = do_join_waitlist(
            input.service,
            input.location,
            input.first_day,
            input.last_day,
            input.name,
            input.email,
            input.phone,
            input.language.value if input.language else None,
            input.channel.value if input.channel else None,
            actor_of(info),
            proof=proof_of(info, input.proof),
        )
        return JoinWaitlistPayload(entry=WaitlistEntry(_model=joined.entry), token=joined.token)

    @mutation(
        description="Confirm the e-mail address of a new waitlist entry (double opt-in): only "
        "then does it take a place on the list and receive offers."
    )
    def confirm_waitlist_email(
        self,
        info: Info,
        input: Annotated[ConfirmWaitlistEmailInput, Input("The link's parts.")],
    ) -> ConfirmWaitlistEmailPayload:
        entry = do_confirm_entry(input.entry, input.token, input.confirmation, actor_of(info))
        return ConfirmWaitlistEmailPayload(entry=WaitlistEntry(_model=entry))

    @mutation(description="Book the slot a waitlist offer holds.")
    def confirm_waitlist_offer(
        self, info: Info, input: Annotated[WaitlistEntryInput, Input("The entry.")]
    ) -> ConfirmOfferPayload:
        result = do_confirm_offer(input.entry, input.token, actor_of(info))
        return ConfirmOfferPayload(
            booking=Booking(_model=result.booking),
            manage_token=result.manage_token,
            manage_url=manage_link(result.booking.code, result.manage_token),
        )

    @mutation(description="Leave the waitlist (and give back an offered slot).")
    def leave_waitlist(
        self, info: Info, input: Annotated[WaitlistEntryInput, Input("The entry.")]
    ) -> LeaveWaitlistPayload:
        entry = do_leave_waitlist(input.entry, input.token, actor_of(info))
        return LeaveWaitlistPayload(entry=WaitlistEntry(_model=entry))

    @mutation(
        description="Decline a waitlist offer: the held slot goes to the next in line at once; "
        "the entry keeps its place for other slots."
    )
    def decline_waitlist_offer(
        self, info: Info, input: Annotated[WaitlistEntryInput, Input("The entry.")]
    ) -> DeclineOfferPayload:
        entry = do_decline_offer(input.entry, input.token, actor_of(info))
        return DeclineOfferPayload(entry=WaitlistEntry(_model=entry))

    @mutation(
        description="Web Push for a booking (reminders, changes), a ticket (the call) or a "
        "waitlist entry (offers), proven by its code/id and secret token. At most five "
        "browsers per subject; a sixth replaces the oldest."
    )
    def subscribe_push(
        self, info: Info, input: Annotated[PushSubscriptionInput, Input("The subscription.")]
    ) -> SubscribePushPayload:
        knock("pushSubscribe", info.context.request)
        subscription = do_subscribe_push_to(
            PushKeys(
                input.endpoint,
                input.p256dh,
                input.auth,
                input.language.value if input.language else None,
            ),
            PushSubject(
                booking_code=input.booking_code,
                booking_token=input.booking_token,
                ticket=input.ticket,
                ticket_token=input.ticket_token,
                waitlist_entry=input.waitlist_entry,
                waitlist_token=input.waitlist_token,
            ),
        )
        return SubscribePushPayload(subscribed=subscription is not None)
