"""One runner (schema/runner.py) answers every refusal: a mutation's payload carries business
errors, PermissionDenied is a top-level FORBIDDEN, and anything else is a masked bug. No
resolver catches these itself."""

from __future__ import annotations

import ast
import json
import logging
from pathlib import Path

import pytest
from django.test import Client

from backend.bookings.models import Booking
from schema.build import schema
from schema.mutations import manage
from schema.runner import Refusals
from tests.conftest import GraphQLClient, at, working_day
from tests.documents import STAFF_CANCEL
from tests.factories import book, booked

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
REFUSALS = {
    "DomainError",
    "DomainErrors",
    "RateLimited",
    "PermissionDenied",
}
CANCEL = """mutation($input: ManageBookingInput!) {
  cancelBooking(input: $input) { booking { code status } errors { code } } }"""


def _names(node: ast.expr | None) -> set[str]:
    if node is None:  # a bare `except:` catches refusals too
        return {"<bare except>"}
    return {
        n.id if isinstance(n, ast.Name) else n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Name | ast.Attribute)
    }


def test_no_resolver_catches_refusals_itself():
    offenders = [
        f"{path.relative_to(SCHEMA_DIR.parent)}:{handler.lineno}"
        for path in sorted(SCHEMA_DIR.rglob("*.py"))
        if path.name != "runner.py"
        for handler in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(handler, ast.ExceptHandler)
        and _names(handler.type) & (REFUSALS | {"<bare except>"})
    ]
    assert offenders == []


def test_every_mutation_runs_in_the_runner():
    mutation = schema.get_type_by_name("Mutation")
    missing = [
        f.name for f in mutation.fields if not any(isinstance(e, Refusals) for e in f.extensions)
    ]
    assert mutation.fields and missing == []


@pytest.mark.django_db
def test_a_business_rule_saying_no_is_an_error_in_the_payload(gql, demo):
    booking = booked(demo.ausweis, demo.rathaus, at(working_day(), 9, 30))

    body = gql(CANCEL, {"input": {"code": booking.code, "token": "wrong"}})

    assert body == {"data": {"cancelBooking": {"booking": None, "errors": [{"code": "NOT_FOUND"}]}}}


@pytest.mark.django_db
def test_permission_denied_is_a_top_level_forbidden_without_data(gql, demo, django_user_model):
    booking = booked(demo.ausweis, demo.rathaus, at(working_day(), 9, 30))
    client = Client()
    client.force_login(django_user_model.objects.create_user("nobody", "n@x.de", "pw-unused"))

    body = GraphQLClient(client, {})(STAFF_CANCEL, {"input": {"booking": str(booking.pk)}})

    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["staffCancelBooking"], "FORBIDDEN")
    ]
    booking.refresh_from_db()
    assert booking.status != Booking.Status.CANCELLED


@pytest.mark.django_db
def test_an_unexpected_exception_in_a_service_is_masked_and_logged(gql, demo, monkeypatch, caplog):
    made = book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 30))
    code, token = made["booking"]["code"], made["manageToken"]

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals: /srv/db password=hunter2")

    monkeypatch.setattr(manage, "do_cancel_booking", broken)
    with caplog.at_level(logging.ERROR):
        body = gql(CANCEL, {"input": {"code": code, "token": token}})

    assert body["data"] is None
    assert [(e["message"], e["path"]) for e in body["errors"]] == [
        ("Unexpected error.", ["cancelBooking"])
    ]
    assert "extensions" not in body["errors"][0]
    assert "hunter2" not in json.dumps(body)
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)


@pytest.mark.django_db
def test_a_lookup_by_secret_answers_null_when_refused(gql, demo):
    made = book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 30))
    code, token = made["booking"]["code"], made["manageToken"]
    query = "query($c: String!, $t: String!) { booking(code: $c, token: $t) { code } }"

    wrong = gql(query, {"c": code, "t": "wrong"})
    right = gql(query, {"c": code, "t": token})

    assert wrong == {"data": {"booking": None}}
    assert right == {"data": {"booking": {"code": code}}}


@pytest.mark.django_db
def test_a_query_refused_by_a_rule_answers_a_top_level_error_with_its_code(gql, demo):
    body = gql('{ queueBoard(location: "not-a-uuid") { location } }')

    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
