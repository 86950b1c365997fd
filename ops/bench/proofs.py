"""Proofs of work as a client pays them: fetch ALTCHA v1 challenges, solve them with hashlib.

A challenge asks for the number n in 0..maxNumber with SHA-256(salt + n) = challenge; the
proof sent as a mutation's `proof` is base64(JSON {algorithm, challenge, number, salt,
signature}). Each proof is spent once, so every aliased holdSlot / bookAppointment needs its
own, and one aliased query fetches several challenges in one request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable

FIELDS = "required algorithm challenge salt signature maxNumber expiresInSeconds"

# (query, variables) -> (HTTP status, the response's JSON body)
Post = Callable[[str, dict], tuple[int, dict]]


def fetch_challenges(post: Post, purpose: str, count: int) -> list[dict]:
    """`count` fresh challenges for `purpose` (HOLD_SLOT, BOOK_APPOINTMENT, JOIN_WAITLIST)
    in one request; fewer (maybe none) when the server refused it, e.g. HTTP 429."""
    aliases = " ".join(
        f"c{n}: proofOfWorkChallenge(purpose: {purpose}) {{ {FIELDS} }}" for n in range(count)
    )
    _status, body = post(f"query {{ {aliases} }}", {})
    data = body.get("data") or {}
    return [data[f"c{n}"] for n in range(count) if data.get(f"c{n}")]


def solve(challenge: dict) -> str:
    """ALTCHA's payload for the challenge: the number n with SHA-256(salt + n) = challenge."""
    salt, target = challenge["salt"].encode(), challenge["challenge"]
    for number in range(challenge["maxNumber"] + 1):
        if hashlib.sha256(salt + str(number).encode()).hexdigest() == target:
            payload = {
                "algorithm": challenge["algorithm"],
                "challenge": target,
                "number": number,
                "salt": challenge["salt"],
                "signature": challenge["signature"],
            }
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise ValueError("the challenge has no solution up to maxNumber")


class Solver:
    """Solves challenges and keeps the CPU seconds it spent (this process's CPU time)."""

    def __init__(self) -> None:
        self.cpu_seconds = 0.0
        self.solved = 0
        self.last_cpu_seconds = 0.0  # of the latest proof()

    def proof(self, challenge: dict) -> str | None:
        """The proof to send, or None when the server requires none of this caller."""
        if not challenge["required"]:
            return None
        started = time.process_time()
        payload = solve(challenge)
        self.last_cpu_seconds = time.process_time() - started
        self.cpu_seconds += self.last_cpu_seconds
        self.solved += 1
        return payload
