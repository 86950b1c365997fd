"""SMS through the providers' real HTTP APIs, played by local servers: sipgate, Twilio, Vonage."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from huey.contrib.djhuey import HUEY

from backend.notifications.bookings import send_due_reminders
from backend.notifications.models import Delivery
from backend.notifications.tasks import RETRIES, RETRY_DELAY, send_booking_message
from tests.conftest import at, working_day
from tests.factories import book
from tests.notifications.conftest import JSON, SMS_SECRET, SMS_USER, Reply, run_due_retries
from tests.notifications.flows import AYSE, english_date, german_date

pytestmark = pytest.mark.django_db

PHONE = "+4915123456789"
SENDER = "Musterhsn"


def received(provider: str, request) -> tuple[str, str]:
    """Check one provider request (path, authentication, fields) and return (to, text)."""
    if provider == "sipgate":
        assert request.path == "/v2/sessions/sms"
        assert request.basic_auth() == (SMS_USER, SMS_SECRET)
        body = request.json()
        assert set(body) == {"smsId", "recipient", "message"}
        assert body["smsId"] == "s0"  # SIPGATE_SMS_ID: the extension, not SMS_SENDER
        return body["recipient"], body["message"]
    if provider == "twilio":
        assert request.path == f"/2010-04-01/Accounts/{SMS_USER}/Messages.json"
        assert request.basic_auth() == (SMS_USER, SMS_SECRET)
        form = request.form()
        assert set(form) == {"To", "From", "Body"}
        assert form["From"] == SENDER
        return form["To"], form["Body"]
    assert request.path == "/sms/json"
    assert "authorization" not in request.headers  # Vonage: the key and secret are fields
    form = request.form()
    assert (form["api_key"], form["api_secret"], form["from"]) == (SMS_USER, SMS_SECRET, SENDER)
    assert form["type"] == "unicode"  # umlauts survive
    return "+" + form["to"], form["text"]


def book_by_sms(gql, demo, committed, phone="0151 23456789", **extra):
    with committed():
        return book(
            gql,
            demo.ausweis,
            demo.rathaus,
            at(working_day(), 9, 45),
            contact=AYSE,
            channel="SMS",
            phone=phone,
            **extra,
        )


def statuses() -> dict[str, tuple[str, int]]:
    return {d.channel: (d.status, d.attempts) for d in Delivery.objects.all()}


@pytest.mark.parametrize("provider", ["sipgate", "twilio", "vonage"])
def test_the_confirmation_sms_is_sent_once_with_auth_recipient_and_text(
    provider, gql, demo, smtp, sms_provider, committed
):
    fake = sms_provider(provider)
    made = book_by_sms(gql, demo, committed)
    code = made["booking"]["code"]

    [request] = fake.requests
    assert received(provider, request) == (
        PHONE,
        f"Termin bestätigt: {german_date(working_day())} 09:45, Rathaus. Code {code}.",
    )
    assert made["booking"]["phone"] == PHONE
    assert len(smtp.messages) == 1  # the confirmation also goes by e-mail (calendar, link)
    assert statuses() == {"email": ("sent", 1), "sms": ("sent", 1)}

    booking_id = Delivery.objects.get(channel="sms").booking_id
    send_booking_message.call_local(booking_id, "booking_confirmation")  # a duplicated job
    assert len(fake.requests) == 1 and len(smtp.messages) == 1


def test_the_reminder_goes_by_sms_only_in_the_citizens_language(
    gql, demo, smtp, sms_provider, committed
):
    fake = sms_provider("sipgate")
    made = book_by_sms(gql, demo, committed, language="EN")
    start = Delivery.objects.get(channel="sms").booking.starts_at

    with committed():
        assert send_due_reminders(now=start - dt.timedelta(hours=1)) == 1

    assert len(fake.requests) == 2 and len(smtp.messages) == 1
    assert received("sipgate", fake.requests[1]) == (
        PHONE,
        f"Reminder: appointment {english_date(working_day())} 09:45, Rathaus. "
        f"Code {made['booking']['code']}.",
    )


@pytest.mark.parametrize(
    ("provider", "failure", "error"),
    [
        ("sipgate", 500, "provider answered 500"),
        ("twilio", 503, "provider answered 503"),
        ("twilio", 429, "provider answered 429"),
    ],
)
@pytest.mark.parametrize("retry", ["huey", "process_email_queue", "task"])
def test_a_provider_failure_is_retried_and_then_sent_once(
    provider, failure, error, retry, gql, demo, smtp, sms_provider, committed
):
    fake = sms_provider(provider)
    fake.failures = [failure]
    book_by_sms(gql, demo, committed)
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.last_error) == ("failed", 1, error)
    assert Delivery.objects.get(channel="email").status == "sent"
    # Huey keeps the job for a retry after its delay.
    [again] = HUEY.scheduled()
    assert again.name == "send_booking_message" and again.retries == RETRIES - 1
    assert again.args == (sms.booking_id, "booking_confirmation")
    assert 50 < (again.eta - HUEY._get_timestamp()).total_seconds() <= RETRY_DELAY

    out = io.StringIO()
    if retry == "huey":
        assert run_due_retries(RETRY_DELAY) == [again]
    elif retry == "process_email_queue":
        call_command("process_email_queue", stdout=out)
        assert out.getvalue() == "1 deliveries retried.\n"
    else:
        send_booking_message.call_local(sms.booking_id, "booking_confirmation")

    assert len(fake.requests) == 2
    assert received(provider, fake.requests[1]) == received(provider, fake.requests[0])
    assert statuses() == {"email": ("sent", 1), "sms": ("sent", 2)}
    assert len(smtp.messages) == 1  # the e-mail was not sent again
    # Once sent, nothing sends it again.
    call_command("process_email_queue", stdout=out)
    send_booking_message.call_local(sms.booking_id, "booking_confirmation")
    assert out.getvalue().endswith("0 deliveries retried.\n")
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("provider", "setup", "error"),
    [
        ("sipgate", {"failures": [Reply(400, b'{"error":"invalid"}', JSON)]}, "(400)"),
        ("twilio", {"failures": [Reply(404, b'{"code":20404}', JSON)]}, "(404)"),
        ("sipgate", {"key": "token-id-42:wrong"}, "(401)"),
        ("twilio", {"key": "token-id-42:wrong"}, "(401)"),
    ],
)
def test_a_refused_sms_gives_up_and_is_never_retried(
    provider, setup, error, gql, demo, smtp, sms_provider, committed, settings
):
    fake = sms_provider(provider)
    fake.failures = setup.get("failures", [])
    if "key" in setup:
        settings.SMS_API_KEY = setup["key"]
    book_by_sms(gql, demo, committed)

    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.last_error) == ("gave_up", 1, f"provider refused {error}")
    assert HUEY.scheduled() == []  # no retry scheduled
    out = io.StringIO()
    call_command("process_email_queue", stdout=out)
    send_booking_message.call_local(sms.booking_id, "booking_confirmation")
    assert out.getvalue() == "0 deliveries retried.\n"
    assert len(fake.requests) == 1
    assert statuses() == {"email": ("sent", 1), "sms": ("gave_up", 1)}


def test_vonage_status_1_throttled_is_transient(gql, demo, smtp, sms_provider, committed):
    fake = sms_provider("vonage")
    fake.message_statuses = ["1"]
    book_by_sms(gql, demo, committed)
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.last_error) == ("failed", "vonage throttled")

    assert len(run_due_retries(RETRY_DELAY)) == 1

    assert len(fake.requests) == 2
    assert statuses()["sms"] == ("sent", 2)
    assert HUEY.scheduled() == []


@pytest.mark.parametrize(("status", "key"), [("3", None), ("4", "token-id-42:wrong")])
def test_vonage_other_statuses_give_up(
    status, key, gql, demo, smtp, sms_provider, committed, settings
):
    fake = sms_provider("vonage")
    if key:
        settings.SMS_API_KEY = key  # the fake answers status 4: bad credentials
    else:
        fake.message_statuses = [status]
    book_by_sms(gql, demo, committed)
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.last_error) == ("gave_up", f"vonage status {status}")
    assert HUEY.scheduled() == []
    assert len(fake.requests) == 1


def test_sms_switched_off_after_booking_sends_nothing_and_gives_up(
    gql, demo, smtp, sms_provider, committed, settings
):
    """Booking by SMS is refused while SMS is off (CHANNEL_UNAVAILABLE); a booking made
    before it was switched off gets its reminder by nothing: given up, never retried."""
    fake = sms_provider("sipgate")
    book_by_sms(gql, demo, committed)
    settings.SMS_ENABLED = False
    start = Delivery.objects.get(channel="sms").booking.starts_at

    with committed():
        assert send_due_reminders(now=start - dt.timedelta(hours=1)) == 0

    assert len(fake.requests) == 1  # the confirmation, sent while SMS was on
    reminder = Delivery.objects.get(kind="booking_reminder", channel="sms", key__startswith="2h@")
    assert (reminder.status, reminder.last_error) == ("gave_up", "SMS_ENABLED is false")
    assert HUEY.scheduled() == []


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0151 23456789", "+4915123456789"),
        ("0151/234 567 89", "+4915123456789"),
        ("+49 (151) 2345-6789", "+4915123456789"),
        ("0049 151 23456789", "+4915123456789"),
        ("+43 664 1234567", "+436641234567"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(
    typed, e164, gql, demo, smtp, sms_provider, committed
):
    fake = sms_provider("sipgate")
    made = book_by_sms(gql, demo, committed, phone=typed)
    assert made["booking"]["phone"] == e164
    assert fake.requests[0].json()["recipient"] == e164


@pytest.mark.parametrize(
    ("phone", "code"), [("12345", "INVALID_PHONE"), ("+49 151", "INVALID_PHONE"), (None, None)]
)
def test_sms_needs_a_valid_phone(phone, code, gql, demo, sms_provider):
    fake = sms_provider("sipgate")
    start = at(working_day(), 9, 45)
    result = book(
        gql, demo.ausweis, demo.rathaus, start, ok=False, contact=AYSE, channel="SMS", phone=phone
    )
    assert result["booking"] is None
    assert result["errors"] == [{"code": code or "PHONE_REQUIRED", "field": "phone"}]
    assert fake.requests == []


def test_an_unexpected_provider_answer_fails_for_now_and_is_retried(
    gql, demo, smtp, sms_provider, committed
):
    """Vonage answering 200 with an HTML page (a proxy's error page): not left "sending"."""
    fake = sms_provider("vonage")
    fake.failures = [Reply(200, b"<html>Bad gateway</html>", {"Content-Type": "text/html"})]
    book_by_sms(gql, demo, committed)
    sms = Delivery.objects.get(channel="sms")
    # Only the exception's type and where in our code (its message may quote the answer).
    assert sms.status == "failed"
    assert re.fullmatch(r"JSONDecodeError at sms\.py:\d+", sms.last_error), sms.last_error

    out = io.StringIO()
    call_command("process_email_queue", stdout=out)

    assert out.getvalue() == "1 deliveries retried.\n"
    assert statuses()["sms"] == ("sent", 2)
    assert len(fake.requests) == 2


@pytest.mark.parametrize(("sms_id", "status"), [("s2", "sent"), ("s7", "gave_up")])
def test_sipgate_sends_from_the_configured_sms_extension(
    sms_id, status, gql, demo, smtp, sms_provider, committed, settings
):
    """sipgate's smsId is the account's SMS extension (SIPGATE_SMS_ID), not a sender name;
    one the account does not have is refused (403) and not retried."""
    fake = sms_provider("sipgate")
    settings.SIPGATE_SMS_ID = sms_id
    book_by_sms(gql, demo, committed)
    [request] = fake.requests
    assert request.json()["smsId"] == sms_id
    assert statuses()["sms"] == (status, 1)
