from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from django.conf import settings
from strawberry.types import Info

from backend.bookings import proof_of_work
from backend.bookings.proof_of_work import Purpose

from ..context import actor_of, client_ip


@strawberry.enum(description="What a proof of work will be spent on (one proof per call).")
class ProofPurpose(Enum):
    HOLD_SLOT = Purpose.HOLD_SLOT.value
    BOOK_APPOINTMENT = Purpose.BOOK_APPOINTMENT.value
    JOIN_WAITLIST = Purpose.JOIN_WAITLIST.value


@strawberry.type(
    description="An ALTCHA challenge (v1): find the number n in 0..maxNumber for which "
    "SHA-256(salt + n), in lowercase hex, equals `challenge` (n in decimal). Send "
    "base64(JSON {algorithm, challenge, number, salt, signature}) as the mutation's `proof`."
)
class ProofOfWorkChallenge:
    required: bool = strawberry.field(
        description="False when this caller need not send proofs (staff, API tokens, paired "
        "devices, or proofs switched off): then leave `proof` out."
    )
    algorithm: str = strawberry.field(description="Always SHA-256.")
    challenge: str = strawberry.field(description="The hash to find, lowercase hex.")
    salt: str = strawberry.field(description="Hash it verbatim, followed by the number.")
    signature: str = strawberry.field(description="The server's signature; send it back.")
    max_number: int = strawberry.field(
        description="The number is at most this (higher for networks that book a lot)."
    )
    expires_in_seconds: int = strawberry.field(
        description="Spend the solution before this runs out (PROOF_INVALID after)."
    )


@strawberry.type
class ProofOfWorkQuery:
    @strawberry.field(
        description="A fresh challenge for an anonymous holdSlot, bookAppointment or "
        "joinWaitlist. Solve it (in the background, before the citizen clicks) and send the "
        "solution once: a spent, expired or wrong one gives PROOF_INVALID."
    )
    def proof_of_work_challenge(
        self,
        info: Info,
        purpose: Annotated[
            ProofPurpose, strawberry.argument(description="The mutation it is for.")
        ],
    ) -> ProofOfWorkChallenge:
        challenge = proof_of_work.issue_challenge(
            Purpose(purpose.value), client_ip(info.context.request)
        )
        return ProofOfWorkChallenge(
            required=proof_of_work.proof_required(actor_of(info)),
            algorithm=challenge.algorithm,
            challenge=challenge.challenge,
            salt=challenge.salt,
            signature=challenge.signature,
            max_number=challenge.max_number,
            expires_in_seconds=settings.POW_CHALLENGE_MINUTES * 60,
        )
