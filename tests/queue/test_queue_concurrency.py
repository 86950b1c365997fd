"""Numbers and calls under real concurrency (threads, one connection each; SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.core.models import AuditLog
from backend.queue.models import QueueTicket
from tests.concurrency import fire
from tests.documents import CALL_NEXT, DRAW, SIGN_IN, ticket_action
from tests.queue.conftest import staff_client

RECALL = ticket_action("recallTicket")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def post(headers: dict, query: str, variables: dict, cookies=None):
    def request():
        client = Client()
        if cookies:
            client.cookies.update(cookies)
        try:
            response = client.post(
                "/graphql",
                json.dumps({"query": query, "variables": variables}),
                content_type="application/json",
                **headers,
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    return request


def test_500_concurrent_draws_number_a001_to_a500(demo, floor):
    variables = {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
    results = fire([post(floor.kiosk.headers, DRAW, variables) for _ in range(500)])

    numbers = sorted(body["data"]["drawTicket"]["ticket"]["number"] for _status, body in results)
    assert numbers == [f"A{n:03d}" for n in range(1, 501)]
    assert QueueTicket.objects.count() == 500


def test_two_clerks_calling_at_the_same_moment_never_get_the_same_ticket(demo, floor):
    variables = {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
    fire([post(floor.kiosk.headers, DRAW, variables) for _ in range(40)])
    second = create_staff("clerk2", "c2@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    clerks = [floor.clerk, staff_client(second)]
    for clerk, point in zip(clerks, floor.counters, strict=True):
        clerk.data(SIGN_IN, {"input": {"servicePoint": str(point.pk)}})

    calls = [
        post({}, CALL_NEXT, {"input": {"servicePoint": str(point.pk)}}, clerk.client.cookies)
        for _round in range(25)
        for clerk, point in zip(clerks, floor.counters, strict=True)
    ]
    results = fire(calls)

    payloads = [body["data"]["callNextTicket"] for _status, body in results]
    called = [p["ticket"]["number"] for p in payloads if p["ticket"]]
    assert len(called) == len(set(called)) == 40  # every ticket called exactly once
    assert Counter(e["code"] for p in payloads for e in p["errors"]) == {"QUEUE_EMPTY": 10}
    assert get_user_model().objects.filter(username__in=["clerk", "clerk2"]).count() == 2


def test_parallel_recalls_each_count(demo, floor, settings):
    """The recall counter is incremented in the database under the ticket's row lock: N
    clerks recalling at once give exactly N recalls, none lost to a read-modify-write."""
    settings.QUEUE_MAX_RECALLS = 100
    recalls = 20
    floor.kiosk.data(
        DRAW, {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
    )
    point = floor.counters[0]
    floor.clerk.data(SIGN_IN, {"input": {"servicePoint": str(point.pk)}})
    called = floor.clerk.data(CALL_NEXT, {"input": {"servicePoint": str(point.pk)}})
    ticket_id = called["callNextTicket"]["ticket"]["id"]

    results = fire(
        [
            post({}, RECALL, {"input": {"ticket": ticket_id}}, floor.clerk.client.cookies)
            for _ in range(recalls)
        ]
    )

    assert [body["data"]["recallTicket"]["errors"] for _status, body in results] == [[]] * recalls
    ticket = QueueTicket.objects.get(pk=ticket_id)
    assert (ticket.status, ticket.recall_count) == (QueueTicket.Status.CALLED, recalls)
    # Each recall counted under the lock, so each recorded its own number.
    audited = AuditLog.objects.filter(action="ticket.recalled", object_id=ticket_id)
    assert sorted(entry.data["recalls"] for entry in audited) == list(range(1, recalls + 1))
