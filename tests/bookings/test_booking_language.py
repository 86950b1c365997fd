"""setBookingLanguage: the manage page's language switch moves the booking's later messages
into that language; only with the booking's code and secret token."""

from __future__ import annotations

import pytest

from backend.bookings.models import Booking
from backend.core.models import AuditLog
from tests.conftest import at, working_day
from tests.factories import book

pytestmark = pytest.mark.django_db

SET_LANGUAGE = """
mutation SetLanguage($input: SetBookingLanguageInput!) {
  setBookingLanguage(input: $input) { booking { code language } errors { code field } }
}"""


@pytest.fixture
def booked(gql, demo) -> dict:
    made = book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9), ok=False, language="DE")
    return {"code": made["booking"]["code"], "token": made["manageToken"]}


def set_language(gql, code: str, token: str, language: str) -> dict:
    variables = {"input": {"code": code, "token": token, "language": language}}
    return gql.data(SET_LANGUAGE, variables)["setBookingLanguage"]


def test_the_booking_takes_the_new_language(gql, booked):
    result = set_language(gql, booked["code"], booked["token"], "AR")

    assert result == {"booking": {"code": booked["code"], "language": "AR"}, "errors": []}
    assert Booking.objects.get(code=booked["code"]).language == "ar"
    assert list(AuditLog.objects.filter(action="booking.language_changed").values("data")) == [
        {"data": {"previous": "de", "language": "ar"}}
    ]


def test_the_same_language_again_changes_nothing(gql, booked):
    result = set_language(gql, booked["code"], booked["token"], "DE")
    assert result == {"booking": {"code": booked["code"], "language": "DE"}, "errors": []}
    assert not AuditLog.objects.filter(action="booking.language_changed").exists()


@pytest.mark.parametrize(
    ("case", "code", "token"),
    [
        ("wrong-token", None, "not-the-token-at-all-xxxx"),
        ("empty-token", None, ""),
        ("unknown-code", "ZZZ-ZZZ", None),
    ],
)
def test_without_code_and_token_nothing_changes(gql, booked, case, code, token):
    code = booked["code"] if code is None else code
    token = booked["token"] if token is None else token
    result = set_language(gql, code, token, "AR")
    assert result == {"booking": None, "errors": [{"code": "NOT_FOUND", "field": "code"}]}
    assert Booking.objects.get(code=booked["code"]).language == "de"
    assert not AuditLog.objects.filter(action="booking.language_changed").exists()
