"""Staff alerting: a burst from one network becomes one audit entry per window (network
truncated, no personal data), visible in the admin and optionally mailed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from backend.core.models import AuditLog
from tests.conftest import GraphQLClient, at, working_day
from tests.documents import HOLD_SLOT

pytestmark = pytest.mark.django_db

BODY = '{"query": "{ __typename }"}'


def bursts() -> list[tuple[str, str, str, dict]]:
    return list(
        AuditLog.objects.filter(action="security.burst").values_list(
            "actor_kind", "object_type", "object_id", "data"
        )
    )


def test_many_refused_requests_from_one_network_give_one_audit_entry(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request.ip": "1/minute"}
    settings.SECURITY_BURST_LIMIT_HITS = 3
    for last_byte in (10, 11, 12, 13, 14, 15):  # one /24: refused from the second request on
        Client(REMOTE_ADDR=f"203.0.113.{last_byte}").post(
            "/graphql", BODY, content_type="application/json"
        )
        Client(REMOTE_ADDR=f"203.0.113.{last_byte}").post(
            "/graphql", BODY, content_type="application/json"
        )

    assert bursts() == [
        (
            "system",
            "network",
            "203.0.113.0/24",
            {
                "kind": "rate_limited",
                "network": "203.0.113.0/24",
                "threshold": 3,
                "window_minutes": 10,
            },
        )
    ]
    assert mail.outbox == []  # SECURITY_ALERT_EMAIL is not set


def test_many_holds_from_one_network_are_reported_and_mailed(
    demo, settings, django_capture_on_commit_callbacks
):
    settings.SECURITY_BURST_BOOKINGS = 3
    settings.SECURITY_ALERT_EMAIL = "it-sicherheit@musterhausen.de"
    with django_capture_on_commit_callbacks(execute=True):
        for n, (hour, minute) in enumerate([(9, 0), (9, 15), (9, 30), (9, 45), (10, 0)]):
            # Five addresses of one IPv6 /48 (one each per /64)
            client = GraphQLClient(Client(REMOTE_ADDR=f"2001:db8:7:{n}::1"), {})
            held = client.data(
                HOLD_SLOT,
                {
                    "input": {
                        "service": str(demo.ausweis.pk),
                        "location": str(demo.rathaus.pk),
                        "start": at(working_day(), hour, minute),
                    }
                },
            )
            assert held["holdSlot"]["errors"] == []

    assert bursts() == [
        (
            "system",
            "network",
            "2001:db8:7::/48",
            {
                "kind": "bookings",
                "network": "2001:db8:7::/48",
                "threshold": 3,
                "window_minutes": 10,
            },
        )
    ]
    [alert] = mail.outbox
    assert (alert.to, alert.subject) == (
        ["it-sicherheit@musterhausen.de"],
        "[vorzimmer] Security burst: bookings from 2001:db8:7::/48",
    )


def test_burst_entries_show_in_the_admin(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request.ip": "1/minute"}
    settings.SECURITY_BURST_LIMIT_HITS = 1
    flood = Client(REMOTE_ADDR="198.51.100.77")
    for _ in range(2):
        flood.post("/graphql", BODY, content_type="application/json")
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "r@x.de", "pw-long-1"))

    page = admin.get("/admin/core/auditlog/", {"action": "security.burst"})

    assert page.status_code == 200
    assert page.content.decode().count("198.51.100.0/24") == 1
