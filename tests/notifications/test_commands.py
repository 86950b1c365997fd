"""The notification commands: send_test_email, send_test_sms, test_smtp,
process_email_queue, send_test_push, each against the local fakes."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from backend.bookings.models import WaitlistEntry
from backend.notifications.models import Delivery, PushSubscription
from tests.conftest import at, working_day
from tests.documents import CANCEL
from tests.factories import book
from tests.notifications.conftest import SMS_SECRET, SMS_USER, free_port
from tests.notifications.flows import (
    AYSE,
    SUBSCRIBE_PUSH,
    VAPID_PUBLIC_KEY,
    english_date,
    join_waitlist,
    offer_link,
)

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("template", "language", "subject"),
    [
        ("booking_confirmation", "de", "Terminbestätigung: "),
        ("booking_reminder", "en", "Reminder: your appointment on "),
        ("booking_cancellation", "tr", "Randevu iptal edildi: "),
        ("booking_rescheduled", "de", "Termin verschoben auf "),
        ("waitlist_notification", "en", "An appointment has become free: "),
    ],
)
def test_send_test_email(template, language, subject, demo, smtp):
    args = ["--template", template, "--to", "pruefung@example.com", "--language", language]
    assert run("send_test_email", *args) == f"{template} ({language}) sent.\n"
    [message] = smtp.messages
    assert message["To"] == "pruefung@example.com"
    assert smtp.subjects()[0].startswith(subject)
    if template == "waitlist_notification":  # the offer's one-click link, no booking code
        assert "Confirm this appointment" in smtp.text()
        assert "https://example.invalid/waitlist/sample#token" in smtp.text()
    else:
        assert "TES-T23" in smtp.text() or template == "booking_cancellation"


def test_send_test_email_reports_a_failure(demo, smtp, settings):
    settings.EMAIL_PORT = free_port()
    with pytest.raises(CommandError, match=r"^Sending failed: ConnectionRefusedError$"):
        run("send_test_email", "--template", "booking_reminder", "--to", "x@example.com")


def test_send_test_sms(sms_provider, db):
    fake = sms_provider("sipgate")
    assert run("send_test_sms", "--to", "+4915123456789") == "SMS sent via sipgate.\n"
    [request] = fake.requests
    assert request.basic_auth() == (SMS_USER, SMS_SECRET)
    assert request.json() == {
        "smsId": "s0",  # sipgate's SMS extension (SIPGATE_SMS_ID), not a name
        "recipient": "+4915123456789",
        "message": "Test von Musterhsn: SMS funktioniert.",
    }
    fake.failures = [500]
    with pytest.raises(CommandError, match=r"^SMS failed \(sipgate\): provider answered 500$"):
        run("send_test_sms", "--to", "+4915123456789")


def test_test_smtp(smtp, settings):
    settings.SMTP_HOST = ""
    assert run("test_smtp") == "SMTP_HOST is not set: mail goes to the console.\n"
    settings.SMTP_HOST = "127.0.0.1"
    assert run("test_smtp") == "SMTP 127.0.0.1 answers.\n"
    settings.EMAIL_PORT = port = free_port()
    with pytest.raises(CommandError, match=rf"^SMTP 127\.0\.0\.1:{port} failed: "):
        run("test_smtp")
    assert smtp.messages == []


def test_process_email_queue_retries_a_waitlist_offer(gql, demo, smtp, committed):
    day = working_day()
    with committed():
        made = book(gql, demo.kfz, demo.rathaus, at(day, 9), contact=AYSE, language="EN")
    join_waitlist(gql, demo, day, day, email="wanda@example.com", language="EN")
    smtp.rcpt_replies = ["250 OK", "452 4.2.2 Mailbox full, try later"]  # Ayşe's, then Wanda's
    with committed():
        code, token = made["booking"]["code"], made["manageToken"]
        gql.data(CANCEL, {"input": {"code": code, "token": token}})
    offer = Delivery.objects.get(kind="waitlist_notification")
    assert (offer.status, offer.last_error) == ("failed", "recipient deferred (452)")

    assert run("process_email_queue", "--verbose") == (
        f"delivery {offer.pk}: sent\n1 deliveries retried.\n"
    )
    assert smtp.subjects()[-1] == f"An appointment has become free: {english_date(day)}, 09:00"
    entry = WaitlistEntry.objects.get()
    assert offer_link(smtp.text())[0] == str(entry.pk)
    assert run("process_email_queue") == "0 deliveries retried.\n"


def test_send_test_push(gql, demo, committed, push_service, smtp):
    public_key = gql.data(VAPID_PUBLIC_KEY)["vapidPublicKey"]
    assert run("send_test_push") == f"VAPID public key: {public_key}\n"

    with committed():
        made = book(
            gql, demo.ausweis, demo.rathaus, at(working_day(), 9), contact=AYSE, channel="PUSH"
        )
    browser = push_service.browser("admin")
    subject = {"bookingCode": made["booking"]["code"], "bookingToken": made["manageToken"]}
    gql.data(SUBSCRIBE_PUSH, {"input": {**browser.subscription(), **subject}})
    subscription = PushSubscription.objects.get()

    output = run("send_test_push", "--subscription", str(subscription.pk))
    assert output == f"VAPID public key: {public_key}\nPush sent.\n"
    [request] = push_service.requests
    assert browser.decrypt(request.body) == {"title": "Test", "url": "/"}
    assert (request.headers["ttl"], request.headers["urgency"]) == ("60", "normal")

    with pytest.raises(CommandError, match=r"^No such subscription\.$"):
        run("send_test_push", "--subscription", str(subscription.pk + 1))
    push_service.gone["/push/admin"] = 410
    with pytest.raises(CommandError, match=r"^Push failed: subscription gone$"):
        run("send_test_push", "--subscription", str(subscription.pk))
    assert not PushSubscription.objects.exists()
