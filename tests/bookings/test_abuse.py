"""The public surface against bots, with the production defaults: rate limits counted per root
field (aliases cannot multiply an allowance), holds that only their maker can use, the live-hold
cap per client, per-person booking caps, names without messages, and HTTP 429."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.accounts.api_tokens import issue_api_token
from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.bookings.models import Booking, Hold
from tests.conftest import GraphQLClient, at, bearer, working_day
from tests.documents import AVAILABLE_SLOTS, BOOK, BOOKING, CITIZEN, HOLD_SLOT, RELEASE_HOLD
from tests.factories import book
from tests.proof_of_work import solved_proof

pytestmark = [pytest.mark.django_db, pytest.mark.rate_limits]


def client_at(ip: str, **headers) -> GraphQLClient:
    return GraphQLClient(Client(REMOTE_ADDR=ip), headers)


def slot_starts(gql, demo) -> list[str]:
    variables = {
        "service": str(demo.ausweis.pk),
        "location": str(demo.rathaus.pk),
        "date": working_day().isoformat(),
    }
    return [s["start"] for s in gql.data(AVAILABLE_SLOTS, variables)["availableSlots"]]


def hold_input(demo, start: str) -> dict:
    return {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk), "start": start}


def hold(client, demo, start: str) -> dict:
    return client.data(HOLD_SLOT, {"input": hold_input(demo, start)})["holdSlot"]


def without_wait(errors: list[dict]) -> list[dict]:
    """The errors with retryAfterSeconds checked to lie in one window and then left out."""
    for error in errors:
        if error["code"] == "RATE_LIMITED":
            assert 1 <= error.pop("retryAfterSeconds") <= 60
    return errors


def test_fifteen_aliases_count_fifteen_times_and_hold_at_most_two(demo):
    bot = client_at("203.0.113.7")
    starts = slot_starts(bot, demo)[:15]
    # Each alias pays its own proof of work, as a bot would: the limits must still hold.
    proofs = [solved_proof(lambda q, v: bot.post(q, v).json(), "HOLD_SLOT") for _ in starts]
    aliases = "\n".join(
        f'h{n}: holdSlot(input: {{service: "{demo.ausweis.pk}", location: "{demo.rathaus.pk}", '
        f'start: "{start}", proof: "{proof}"}}) '
        "{ hold { id } errors { code retryAfterSeconds } }"
        for n, (start, proof) in enumerate(zip(starts, proofs, strict=True))
    )
    result = bot.data(f"mutation {{ {aliases} }}")

    codes = ["held" if r["hold"] else without_wait(r["errors"])[0]["code"] for r in result.values()]
    # 2 holds, then the live-hold cap; the limit of 10 holdSlot calls a minute ends the rest.
    assert codes == ["held"] * 2 + ["TOO_MANY_HOLDS"] * 8 + ["RATE_LIMITED"] * 5
    assert Hold.objects.count() == 2
    # The next request is still over the limit: the count is shared, not per request.
    assert hold(bot, demo, starts[14])["errors"] == [{"code": "RATE_LIMITED", "field": None}]


def test_the_live_hold_cap_is_per_network_and_frees_with_a_release(demo):
    citizen, neighbour = client_at("198.51.100.1"), client_at("198.51.100.2")
    starts = slot_starts(citizen, demo)
    first, _second = hold(citizen, demo, starts[0]), hold(citizen, demo, starts[1])

    assert hold(citizen, demo, starts[2])["errors"] == [
        {"code": "TOO_MANY_HOLDS", "field": "start"}
    ]
    assert hold(neighbour, demo, starts[2])["errors"] == []  # another address: its own cap

    release = {"input": {"hold": first["hold"]["id"], "secret": first["holdSecret"]}}
    assert citizen.data(RELEASE_HOLD, release)["releaseHold"] == {"released": True, "errors": []}
    assert hold(citizen, demo, starts[3])["errors"] == []


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_cap(demo, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    starts = slot_starts(client_at("10.0.0.1"), demo)

    def via_proxy(client_ip: str, start: str) -> list:
        forwarded = GraphQLClient(proxy, {"HTTP_X_FORWARDED_FOR": f"{client_ip}, 10.0.0.1"})
        return hold(forwarded, demo, start)["errors"]

    assert [via_proxy("192.0.2.1", s) for s in starts[:3]] == [
        [],
        [],
        [{"code": "TOO_MANY_HOLDS", "field": "start"}],
    ]
    assert via_proxy("192.0.2.2", starts[3]) == []
    # From an untrusted peer the header is ignored: it counts as the peer itself.
    spoofer = GraphQLClient(Client(REMOTE_ADDR="203.0.113.9"), {"HTTP_X_FORWARDED_FOR": "1.2.3.4"})
    assert [hold(spoofer, demo, s)["errors"] for s in starts[4:7]] == [
        [],
        [],
        [{"code": "TOO_MANY_HOLDS", "field": "start"}],
    ]


def test_integrations_are_capped_per_token_not_per_address(demo, settings):
    settings.HOLD_MAX_LIVE_PER_TOKEN = 3
    _token, secret = issue_api_token(demo.org, "Bürgerportal")
    portal = bearer(secret)
    starts = slot_starts(portal, demo)
    errors = [hold(portal, demo, s)["errors"] for s in starts[:4]]
    assert errors == [[], [], [], [{"code": "TOO_MANY_HOLDS", "field": "start"}]]


@pytest.mark.parametrize("secret", [None, "", "not-the-secret"], ids=["none", "empty", "wrong"])
def test_a_hold_cannot_be_booked_or_released_without_its_secret(demo, secret):
    maker, other = client_at("198.51.100.1"), client_at("198.51.100.9")
    held = hold(maker, demo, slot_starts(maker, demo)[0])
    hold_id = held["hold"]["id"]

    booked = other.data(BOOK, {"input": {**CITIZEN, "hold": hold_id, "holdSecret": secret}})
    released = other.data(RELEASE_HOLD, {"input": {"hold": hold_id, "secret": secret}})

    assert booked["bookAppointment"]["errors"] == [{"code": "HOLD_NOT_FOUND", "field": "hold"}]
    assert released["releaseHold"] == {
        "released": False,
        "errors": [{"code": "HOLD_NOT_FOUND", "field": "hold"}],
    }
    assert (Hold.objects.count(), Booking.objects.count()) == (1, 0)
    # The maker, with the secret, books it.
    mine = {"input": {**CITIZEN, "hold": hold_id, "holdSecret": held["holdSecret"]}}
    assert maker.data(BOOK, mine)["bookAppointment"]["errors"] == []


def test_direct_bookings_per_address_are_limited_with_retry_after(demo):
    bot = client_at("203.0.113.7")
    starts = slot_starts(bot, demo)
    results = [
        book(bot, demo.ausweis, demo.rathaus, start, ok=False, email=f"alias{n}@example.org")
        for n, start in enumerate(starts[:4])
    ]
    assert [r["errors"] for r in results[:3]] == [[], [], []]
    query = BOOK.replace("errors { code field }", "errors { code field retryAfterSeconds }")
    fourth = bot.data(
        query, {"input": {**CITIZEN, "email": "alias9@example.org", **hold_input(demo, starts[5])}}
    )["bookAppointment"]
    [error] = fourth["errors"]
    assert (error["code"], error["field"], 3000 < error["retryAfterSeconds"] <= 3600) == (
        "RATE_LIMITED",
        None,
        True,
    )
    assert Booking.objects.count() == 3


def test_open_bookings_per_email_are_capped_per_service_but_staff_book_past_it(demo, settings):
    # Only the open-bookings cap is under test here, not the e-mail's booking rate.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "bookAppointment.email": "10/day"}
    starts = slot_starts(client_at("192.0.2.1"), demo)
    same_person = {"email": "anna@example.org"}
    results = [
        book(client_at(f"192.0.2.{n}"), demo.ausweis, demo.rathaus, start, ok=False, **same_person)
        for n, start in enumerate(starts[:3], start=1)
    ]
    assert [r["errors"] for r in results] == [
        [],
        [],
        [{"code": "TOO_MANY_BOOKINGS", "field": "email"}],
    ]
    # Another service of the organization is not affected.
    kfz = {**CITIZEN, **same_person, "service": str(demo.kfz.pk), "location": str(demo.rathaus.pk)}
    other_service = client_at("192.0.2.9").data(
        BOOK, {"input": {**kfz, "start": at(working_day(), 9)}}
    )["bookAppointment"]
    assert other_service["errors"] == []

    staff = Client()
    staff.force_login(
        create_staff("clerk", "c@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    )
    by_staff = book(
        GraphQLClient(staff, {}), demo.ausweis, demo.rathaus, starts[3], ok=False, **same_person
    )
    assert by_staff["errors"] == []


def test_guessing_booking_codes_is_limited(demo):
    guesser = client_at("203.0.113.7")
    for n in range(30):  # RATE_LIMIT_BOOKING_IP: 30/hour
        assert guesser.data(BOOKING, {"code": f"AAA-{n:04d}", "token": "x" * 32}) == {
            "booking": None
        }
    body = guesser(BOOKING, {"code": "AAA-9999", "token": "x" * 32})
    [error] = body["errors"]
    wait = error["extensions"]["retryAfterSeconds"]
    assert (body["data"], error["extensions"]["code"], 0 < wait <= 3600) == (
        {"booking": None},
        "RATE_LIMITED",
        True,
    )


def test_availability_over_its_limit_is_a_top_level_error(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "availability.ip": "2/minute"}
    browser = client_at("198.51.100.5")
    slot_starts(browser, demo)
    slot_starts(browser, demo)
    variables = {
        "service": str(demo.ausweis.pk),
        "location": str(demo.rathaus.pk),
        "date": working_day().isoformat(),
    }
    body = browser(AVAILABLE_SLOTS, variables)
    [error] = body["errors"]
    assert (body["data"], error["path"], error["extensions"]["code"]) == (
        None,
        ["availableSlots"],
        "RATE_LIMITED",
    )
    assert 1 <= error["extensions"]["retryAfterSeconds"] <= 60


def test_too_many_requests_get_http_429_with_retry_after(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request.ip": "3/minute"}
    flood = Client(REMOTE_ADDR="203.0.113.50")
    body = '{"query": "{ __typename }"}'
    statuses = [
        flood.post("/graphql", body, content_type="application/json").status_code for _ in range(3)
    ]
    refused = flood.post("/graphql", body, content_type="application/json")

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 60
    assert refused.json() == {
        "errors": [
            {
                "message": "Too many requests. Please try again later.",
                "extensions": {"code": "RATE_LIMITED", "retryAfterSeconds": retry_after},
            }
        ]
    }
    # Another address is not affected.
    other = Client(REMOTE_ADDR="203.0.113.51")
    assert other.post("/graphql", body, content_type="application/json").status_code == 200


@pytest.mark.parametrize(
    "name",
    ["Anna-Lena O'Brien", "İsmail Öztürk", "مُحَمَّد عبد الله", "Марʼяна Коваленко", "J.R.R. Tolkien"],
)
def test_names_of_every_script_are_accepted(demo, name):
    client = client_at("192.0.2.1")
    result = book(
        client, demo.ausweis, demo.rathaus, slot_starts(client, demo)[0], ok=False, name=name
    )
    assert (result["errors"], result["booking"]["name"]) == ([], name)


@pytest.mark.parametrize(
    "name",
    [
        "Gewinn abholen: example.com",
        "www gewinn de",
        "Anna 0151 2345678",
        "Max <b>Muster</b>",
        "Hallo!",
    ],
)
def test_names_cannot_carry_a_message(demo, name):
    client = client_at("192.0.2.1")
    result = book(
        client, demo.ausweis, demo.rathaus, slot_starts(client, demo)[0], ok=False, name=name
    )
    assert result == {
        "booking": None,
        "manageToken": None,
        "replayed": False,
        "errors": [{"code": "INVALID_NAME", "field": "name"}],
    }
    assert Booking.objects.count() == 0


def test_sms_only_to_allowed_country_codes(demo, settings):
    settings.SMS_ENABLED = True
    client = client_at("192.0.2.1")
    start = slot_starts(client, demo)[0]
    refused = book(
        client, demo.ausweis, demo.rathaus, start, ok=False, channel="SMS", phone="+1 202 555 0143"
    )
    assert refused["errors"] == [{"code": "SMS_COUNTRY_NOT_ALLOWED", "field": "phone"}]
    # The same number for an e-mail booking is fine (nothing is sent to it).
    assert (
        book(client, demo.ausweis, demo.rathaus, start, ok=False, phone="+1 202 555 0143")["errors"]
        == []
    )
