"""Web Push in addition to the chosen channel: a citizen who booked by e-mail, SMS or "no
messages" and then pressed "notify me" gets reminders, moves and cancellations pushed too
(never the confirmation, sent before any browser could subscribe)."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.notifications.bookings import send_due_reminders
from backend.notifications.models import Delivery
from tests.conftest import at, working_day
from tests.documents import RESCHEDULE, STAFF_CANCEL
from tests.factories import book
from tests.notifications.flows import AYSE, english_date, german_date, manage, subscribe_push
from tests.queue.conftest import staff_client

pytestmark = pytest.mark.django_db

DAY = working_day()


def remind(made: dict) -> int:
    """The periodic reminder run 1 h 59 min before the appointment: the 2 h reminder."""
    start = dt.datetime.fromisoformat(made["booking"]["start"])
    return send_due_reminders(now=start - dt.timedelta(hours=1, minutes=59))


def sent() -> list[tuple[str, str]]:
    return sorted(Delivery.objects.filter(status="sent").values_list("kind", "channel"))


@pytest.mark.parametrize(
    ("channel", "reminded_by"),
    [("EMAIL", ["email", "push"]), ("SMS", ["push", "sms"]), ("NONE", ["push"])],
)
def test_a_subscribed_browser_gets_the_reminder_besides_the_chosen_way(
    channel, reminded_by, gql, demo, smtp, sms_provider, push_service, committed
):
    sms = sms_provider("sipgate")
    phone = {"phone": "0151 23456789"} if channel == "SMS" else {}
    with committed():
        made = book(
            gql, demo.ausweis, demo.rathaus, at(DAY, 9, 45), contact=AYSE, channel=channel, **phone
        )
    browser = push_service.browser("laptop")
    assert subscribe_push(gql, browser, bookingCode=made["booking"]["code"], **_token(made)) == {
        "subscribed": True,
        "errors": [],
    }

    remind(made)

    reminders = Delivery.objects.filter(kind="booking_reminder").exclude(status="skipped")
    assert sorted(reminders.values_list("channel", "status")) == [
        (way, "sent") for way in reminded_by
    ]
    [request] = push_service.to(browser)
    assert browser.decrypt(request.body) == {
        "title": f"Termin {german_date(DAY)} um 09:45",
        "url": f"/manage/{made['booking']['code']}",
    }
    assert (request.headers["urgency"], request.headers["ttl"]) == ("normal", str(6 * 3600))
    reminder_mails = [s for s in smtp.subjects() if s.startswith("Erinnerung")]
    assert len(reminder_mails) == ("email" in reminded_by)
    assert len(sms.requests) == (2 if channel == "SMS" else 0)  # confirmation, reminder


def test_without_a_subscription_nothing_is_pushed(gql, demo, smtp, push_service, committed):
    with committed():
        made = book(gql, demo.ausweis, demo.rathaus, at(DAY, 9, 45), contact=AYSE)
    assert remind(made) == 1
    assert sent() == [("booking_confirmation", "email"), ("booking_reminder", "email")]
    assert push_service.requests == []


def test_a_move_and_a_cancellation_are_pushed_too_the_confirmation_not(
    gql, demo, smtp, push_service, committed
):
    clerk = staff_client(
        create_staff("clerk", "clerk@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    )
    with committed():
        made = book(gql, demo.ausweis, demo.rathaus, at(DAY, 9, 45), contact=AYSE, language="EN")
    browser = push_service.browser("phone")
    subscribe_push(gql, browser, bookingCode=made["booking"]["code"], **_token(made))

    with committed():
        moved = gql.data(RESCHEDULE, {"input": {**manage(made), "newStart": at(DAY, 11)}})
    assert moved["rescheduleBooking"]["errors"] == []
    with committed():
        variables = {"input": {"booking": made["booking"]["id"], "reason": "Amt geschlossen"}}
        assert clerk.data(STAFF_CANCEL, variables)["staffCancelBooking"]["errors"] == []

    url = f"/manage/{made['booking']['code']}"
    date = english_date(DAY)
    assert [browser.decrypt(r.body) for r in push_service.to(browser)] == [
        {"title": f"Appointment moved: {date} at 11:00", "url": url},
        {"title": f"Appointment {date} at 11:00 cancelled", "url": url},
    ]
    assert sent() == [
        ("booking_cancellation", "email"),
        ("booking_cancellation", "push"),
        ("booking_confirmation", "email"),
        ("booking_rescheduled", "email"),
        ("booking_rescheduled", "push"),
    ]


def _token(made: dict) -> dict:
    return {"bookingToken": made["manageToken"]}
