"""Proof of work instead of a puzzle for anonymous holds, bookings and waitlist joins.

A bot that grabs every free slot has to pay CPU time for each attempt, while a citizen's
browser solves one challenge in the background in a fraction of a second: no puzzle, nothing
to see or hear. The challenge is ALTCHA's (v1: find the number n in 0..maxNumber with
SHA-256(salt + n) = challenge), issued and verified with the `altcha` package.

- Only citizens pay: staff sessions, integrations (limited per API token instead), paired
  devices (kiosks) and the system are exempt.
- A challenge is signed (HMAC), names its purpose and its difficulty in the signed salt, and
  expires after POW_CHALLENGE_MINUTES. A solution is spent once: an atomic counter per
  challenge in the store the rate limits share (Redis, else the database), so every process
  sees it and two racing replays cannot both pass. Spending costs no database transaction of
  its own (with Redis, no database write at all): a quarter of an honest booking's time went
  into one, with its WAL flush, on PostgreSQL.
- Difficulty rises stepwise for a network that spent many proofs in the current window
  (POW_RAISE_WINDOW_MINUTES, a fixed window from its first proof). It is checked again
  when a proof is spent, so easy challenges fetched in advance are worth nothing later.
- Only keyed hashes of the network (IPv4 address, IPv6 /64) and challenge are stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal
from urllib.parse import parse_qs

from altcha import (
    ChallengeOptionsV1,
    ChallengeV1,
    PayloadV1,
    create_challenge_v1,
    verify_solution_v1,
)
from django.conf import settings
from django.utils import timezone

from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.ratelimit import first_time_and_count, peek_in_window

ALGORITHM: Literal["SHA-256"] = "SHA-256"
MAX_PAYLOAD_CHARS = 1000  # a real payload has about 300
# Counters in the rate limits' shared store (Redis, or the database on the embedded default).
SPENT_CHALLENGE = "pow.spent"
SPENT_BY_NETWORK = "pow.spent_by_network"


class Purpose(StrEnum):
    HOLD_SLOT = "hold"
    BOOK_APPOINTMENT = "book"
    JOIN_WAITLIST = "waitlist"


@dataclass(frozen=True)
class ProofAttempt:
    """What a request brings: ALTCHA's payload (base64 JSON) and the client's address."""

    payload: str | None
    client_ip: str


# Passed by a use case whose citizen paid before: the waitlist join paid for the booking its
# offer's link confirms later.
PAID_EARLIER = ProofAttempt(payload=None, client_ip="")


def _hmac_key() -> str:
    if settings.ALTCHA_HMAC_KEY:
        return settings.ALTCHA_HMAC_KEY
    # Derived, so the raw SECRET_KEY never signs anything a client sees.
    return hashlib.sha256(b"vorzimmer.proof-of-work:" + settings.SECRET_KEY.encode()).hexdigest()


def network_of(client_ip: str) -> str:
    """The unit the difficulty counts: one IPv4 address, or the /64 an IPv6 household or
    phone gets (it may use any address inside it)."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


def max_number_for(network: str) -> int:
    """The difficulty for this network now: the base, raised one step for every
    POW_RAISE_AFTER proofs it spent in the current window."""
    if settings.POW_RAISE_AFTER <= 0:
        return settings.POW_MAX_NUMBER
    return _max_number(peek_in_window(SPENT_BY_NETWORK, network, _raise_window_seconds()))


def _max_number(spent: int) -> int:
    """The difficulty after `spent` proofs of a network in the current window."""
    if settings.POW_RAISE_AFTER <= 0:
        return settings.POW_MAX_NUMBER
    steps = min(spent // settings.POW_RAISE_AFTER, settings.POW_RAISE_MAX_STEPS)
    return settings.POW_MAX_NUMBER * settings.POW_RAISE_FACTOR**steps


def issue_challenge(purpose: Purpose, client_ip: str, now: datetime | None = None) -> ChallengeV1:
    """A fresh signed challenge for `purpose` at this network's current difficulty."""
    now = now or timezone.now()
    max_number = max_number_for(network_of(client_ip))
    return create_challenge_v1(
        ChallengeOptionsV1(
            algorithm=ALGORITHM,
            max_number=max_number,
            hmac_key=_hmac_key(),
            expires=now + timedelta(minutes=settings.POW_CHALLENGE_MINUTES),
            params={"purpose": purpose.value, "max": str(max_number)},
        )
    )


def proof_required(actor: Actor) -> bool:
    return settings.POW_ENABLED and actor.kind == "citizen"


def spend_proof(proof: ProofAttempt | None, purpose: Purpose, actor: Actor) -> None:
    """Use up the citizen's proof for `purpose`, or raise PROOF_REQUIRED / PROOF_INVALID.
    Call it before the use case's transaction: every attempt costs one proof, whether or
    not it then succeeds (else one proof could poll for freed slots forever), and on the
    embedded default the counters are rows that a rolled-back transaction would take along."""
    if not proof_required(actor) or proof is PAID_EARLIER:
        return
    if proof is None or not proof.payload:
        raise DomainError(
            ErrorCode.PROOF_REQUIRED,
            "Solve a proofOfWorkChallenge and send the solution as 'proof'.",
            "proof",
        )
    payload = _verified_payload(proof.payload, purpose)
    if payload is None:
        raise _invalid()
    # Spent for as long as the challenge could verify (one atomic increment: of two racing
    # replays only one passes), and counted for the network's difficulty, in one round trip.
    # A replayed or too easy proof counts too: it was an attempt.
    network = network_of(proof.client_ip)
    first, spent = first_time_and_count(
        (SPENT_CHALLENGE, payload["challenge"], settings.POW_CHALLENGE_MINUTES * 60),
        (SPENT_BY_NETWORK, network, _raise_window_seconds()),
    )
    if not first or int(payload["max"]) < _max_number(spent - 1):
        raise _invalid()


def _raise_window_seconds() -> int:
    return settings.POW_RAISE_WINDOW_MINUTES * 60


def _invalid() -> DomainError:
    return DomainError(
        ErrorCode.PROOF_INVALID,
        "The proof of work is wrong, expired or used already: solve a new challenge.",
        "proof",
    )


def _verified_payload(encoded: str, purpose: Purpose) -> dict | None:
    """The payload with its signed salt parameters, if it is a correct, unexpired solution
    of one of our challenges for `purpose`."""
    if len(encoded) > MAX_PAYLOAD_CHARS:
        return None
    try:
        payload = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("algorithm") != ALGORITHM:
        return None
    if not all(isinstance(payload.get(k), str) for k in ("challenge", "salt", "signature")):
        return None
    number = payload.get("number")
    if type(number) is not int or number < 0:
        return None
    solution = PayloadV1(
        ALGORITHM, payload["challenge"], number, payload["salt"], payload["signature"]
    )
    verified, _error = verify_solution_v1(solution, _hmac_key(), check_expires=True)
    if not verified:
        return None
    # The salt is covered by the signature, so its parameters are ours.
    params = parse_qs(payload["salt"].partition("?")[2])
    if params.get("purpose") != [purpose.value] or "expires" not in params:
        return None
    max_number = params.get("max", [""])[0]
    if not max_number.isdigit():
        return None
    return {"challenge": payload["challenge"], "max": max_number}
