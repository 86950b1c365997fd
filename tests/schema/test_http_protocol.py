"""GraphQL over HTTP as a hostile or careless client sends it: every malformed request is a 4xx
with a JSON GraphQL error (never Django's HTML 500), and the response media type follows the
client's Accept header as the GraphQL-over-HTTP spec says."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from tests.documents import BOOK, HOLD_SLOT

pytestmark = pytest.mark.django_db

QUERY = '{ organization(slug: "musterhausen") { slug } }'
DATA = {"data": {"organization": {"slug": "musterhausen"}}}
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def post(body: bytes | str, content_type: str = "application/json", **headers):
    return Client().post("/graphql", body, content_type=content_type, **headers)


def refusal(response) -> tuple[int, str, str]:
    """(status, media type, extensions.code) of a refused request; the body is exactly one
    JSON GraphQL error and no `data`."""
    body = json.loads(response.content)
    assert list(body) == ["errors"], body
    [error] = body["errors"]
    assert set(error) == {"message", "extensions"}
    return response.status_code, response["Content-Type"], error["extensions"]["code"]


JSON_REFUSAL = (400, "application/json; charset=utf-8", "BAD_REQUEST")


@pytest.mark.parametrize(
    "body",
    ["null", '"x"', "1", "true", "[]", '[{"query": "{ organizations { slug } }"}]', "{}", " "],
    ids=["null", "string", "number", "true", "empty-batch", "batch", "no-query", "blank"],
)
def test_bodies_that_are_not_one_operation_object_are_400(demo, body):
    assert refusal(post(body)) == JSON_REFUSAL


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"query": QUERY}).encode("utf-16"),
        json.dumps({"query": QUERY}).encode("utf-16-le"),
        b'{"query": "{ organizations { slug } }\xff"}',
        b'{"query": "{ organizations { slug } }", "variables": {"a": "\xc0\xaf"}}',
        b'{"query": "{ organizations { slug } }", "variables": {"a": "\xed\xa0\x80"}}',
        b"\xef\xbb\xbf" + json.dumps({"query": QUERY}).encode(),
    ],
    ids=[
        "utf-16",
        "utf-16-le-no-bom",
        "invalid-utf-8",
        "overlong-utf-8",
        "encoded-surrogate",
        "bom",
    ],
)
def test_bodies_that_are_not_utf_8_json_are_400(demo, body):
    assert refusal(post(body)) == JSON_REFUSAL


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ organizations { slug } }", "operationName": "\\ud800"}',
        '{"query": "{ organizations { slug } } # \\udfff"}',
        '{"query": "{ organizations { slug } }", "variables": {"name": "a\\ud800b"}}',
        '{"query": "{ organizations { slug } }", "variables": {"\\ud800": 1}}',
    ],
    ids=["operation-name", "query", "variable-value", "variable-name"],
)
def test_lone_surrogates_are_400(demo, body):
    assert refusal(post(body)) == JSON_REFUSAL


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ organizations { slug } }", "n": ' + "9" * 5000 + "}",
        '{"query": "{ organizations { slug } }", "variables": {"n": ' + "9" * 5000 + "}}",
        '{"query": "{ organizations { slug } }", "variables": {"n": 1' + "0" * 400 + ".5}}",
        '{"query": "{ organizations { slug } }", "variables": {"n": NaN}}',
        '{"query": "{ organizations { slug } }", "variables": {"n": 1e999}}',
        "[" * 45_000 + "]" * 45_000,
    ],
    ids=["5000-digits", "5000-digits-in-variables", "long-float", "nan", "infinite", "deep"],
)
def test_numbers_and_nesting_python_cannot_hold_are_400(demo, body):
    assert refusal(post(body)) == JSON_REFUSAL


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
    ],
)
def test_other_media_types_and_charsets_are_415(demo, content_type):
    response = post(json.dumps({"query": QUERY}), content_type=content_type)
    assert refusal(response) == (415, "application/json; charset=utf-8", "UNSUPPORTED_MEDIA_TYPE")


def test_utf_8_charset_is_accepted(demo):
    response = post(json.dumps({"query": QUERY}), "application/json; charset=UTF-8")
    assert response.status_code == 200
    assert response.json() == DATA


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"query": 5}, "`query` must be a non-empty string."),
        ({"query": None}, "`query` must be a non-empty string."),
        ({"query": ["{ organizations { slug } }"]}, "`query` must be a non-empty string."),
        ({"query": "  "}, "`query` must be a non-empty string."),
        ({"query": QUERY, "variables": "x"}, "`variables` must be an object or null."),
        ({"query": QUERY, "variables": []}, "`variables` must be an object or null."),
        ({"query": QUERY, "operationName": 5}, "`operationName` must be a string or null."),
        ({"query": QUERY, "operationName": {}}, "`operationName` must be a string or null."),
        ({"query": QUERY, "extensions": "x"}, "`extensions` must be an object or null."),
    ],
    ids=[
        "query-number",
        "query-null",
        "query-list",
        "query-blank",
        "variables-string",
        "variables-list",
        "operation-name-number",
        "operation-name-object",
        "extensions-string",
    ],
)
def test_wrongly_typed_parameters_are_400_with_the_reason(demo, fields, message):
    response = post(json.dumps(fields))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    }


def test_an_unknown_operation_name_is_400(demo):
    response = post(
        json.dumps({"query": "query A { organizations { slug } }", "operationName": "B"})
    )
    assert refusal(response) == (400, "application/json; charset=utf-8", "OPERATION_NOT_FOUND")


def test_subscriptions_over_http_are_400(demo):
    response = post(json.dumps({"query": 'subscription { queueBoard(location: "x") { now } }'}))
    assert refusal(response) == (400, "application/json; charset=utf-8", "OPERATION_NOT_ALLOWED")


@pytest.mark.parametrize(
    "params",
    [
        {"query": QUERY},
        {"query": 'mutation { releaseHold(input: {hold: "x"}) { released } }'},
        {"query": "{ organizations { slug }", "variables": "{"},
        "query=%ff%fe%00&variables=%7B&operationName=%ed%a0%80",
        {},
    ],
    ids=["query", "mutation", "broken-params", "garbage-params", "no-params"],
)
def test_get_is_refused_with_405(demo, params):
    if isinstance(params, str):  # raw bytes the test client would not encode
        response = Client().get(f"/graphql?{params}")
    else:
        response = Client().get("/graphql", params)
    assert refusal(response) == (405, "application/json; charset=utf-8", "METHOD_NOT_ALLOWED")
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_405(demo, method):
    response = getattr(Client(), method)("/graphql", json.dumps({"query": QUERY}))
    assert refusal(response) == (405, "application/json; charset=utf-8", "METHOD_NOT_ALLOWED")


def test_a_bad_start_time_is_a_typed_validation_error_without_python_internals(demo):
    variables = {
        "input": {
            "service": str(demo.ausweis.pk),
            "location": str(demo.rathaus.pk),
            "start": "2030-01-0x",
            "name": "Erika Mustermann",
            "email": "erika@example.org",
        }
    }
    response = post(json.dumps({"query": BOOK, "variables": variables}))
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Variable '$input' has invalid value at .start: "
                'Value cannot represent a DateTime: "2030-01-0x". '
                "Use ISO 8601 (years 1900 to 2999), e.g. 2026-03-02T09:00:00+01:00.",
                "locations": [{"line": 2, "column": 15}],
            }
        ],
    }


# --- media types (GraphQL over HTTP) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json", GRAPHQL_RESPONSE_JSON),
        (f"application/json;q=0.9, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", "application/json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ],
)
def test_the_response_media_type_follows_accept(demo, accept, media_type):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = post(json.dumps({"query": QUERY}), **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response.json() == DATA


@pytest.mark.parametrize(
    "query",
    ["{ organizations { slug ", "{ organizations { nope } }", "{ __schema { types { name } } }"],
    ids=["parse", "validation", "introspection"],
)
def test_request_errors_are_400_without_data_for_graphql_response_json(demo, query):
    spec = post(json.dumps({"query": query}), HTTP_ACCEPT=GRAPHQL_RESPONSE_JSON)
    legacy = post(json.dumps({"query": query}), HTTP_ACCEPT="application/json")

    assert spec.status_code == 400
    assert spec["Content-Type"] == f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
    assert list(spec.json()) == ["errors"]
    assert legacy.status_code == 200
    assert legacy.json() == {"data": None, "errors": spec.json()["errors"]}


def test_field_errors_are_200_with_data_for_graphql_response_json(demo):
    response = post(
        json.dumps({"query": '{ location(id: "nope") { name } }'}),
        HTTP_ACCEPT=GRAPHQL_RESPONSE_JSON,
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {"location": None},
        "errors": [
            {
                "message": "No such location.",
                "locations": [{"line": 1, "column": 3}],
                "path": ["location"],
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    }


@pytest.mark.parametrize(
    "start", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "1899-12-31T09:00:00Z"]
)
def test_times_at_the_edge_of_the_calendar_are_refused_cleanly(demo, start, caplog):
    """Found by the fuzz test: converting year 1 or 9999 to UTC overflowed inside holdSlot."""
    variables = {
        "input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk), "start": start}
    }
    response = post(json.dumps({"query": HOLD_SLOT, "variables": variables}))
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Variable '$input' has invalid value at .start: "
                f'Value cannot represent a DateTime: "{start}". '
                "Use ISO 8601 (years 1900 to 2999), e.g. 2026-03-02T09:00:00+01:00.",
                "locations": [{"line": 2, "column": 15}],
            }
        ],
    }
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


NUL = "Strings in the request must not contain NUL (\\u0000) characters."


def test_nul_in_variables_is_400(demo):
    """Found by the fuzz test on PostgreSQL, whose text columns cannot hold NUL."""
    body = json.dumps({"query": QUERY, "variables": {"slug": "a\x00b"}})
    response = post(body)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": NUL, "extensions": {"code": "BAD_REQUEST"}}]}


def test_nul_in_a_document_string_is_refused_before_any_resolver_runs(demo, caplog):
    document = '{ organization(slug: "a\\u0000b") { slug } }'
    response = post(json.dumps({"query": document}), HTTP_ACCEPT=GRAPHQL_RESPONSE_JSON)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": NUL, "extensions": {"code": "BAD_REQUEST"}}]}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
