"""Pinned query counts of the queue's reads and of every queue mutation (with what runs on
commit: the published state, the events' subscribers). Each runs once with a short and once
with a long queue: the count must be the same, so an N+1 fails here. Rate-limit counter rows
are left out (tests/core/test_ratelimit.py counts them)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.bookings.models import Booking
from backend.queue.models import QueueTicket
from tests.conftest import GraphQLClient, at
from tests.documents import CHECK_IN, DRAW, SIGN_IN, ticket_action
from tests.factories import booked
from tests.queue.actions import AHEAD, BEA, call_next, draw, sign_in

pytestmark = pytest.mark.django_db

SIZES = (1, 6)  # walk-ins waiting besides the ticket acted on

FIELDS = "id number status recallCount bookingCode name availableActions"
TICKET = f"ticket {{ {FIELDS} }}"
COUNTER_QUEUE = f"""query($l: ID!) {{ counterQueue(location: $l) {{
  location organizationKind asOf
  waiting {{ {FIELDS} }} active {{ {FIELDS} }} parked {{ {FIELDS} }}
  servicePoints {{ id name services signedIn }} }} }}"""
QUEUE_STATS = """query($l: ID!, $d: Date!) { queueStats(location: $l, date: $d) {
  date services { service prefix tickets called served noShows cancelled waitP50Minutes
  servicePointP50: serviceP50Minutes withinTargetShare uncalledOverTarget }
  ticketsPerHour { hour tickets } } }"""
WORKPLACES = """{ me { username workplaces { canWorkQueue
  location { id name timezone services { id name } } } } }"""
SIGN_OUT = """mutation($input: ServicePointInput!) {
  signOutOfServicePoint(input: $input) { servicePoint { id signedIn } errors { code } } }"""
CALL = f"""mutation($input: ServicePointInput!) {{
  callNextTicket(input: $input) {{ {TICKET} errors {{ code }} }} }}"""
CANCEL = f"""mutation($input: CancelTicketInput!) {{
  cancelTicket(input: $input) {{ {TICKET} errors {{ code }} }} }}"""


def act_document(name: str, input_type: str = "TicketInput") -> str:
    return ticket_action(name, input_type).replace(
        "ticket { id number status source servicePoint recallCount bookingCode name }", TICKET
    )


def count(client: GraphQLClient, capture, query: str, variables: dict) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured, capture(execute=True):
        data = client.data(query, variables)
    return len([q for q in captured if "core_ratelimitcounter" not in q["sql"]]), data


@dataclass
class Queue:
    booking: Booking
    called: QueueTicket  # the checked-in booking, called to counter 1
    waiting: list[str]  # walk-in ticket ids


@pytest.fixture(params=SIZES, ids=lambda n: f"{n}-waiting")
def queue(request, demo, floor, office_hour) -> Queue:
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})
    waiting = [draw(floor.kiosk, demo)["ticket"]["id"] for _ in range(request.param)]
    sign_in(floor)
    called = call_next(floor)["ticket"]
    assert called["bookingCode"] == booking.code
    return Queue(booking, QueueTicket.objects.get(pk=called["id"]), waiting)


READS = {"counterQueue": 14, "queueStats": 8, "workplaces": 9}


@pytest.mark.parametrize("read", READS)
def test_reads_cost_a_pinned_number_of_queries(
    demo, floor, queue, office_hour, django_capture_on_commit_callbacks, read
):
    documents = {
        "counterQueue": (COUNTER_QUEUE, {"l": str(demo.rathaus.pk)}),
        "queueStats": (QUEUE_STATS, {"l": str(demo.rathaus.pk), "d": office_hour.isoformat()}),
        "workplaces": (WORKPLACES, {}),
    }
    query, variables = documents[read]
    floor.clerk.data(query, variables)  # once before: per-process caches (content types)
    queries, data = count(floor.clerk, django_capture_on_commit_callbacks, query, variables)
    assert data  # answered
    assert queries == READS[read]


# Each includes the access check, the row lock, the booking's status and its audit row where
# they apply, the state published on commit and the reloaded answer with its actions.
MUTATIONS = {
    "drawTicket": 18,
    "checkIn": 20,
    "signInToServicePoint": 17,
    "signOutOfServicePoint": 16,
    "callNextTicket": 35,  # finishes the counter's ticket, then calls the next
    "recallTicket": 25,
    "startTicket": 26,
    "finishTicket": 27,
    "markNoShow": 26,
    "parkTicket": 26,
    "returnTicket": 24,
    "transferTicket": 33,
    "cancelTicket": 24,
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_mutations_cost_a_pinned_number_of_queries(
    demo, floor, queue, office_hour, django_capture_on_commit_callbacks, mutation
):
    counter = {"servicePoint": str(floor.counters[0].pk)}
    ticket = {"ticket": str(queue.called.pk)}
    client = floor.clerk
    if mutation == "drawTicket":
        client = floor.kiosk
        document = DRAW
        variables = {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}
    elif mutation == "checkIn":
        client = floor.kiosk
        document = CHECK_IN
        variables = {
            "code": booked(
                demo.ausweis, demo.rathaus, at(office_hour, 10, 15), ahead=AHEAD, **BEA
            ).code
        }
    elif mutation == "signInToServicePoint":
        document, variables = SIGN_IN, {"servicePoint": str(floor.counters[1].pk)}
    elif mutation == "signOutOfServicePoint":
        document, variables = SIGN_OUT, counter
    elif mutation == "callNextTicket":
        document, variables = CALL, counter
    elif mutation == "returnTicket":
        client.data(act_document("parkTicket"), {"input": ticket})
        document, variables = act_document(mutation), ticket
    elif mutation == "transferTicket":
        document = act_document(mutation, "TransferTicketInput")
        variables = {**ticket, "servicePoint": str(floor.counters[1].pk)}
    elif mutation == "cancelTicket":
        document, variables = CANCEL, {"ticket": queue.waiting[0]}
    else:
        document, variables = act_document(mutation), ticket

    queries, data = count(
        client, django_capture_on_commit_callbacks, document, {"input": variables}
    )

    payload = data[mutation]
    assert payload["errors"] == []
    assert queries == MUTATIONS[mutation]
