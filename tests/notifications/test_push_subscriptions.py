"""subscribePush: the endpoint is a URL the server will POST to, so it must be https on a
public host (never the server's own network); at most five browsers per booking, ticket or
entry; the language defaults to the booking's."""

from __future__ import annotations

import pytest

from backend.notifications.models import PushSubscription
from tests.conftest import at, working_day
from tests.documents import DRAW
from tests.factories import book
from tests.notifications.conftest import Browser
from tests.notifications.flows import AYSE, subscribe_push

pytestmark = pytest.mark.django_db

INVALID = {"subscribed": False, "errors": [{"code": "INVALID_PUSH_ENDPOINT", "field": "endpoint"}]}
SUBSCRIBED = {"subscribed": True, "errors": []}


@pytest.fixture
def booking(gql, demo, committed, smtp) -> dict:
    with committed():
        made = book(
            gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE, language="EN"
        )
    return {"bookingCode": made["booking"]["code"], "bookingToken": made["manageToken"]}


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://updates.push.services.mozilla.com/wpush/v2/abc",  # not https
        "https://127.0.0.1/push/abc",
        "https://10.1.2.3/push/abc",
        "https://192.168.178.1/push/abc",
        "https://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "https://[::1]/push/abc",
        "https://[fd00::1]/push/abc",
        "https://[::ffff:127.0.0.1]/push/abc",
        "https://2130706433/push/abc",  # 127.0.0.1 spelled as one number
        "https://0x7f.1/push/abc",
        "https://localhost/push/abc",
        "https://push.localhost/abc",
        "https://redis.internal/abc",
        "https://intranet/push/abc",  # a single label: the local search domain
        "https://user:pass@fcm.googleapis.com/fcm/send/abc",
        "https://fcm.googleapis.com:port/fcm/send/abc",
        "file:///etc/passwd",
        "not a url",
    ],
)
def test_endpoints_on_the_servers_own_network_are_refused(endpoint, gql, booking, settings):
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = False
    browser = Browser.new(endpoint)
    assert subscribe_push(gql, browser, **booking) == INVALID
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91b",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
        "https://web.push.apple.com/QGuQyavXutnMH",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
    ],
)
def test_real_push_services_are_accepted(endpoint, gql, booking, settings):
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = False
    assert subscribe_push(gql, Browser.new(endpoint), **booking) == SUBSCRIBED
    assert list(PushSubscription.objects.values_list("endpoint", "language")) == [
        (endpoint, "en")  # the booking's language, none was given
    ]


def test_the_local_fake_needs_the_development_switch(gql, booking, push_service, settings):
    browser = push_service.browser("phone")  # http://127.0.0.1:<port>/push/phone
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = False
    assert subscribe_push(gql, browser, **booking) == INVALID
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = True
    assert subscribe_push(gql, browser, **booking) == SUBSCRIBED


def test_at_most_five_browsers_per_booking_the_oldest_gives_way(gql, booking, push_service):
    browsers = [push_service.browser(f"b{n}") for n in range(7)]
    for browser in browsers[:5]:
        assert subscribe_push(gql, browser, **booking) == SUBSCRIBED
    # The first one subscribes again (new keys): refreshed in place, nothing dropped.
    assert subscribe_push(gql, browsers[0], **booking) == SUBSCRIBED
    assert PushSubscription.objects.count() == 5

    for browser in browsers[5:]:
        assert subscribe_push(gql, browser, **booking) == SUBSCRIBED

    endpoints = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert endpoints == {b.endpoint for b in browsers[2:]}  # b0 and b1 gave way
    assert PushSubscription.objects.get(endpoint=browsers[2].endpoint).booking.language == "en"


def test_a_given_language_wins(gql, booking, push_service):
    assert subscribe_push(gql, push_service.browser("tr"), language="TR", **booking) == (SUBSCRIBED)
    assert PushSubscription.objects.get().language == "tr"


def test_a_walk_in_tickets_language_is_the_offices(gql, demo, floor, push_service):
    variables = {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
    ticket = floor.kiosk.data(DRAW, variables)["drawTicket"]["ticket"]
    subject = {"ticket": ticket["id"], "ticketToken": ticket["statusToken"]}
    assert subscribe_push(gql, push_service.browser("walk-in"), **subject) == SUBSCRIBED
    assert PushSubscription.objects.get().language == "de"
