"""No personal data in any log record: a whole flow with canary values (book, confirmation
mail and SMS, reminder, cancellation, waitlist offer, failing providers, bad requests) while
every logger records at DEBUG."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command

from backend.notifications.bookings import send_due_reminders
from backend.notifications.models import Delivery
from tests.conftest import at, working_day
from tests.documents import BOOK, CANCEL
from tests.factories import book
from tests.notifications.conftest import JSON, Reply
from tests.notifications.flows import (
    AYSE,
    CONFIRM_OFFER,
    JOIN_WAITLIST,
    SUBSCRIBE_PUSH,
    join_waitlist,
    offer_link,
)

pytestmark = pytest.mark.django_db

NAME = "Canary Kanarienvogel"
EMAIL = "canary@example.org"
PHONE = "+4915199999999"
# Any spelling of the canaries: the phone appears as +49…, 49… (Vonage) or 0151….
CANARIES = ("Canary", "Kanarienvogel", "canary@", "example.org", "15199999999")
FAKES = ("mail.log",)  # aiosmtpd, the test's SMTP server, logs the dialogue it receives


def capture_everything(caplog) -> None:
    """DEBUG for the root and every logger there is (django, huey, backend, strawberry, ...),
    and caplog's handler also on loggers that do not propagate."""
    caplog.set_level(logging.DEBUG)
    names = ["django", "django.request", "huey", "backend", "strawberry", "schema"]
    for name in [*names, *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
        logger = logging.getLogger(name)
        if not logger.propagate and caplog.handler not in logger.handlers:
            logger.addHandler(caplog.handler)


@pytest.fixture
def everything_logged(caplog):
    capture_everything(caplog)
    yield caplog
    for logger in [logging.getLogger(n) for n in logging.root.manager.loggerDict]:
        if isinstance(logger, logging.Logger) and caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def test_no_canary_in_any_log_record(
    gql, demo, smtp, sms_provider, push_service, committed, everything_logged
):
    caplog = everything_logged
    sms = sms_provider("sipgate")
    day = working_day()

    # Book by SMS; the first mail is greylisted (4xx: Huey logs the failed job), then sent by
    # process_email_queue.
    smtp.rcpt_replies = ["451 4.7.1 Greylisted, please try again later"]
    with committed():
        made = book(
            gql,
            demo.ausweis,
            demo.rathaus,
            at(day, 9, 45),
            name=NAME,
            email=EMAIL,
            phone=PHONE,
            channel="SMS",
        )
    code, token = made["booking"]["code"], made["manageToken"]
    # The endpoint path is the push service's random token, not the citizen's input (urllib3
    # logs request URLs at DEBUG): named neutrally, so only real canaries are looked for.
    browser = push_service.browser("browser-1")
    subscribe = {**browser.subscription(), "bookingCode": code, "bookingToken": token}
    gql.data(SUBSCRIBE_PUSH, {"input": subscribe})
    call_command("process_email_queue", "--verbose")

    # The reminder SMS: the provider fails (500); the next periodic run sends it.
    sms.failures = [500]
    start = dt.datetime.fromisoformat(at(day, 9, 45))
    send_due_reminders(now=start - dt.timedelta(minutes=60))
    send_due_reminders(now=start - dt.timedelta(minutes=55))

    # The cancellation SMS is refused (4xx): given up, logged as a warning.
    sms.failures = [Reply(400, b'{"error":"invalid recipient"}', JSON)]
    with committed():
        gql.data(CANCEL, {"input": {"code": code, "token": token}})

    # The waitlist: the canary waits, a place frees, the offer goes out by mail and SMS.
    with committed():
        other = book(
            gql, demo.kfz, demo.rathaus, at(day, 11), contact=AYSE, email="other@example.com"
        )
    joined = join_waitlist(gql, demo, day, day, name=NAME, email=EMAIL, phone=PHONE, channel="SMS")
    assert joined["errors"] == []
    with committed():
        variables = {"input": {"code": other["booking"]["code"], "token": other["manageToken"]}}
        gql.data(CANCEL, variables)
    entry, secret = offer_link(smtp.text())
    with committed():
        confirmed = gql.data(CONFIRM_OFFER, {"input": {"entry": entry, "token": secret}})
    assert confirmed["confirmWaitlistOffer"]["errors"] == []

    # Requests that fail validation quote their input in the error message.
    bad = gql(BOOK, {"input": {"name": NAME, "email": EMAIL, "phone": 4915199999999}})
    assert "15199999999" in bad["errors"][0]["message"]  # answered to the client only
    typed = join_waitlist(gql, demo, day, day, name=NAME, email="canary@example..org")
    assert typed["errors"] == [{"code": "INVALID_EMAIL", "field": "email"}]
    gql(JOIN_WAITLIST, {"input": {"name": NAME, "email": EMAIL, "service": "kein-uuid"}})

    # The flow really went through the failures (so there was something to log) ...
    assert [m["To"] for m in smtp.messages].count(EMAIL) == 4  # confirm, cancel, offer, confirm
    assert len(sms.requests) == 6  # confirm, reminder 500 + retry, cancel 400, offer, confirm
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent", "gave_up", "skipped"}
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("Unhandled exception in task") for m in messages)
    assert any(m.startswith("Gave up delivery") for m in messages)
    # ... and no record, formatted with its traceback, names the canary.
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(pathname)s")
    for record in caplog.records:
        if record.name.startswith(FAKES):
            continue
        text = formatter.format(record) + repr(record.args) + repr(record.__dict__)
        leaked = [canary for canary in CANARIES if canary.lower() in text.lower()]
        assert not leaked, (leaked, record.name, formatter.format(record))


def assert_no_canary(caplog) -> None:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(pathname)s")
    for record in caplog.records:
        if record.name.startswith(FAKES):
            continue
        text = formatter.format(record) + repr(record.args) + repr(record.__dict__)
        leaked = [canary for canary in CANARIES if canary.lower() in text.lower()]
        assert not leaked, (leaked, record.name, formatter.format(record))


class QuotingBackend(BaseEmailBackend):
    """An e-mail backend that fails in a way nobody expected, quoting the recipient (as
    many libraries' exceptions do)."""

    def send_messages(self, email_messages):
        raise RuntimeError(f"cannot deliver to {email_messages[0].to[0]}")


def test_an_unexpected_failure_is_logged_without_its_message(
    gql, demo, committed, settings, everything_logged
):
    settings.EMAIL_BACKEND = f"{__name__}.QuotingBackend"
    with committed():
        book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), name=NAME, email=EMAIL)

    delivery = Delivery.objects.get()
    assert delivery.status == "failed"  # retried later, like any failure for now
    assert re.fullmatch(r"RuntimeError at email\.py:\d+", delivery.last_error)
    failed_runs = [r for r in everything_logged.records if r.getMessage().startswith("Unhandled")]
    assert len(failed_runs) == 1 and failed_runs[0].exc_info is not None
    assert_no_canary(everything_logged)


def test_the_console_sms_backend_prints_neither_number_nor_text(
    gql, demo, smtp, committed, settings, capsys, everything_logged
):
    settings.SMS_ENABLED = True
    settings.SMS_PROVIDER = "console"
    with committed():
        book(
            gql,
            demo.ausweis,
            demo.rathaus,
            at(working_day(), 9, 45),
            name=NAME,
            email=EMAIL,
            phone=PHONE,
            channel="SMS",
        )

    printed = capsys.readouterr().out
    assert re.fullmatch(r"--- SMS to \+49151\*{6}99: \d+ characters \(not sent\) ---\n", printed)
    assert Delivery.objects.get(channel="sms").status == "sent"
    assert_no_canary(everything_logged)
