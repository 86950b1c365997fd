"""Web Push end to end: the browser subscribes through /graphql with its own keys, the app
sends through a local push service, and the browser's private key decrypts the payload."""

from __future__ import annotations

import datetime as dt
import json
import stat
import time

import pytest
from huey.contrib.djhuey import HUEY

from backend.notifications.bookings import reminder_key, send_due_reminders
from backend.notifications.models import Delivery, PushSubscription
from backend.notifications.tasks import RETRY_DELAY, send_booking_message
from tests.conftest import at, working_day
from tests.documents import CALL_NEXT, DRAW, SIGN_IN
from tests.factories import book
from tests.notifications.conftest import PushService, b64url, run_due_retries, verify_vapid
from tests.notifications.flows import AYSE, SUBSCRIBE_PUSH, VAPID_PUBLIC_KEY, german_date

pytestmark = pytest.mark.django_db


def subscribe(gql, browser, **subject) -> dict:
    variables = {"input": {**browser.subscription(), **subject}}
    return gql.data(SUBSCRIBE_PUSH, variables)["subscribePush"]


def book_for_push(gql, demo, committed, push_service, *names):
    """A booking that chose Web Push, with one subscribed browser per name."""
    with committed():
        made = book(
            gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE, channel="PUSH"
        )
    code, token = made["booking"]["code"], made["manageToken"]
    browsers = [push_service.browser(name) for name in names]
    for browser in browsers:
        result = subscribe(gql, browser, bookingCode=code, bookingToken=token)
        assert result == {"subscribed": True, "errors": []}
    return made, browsers


def remind(hours_before: float = 1.99) -> int:
    start = Delivery.objects.get(kind="booking_confirmation").booking.starts_at
    return send_due_reminders(now=start - dt.timedelta(hours=hours_before))


def check_vapid(request, push_service, settings, public_key: str) -> None:
    vapid = verify_vapid(request.headers["authorization"])  # signature checked
    assert vapid.header == {"typ": "JWT", "alg": "ES256"}
    assert vapid.key == public_key
    assert vapid.claims["aud"] == push_service.url  # the endpoint's origin
    assert vapid.claims["sub"] == settings.VAPID_SUBJECT
    assert time.time() < vapid.claims["exp"] <= time.time() + 24 * 3600


def test_a_booking_reminder_by_web_push(
    gql, demo, smtp, push_service, committed, settings, vapid_key
):
    public_key = gql.data(VAPID_PUBLIC_KEY)["vapidPublicKey"]
    assert stat.S_IMODE(vapid_key.stat().st_mode) == 0o600
    made, [browser] = book_for_push(gql, demo, committed, push_service, "phone")
    code = made["booking"]["code"]

    remind()
    remind()  # the periodic task runs again: nothing twice

    [request] = push_service.requests
    payload = browser.decrypt(request.body)
    assert payload == {
        "title": f"Termin {german_date(working_day())} um 09:45",
        "url": f"/manage/{code}",
    }
    for personal in ("Ayşe", "Yılmaz", "ayse@", "Personalausweis", "Rathaus"):
        assert personal not in json.dumps(payload, ensure_ascii=False)
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["ttl"] == str(6 * 3600)
    assert request.headers["urgency"] == "normal"
    check_vapid(request, push_service, settings, public_key)
    assert len(smtp.messages) == 1  # only the confirmation: the reminder went by push
    reminder = Delivery.objects.get(kind="booking_reminder", key__startswith="2h@")
    assert (reminder.channel, reminder.status) == ("push", "sent")


def test_subscribing_needs_the_bookings_token(gql, demo, committed, push_service):
    made, _ = book_for_push(gql, demo, committed, push_service)
    browser = push_service.browser("intruder")
    code = made["booking"]["code"]
    assert subscribe(gql, browser, bookingCode=code, bookingToken="guessed") == {
        "subscribed": False,
        "errors": [{"code": "NOT_FOUND", "field": "code"}],
    }
    assert subscribe(gql, browser) == {"subscribed": False, "errors": []}
    assert not PushSubscription.objects.exists()


def test_each_push_service_gets_its_own_audience(
    gql, demo, committed, push_service, settings, smtp
):
    """webpush() adds aud/exp to the claims dict it is given: a dict
    shared between sends would carry the first service's origin to the second."""
    other = PushService().start()
    try:
        made, [first] = book_for_push(gql, demo, committed, push_service, "laptop")
        second = other.browser("phone")
        code, token = made["booking"]["code"], made["manageToken"]
        subscribe(gql, second, bookingCode=code, bookingToken=token)
        public_key = gql.data(VAPID_PUBLIC_KEY)["vapidPublicKey"]

        assert remind() == 1

        [to_first], [to_second] = push_service.to(first), other.to(second)
        check_vapid(to_first, push_service, settings, public_key)
        check_vapid(to_second, other, settings, public_key)
        assert first.decrypt(to_first.body) == second.decrypt(to_second.body)
    finally:
        other.stop()


def draw(floor, demo) -> dict:
    variables = {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
    return floor.kiosk.data(DRAW, variables)["drawTicket"]["ticket"]


def test_ticket_holders_are_pushed_when_next_and_when_called(
    demo, floor, gql, push_service, committed, settings
):
    with committed():
        first, second = draw(floor, demo), draw(floor, demo)
    browser = push_service.browser("ticket")
    assert subscribe(gql, browser, ticket=second["id"], ticketToken=second["statusToken"]) == {
        "subscribed": True,
        "errors": [],
    }
    counter = floor.counters[0]
    with committed():
        floor.clerk.data(SIGN_IN, {"input": {"servicePoint": str(counter.pk)}})
    with committed():
        called = floor.clerk.data(CALL_NEXT, {"input": {"servicePoint": str(counter.pk)}})
    assert called["callNextTicket"]["ticket"]["number"] == first["number"] == "A001"
    with committed():
        floor.clerk.data(CALL_NEXT, {"input": {"servicePoint": str(counter.pk)}})
    with committed():  # nothing changed for A002: no message again
        floor.clerk.data(SIGN_IN, {"input": {"servicePoint": str(counter.pk)}})

    requests = push_service.to(browser)
    url = f"/t/{second['id']}"
    assert [browser.decrypt(r.body) for r in requests] == [
        {"title": "A002: Sie sind gleich dran (1 vor Ihnen)", "number": "A002", "url": url},
        {"title": "A002: Sie sind gleich dran (0 vor Ihnen)", "number": "A002", "url": url},
        {"title": "A002 – bitte zu Schalter 1", "number": "A002", "url": url},
    ]
    assert [(r.headers["urgency"], r.headers["ttl"]) for r in requests] == [
        ("normal", "900"),
        ("high", "900"),
        ("high", "300"),  # being called is urgent and stale within minutes
    ]
    public_key = gql.data(VAPID_PUBLIC_KEY)["vapidPublicKey"]
    for request in requests:
        check_vapid(request, push_service, settings, public_key)
    assert sorted(Delivery.objects.values_list("kind", "key", "status")) == [
        ("ticket_called", "called-0", "sent"),
        ("ticket_next", "ahead-3", "sent"),
        ("ticket_next", "next", "sent"),
    ]


def test_subscribing_a_ticket_needs_its_status_token(demo, floor, gql, push_service, committed):
    with committed():
        ticket = draw(floor, demo)
    result = subscribe(gql, push_service.browser("x"), ticket=ticket["id"], ticketToken="nope")
    assert result == {"subscribed": False, "errors": [{"code": "NOT_FOUND", "field": "ticket"}]}


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_dropped_is_deleted(
    status, gql, demo, smtp, push_service, committed
):
    _made, [gone, alive] = book_for_push(gql, demo, committed, push_service, "gone", "alive")
    push_service.gone["/push/gone"] = status

    assert remind() == 1

    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [alive.endpoint]
    assert len(push_service.to(gone)) == 1 and len(push_service.to(alive)) == 1
    assert alive.decrypt(push_service.to(alive)[0].body)["url"].startswith("/manage/")
    assert Delivery.objects.get(kind="booking_reminder", key__startswith="2h@").status == "sent"


def test_when_the_only_subscription_is_gone_the_delivery_gives_up(
    gql, demo, smtp, push_service, committed
):
    _made, [_gone] = book_for_push(gql, demo, committed, push_service, "gone")
    push_service.gone["/push/gone"] = 410

    assert remind() == 0

    assert not PushSubscription.objects.exists()
    reminder = Delivery.objects.get(kind="booking_reminder", key__startswith="2h@")
    assert (reminder.status, reminder.last_error) == ("gave_up", "subscription gone")
    assert HUEY.scheduled() == []


@pytest.mark.parametrize("failure", [500, 429, "down"])
def test_a_push_service_failure_is_retried(
    failure, gql, demo, smtp, push_service, committed, caplog
):
    made, [browser] = book_for_push(gql, demo, committed, push_service, "phone")
    if failure == "down":
        PushSubscription.objects.update(endpoint="http://127.0.0.1:9/push/phone")  # discard
    else:
        push_service.failures = [failure]
    booking = Delivery.objects.get(kind="booking_confirmation").booking
    key = reminder_key("2h", booking.starts_at)

    with committed():
        send_booking_message(booking.pk, "booking_reminder", key)  # through Huey

    reminder = Delivery.objects.get(kind="booking_reminder", key=key)
    error = {
        500: "push service failed (500)",
        429: "push service failed (429)",
        "down": "push service unreachable (ConnectionError)",
    }[failure]
    assert (reminder.status, reminder.last_error) == ("failed", error)
    assert "/push/phone" not in caplog.text  # the endpoint identifies the browser
    assert PushSubscription.objects.count() == 1  # kept: it may work next time
    if failure == "down":
        PushSubscription.objects.update(endpoint=browser.endpoint)
    assert len(run_due_retries(RETRY_DELAY)) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 2)
    assert len(push_service.requests) == (1 if failure == "down" else 2)
    payload = browser.decrypt(push_service.requests[-1].body)
    assert payload["url"] == f"/manage/{made['booking']['code']}"


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "not-a-key", "auth": b64url(bytes(16))},
        {"p256dh": b64url(b"\x04" + bytes(64)), "auth": b64url(bytes(16))},  # not on P-256
    ],
)
def test_a_subscription_with_malformed_keys_gives_up_at_once(
    keys, gql, demo, smtp, push_service, committed
):
    made, _ = book_for_push(gql, demo, committed, push_service)
    browser = push_service.browser("broken")
    code, token = made["booking"]["code"], made["manageToken"]
    variables = {"input": {"endpoint": browser.endpoint, **keys, "bookingCode": code}}
    variables["input"]["bookingToken"] = token
    assert gql.data(SUBSCRIBE_PUSH, variables)["subscribePush"]["subscribed"] is True

    remind()

    reminder = Delivery.objects.get(kind="booking_reminder", key__startswith="2h@")
    assert (reminder.status, reminder.last_error) == ("gave_up", "invalid subscription")
    assert not PushSubscription.objects.exists()
    assert push_service.requests == []
    assert HUEY.scheduled() == []
