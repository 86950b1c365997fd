"""A push endpoint is a URL a citizen chose: the server must never be made to call its own
network through it. Subscribing takes only hosts of known push services; sending resolves
the host again (a DNS stub at the socket edge here), refuses any non-public address, never
follows a redirect and connects to the very address it checked."""

from __future__ import annotations

import socket

import pytest

from backend.core import netguard
from backend.notifications.models import Delivery, PushSubscription
from tests.notifications.conftest import Browser, FakeServer, Reply
from tests.notifications.test_push import book_for_push, remind, subscribe

pytestmark = pytest.mark.django_db

HOST = "push.example.test"  # a push service added through PUSH_ALLOWED_HOSTS


class Resolver:
    """getaddrinfo() with a table: each name answers its responses in turn (the last one
    sticks), a response being the addresses of its records. Numeric hosts (a connection
    dialling an address) go to the real getaddrinfo(). Records every question."""

    def __init__(self, monkeypatch, table: dict[str, list[list[str]]]):
        self.table = {name: list(responses) for name, responses in table.items()}
        self.asked: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(netguard.socket, "getaddrinfo", self)

    def __call__(self, host, port, *args, **kwargs):
        self.asked.append(str(host))
        if host not in self.table:
            return self._real(host, port, *args, **kwargs)
        responses = self.table[host]
        addresses = responses.pop(0) if len(responses) > 1 else responses[0]
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
            if ":" in address
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in addresses
        ]


def reminder() -> tuple[str, str]:
    delivery = Delivery.objects.get(kind="booking_reminder", key__startswith="2h@")
    return delivery.status, delivery.last_error


@pytest.fixture
def booked(gql, demo, smtp, push_service, committed) -> dict:
    made, _ = book_for_push(gql, demo, committed, push_service)
    return {"bookingCode": made["booking"]["code"], "bookingToken": made["manageToken"]}


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://10-0-0-5.sslip.io/push/abc",  # a public DNS name for 10.0.0.5
        "https://169.254.169.254.nip.io/latest/meta-data/",  # ... for the metadata service
        "https://push.attacker.example/push/abc",  # no push service
        "https://fcm.googleapis.com.attacker.example/fcm/send/abc",
        "https://push.apple.com/abc",  # only hosts below push.apple.com
    ],
)
def test_only_hosts_of_push_services_can_be_subscribed(endpoint, gql, booked, settings):
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = False
    result = subscribe(gql, Browser.new(endpoint), **booked)
    assert result == {
        "subscribed": False,
        "errors": [{"code": "INVALID_PUSH_ENDPOINT", "field": "endpoint"}],
    }
    assert not PushSubscription.objects.exists()


def test_push_allowed_hosts_adds_services(gql, booked, settings):
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = False
    settings.PUSH_ALLOWED_HOSTS = [HOST, "*.push.example.org"]
    for endpoint in (f"https://{HOST}/push/a", "https://eu.push.example.org/push/b"):
        assert subscribe(gql, Browser.new(endpoint), **booked) == {
            "subscribed": True,
            "errors": [],
        }
    assert PushSubscription.objects.count() == 2


@pytest.mark.parametrize(
    "addresses",
    [
        ["10.0.0.5"],
        ["169.254.169.254"],
        ["127.0.0.1"],
        ["::1"],
        ["::ffff:10.0.0.5"],
        ["100.64.0.1"],  # shared address space (carrier-grade NAT)
        ["93.184.215.14", "10.0.0.5"],  # two records: one private address is enough
    ],
)
def test_a_host_that_resolves_to_a_private_address_is_never_called(
    addresses, gql, booked, settings, monkeypatch
):
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = False
    settings.PUSH_ALLOWED_HOSTS = [HOST]
    assert subscribe(gql, Browser.new(f"https://{HOST}/push/phone"), **booked)["subscribed"]
    resolver = Resolver(monkeypatch, {HOST: [addresses]})

    assert remind() == 0

    assert reminder() == ("gave_up", "push endpoint not allowed")
    assert not PushSubscription.objects.exists()
    assert resolver.asked == [HOST]  # looked up once, and no address was ever dialled


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed_and_drops_the_subscription(status, gql, booked, settings):
    target = FakeServer(lambda request: Reply(201)).start()  # e.g. an internal admin API
    redirecting = FakeServer(
        lambda request: Reply(status, b"", {"Location": f"{target.url}/internal/steal"})
    ).start()
    try:
        browser = Browser.new(f"{redirecting.url}/push/phone")
        assert subscribe(gql, browser, **booked)["subscribed"] is True

        assert remind() == 0

        assert target.requests == []
        assert [r.path for r in redirecting.requests] == ["/push/phone"]
        assert reminder() == ("gave_up", f"push service redirected ({status})")
        assert not PushSubscription.objects.exists()
    finally:
        redirecting.stop()
        target.stop()


def test_the_connection_goes_to_the_address_that_was_checked(
    gql, booked, push_service, settings, monkeypatch
):
    """DNS rebinding: the name answers a checked address first and another one after. The
    request must go to the first (the push service here), looked up once, with the name kept
    in the Host header."""
    settings.PUSH_ALLOWED_HOSTS = [HOST]
    port = push_service.server.server_address[1]
    browser = Browser.new(f"http://{HOST}:{port}/push/phone")
    assert subscribe(gql, browser, **booked)["subscribed"] is True
    # 127.0.0.2 is loopback too, but nothing listens there: a second lookup would fail.
    resolver = Resolver(monkeypatch, {HOST: [["127.0.0.1"], ["127.0.0.2"]]})

    assert remind() == 1

    assert [name for name in resolver.asked if name == HOST] == [HOST]
    [request] = push_service.requests
    assert request.headers["host"] == f"{HOST}:{port}"
    assert browser.decrypt(request.body)["url"].startswith("/manage/")
    assert reminder() == ("sent", "")
