"""Every request's work is bounded before and while it runs: fragment bombs are refused before
validation walks them, costly or self-nested queries before execution, and a request that runs
past its wall-clock budget stops with TIMEOUT. Public errors leave no traceback in the log."""

from __future__ import annotations

import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from backend.bookings import availability
from schema import guard
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.django_db


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the next one twice: ~35 bytes per level, 2^levels fields."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ organizations {{ slug }} }}")
    return "query { ...F0 } " + " ".join(fragments)


def test_a_fragment_bomb_is_refused_before_validation_walks_it(gql, demo):
    document = fragment_bomb(30)
    assert len(document) < 1500
    gql("{ __typename }")  # the first request of a process imports the URL conf and schema

    started = time.monotonic()
    body = gql(document)
    elapsed = time.monotonic() - started

    assert body == {
        "data": None,
        "errors": [
            {
                "message": "The document expands to more than 2000 fields (fragment spreads "
                "counted each time they are used); ask for less or use fewer spreads.",
                "extensions": {"code": "DOCUMENT_TOO_LARGE", "limit": 2000},
            }
        ],
    }
    assert elapsed < 2.0  # it terminates; before the limit it ran for minutes


def test_a_document_within_the_expanded_size_limit_runs(gql, demo, settings):
    settings.GRAPHQL_COST_BUDGET_ANONYMOUS = 1_000_000
    body = gql(fragment_bomb(9))  # 2^9 spreads of 2 fields: 1024 fields

    assert body == {
        "data": {"organizations": [{"slug": "praxis-sommer"}, {"slug": "musterhausen"}]}
    }


def test_fragment_cycles_terminate_with_a_validation_error(gql, demo):
    body = gql("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "Cannot spread fragment 'A' within itself via 'B'.",
                "locations": [{"line": 1, "column": 38}, {"line": 1, "column": 67}],
            }
        ],
    }


# --- cost ---------------------------------------------------------------------------------------

# organizations 10 x (1 + locations 10 x (1 + openingHours 10 x (1 + 3)
#   + closures 10 x (1 + 1) + services 10 x (1 + name + fee (1 + 2)))) = 10 x (1 + 1110) = 11110
CATALOG = """{ organizations { locations {
  openingHours { weekday opens closes } closures { reason }
  services { name fee { amount currency } } } } }"""


def staff_client(db) -> GraphQLClient:
    client = Client()
    client.force_login(get_user_model().objects.create_user("cost-staff", password="-"))
    return GraphQLClient(client, {})


def test_a_query_above_the_anonymous_budget_is_refused_with_its_cost(gql, demo, settings):
    settings.GRAPHQL_COST_BUDGET_ANONYMOUS = 10_000

    body = gql(CATALOG)

    assert body == {
        "data": None,
        "errors": [
            {
                "message": "This query's estimated cost is 11110, above the budget of 10000 for "
                "this caller; ask for fewer fields or smaller pages (see the schema description).",
                "extensions": {"code": "QUERY_TOO_COSTLY", "cost": 11110, "budget": 10000},
            }
        ],
    }


def test_staff_have_the_larger_budget(demo, settings, db):
    settings.GRAPHQL_COST_BUDGET_ANONYMOUS = 10_000
    body = staff_client(db)(CATALOG)
    assert "errors" not in body
    assert len(body["data"]["organizations"]) == 2


LOCATION_BOOKINGS = """query($location: ID!, $date: Date!, $n: Int!) {
  locationBookings(location: $location, date: $date, limit: $n) { totalCount items { code } } }"""


@pytest.mark.parametrize(("page", "cost", "refused"), [(100, 202, True), (50, 102, False)])
def test_page_size_arguments_weigh_the_lists_inside(demo, settings, db, page, cost, refused):
    settings.GRAPHQL_COST_BUDGET_AUTHENTICATED = 150
    variables = {"location": str(demo.rathaus.pk), "date": "2030-01-07", "n": page}

    body = staff_client(db)(LOCATION_BOOKINGS, variables)

    codes = [e["extensions"]["code"] for e in body.get("errors", [])]
    if refused:
        assert body["errors"][0]["extensions"] == {
            "code": "QUERY_TOO_COSTLY",
            "cost": cost,
            "budget": 150,
        }
    else:
        assert "QUERY_TOO_COSTLY" not in codes


@pytest.mark.parametrize(
    ("query", "message", "field"),
    [
        (
            "{ organizations { locations { services { locations { services { name } } } } } }",
            "`Service.locations` leads back to the enclosing Location.services",
            "Service.locations",
        ),
        (
            "{ organizations { locations { organization { locations { name } } } } }",
            "`Organization.locations` is selected inside itself",
            "Organization.locations",
        ),
        (
            "{ organizations { locations { services { locations { slug } } } } }",
            "`Service.locations` leads back to the enclosing Location.services",
            "Service.locations",
        ),
    ],
    ids=["issue-example", "same-list-twice", "back-reference"],
)
def test_lists_nested_back_into_themselves_are_refused(gql, demo, query, message, field):
    assert gql(query) == {
        "data": None,
        "errors": [
            {
                "message": f"{message}: the answer would multiply with the size of the catalog. "
                "Select each list once and match the items by id.",
                "extensions": {"code": "NESTED_LIST_REFUSED", "field": field},
            }
        ],
    }


def test_the_citizen_site_catalog_shape_is_allowed(gql, demo):
    data = gql.data("{ organizations { slug services { slug locations { slug } } } }")
    musterhausen = next(o for o in data["organizations"] if o["slug"] == "musterhausen")
    ausweis = next(s for s in musterhausen["services"] if s["slug"] == "personalausweis")
    assert sorted(location["slug"] for location in ausweis["locations"]) == ["ba-nord", "rathaus"]


# --- wall-clock budget ------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_a_request_past_its_budget_stops_between_fields_with_timeout(gql, demo, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(guard.time, "monotonic", clock.monotonic)
    real_days = availability.available_days
    calls = []

    def slow_days(*args, **kwargs):
        calls.append(1)
        clock.now += 11  # this computation took longer than the whole budget
        return real_days(*args, **kwargs)

    monkeypatch.setattr(availability, "available_days", slow_days)
    days = 'availableDays(service: $s, location: $l, from: "2030-01-07", to: "2030-01-08")'
    body = gql(
        f"query($s: ID!, $l: ID!) {{ a: {days} b: {days} c: {days} }}",
        {"s": str(demo.ausweis.pk), "l": str(demo.rathaus.pk)},
    )

    assert calls == [1]  # b and c never started
    assert body == {
        "data": None,
        "errors": [
            {
                "message": "The request took longer than its budget of 10 s and was stopped; "
                "ask for fewer fields or smaller pages.",
                "locations": [{"line": 1, "column": 109}],
                "path": ["b"],
                "extensions": {"code": "TIMEOUT", "budgetSeconds": 10.0},
            }
        ],
    }


# --- the log ------------------------------------------------------------------------------------


def test_public_errors_write_nothing_to_the_log_but_bugs_do(gql, demo, caplog, monkeypatch):
    with caplog.at_level(logging.INFO):
        not_found = gql('{ location(id: "nope") { name } }')
        forbidden = gql(
            LOCATION_BOOKINGS, {"location": str(demo.rathaus.pk), "date": "2030-01-07", "n": 5}
        )
        too_costly = gql("{ organizations { locations { services { locations { slug } } } } }")
    assert [e["extensions"]["code"] for e in not_found["errors"] + forbidden["errors"]] == [
        "NOT_FOUND",
        "FORBIDDEN",
    ]
    assert too_costly["errors"][0]["extensions"]["code"] == "NESTED_LIST_REFUSED"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []

    def boom(*args, **kwargs):
        raise RuntimeError("a real bug")

    monkeypatch.setattr(availability, "available_days", boom)
    caplog.clear()
    gql(
        'query($s: ID!, $l: ID!) { availableDays(service: $s, location: $l, from: "2030-01-07", '
        'to: "2030-01-08") }',
        {"s": str(demo.ausweis.pk), "l": str(demo.rathaus.pk)},
    )
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None and str(record.exc_info[1]) == "a real bug"
