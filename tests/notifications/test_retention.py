"""Retention: N days after the appointment (the organization's retention_days) personal data
is anonymised; figures stay; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.bookings.models import Booking, IdempotencyRecord, WaitlistEntry
from backend.core.models import AuditLog
from backend.notifications.models import Delivery, PushSubscription
from backend.notifications.reports import day_stats
from backend.notifications.retention import ANONYMOUS, apply_retention
from backend.queue.models import QueueTicket
from tests.conftest import BERLIN, at, working_day
from tests.documents import BOOKING, DRAW, STAFF_CANCEL, TICKET_STATUS
from tests.factories import book
from tests.notifications.flows import AYSE, STATS, SUBSCRIBE_PUSH, join_waitlist, subscribe_push
from tests.queue.conftest import staff_client
from tests.queue.test_stats import STATS as QUEUE_STATS

pytestmark = pytest.mark.django_db

N = 30


def snapshot() -> list[tuple]:
    return [
        *Booking.objects.order_by("code").values_list(
            "code", "name", "email", "phone", "token_salt", "manage_token_hash", "status"
        ),
        *QueueTicket.objects.order_by("number").values_list("number", "status_token_hash"),
        *WaitlistEntry.objects.order_by("last_day").values_list("name", "email", "phone"),
        *PushSubscription.objects.order_by("endpoint").values_list("endpoint", flat=True),
    ]


def test_personal_data_goes_n_days_after_the_appointment(
    demo, floor, office_hour, gql, committed, smtp, push_service
):
    day = office_hour  # the clock stands at 10:00 on this (working) Monday
    demo.org.retention_days = N
    demo.org.save()
    later = day + dt.timedelta(days=2)
    with committed():
        contact = {"name": "Olga Alt", "email": "olga@example.com", "phone": "0151 11111111"}
        old = book(
            gql,
            demo.ausweis,
            demo.rathaus,
            at(day, 14),
            contact=contact,
            idempotencyKey=str(uuid.uuid4()),
        )
        new = book(
            gql,
            demo.ausweis,
            demo.rathaus,
            at(later, 14),
            name="Nora Neu",
            email="nora@example.com",
        )
        variables = {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
        ticket = floor.kiosk.data(DRAW, variables)["drawTicket"]["ticket"]
    subscriptions = [
        {"bookingCode": old["booking"]["code"], "bookingToken": old["manageToken"]},
        {"bookingCode": new["booking"]["code"], "bookingToken": new["manageToken"]},
        {"ticket": ticket["id"], "ticketToken": ticket["statusToken"]},
    ]
    for name, subject in zip(("old", "new", "ticket"), subscriptions, strict=True):
        browser = push_service.browser(name)
        gql.data(SUBSCRIBE_PUSH, {"input": {**browser.subscription(), **subject}})
    ended = join_waitlist(gql, demo, day, day, name="Walter Weg", email="walter@example.com")
    open_ = join_waitlist(gql, demo, day, later + dt.timedelta(days=N), email="wilma@example.com")
    assert IdempotencyRecord.objects.count() == 1
    deliveries = Delivery.objects.count()

    old_start = dt.datetime.combine(day, dt.time(14), BERLIN)
    now = old_start + dt.timedelta(days=N + 1)  # the old appointment N+1 days ago, the new N-1
    assert apply_retention(now=now) == {
        "bookings": 1,
        "tickets": 1,
        "waitlist": 1,
        "push": 2,
        "audit": 0,
    }

    gone = Booking.objects.get(code=old["booking"]["code"])
    personal = (gone.name, gone.email, gone.phone, gone.token_salt, gone.manage_token_hash)
    assert personal == (ANONYMOUS, "", "", "", "")
    assert gone.status == "confirmed" and gone.starts_at == old_start
    assert gone.ends_at == old_start + dt.timedelta(minutes=15)
    kept_figures = (gone.service_id, gone.location_id, gone.language, gone.code)
    assert kept_figures == (demo.ausweis.pk, demo.rathaus.pk, "de", old["booking"]["code"])
    kept = Booking.objects.get(code=new["booking"]["code"])
    assert (kept.name, kept.email) == ("Nora Neu", "nora@example.com")
    # The old link no longer opens anything; the new one still does.
    assert gql.data(BOOKING, {"code": old["booking"]["code"], "token": old["manageToken"]}) == {
        "booking": None
    }
    found = gql.data(BOOKING, {"code": new["booking"]["code"], "token": new["manageToken"]})
    assert found["booking"]["code"] == new["booking"]["code"]
    assert not IdempotencyRecord.objects.exists()

    assert list(PushSubscription.objects.values_list("booking__code", flat=True)) == [
        new["booking"]["code"]
    ]
    assert QueueTicket.objects.get().status_token_hash == ""
    status = gql(TICKET_STATUS, {"ticket": ticket["id"], "token": ticket["statusToken"]})
    assert [e["extensions"]["code"] for e in status["errors"]] == ["NOT_FOUND"]
    assert WaitlistEntry.objects.get(pk=ended["entry"]["id"]).name == ANONYMOUS
    assert WaitlistEntry.objects.get(pk=ended["entry"]["id"]).email == ""
    assert WaitlistEntry.objects.get(pk=open_["entry"]["id"]).email == "wilma@example.com"
    assert Delivery.objects.count() == deliveries  # the log has no personal data: it stays

    # The figures still count what was anonymised.
    assert day_stats(demo.rathaus, day).total_appointments == 1
    figures = floor.clerk.data(STATS, {"location": str(demo.rathaus.pk), "date": day.isoformat()})
    assert figures["stats"]["totalAppointments"] == 1
    queue = floor.clerk.data(QUEUE_STATS, {"l": str(demo.rathaus.pk), "d": day.isoformat()})
    assert queue["queueStats"]["services"][0]["tickets"] == 1

    before = snapshot()
    assert apply_retention(now=now) == {
        "bookings": 0,
        "tickets": 0,
        "waitlist": 0,
        "push": 0,
        "audit": 0,
    }
    assert snapshot() == before
    # A day later the next booking's turn has not come yet either (N-1 -> N days).
    assert apply_retention(now=now + dt.timedelta(days=1))["bookings"] == 0
    assert apply_retention(now=now + dt.timedelta(days=2, minutes=1))["bookings"] == 1


def retention(now: dt.datetime) -> dict[str, int]:
    return apply_retention(now=now)


def waiting_names() -> dict[dt.date, str]:
    return dict(WaitlistEntry.objects.values_list("last_day", "name"))


def subscribed_last_days() -> list[dt.date]:
    """The last days of the entries that still have a push subscription."""
    days = PushSubscription.objects.values_list("waitlist_entry__last_day", flat=True)
    return sorted(days)


def who(last_day: dt.date) -> str:
    """A name per last day (names hold letters only)."""
    return f"Wer {'ABCDEFG'[last_day.weekday()]}"


def test_waitlist_entries_and_their_browsers_go_n_days_after_the_last_day(demo, gql, push_service):
    """Entries whose last day was the day before, the day of, and the day after the limit:
    exactly the ones whose last day is more than N days over are anonymised, and their push
    subscriptions deleted."""
    demo.org.retention_days = N
    demo.org.save()
    day = working_day(min_days_ahead=4)
    days = [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    for last_day in days:
        joined = join_waitlist(
            gql,
            demo,
            last_day,
            last_day,
            name=who(last_day),
            email=f"{last_day}@example.com",
        )
        browser = push_service.browser(f"entry-{last_day}")
        subject = {"waitlistEntry": joined["entry"]["id"], "waitlistToken": joined["token"]}
        assert subscribe_push(gql, browser, **subject) == {"subscribed": True, "errors": []}

    # N days after `day`, at noon: `day` itself is N days (not more) over.
    noon = dt.datetime.combine(day + dt.timedelta(days=N), dt.time(12), BERLIN)
    counts = retention(noon)
    assert (counts["waitlist"], counts["push"]) == (1, 1)
    assert waiting_names() == {
        days[0]: ANONYMOUS,
        days[1]: who(days[1]),
        days[2]: who(days[2]),
    }
    assert subscribed_last_days() == days[1:]

    # The next day (just after midnight) the entry of `day` follows; the one after stays.
    after_midnight = dt.datetime.combine(day + dt.timedelta(days=N + 1), dt.time(0, 1), BERLIN)
    assert retention(after_midnight)["waitlist"] == 1
    assert waiting_names()[days[1]] == ANONYMOUS and waiting_names()[days[2]] == who(days[2])
    assert subscribed_last_days() == days[2:]
    entry = WaitlistEntry.objects.get(last_day=days[1])
    assert (entry.email, entry.phone, entry.token_salt) == ("", "", "")


def test_a_bookings_browsers_and_the_staffs_reason_go_with_the_booking(
    demo, gql, committed, smtp, push_service
):
    demo.org.retention_days = N
    demo.org.save()
    clerk = staff_client(
        create_staff("clerk", "clerk@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    )
    day = working_day()
    with committed():
        made = book(gql, demo.ausweis, demo.rathaus, at(day, 10), contact=AYSE)
    browser = push_service.browser("booking")
    subject = {"bookingCode": made["booking"]["code"], "bookingToken": made["manageToken"]}
    assert subscribe_push(gql, browser, **subject)["subscribed"] is True
    with committed():
        variables = {"input": {"booking": made["booking"]["id"], "reason": "Frau Yılmaz rief an"}}
        assert clerk.data(STAFF_CANCEL, variables)["staffCancelBooking"]["errors"] == []
    cancelled = AuditLog.objects.get(action="booking.cancelled")
    assert cancelled.data == {"by": "staff", "reason": "Frau Yılmaz rief an"}
    start = dt.datetime.fromisoformat(made["booking"]["start"])

    # A day before the limit nothing goes; a day after, the subscription and the reason do.
    kept = retention(start + dt.timedelta(days=N - 1))
    assert (kept["bookings"], kept["push"], kept["audit"]) == (0, 0, 0)
    assert PushSubscription.objects.count() == 1
    assert AuditLog.objects.get(pk=cancelled.pk).data["reason"] == "Frau Yılmaz rief an"

    gone = retention(start + dt.timedelta(days=N + 1))
    assert (gone["bookings"], gone["push"], gone["audit"]) == (1, 1, 1)
    assert not PushSubscription.objects.exists()
    entry = AuditLog.objects.get(pk=cancelled.pk)
    assert (entry.action, entry.actor_kind, entry.data) == (
        "booking.cancelled",
        "staff",
        {"by": "staff", "reason": ""},  # who did what stays; the free text goes
    )
    assert retention(start + dt.timedelta(days=N + 1))["audit"] == 0  # idempotent
