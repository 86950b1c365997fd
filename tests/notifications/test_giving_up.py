"""Retries wait longer each time (1, 2, 4 ... 32 minutes); when they are used up the delivery
gives up loudly: status "gave up", an error in the log (without the address), the admin's
filter, and the daily report."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from backend.notifications.models import Delivery
from backend.notifications.reports import send_daily_reports
from backend.notifications.tasks import RETRIES, RETRY_DELAY
from tests.conftest import at, working_day
from tests.factories import book
from tests.notifications.conftest import run_due_retries
from tests.notifications.flows import AYSE

pytestmark = pytest.mark.django_db

GREYLISTED = "451 4.7.1 Greylisted, please try again later"
ADDRESS = "ayse@example.com"


def confirmation() -> tuple[str, int]:
    delivery = Delivery.objects.get(kind="booking_confirmation")
    return delivery.status, delivery.attempts


def test_retries_back_off_and_then_give_up_loudly(
    gql, demo, smtp, committed, caplog, admin_user, settings
):
    caplog.set_level(logging.INFO)
    smtp.rcpt_replies = [GREYLISTED] * 20  # the server never takes it
    with committed():
        book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE)
    assert confirmation() == ("failed", 1)

    delays = [RETRY_DELAY * 2**n for n in range(RETRIES)]
    assert delays == [60, 120, 240, 480, 960, 1920]
    for attempt, delay in enumerate(delays, start=2):
        [task] = HUEY.scheduled()
        waits = (task.eta - HUEY._get_timestamp()).total_seconds()
        assert delay - 5 < waits <= delay, (attempt, waits)
        assert run_due_retries(delay - 5) == []  # not before its time
        assert [t.id for t in run_due_retries(delay + 1)] == [task.id]
        assert confirmation() == ("failed" if attempt < RETRIES + 1 else "gave_up", attempt)

    assert HUEY.scheduled() == []  # no more retries
    delivery = Delivery.objects.get(kind="booking_confirmation")
    assert delivery.last_error == "recipient deferred (451)"
    assert smtp.messages == []
    [given_up] = [r for r in caplog.records if r.getMessage().startswith("Gave up delivery")]
    assert given_up.levelno == logging.ERROR
    assert given_up.getMessage() == (
        f"Gave up delivery {delivery.pk} (booking_confirmation by email) after 7 attempts: "
        "recipient deferred (451)"
    )
    # Every record with its traceback (Huey logs each failed run); aiosmtpd's (mail.log) is
    # the fake server's own.
    formatter = logging.Formatter("%(name)s %(message)s")
    ours = [formatter.format(r) for r in caplog.records if not r.name.startswith("mail.log")]
    assert sum("Unhandled exception in task" in text for text in ours) == RETRIES
    assert not [text for text in ours if "ayse" in text.lower()]

    # Visible in the admin (filtered by status), without the address ...
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/notifications/delivery/", {"status__exact": "gave_up"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/admin/notifications/delivery/{delivery.pk}/change/" in html
    assert "recipient deferred (451)" in html and ADDRESS not in html
    detail = client.get(f"/admin/notifications/delivery/{delivery.pk}/change/")
    assert detail.status_code == 200 and ADDRESS not in detail.content.decode()
    assert client.get("/admin/notifications/delivery/add/").status_code == 403
    other = client.get("/admin/notifications/delivery/", {"status__exact": "sent"})
    assert f"/admin/notifications/delivery/{delivery.pk}/change/" not in other.content.decode()

    # ... and counted in the next daily report.
    settings.DAILY_REPORT_EMAIL = "amt@musterhausen.example"
    smtp.rcpt_replies = []
    assert send_daily_reports() == 2  # Musterhausen and the practice
    reports = {m.get_body(("plain",)).get_content() for m in smtp.messages}
    line = "Nicht zustellbar (24 Stunden): 1 Nachrichten – siehe Admin, Zustellungen, Status"
    assert sum(line in body for body in reports) == 1  # only Musterhausen's


def test_the_admin_lists_the_waitlist_and_push_subscriptions_read_only(
    gql, demo, smtp, committed, push_service, admin_user
):
    from tests.notifications.flows import join_waitlist, subscribe_push

    with committed():
        made = book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE)
    browser = push_service.browser("secret-endpoint-token")
    subscribe_push(
        gql, browser, bookingCode=made["booking"]["code"], bookingToken=made["manageToken"]
    )
    join_waitlist(gql, demo, working_day(), working_day(), email="wanda@example.com")
    client = Client()
    client.force_login(admin_user)

    entries = client.get("/admin/bookings/waitlistentry/", {"status__exact": "waiting"})
    assert entries.status_code == 200
    assert "wanda@example.com" not in entries.content.decode()  # no contact data in lists
    subscriptions = client.get("/admin/notifications/pushsubscription/")
    assert subscriptions.status_code == 200
    html = subscriptions.content.decode()
    assert "127.0.0.1" in html and "secret-endpoint-token" not in html
    assert client.get("/admin/bookings/waitlistentry/add/").status_code == 403
