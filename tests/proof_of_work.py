"""Solving proofs of work as a client does: fetch a challenge, find the number with hashlib.

The suite runs with proofs on at a low difficulty (tests/conftest.py); GraphQLClient and
tests/concurrency.py attach a freshly solved proof to every holdSlot, bookAppointment and
joinWaitlist that takes its input as a variable without one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

from graphql import FieldNode, OperationDefinitionNode, OperationType, VariableNode, parse

CHALLENGE = """
query Challenge($purpose: ProofPurpose!) {
  proofOfWorkChallenge(purpose: $purpose) {
    required algorithm challenge salt signature maxNumber expiresInSeconds
  }
}"""

PURPOSES = {
    "holdSlot": "HOLD_SLOT",
    "bookAppointment": "BOOK_APPOINTMENT",
    "joinWaitlist": "JOIN_WAITLIST",
}

# (query, variables) -> the response's JSON body
Post = Callable[[str, dict], dict]


def solve(challenge: dict) -> str:
    """ALTCHA's payload for the challenge: the number n with SHA-256(salt + n) = challenge."""
    for number in range(challenge["maxNumber"] + 1):
        digest = hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest()
        if digest == challenge["challenge"]:
            payload = {
                "algorithm": challenge["algorithm"],
                "challenge": challenge["challenge"],
                "number": number,
                "salt": challenge["salt"],
                "signature": challenge["signature"],
            }
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise AssertionError("the challenge has no solution up to maxNumber")


def fetch_challenge(post: Post, purpose: str) -> dict:
    body = post(CHALLENGE, {"purpose": purpose})
    assert "errors" not in body, body["errors"]
    return body["data"]["proofOfWorkChallenge"]


def solved_proof(post: Post, purpose: str) -> str | None:
    """A solved proof for `purpose`, or None when this caller needs none (or may not even
    ask, e.g. with a bad token: then the request itself gets the answer)."""
    body = post(CHALLENGE, {"purpose": purpose})
    if "errors" in body:
        return None
    challenge = body["data"]["proofOfWorkChallenge"]
    return solve(challenge) if challenge["required"] else None


def with_proofs(post: Post, query: str, variables: dict) -> dict:
    """`variables` with a solved proof in each proof-taking mutation input that lacks one."""
    try:
        document = parse(query)
    except Exception:
        return variables  # a malformed document: the server answers it
    variables = dict(variables)
    for definition in document.definitions:
        if not (
            isinstance(definition, OperationDefinitionNode)
            and definition.operation == OperationType.MUTATION
        ):
            continue
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.name.value not in PURPOSES:
                continue
            for argument in selection.arguments:
                if argument.name.value != "input" or not isinstance(argument.value, VariableNode):
                    continue
                name = argument.value.name.value
                value = variables.get(name)
                if isinstance(value, dict) and "proof" not in value:
                    proof = solved_proof(post, PURPOSES[selection.name.value])
                    if proof is not None:
                        variables[name] = {**value, "proof": proof}
    return variables


def citizen_proof(purpose: str = "book", client_ip: str = "192.0.2.1"):
    """A solved proof for a use case called directly with a citizen actor (test set-up)."""
    from backend.bookings.proof_of_work import ProofAttempt, Purpose, issue_challenge

    challenge = issue_challenge(Purpose(purpose), client_ip).to_dict()
    return ProofAttempt(solve(challenge), client_ip)
