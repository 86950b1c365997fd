"""Idempotency keys are scoped to the caller that sent them: the same key and body from
anybody else never replay the first caller's booking (its personal data and manage token).
Another organization's token is refused before any replay; any other caller's request is
simply a new request and books afresh."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.accounts.api_tokens import issue_api_token
from backend.bookings.models import Booking, IdempotencyRecord
from tests.conftest import GraphQLClient, at, bearer, working_day
from tests.documents import BOOK, CITIZEN, HOLD_SLOT
from tests.factories import book_input

pytestmark = pytest.mark.django_db

KEY = "order-4711-abcd"  # a guessable key, as integrations often use


def first_request(demo) -> dict:
    # The identity card service has capacity 2: room for a second booking.
    return book_input(demo.ausweis, demo.rathaus, at(working_day(), 9, 15), idempotencyKey=KEY)


def book(client: GraphQLClient, request: dict) -> dict:
    return client.data(BOOK, request)["bookAppointment"]


def test_another_organizations_token_with_the_same_key_and_body_gets_nothing(demo):
    _token, mine = issue_api_token(demo.org, "Bürgerportal")
    _other, theirs = issue_api_token(demo.practice_site.organization, "Praxissoftware")
    request = first_request(demo)
    first = book(bearer(mine), request)
    assert (first["errors"], first["replayed"]) == ([], False)

    assert book(bearer(theirs), request) == {
        "booking": None,
        "manageToken": None,
        "replayed": False,
        "errors": [{"code": "NOT_FOUND", "field": "service"}],
    }
    assert list(Booking.objects.values_list("code", flat=True)) == [first["booking"]["code"]]
    assert IdempotencyRecord.objects.count() == 1
    # The first caller still gets its replay.
    again = book(bearer(mine), request)
    assert (again["replayed"], again["manageToken"]) == (True, first["manageToken"])


def other_token_of_the_same_organization(demo) -> GraphQLClient:
    return bearer(issue_api_token(demo.org, "Zweites Portal")[1])


def another_browser(demo) -> GraphQLClient:
    return GraphQLClient(Client(), {})


@pytest.mark.parametrize(
    ("first_caller", "other_caller"),
    [
        pytest.param(
            lambda demo: bearer(issue_api_token(demo.org, "Bürgerportal")[1]),
            other_token_of_the_same_organization,
            id="token-vs-other-token-of-the-organization",
        ),
        pytest.param(
            lambda demo: GraphQLClient(Client(), {}),
            another_browser,
            id="anonymous-vs-other-anonymous",
        ),
        pytest.param(
            lambda demo: GraphQLClient(Client(), {}),
            other_token_of_the_same_organization,
            id="anonymous-vs-token",
        ),
        pytest.param(
            lambda demo: bearer(issue_api_token(demo.org, "Bürgerportal")[1]),
            another_browser,
            id="token-vs-anonymous",
        ),
    ],
)
def test_any_other_caller_with_the_same_key_and_body_books_afresh(demo, first_caller, other_caller):
    request = first_request(demo)
    first_client = first_caller(demo)
    first = book(first_client, request)

    other = book(other_caller(demo), request)

    assert (other["errors"], other["replayed"]) == ([], False)
    assert other["booking"]["code"] != first["booking"]["code"]
    assert other["manageToken"] != first["manageToken"]
    assert Booking.objects.count() == 2
    # Each caller's retry replays its own booking, and only that.
    assert book(first_client, request)["booking"]["code"] == first["booking"]["code"]
    assert IdempotencyRecord.objects.count() == 2


def test_an_anonymous_browser_replays_its_own_booking_by_its_session(demo):
    browser = GraphQLClient(Client(), {})
    request = first_request(demo)
    first = book(browser, request)
    again = book(browser, request)

    assert (again["replayed"], again["booking"]["code"], again["manageToken"]) == (
        True,
        first["booking"]["code"],
        first["manageToken"],
    )
    assert Booking.objects.count() == 1


def test_a_different_body_with_the_callers_own_key_is_refused(demo):
    browser = GraphQLClient(Client(), {})
    request = first_request(demo)
    book(browser, request)
    changed = {"input": {**request["input"], "name": "Erika Mustermann"}}

    assert book(browser, changed) == {
        "booking": None,
        "manageToken": None,
        "replayed": False,
        "errors": [{"code": "IDEMPOTENCY_KEY_REUSED", "field": "idempotencyKey"}],
    }
    assert Booking.objects.count() == 1


def test_a_browser_whose_booking_answer_was_lost_replays_it(demo):
    """A citizen's page books from a hold with the hold's secret; when the answer is lost, the
    retry (here from a fresh client without cookies, as in an embed that keeps none) sends the
    same secret and key and gets the same booking, not a second one."""
    browser = GraphQLClient(Client(), {})
    start = at(working_day(), 8, 30)
    slot = {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}
    held = browser.data(HOLD_SLOT, {"input": slot})["holdSlot"]
    request = {
        "input": {
            **CITIZEN,
            "hold": held["hold"]["id"],
            "holdSecret": held["holdSecret"],
            "idempotencyKey": "lost-5678-resp",
        }
    }

    first = book(browser, request)  # this answer never arrives
    retry = book(GraphQLClient(Client(), {}), request)

    assert (retry["errors"], retry["replayed"]) == ([], True)
    assert (retry["booking"]["code"], retry["manageToken"]) == (
        first["booking"]["code"],
        first["manageToken"],
    )
    assert Booking.objects.count() == 1
