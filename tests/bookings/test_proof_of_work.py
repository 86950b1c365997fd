"""Proof of work for anonymous holdSlot, bookAppointment and joinWaitlist, through /graphql.

These clients attach no proofs by themselves (proofs=False): each test sends exactly what it
means to send, solved for real with hashlib (tests/proof_of_work.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import time_machine
from django.test import Client

from backend.accounts.api_tokens import issue_api_token
from backend.accounts.devices import do_pair_device, new_pairing_code
from backend.accounts.models import Device, StaffMember
from backend.accounts.staff import create_staff
from backend.bookings.models import Booking, Hold, WaitlistEntry
from backend.core.models import RateLimitCounter
from backend.core.tasks import purge_rate_limit_counters
from tests.concurrency import fire
from tests.conftest import GraphQLClient, at, working_day
from tests.documents import BOOK, CITIZEN, HOLD_SLOT
from tests.factories import book
from tests.notifications.flows import JOIN_WAITLIST
from tests.proof_of_work import fetch_challenge, solve

pytestmark = pytest.mark.django_db

PURPOSE_OF = {"holdSlot": "HOLD_SLOT", "bookAppointment": "BOOK_APPOINTMENT"}


def citizen(ip: str = "203.0.113.7") -> GraphQLClient:
    return GraphQLClient(Client(REMOTE_ADDR=ip), {}, proofs=False)


def post_of(client: GraphQLClient):
    return lambda query, variables: client(query, variables)


def proof(client: GraphQLClient, purpose: str) -> str:
    return solve(fetch_challenge(post_of(client), purpose))


def hold_input(demo, hour: int, **extra) -> dict:
    start = at(working_day(), hour)
    return {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start, **extra}


def hold(client: GraphQLClient, demo, hour: int, **extra) -> dict:
    return client.data(HOLD_SLOT, {"input": hold_input(demo, hour, **extra)})["holdSlot"]


def join(client: GraphQLClient, demo, **extra) -> dict:
    day = working_day()
    variables = {
        "input": {
            "service": str(demo.kfz.pk),
            "location": str(demo.rathaus.pk),
            "firstDay": day.isoformat(),
            "lastDay": day.isoformat(),
            "name": "Wanda Warteliste",
            "email": "wanda@example.com",
            **extra,
        }
    }
    return client.data(JOIN_WAITLIST, variables)["joinWaitlist"]


def error_codes(payload: dict) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


def tampered(payload: str, **changes) -> str:
    data = json.loads(base64.b64decode(payload))
    return base64.b64encode(json.dumps({**data, **changes}).encode()).decode()


# --- refused without, accepted with ------------------------------------------------------------


def test_without_a_proof_nothing_is_held_booked_or_joined(demo):
    client = citizen()

    assert error_codes(hold(client, demo, 9)) == [("PROOF_REQUIRED", "proof")]
    assert error_codes(book(client, demo.kfz, demo.rathaus, at(working_day(), 10), ok=False)) == [
        ("PROOF_REQUIRED", "proof")
    ]
    assert error_codes(join(client, demo)) == [("PROOF_REQUIRED", "proof")]
    assert (Hold.objects.count(), Booking.objects.count(), WaitlistEntry.objects.count()) == (
        0,
        0,
        0,
    )


def test_with_a_solved_proof_the_citizen_holds_books_and_joins(demo):
    client = citizen()

    held = hold(client, demo, 9, proof=proof(client, "HOLD_SLOT"))
    booked = book(
        client,
        demo.kfz,
        demo.rathaus,
        at(working_day(), 10),
        ok=False,
        proof=proof(client, "BOOK_APPOINTMENT"),
    )
    joined = join(client, demo, proof=proof(client, "JOIN_WAITLIST"))

    assert (held["errors"], booked["errors"], joined["errors"]) == ([], [], [])
    assert held["hold"]["start"] == at(working_day(), 9)
    assert booked["booking"]["source"] == "WEB"
    assert joined["entry"]["status"] == "pending"  # until the e-mail is confirmed


def test_a_challenge_tells_citizens_what_to_solve(demo):
    challenge = fetch_challenge(post_of(citizen()), "HOLD_SLOT")

    assert challenge["required"] is True
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxNumber"] == 1000  # the suite's difficulty (tests/conftest.py)
    assert challenge["expiresInSeconds"] == 600
    assert len(challenge["challenge"]) == 64


# --- what does not count as a proof --------------------------------------------------------------


def test_a_replayed_proof_is_refused(demo):
    client = citizen()
    solved = proof(client, "HOLD_SLOT")

    first = hold(client, demo, 9, proof=solved)
    again = hold(client, demo, 11, proof=solved)

    assert first["errors"] == []
    assert error_codes(again) == [("PROOF_INVALID", "proof")]
    assert Hold.objects.count() == 1


def test_a_proof_counts_once_even_when_the_attempt_fails(demo):
    """Every attempt costs a proof: else one proof could poll for a freed slot forever."""
    client = citizen()
    solved = proof(client, "HOLD_SLOT")

    taken = hold(client, demo, 3, proof=solved)  # no slot at 3 a.m.
    again = hold(client, demo, 9, proof=solved)

    assert error_codes(taken) == [("SLOT_UNAVAILABLE", "start")]
    assert error_codes(again) == [("PROOF_INVALID", "proof")]


def test_an_expired_proof_is_refused(demo, settings):
    client = citizen()
    solved = proof(client, "HOLD_SLOT")

    later = dt.datetime.now(dt.UTC) + dt.timedelta(
        minutes=settings.POW_CHALLENGE_MINUTES, seconds=5
    )
    with time_machine.travel(later, tick=False):
        expired = hold(client, demo, 9, proof=solved)

    assert error_codes(expired) == [("PROOF_INVALID", "proof")]
    assert Hold.objects.count() == 0


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda p: tampered(p, number=json.loads(base64.b64decode(p))["number"] + 1),
            id="wrong-number",
        ),
        pytest.param(lambda p: tampered(p, signature="0" * 64), id="forged-signature"),
        pytest.param(lambda p: tampered(p, algorithm="SHA-1"), id="other-algorithm"),
        pytest.param(lambda p: tampered(p, number="7"), id="number-as-text"),
        pytest.param(lambda p: "not base64 at all!", id="garbage"),
        pytest.param(lambda p: base64.b64encode(b"[1, 2]").decode(), id="not-an-object"),
    ],
)
def test_a_wrong_proof_is_refused(demo, forge):
    client = citizen()
    solved = proof(client, "HOLD_SLOT")

    assert error_codes(hold(client, demo, 9, proof=forge(solved))) == [("PROOF_INVALID", "proof")]
    assert Hold.objects.count() == 0


def test_a_proof_for_another_purpose_is_refused(demo):
    client = citizen()

    waitlist_proof = proof(client, "JOIN_WAITLIST")

    assert error_codes(hold(client, demo, 9, proof=waitlist_proof)) == [("PROOF_INVALID", "proof")]
    assert Hold.objects.count() == 0


# --- who is exempt --------------------------------------------------------------------------------


def api_client(demo) -> GraphQLClient:
    _token, secret = issue_api_token(demo.org, "Bürgerportal")
    return GraphQLClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"}, proofs=False)


def staff_client(demo) -> GraphQLClient:
    clerk = create_staff("clerk", "clerk@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    client = Client()
    client.force_login(clerk)
    return GraphQLClient(client, {}, proofs=False)


def kiosk_client(demo) -> GraphQLClient:
    device = Device.objects.create(location=demo.rathaus, kind="kiosk", name="Kiosk")
    _device, token = do_pair_device(new_pairing_code(device))
    return GraphQLClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}, proofs=False)


@pytest.mark.parametrize(
    "make_client", [api_client, staff_client, kiosk_client], ids=["api-token", "staff", "kiosk"]
)
def test_integrations_staff_and_kiosks_need_no_proof(demo, make_client):
    client = make_client(demo)

    challenge = fetch_challenge(post_of(client), "HOLD_SLOT")
    held = hold(client, demo, 9)

    assert challenge["required"] is False
    assert held["errors"] == []
    assert Hold.objects.count() == 1


def test_with_proofs_switched_off_citizens_need_none(demo, settings):
    settings.POW_ENABLED = False
    client = citizen()

    assert fetch_challenge(post_of(client), "HOLD_SLOT")["required"] is False
    assert hold(client, demo, 9)["errors"] == []


# --- difficulty ----------------------------------------------------------------------------------


def test_difficulty_rises_stepwise_for_a_network_that_books_a_lot(demo, settings):
    settings.POW_RAISE_AFTER = 2
    settings.POW_RAISE_FACTOR = 4
    settings.POW_RAISE_MAX_STEPS = 2
    busy, other = citizen("198.51.100.9"), citizen("2001:db8:1:2::5")
    same_home = citizen("2001:db8:1:2::77")  # the same IPv6 /64
    seen = []
    for hour in (9, 10, 11, 12, 13, 14):
        seen.append(fetch_challenge(post_of(busy), "HOLD_SLOT")["maxNumber"])
        held = hold(busy, demo, hour, proof=proof(busy, "HOLD_SLOT"))
        assert held["errors"] == []
    for n in range(3):
        joined = join(other, demo, proof=proof(other, "JOIN_WAITLIST"), email=f"o{n}@example.com")
        assert joined["errors"] == []

    assert seen == [1000, 1000, 4000, 4000, 16000, 16000]
    assert fetch_challenge(post_of(busy), "HOLD_SLOT")["maxNumber"] == 16000  # at most 2 steps
    assert fetch_challenge(post_of(same_home), "HOLD_SLOT")["maxNumber"] == 4000
    assert fetch_challenge(post_of(citizen("192.0.2.1")), "HOLD_SLOT")["maxNumber"] == 1000


def test_an_easy_challenge_fetched_early_is_worthless_once_difficulty_rose(demo, settings):
    settings.POW_RAISE_AFTER = 1
    client = citizen()
    stockpiled = proof(client, "HOLD_SLOT")  # fetched while the network was quiet

    assert hold(client, demo, 9, proof=proof(client, "HOLD_SLOT"))["errors"] == []
    refused = hold(client, demo, 10, proof=stockpiled)

    assert error_codes(refused) == [("PROOF_INVALID", "proof")]
    assert hold(client, demo, 10, proof=proof(client, "HOLD_SLOT"))["errors"] == []


def test_only_keyed_hashes_of_the_network_and_challenge_are_stored(demo, settings):
    settings.REDIS_URL = ""  # the embedded store: its rows can be read here (Redis: same keys)
    client = citizen("203.0.113.7")
    solved = proof(client, "HOLD_SLOT")
    challenge = json.loads(base64.b64decode(solved))["challenge"]

    assert hold(client, demo, 9, proof=solved)["errors"] == []

    stored = json.dumps(list(RateLimitCounter.objects.values()), default=str)
    assert "pow.spent" in stored  # the proof's counters are there ...
    assert "203.0.113" not in stored and challenge not in stored  # ... under keyed hashes only


def test_a_networks_spending_is_forgotten_after_the_window(demo, settings):
    settings.REDIS_URL = ""  # the embedded store, whose expiry follows the clock (Redis: TTL)
    settings.POW_RAISE_AFTER = 1
    client = citizen()
    assert hold(client, demo, 9, proof=proof(client, "HOLD_SLOT"))["errors"] == []
    raised = fetch_challenge(post_of(client), "HOLD_SLOT")["maxNumber"]
    window = dt.timedelta(minutes=settings.POW_RAISE_WINDOW_MINUTES, seconds=5)

    with time_machine.travel(dt.datetime.now(dt.UTC) + window):
        later = fetch_challenge(post_of(client), "HOLD_SLOT")["maxNumber"]
        purged = purge_rate_limit_counters.call_local()

    base = settings.POW_MAX_NUMBER
    assert (raised, later) == (base * settings.POW_RAISE_FACTOR, base)
    assert purged >= 2  # the spent challenge and the network's count
    assert not RateLimitCounter.objects.filter(bucket__contains="pow.").exists()


# --- replays that race ----------------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_same_proof_sent_10_times_at_once_counts_once(demo):
    client = citizen()
    solved = proof(client, "BOOK_APPOINTMENT")
    variables = {"input": {**CITIZEN, **hold_input(demo, 9), "proof": solved}}

    def send():
        try:
            response = Client(REMOTE_ADDR="203.0.113.7").post(
                "/graphql",
                json.dumps({"query": BOOK, "variables": variables}),
                content_type="application/json",
            )
            return response.status_code, response.json()
        finally:
            from django.db import connection

            connection.close()

    results = fire([send] * 10)

    outcomes = sorted(
        "booked"
        if body["data"]["bookAppointment"]["booking"]
        else body["data"]["bookAppointment"]["errors"][0]["code"]
        for _status, body in results
    )
    assert outcomes == ["PROOF_INVALID"] * 9 + ["booked"]
    assert Booking.objects.count() == 1
