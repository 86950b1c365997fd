"""Per-request helpers for resolvers."""

from __future__ import annotations

import datetime

from strawberry.types import Info

from backend.bookings.proof_of_work import ProofAttempt
from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.ratelimit import client_ip


def actor_of(info: Info) -> Actor:
    request = info.context.request
    actor = getattr(request, "_vorzimmer_actor", None)
    if actor is None:
        actor = Actor.from_request(request)
        request._vorzimmer_actor = actor
    return actor


def aware(moment: datetime.datetime, field: str) -> datetime.datetime:
    """Times must carry their UTC offset: a bare wall-clock time is ambiguous across DST."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(
            ErrorCode.INVALID_TIME,
            "Give the time with its UTC offset, e.g. 2026-03-02T09:00:00+01:00.",
            field,
        )
    return moment.astimezone(datetime.UTC)


def proof_of(info: Info, payload: str | None) -> ProofAttempt:
    """The proof of work a mutation's input carries, with where it came from."""
    return ProofAttempt(payload=payload, client_ip=client_ip(info.context.request))
