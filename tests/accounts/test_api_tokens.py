"""Bearer tokens for integrations, and CSRF for session users."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from backend.accounts.api_tokens import issue_api_token, revoke_api_token
from backend.accounts.models import ApiToken, StaffMember
from backend.accounts.staff import create_staff
from backend.bookings.models import Booking
from tests.conftest import GraphQLClient, at, bearer, working_day
from tests.documents import BOOK, LOCATION_BOOKINGS
from tests.factories import book, book_input

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_a_hash(demo):
    token, secret = issue_api_token(demo.org, "Bürgerportal")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret.startswith("vz_") and len(secret) >= 32
    assert all(secret not in str(value) for value in stored.values())


def test_integrations_book_with_their_token_as_source_api(demo):
    _token, secret = issue_api_token(demo.org, "Bürgerportal")
    result = book(bearer(secret), demo.kfz, demo.rathaus, at(working_day(), 9), ok=False)
    assert (result["errors"], result["booking"]["source"]) == ([], "API")


@pytest.mark.parametrize(
    "header", ["Bearer vz_wrong", "Bearer ", "Basic dXNlcjpwdw==", "Bearer not-our-format"]
)
def test_a_bad_token_is_401_and_changes_nothing(demo, header):
    response = GraphQLClient(Client(), {"HTTP_AUTHORIZATION": header}).post(
        BOOK, book_input(demo.kfz, demo.rathaus, at(working_day(), 10))
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="vorzimmer"'
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert Booking.objects.count() == 0


def test_a_revoked_token_is_refused_even_with_a_valid_session(demo):
    token, secret = issue_api_token(demo.org, "Altsystem")
    revoke_api_token(token)
    client = Client()
    client.force_login(
        create_staff("clerk", "c@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    )
    response = client.post(
        "/graphql",
        json.dumps(
            {
                "query": LOCATION_BOOKINGS,
                "variables": {"location": str(demo.rathaus.pk), "date": working_day().isoformat()},
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 401


def test_session_users_must_send_the_csrf_token(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        create_staff("clerk", "c@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    )
    body = json.dumps(
        {"query": BOOK, "variables": book_input(demo.kfz, demo.rathaus, at(working_day(), 11))}
    )

    refused = client.post("/graphql", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"] == {"code": "CSRF_FAILED"}
    assert Booking.objects.count() == 0

    client.get("/admin/login/")  # any page that sets the CSRF cookie
    accepted = client.post(
        "/graphql",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert accepted.status_code == 200
    assert accepted.json()["data"]["bookAppointment"]["booking"]["source"] == "STAFF"


def test_anonymous_citizens_and_tokens_need_no_csrf_token(demo):
    """The embed sends no cookies at all; nothing ambient could be forged."""
    citizen = GraphQLClient(Client(enforce_csrf_checks=True), {})
    assert book(citizen, demo.kfz, demo.rathaus, at(working_day(), 12), ok=False)["errors"] == []
    _token, secret = issue_api_token(demo.org, "Portal")
    integration = GraphQLClient(
        Client(enforce_csrf_checks=True), {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    )
    assert (
        book(integration, demo.kfz, demo.rathaus, at(working_day(), 13), ok=False)["errors"] == []
    )


def test_a_token_cannot_hold_or_book_for_another_organization(demo):
    _token, secret = issue_api_token(demo.practice_site.organization, "Praxis-Software")
    client = bearer(secret)
    held = client.data(
        """mutation($i: HoldSlotInput!) { holdSlot(input: $i) { hold { id } errors { code } } }""",
        {
            "i": {
                "service": str(demo.kfz.pk),
                "location": str(demo.rathaus.pk),
                "start": at(working_day(), 9),
            }
        },
    )["holdSlot"]
    booked = book(client, demo.kfz, demo.rathaus, at(working_day(), 9), ok=False)
    assert held == {"hold": None, "errors": [{"code": "NOT_FOUND"}]}
    assert booked["errors"] == [{"code": "NOT_FOUND", "field": "service"}]
    assert Booking.objects.count() == 0
