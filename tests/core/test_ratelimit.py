"""The rate-limit core: counting per dimension, Retry-After, and who the client is."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from backend.core.errors import ErrorCode
from backend.core.ratelimit import RateLimited, client_ip, client_network, hit

pytestmark = pytest.mark.django_db


def test_the_attempt_over_the_rate_is_refused_with_retry_after(settings):
    settings.RATE_LIMITS = {"holdSlot.ip": "2/minute", "holdSlot.email": "5/hour"}
    hit("holdSlot", ip="192.0.2.1", email="a@example.org")
    hit("holdSlot", ip="192.0.2.1", email="a@example.org")
    with pytest.raises(RateLimited) as refused:
        hit("holdSlot", ip="192.0.2.1", email="a@example.org")
    assert (refused.value.code, 1 <= refused.value.retry_after <= 60) == (
        ErrorCode.RATE_LIMITED,
        True,
    )
    # Another address has its own count; a skipped dimension (None) counts nothing.
    hit("holdSlot", ip="192.0.2.2", email=None)


def test_the_longest_wait_of_all_dimensions_is_reported(settings):
    settings.RATE_LIMITS = {"bookAppointment.ip": "1/minute", "bookAppointment.email": "1/day"}
    hit("bookAppointment", ip="192.0.2.1", email="a@example.org")
    with pytest.raises(RateLimited) as refused:
        hit("bookAppointment", ip="192.0.2.1", email="a@example.org")
    assert 3600 < refused.value.retry_after <= 86400


def test_every_rate_of_a_dimension_must_hold(settings):
    settings.RATE_LIMITS = {"booking.ip": "5/minute;2/hour"}
    hit("booking", ip="192.0.2.1")
    hit("booking", ip="192.0.2.1")
    with pytest.raises(RateLimited) as refused:
        hit("booking", ip="192.0.2.1")
    assert 60 < refused.value.retry_after <= 3600


def test_a_dimension_without_a_rate_is_a_programming_error(settings):
    settings.RATE_LIMITS = {"holdSlot.ip": "2/minute"}
    with pytest.raises(KeyError):
        hit("holdSlot", device="d1")


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/graphql", **extra)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        pytest.param("203.0.113.9", "198.51.100.1", "203.0.113.9", id="untrusted-peer"),
        pytest.param("10.0.0.2", None, "10.0.0.2", id="proxy-without-header"),
        pytest.param("10.0.0.2", "198.51.100.1", "198.51.100.1", id="one-proxy"),
        pytest.param("10.0.0.2", "1.1.1.1, 198.51.100.1", "198.51.100.1", id="spoofed-left"),
        pytest.param("10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1", id="two-proxies"),
        pytest.param("10.0.0.2", "198.51.100.1, junk", "10.0.0.2", id="garbage-hop"),
    ],
)
def test_client_ip_believes_only_trusted_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(_request(remote, forwarded)) == expected


def test_ipv6_clients_count_per_64():
    assert (client_network("2001:db8:1:2:aaaa::1"), client_network("::ffff:192.0.2.1")) == (
        "2001:db8:1:2::/64",
        "192.0.2.1",
    )
