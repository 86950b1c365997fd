"""Retention: N days after the appointment (the organization's retention_days) personal data
is anonymised; figures stay; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from backend.bookings.models import Booking, IdempotencyRecord
from backend.notifications.models import Delivery, PushSubscription, WaitlistEntry
from backend.notifications.reports import day_stats
from backend.notifications.retention import ANONYMOUS, apply_retention
from backend.queue.models import QueueTicket
from tests.conftest import BERLIN
from tests.documents import BOOKING, DRAW, TICKET_STATUS
from tests.notifications.flows import STATS, SUBSCRIBE_PUSH, book, join_waitlist
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
        old = book(gql, demo, day, 14, idempotencyKey=str(uuid.uuid4()), **contact)
        new = book(gql, demo, later, 14, name="Nora Neu", email="nora@example.com")
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
    assert apply_retention(now=now) == {"bookings": 1, "tickets": 1, "waitlist": 1, "push": 2}

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
    assert apply_retention(now=now) == {"bookings": 0, "tickets": 0, "waitlist": 0, "push": 0}
    assert snapshot() == before
    # A day later the next booking's turn has not come yet either (N-1 -> N days).
    assert apply_retention(now=now + dt.timedelta(days=1))["bookings"] == 0
    assert apply_retention(now=now + dt.timedelta(days=2, minutes=1))["bookings"] == 1
