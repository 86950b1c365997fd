"""/metrics through HTTP: hidden without METRICS_TOKEN, bearer token required, and counters
that move with real requests, bookings, cancellations, holds and failed jobs."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from huey.contrib.djhuey import HUEY

from backend.asgi import application
from tests.conftest import at, working_day
from tests.documents import CANCEL, HOLD_SLOT
from tests.factories import book
from tests.metrics_scrape import TOKEN, scrape, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def test_no_metrics_without_a_token_configured(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Basic bWV0cmljczp4", 401),
        ("Bearer ", 401),
        ("Bearer wrong-token", 403),
        (f"Bearer {TOKEN}x", 403),
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),
    ],
)
def test_the_bearer_token_is_required(token, authorization, status):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client().get("/metrics", **headers)
    assert response.status_code == status
    if status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    if status == 200:
        assert response["Content-Type"].startswith("text/plain; version=")
        assert b"vorzimmer_http_requests_total" in response.content
    else:
        assert b"vorzimmer" not in response.content


def test_requests_are_counted_by_route_never_by_path(token):
    before = scrape()
    client = Client()
    client.get("/api/health/live")
    client.get("/manage/SECRET-CODE-42")
    client.get("/no-such-page/SECRET-CODE-42")
    after = scrape()
    counted = "vorzimmer_http_requests_total"
    for route, status in [("health-live", "200"), ("manage", "200"), ("unmatched", "404")]:
        labels = {"method": "GET", "route": route, "status": status}
        assert value(after, counted, **labels) == value(before, counted, **labels) + 1, route
    latency = "vorzimmer_http_request_duration_seconds_count"
    assert value(after, latency, method="GET", route="manage") == (
        value(before, latency, method="GET", route="manage") + 1
    )
    assert not [key for key in after if "SECRET" in repr(key)]


def test_bookings_cancellations_holds_and_graphql_fields_are_counted(
    token, gql, demo, django_capture_on_commit_callbacks
):
    day = working_day()
    before = scrape()
    slot = {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": at(day, 11)}
    gql.data(HOLD_SLOT, {"input": slot})
    with django_capture_on_commit_callbacks(execute=True):
        made = book(gql, demo.ausweis, demo.rathaus, at(day, 9, 45))
    with django_capture_on_commit_callbacks(execute=True):
        code, secret = made["booking"]["code"], made["manageToken"]
        gql.data(CANCEL, {"input": {"code": code, "token": secret}})
    after = scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("vorzimmer_bookings_created_total", source="web") == 1
    assert moved("vorzimmer_bookings_cancelled_total", by="citizen") == 1
    assert moved("vorzimmer_holds_live") == 1  # read from the database when scraped
    for field in ("holdSlot", "bookAppointment", "cancelBooking"):
        assert moved("vorzimmer_graphql_operations_total", type="mutation", field=field) == 1


@HUEY.task()
def failing_job():
    raise RuntimeError("a job that fails")


def test_failed_jobs_and_the_queue_depth_are_counted(token):
    before = scrape()
    failing_job()  # the suite runs jobs at once; the consumer emits the same signal
    HUEY.immediate = False
    try:
        failing_job()  # queued: waits for a consumer
        pending = value(scrape(), "vorzimmer_huey_pending_jobs")
    finally:
        HUEY.flush()
        HUEY.immediate = True
    task = failing_job.s().name
    after = scrape()
    assert value(after, "vorzimmer_huey_job_failures_total", task=task) == (
        value(before, "vorzimmer_huey_job_failures_total", task=task) + 1
    )
    assert pending >= 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_connections_are_counted_while_open(token):
    def open_and_total(samples) -> tuple[float, float]:
        return (
            value(samples, "vorzimmer_websocket_connections_open"),
            value(samples, "vorzimmer_websocket_connections_total"),
        )

    before = open_and_total(await sync_to_async(scrape)())
    ws = WebsocketCommunicator(
        application,
        "/graphql",
        subprotocols=["graphql-transport-ws"],
        headers=[(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")],
    )
    assert (await ws.connect(timeout=10))[0] is True
    during = open_and_total(await sync_to_async(scrape)())
    await ws.disconnect(code=1000)
    after = open_and_total(await sync_to_async(scrape)())
    assert during == (before[0] + 1, before[1] + 1)
    assert after == (before[0], before[1] + 1)
