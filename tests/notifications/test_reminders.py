"""Reminders by schedule (REMINDER_SCHEDULE=48h,24h,2h), with the clock moved by time_machine
and the periodic Huey task run (twice each time, as a duplicated run would)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.notifications import tasks
from backend.notifications.models import Delivery
from tests.conftest import BERLIN, working_day
from tests.documents import CANCEL
from tests.notifications.flows import book, english_date, german_date

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.REMINDER_SCHEDULE = ["48h", "24h", "2h"]


DAY = working_day(min_days_ahead=5)  # so that three days before is still ahead of today
START = dt.datetime.combine(DAY, dt.time(10), BERLIN)
DE_SUBJECT = f"Erinnerung: Ihr Termin am {german_date(DAY)} um 10:00 Uhr"


def book_at(moment: dt.datetime, gql, demo, committed, **extra) -> dict:
    """Book the 10:00 slot at `moment`, so the booking's created_at is then."""
    with time_machine.travel(moment, tick=False), committed():
        return book(gql, demo, DAY, 10, **extra)


def run_periodic_at(moment: dt.datetime, times: int = 2) -> None:
    with time_machine.travel(moment, tick=False):
        for _ in range(times):
            tasks.send_due_reminders.call_local()


def reminders() -> dict[str, str]:
    return dict(
        Delivery.objects.filter(kind="booking_reminder", channel="email").values_list(
            "key", "status"
        )
    )


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
