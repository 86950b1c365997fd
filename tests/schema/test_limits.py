"""Every request is bounded (depth, aliases, tokens, size); bad requests are 4xx or typed
errors; unexpected errors are masked; introspection and GraphiQL only in debug."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from backend.bookings import availability
from schema.build import build_schema, schema
from schema.view import graphql_view

pytestmark = pytest.mark.django_db


def codes(body):
    return [e.get("extensions", {}).get("code") for e in body["errors"]]


def test_deep_queries_are_refused(gql, demo):
    deep = "{ organizations { " + "locations { services { " * 6 + "name" + " } }" * 6 + " } }"
    body = gql(deep)
    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


def test_many_aliases_are_refused(gql, demo):
    aliases = " ".join(f"a{i}: organizations {{ name }}" for i in range(16))
    body = gql(f"{{ {aliases} }}")
    assert body["data"] is None
    assert "aliases found" in body["errors"][0]["message"]


def test_huge_documents_are_refused_by_token_count(gql, demo):
    fields = " ".join("name" for _ in range(2100))
    body = gql(f"{{ organizations {{ {fields} }} }}")
    assert body["data"] is None
    assert "more than 2000 tokens" in body["errors"][0]["message"]


def test_introspection_only_in_debug():
    query = "{ __schema { queryType { name } } }"
    assert (
        schema.execute_sync(query)
        .errors[0]
        .message.startswith("GraphQL introspection has been disabled")
    )
    assert build_schema(debug=True).execute_sync(query).data == {
        "__schema": {"queryType": {"name": "Query"}}
    }


def test_graphiql_only_in_debug(demo):
    factory = RequestFactory()
    production = graphql_view(schema, debug=False)(factory.get("/graphql", HTTP_ACCEPT="text/html"))
    debug = graphql_view(build_schema(debug=True), debug=True)(
        factory.get("/graphql", HTTP_ACCEPT="text/html")
    )
    assert production.status_code == 404
    assert debug.status_code == 200 and b"graphiql" in debug.content.lower()


def test_unexpected_errors_are_masked(gql, demo, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals: /srv/db password=hunter2")

    monkeypatch.setattr(availability, "available_days", boom)
    body = gql(
        "query($s: ID!, $l: ID!) { availableDays(service: $s, location: $l, "
        'from: "2030-01-01", to: "2030-01-02") }',
        {"s": str(demo.ausweis.pk), "l": str(demo.rathaus.pk)},
    )
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in json.dumps(body)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[]", "application/json", 400),
        ('{"query": 5}', "application/json", 400),
        ('{"query": "{ organizations { name } }", "variables": "x"}', "application/json", 400),
        ("query=1", "text/plain", 415),
        ('{"query": "{ x' + "a" * 200_000 + ' }"}', "application/json", 413),
    ],
    ids=["garbage", "batch", "query-not-string", "variables-not-object", "content-type", "huge"],
)
def test_malformed_requests_are_4xx(demo, body, content_type, status):
    response = Client().post("/graphql", body, content_type=content_type)
    assert response.status_code == status


def test_mutations_over_get_are_refused(demo):
    response = Client().get(
        "/graphql", {"query": 'mutation { releaseHold(input: {hold: "x"}) { released } }'}
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (
            "query($s: ID!, $l: ID!) { availableDays(service: $s, location: $l, "
            'from: "2030-03-01", to: "2030-01-01") }',
            {},
            "INVALID_DATE_RANGE",
        ),
        (
            "query($s: ID!, $l: ID!) { availableDays(service: $s, location: $l, "
            'from: "2030-01-01", to: "2031-01-01") }',
            {},
            "RANGE_TOO_LARGE",
        ),
        (
            'query($l: ID!) { availableSlots(service: "nope", location: $l, date: "2030-01-01") '
            "{ start } }",
            {},
            "NOT_FOUND",
        ),
        (
            'query($s: ID!) { availableSlots(service: $s, location: "00000000-0000-0000-0000-'
            '000000000000", date: "2030-01-01") { start } }',
            {},
            "NOT_FOUND",
        ),
        ('{ location(id: "nope") { name } }', {}, "NOT_FOUND"),
    ],
    ids=["to-before-from", "too-many-days", "bad-service-id", "unknown-location", "bad-id"],
)
def test_bad_query_arguments_are_typed_top_level_errors(gql, demo, query, variables, code):
    body = gql(query, {"s": str(demo.ausweis.pk), "l": str(demo.rathaus.pk), **variables})
    assert codes(body) == [code]


def test_wrong_argument_types_are_validation_errors(gql, demo):
    body = gql('{ availableSlots(service: "x", location: "y", date: "not-a-date") { start } }')
    assert body["data"] is None
    assert "not-a-date" in body["errors"][0]["message"]


def test_invalid_variables_are_reported_not_masked(gql, demo):
    body = gql(
        'query($d: Date!) { availableSlots(service: "x", location: "y", date: $d) { start } }', {}
    )
    assert body["data"] is None
    assert "Variable '$d'" in body["errors"][0]["message"]
