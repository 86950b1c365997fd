"""Reminders by schedule (REMINDER_SCHEDULE=48h,24h,2h), with the clock moved by time_machine
and the periodic Huey task run (twice each time, as a duplicated run would)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from backend.notifications import tasks
from backend.notifications.models import Delivery
from tests.conftest import BERLIN, at, working_day
from tests.documents import CANCEL, RESCHEDULE
from tests.factories import book
from tests.notifications.flows import AYSE, english_date, german_date, manage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.REMINDER_SCHEDULE = ["48h", "24h", "2h"]


DAY = working_day(min_days_ahead=5)  # so that three days before is still ahead of today
START = dt.datetime.combine(DAY, dt.time(10), BERLIN)
AT_START = f"@{START.astimezone(dt.UTC):%Y%m%dT%H%MZ}"  # a reminder's key: "24h" + AT_START
DE_SUBJECT = f"Erinnerung: Ihr Termin am {german_date(DAY)} um 10:00 Uhr"


def book_at(moment: dt.datetime, gql, demo, committed, **extra) -> dict:
    """Book the 10:00 slot at `moment`, so the booking's created_at is then."""
    with time_machine.travel(moment, tick=False), committed():
        return book(gql, demo.ausweis, demo.rathaus, at(DAY, 10), contact=AYSE, **extra)


def run_periodic_at(moment: dt.datetime, times: int = 2) -> None:
    with time_machine.travel(moment, tick=False):
        for _ in range(times):
            tasks.send_due_reminders.call_local()


def reminders(start_tag: str = AT_START) -> dict[str, str]:
    """{"48h": status, ...} of the e-mail reminders for the appointment starting at
    `start_tag` (the reminder's key is the schedule point and the start)."""
    keys = Delivery.objects.filter(kind="booking_reminder", channel="email").values_list(
        "key", "status"
    )
    return {key.removesuffix(start_tag): status for key, status in keys if key.endswith(start_tag)}


def test_a_booking_three_days_ahead_gets_48h_24h_and_2h_each_once(gql, demo, smtp, committed):
    book_at(START - dt.timedelta(days=3), gql, demo, committed)
    assert smtp.subjects() == [f"Terminbestätigung: {german_date(DAY)}, 10:00 Uhr"]

    steps = [
        (dt.timedelta(hours=49), None),
        (dt.timedelta(hours=47), "48h"),
        (dt.timedelta(hours=30), None),
        (dt.timedelta(hours=23), "24h"),
        (dt.timedelta(hours=2, minutes=30), None),
        (dt.timedelta(hours=1, minutes=59), "2h"),
        (dt.timedelta(minutes=30), None),
    ]
    for before, label in steps:
        sent_before = len(smtp.messages)
        run_periodic_at(START - before)
        assert len(smtp.messages) == sent_before + (label is not None), (before, label)
        if label:
            assert smtp.subjects()[-1] == DE_SUBJECT
            assert smtp.messages[-1]["To"] == "ayse@example.com"
            assert reminders()[label] == "sent"

    assert reminders() == {"48h": "sent", "24h": "sent", "2h": "sent"}
    text = smtp.text()
    assert "Wir erinnern Sie an Ihren Termin." in text and "/manage/" in text


def test_a_booking_made_three_hours_ahead_gets_only_the_2h_reminder(gql, demo, smtp, committed):
    book_at(START - dt.timedelta(hours=3), gql, demo, committed, language="EN")

    run_periodic_at(START - dt.timedelta(hours=2, minutes=30))
    assert len(smtp.messages) == 1  # the 48 h and 24 h points were over before it was made
    run_periodic_at(START - dt.timedelta(hours=1, minutes=59))
    run_periodic_at(START - dt.timedelta(hours=1))

    assert smtp.subjects()[1:] == [f"Reminder: your appointment on {english_date(DAY)} at 10:00"]
    assert Delivery.objects.filter(kind="booking_reminder").count() == 1
    assert reminders() == {"2h": "sent"}


def test_after_a_day_down_only_the_latest_due_reminder_is_sent(gql, demo, smtp, committed):
    book_at(START - dt.timedelta(days=3), gql, demo, committed)
    run_periodic_at(START - dt.timedelta(hours=47))
    assert reminders() == {"48h": "sent"}

    # The worker is down from 47 h to 1 h 59 min before: the 24 h point passes unseen.
    run_periodic_at(START - dt.timedelta(hours=1, minutes=59))
    run_periodic_at(START - dt.timedelta(hours=1, minutes=54))

    assert smtp.subjects()[1:] == [DE_SUBJECT, DE_SUBJECT]  # 48 h, then 2 h; never 24 h
    assert reminders() == {"48h": "sent", "24h": "skipped", "2h": "sent"}


def test_a_first_run_one_day_late_sends_the_24h_reminder_only(gql, demo, smtp, committed):
    book_at(START - dt.timedelta(days=3), gql, demo, committed)
    run_periodic_at(START - dt.timedelta(hours=23))
    assert smtp.subjects()[1:] == [DE_SUBJECT]
    assert reminders() == {"48h": "skipped", "24h": "sent"}


def test_no_reminders_for_cancelled_bookings(gql, demo, smtp, committed):
    made = book_at(START - dt.timedelta(days=3), gql, demo, committed)
    with time_machine.travel(START - dt.timedelta(days=2, hours=12), tick=False), committed():
        code, token = made["booking"]["code"], made["manageToken"]
        gql.data(CANCEL, {"input": {"code": code, "token": token}})
    run_periodic_at(START - dt.timedelta(hours=47))
    run_periodic_at(START - dt.timedelta(hours=1))
    assert [s.split(":")[0] for s in smtp.subjects()] == ["Terminbestätigung", "Termin abgesagt"]
    assert reminders() == {}


# A week later, same weekday: the appointment is moved there after the 48 h reminder went out.
LATER = working_day(DAY.isoweekday(), min_days_ahead=(DAY - dt.date.today()).days + 1)
LATER_START = dt.datetime.combine(LATER, dt.time(10), BERLIN)
AT_LATER_START = f"@{LATER_START.astimezone(dt.UTC):%Y%m%dT%H%MZ}"


def test_a_moved_booking_is_reminded_again_for_its_new_time(gql, demo, smtp, committed):
    made = book_at(START - dt.timedelta(days=3), gql, demo, committed)
    run_periodic_at(START - dt.timedelta(hours=47))
    assert reminders() == {"48h": "sent"}
    with time_machine.travel(START - dt.timedelta(hours=46), tick=False), committed():
        variables = {"input": {**manage(made), "newStart": LATER_START.isoformat()}}
        assert gql.data(RESCHEDULE, variables)["rescheduleBooking"]["errors"] == []

    for hours_before in (47, 23, 1.99):
        run_periodic_at(LATER_START - dt.timedelta(hours=hours_before))

    later = f"Erinnerung: Ihr Termin am {german_date(LATER)} um 10:00 Uhr"
    assert smtp.subjects() == [
        f"Terminbestätigung: {german_date(DAY)}, 10:00 Uhr",
        DE_SUBJECT,
        f"Termin verschoben auf {german_date(LATER)}, 10:00 Uhr",
        later,
        later,
        later,
    ]
    assert reminders() == {"48h": "sent"}  # the old time's
    assert reminders(AT_LATER_START) == {"48h": "sent", "24h": "sent", "2h": "sent"}


def test_points_already_over_when_moved_are_not_sent(gql, demo, smtp, committed):
    """Moved 30 h ahead to 4 h later: the 48 h point of the new time is over at the move
    (the rescheduling mail said it all); 24 h and 2 h follow."""
    made = book_at(START - dt.timedelta(days=3), gql, demo, committed)
    new_start = START + dt.timedelta(hours=4)  # 14:00
    with time_machine.travel(START - dt.timedelta(hours=30), tick=False), committed():
        variables = {"input": {**manage(made), "newStart": new_start.isoformat()}}
        assert gql.data(RESCHEDULE, variables)["rescheduleBooking"]["errors"] == []
    tag = f"@{new_start.astimezone(dt.UTC):%Y%m%dT%H%MZ}"
    assert reminders(tag) == {"48h": "skipped"}

    run_periodic_at(START - dt.timedelta(hours=29, minutes=55))
    run_periodic_at(new_start - dt.timedelta(hours=23))
    assert smtp.subjects() == [
        f"Terminbestätigung: {german_date(DAY)}, 10:00 Uhr",
        f"Termin verschoben auf {german_date(DAY)}, 14:00 Uhr",
        f"Erinnerung: Ihr Termin am {german_date(DAY)} um 14:00 Uhr",
    ]
    assert reminders(tag) == {"48h": "skipped", "24h": "sent"}


def test_a_reminder_retried_after_the_cancellation_is_not_sent(gql, demo, smtp, committed):
    made = book_at(START - dt.timedelta(days=3), gql, demo, committed)
    smtp.rcpt_replies = ["451 4.7.1 Greylisted, please try again later"]
    run_periodic_at(START - dt.timedelta(hours=47), times=1)
    assert reminders() == {"48h": "failed"}
    with time_machine.travel(START - dt.timedelta(hours=46), tick=False), committed():
        assert gql.data(CANCEL, {"input": manage(made)})["cancelBooking"]["errors"] == []

        out = io.StringIO()
        call_command("process_email_queue", stdout=out)  # retries what failed for now

    assert out.getvalue() == "1 deliveries retried.\n"
    assert [s.split(":")[0] for s in smtp.subjects()] == ["Terminbestätigung", "Termin abgesagt"]
    assert reminders() == {"48h": "skipped"}


def test_a_reminder_job_for_an_old_start_sends_nothing(gql, demo, smtp, committed):
    """A reminder job still queued (or retried) from before a move: its key names the old
    start, so it is dropped, not sent with the new time under the old point."""
    made = book_at(START - dt.timedelta(days=3), gql, demo, committed)
    with time_machine.travel(START - dt.timedelta(hours=47), tick=False):
        with committed():
            variables = {"input": {**manage(made), "newStart": LATER_START.isoformat()}}
            gql.data(RESCHEDULE, variables)
        booking_id = Delivery.objects.get(kind="booking_confirmation").booking_id
        old_key = "48h" + AT_START
        assert tasks.send_booking_message.call_local(booking_id, "booking_reminder", old_key) == {}
    assert reminders() == {}
    assert smtp.subjects() == [
        f"Terminbestätigung: {german_date(DAY)}, 10:00 Uhr",
        f"Termin verschoben auf {german_date(LATER)}, 10:00 Uhr",
    ]


def test_reminders_sent_before_keys_named_the_start_are_not_sent_again(gql, demo, smtp, committed):
    """Migration 0003: a "48h" row from before counts for the booking's current start."""
    from importlib import import_module

    from django.apps import apps

    book_at(START - dt.timedelta(days=3), gql, demo, committed)
    booking_id = Delivery.objects.get(kind="booking_confirmation").booking_id
    Delivery.objects.create(
        booking_id=booking_id, kind="booking_reminder", channel="email", key="48h", status="sent"
    )
    migration = import_module("backend.notifications.migrations.0003_reminder_keys_with_start")
    migration.add_start_to_reminder_keys(apps, None)
    migration.add_start_to_reminder_keys(apps, None)  # nothing left to change

    run_periodic_at(START - dt.timedelta(hours=46))
    assert len(smtp.messages) == 1  # the confirmation only: the 48 h reminder went before
    assert reminders() == {"48h": "sent"}
