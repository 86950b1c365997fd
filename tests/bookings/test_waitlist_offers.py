"""Confirming a waitlist offer books the held slot and closes the entry in one transaction:
when booking fails, the entry is still offered and nothing is booked."""

from __future__ import annotations

import pytest
from django.db import connection

from backend.bookings.models import Booking, Claim, Hold, WaitlistEntry
from tests.conftest import at, working_day
from tests.documents import BOOK, CANCEL
from tests.factories import book
from tests.notifications.flows import AYSE, CONFIRM_OFFER, join_waitlist

pytestmark = pytest.mark.django_db
DAY = working_day()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what waits for the commit (events, then the jobs they enqueue)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def offered(gql, demo, committed) -> dict:
    """The vehicle registration at 09:00 (capacity 1) was booked and is cancelled: Erste,
    waiting for that day, is offered it (held for her)."""
    with committed():
        made = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), contact=AYSE, email="bea@example.com")
    joined = join_waitlist(gql, demo, DAY, DAY, email="erste@example.com")
    with committed():
        cancel = {"input": {"code": made["booking"]["code"], "token": made["manageToken"]}}
        assert gql.data(CANCEL, cancel)["cancelBooking"]["errors"] == []
    entry = WaitlistEntry.objects.get(pk=joined["entry"]["id"])
    assert entry.status == WaitlistEntry.Status.OFFERED and entry.offer_hold_id
    return {"input": {"entry": joined["entry"]["id"], "token": joined["token"]}}


def entry_state() -> tuple:
    entry = WaitlistEntry.objects.get(email="erste@example.com")
    return entry.status, entry.booking_id, entry.offer_hold_id is not None


def test_a_slot_taken_in_between_leaves_the_entry_offered_and_books_nothing(
    gql, demo, committed, offered
):
    # The offer's hold lost its place (its claim is gone) and somebody booked the time.
    Claim.objects.filter(hold__isnull=False).delete()
    other = {
        "name": "Schnell Bucher",
        "email": "schnell@example.com",
        "service": str(demo.kfz.pk),
        "location": str(demo.rathaus.pk),
        "start": at(DAY, 9),
    }
    assert gql.data(BOOK, {"input": other})["bookAppointment"]["errors"] == []

    with committed():
        confirmed = gql.data(CONFIRM_OFFER, offered)["confirmWaitlistOffer"]

    assert confirmed["booking"] is None
    assert confirmed["errors"] == [{"code": "HOLD_EXPIRED", "field": "hold"}]
    assert entry_state() == ("offered", None, True)
    assert not Booking.objects.filter(email="erste@example.com").exists()
    assert Hold.objects.count() == 1


@pytest.fixture
def entry_refuses_booked():
    """The database refuses to mark a waitlist entry booked (a trigger): a failure after the
    booking row was written, in the same transaction."""
    table = WaitlistEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_booked() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_booked BEFORE UPDATE ON {table} FOR EACH ROW "
                "WHEN (NEW.status = 'booked') EXECUTE FUNCTION refuse_booked()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_booked BEFORE UPDATE ON {table} "
                "WHEN NEW.status = 'booked' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER refuse_booked ON {table}")
            cursor.execute("DROP FUNCTION refuse_booked()")
        else:
            cursor.execute("DROP TRIGGER refuse_booked")


def test_a_failure_after_booking_rolls_the_booking_back(
    gql, demo, committed, offered, entry_refuses_booked
):
    with committed():
        body = gql(CONFIRM_OFFER, offered)

    assert body["errors"] and not (body["data"] or {}).get(
        "confirmWaitlistOffer"
    )  # a 500-kind error
    assert entry_state() == ("offered", None, True)
    assert not Booking.objects.filter(email="erste@example.com").exists()
    assert Hold.objects.count() == 1 and Claim.objects.filter(hold__isnull=False).count() == 1
