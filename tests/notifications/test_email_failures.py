"""What the SMTP server answers decides: 4xx (greylisting) is tried again, 5xx gives up."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from huey.contrib.djhuey import HUEY

from backend.notifications.models import Delivery
from backend.notifications.tasks import RETRY_DELAY
from tests.conftest import at, working_day
from tests.factories import book
from tests.notifications.conftest import free_port, run_due_retries
from tests.notifications.flows import AYSE

pytestmark = pytest.mark.django_db


def confirmation() -> tuple[str, int, str]:
    delivery = Delivery.objects.get(kind="booking_confirmation")
    return delivery.status, delivery.attempts, delivery.last_error


def test_a_greylisted_mail_is_sent_on_the_next_try(gql, demo, smtp, committed):
    smtp.rcpt_replies = ["451 4.7.1 Greylisted, please try again later"]
    with committed():
        book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE)
    assert confirmation() == ("failed", 1, "recipient deferred (451)")
    assert smtp.messages == []

    assert len(run_due_retries(RETRY_DELAY)) == 1

    assert confirmation() == ("sent", 2, "")
    assert [m["To"] for m in smtp.messages] == ["ayse@example.com"]


def test_a_refused_recipient_gives_up(gql, demo, smtp, committed):
    smtp.rcpt_replies = ["550 5.1.1 No such user here"]
    with committed():
        book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE)
    assert confirmation() == ("gave_up", 1, "recipient refused (550)")
    assert HUEY.scheduled() == []
    out = io.StringIO()
    call_command("process_email_queue", stdout=out)
    assert out.getvalue() == "0 deliveries retried.\n"
    assert smtp.messages == []


def test_an_unreachable_smtp_server_is_tried_again(gql, demo, smtp, committed, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    with committed():
        book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE)
    assert confirmation() == ("failed", 1, "ConnectionRefusedError")
    settings.EMAIL_PORT = port
    out = io.StringIO()
    call_command("process_email_queue", "--verbose", stdout=out)
    delivery = Delivery.objects.get()
    assert out.getvalue() == f"delivery {delivery.pk}: sent\n1 deliveries retried.\n"
    assert confirmation() == ("sent", 2, "")
    assert len(smtp.messages) == 1
