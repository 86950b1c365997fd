"""Holding, booking, idempotency, cancelling and rescheduling through /graphql."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.bookings.models import Booking, Claim, Hold
from tests.conftest import at, working_day
from tests.documents import (
    AVAILABLE_SLOTS,
    BOOK,
    BOOKING,
    CANCEL,
    CITIZEN,
    HOLD_SLOT,
    RELEASE_HOLD,
    RESCHEDULE,
)
from tests.factories import book

pytestmark = pytest.mark.django_db


def slots(gql, service, location, day):
    return gql.data(
        AVAILABLE_SLOTS,
        {"service": str(service.pk), "location": str(location.pk), "date": day.isoformat()},
    )["availableSlots"]


def remaining_at(gql, service, location, day, start):
    return {s["start"]: s["remaining"] for s in slots(gql, service, location, day)}.get(start, 0)


def test_direct_booking_returns_code_and_token_and_takes_one_seat(gql, demo, settings):
    settings.SMS_ENABLED = True
    day = working_day()
    start = at(day, 9, 0)
    assert remaining_at(gql, demo.ausweis, demo.rathaus, day, start) == 2

    result = book(
        gql,
        demo.ausweis,
        demo.rathaus,
        start,
        ok=False,
        phone="0151 23456789",
        language="TR",
        channel="SMS",
        source="EMBED",
    )

    assert result["errors"] == []
    booking = result["booking"]
    assert booking["code"][3] == "-" and len(booking["code"]) == 7
    assert {
        k: booking[k]
        for k in ("status", "start", "name", "email", "phone", "language", "channel", "source")
    } == {
        "status": "CONFIRMED",
        "start": start,
        "name": "Max Mustermann",
        "email": "max@example.com",
        "phone": "+4915123456789",
        "language": "TR",
        "channel": "SMS",
        "source": "EMBED",
    }
    assert len(result["manageToken"]) >= 22  # ≥ 128 bits of URL-safe base64
    stored = Booking.objects.get(code=booking["code"])
    assert result["manageToken"] not in stored.manage_token_hash
    assert remaining_at(gql, demo.ausweis, demo.rathaus, day, start) == 1


def test_hold_takes_capacity_and_booking_from_it_keeps_the_seat(gql, demo):
    day = working_day()
    start = at(day, 10, 0)
    held = gql.data(
        HOLD_SLOT,
        {"input": {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}},
    )["holdSlot"]
    assert held["errors"] == []
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, start) == 0
    # Someone else cannot book the held slot of a capacity-1 service.
    other = book(gql, demo.kfz, demo.rathaus, start, ok=False)
    assert other["errors"] == [{"code": "SLOT_TAKEN", "field": "start"}]

    result = gql.data(
        BOOK, {"input": {**CITIZEN, "hold": held["hold"]["id"], "holdSecret": held["holdSecret"]}}
    )["bookAppointment"]

    assert result["errors"] == []
    assert result["booking"]["start"] == start
    assert Hold.objects.count() == 0
    assert Claim.objects.filter(booking__code=result["booking"]["code"]).count() == 1


def test_expired_hold_frees_the_slot_and_cannot_book_once_taken(gql, demo):
    day = working_day()
    start = at(day, 11, 0)
    held = gql.data(
        HOLD_SLOT,
        {"input": {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}},
    )["holdSlot"]
    Hold.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    Claim.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))

    assert remaining_at(gql, demo.kfz, demo.rathaus, day, start) == 1
    assert book(gql, demo.kfz, demo.rathaus, start, ok=False)["errors"] == []

    late = gql.data(
        BOOK, {"input": {**CITIZEN, "hold": held["hold"]["id"], "holdSecret": held["holdSecret"]}}
    )["bookAppointment"]
    assert late["errors"] == [{"code": "HOLD_EXPIRED", "field": "hold"}]
    assert Booking.objects.count() == 1


def test_expired_hold_still_books_while_the_slot_is_free(gql, demo):
    day = working_day()
    start = at(day, 11, 30)
    held = gql.data(
        HOLD_SLOT,
        {"input": {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}},
    )["holdSlot"]
    Claim.objects.update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))

    result = gql.data(
        BOOK, {"input": {**CITIZEN, "hold": held["hold"]["id"], "holdSecret": held["holdSecret"]}}
    )["bookAppointment"]

    assert result["errors"] == []
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, start) == 0


@pytest.mark.usefixtures(
    "no_cooldown"
)  # freed at once here; cool-down: test_freed_slot_cooldown.py
def test_release_hold_gives_the_slot_back(gql, demo):
    day = working_day()
    start = at(day, 9, 30)
    held = gql.data(
        HOLD_SLOT,
        {"input": {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}},
    )["holdSlot"]
    release = {"input": {"hold": held["hold"]["id"], "secret": held["holdSecret"]}}
    assert gql.data(RELEASE_HOLD, release)["releaseHold"] == {
        "released": True,
        "errors": [],
    }
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, start) == 1
    assert gql.data(RELEASE_HOLD, release)["releaseHold"] == {
        "released": False,
        "errors": [{"code": "HOLD_NOT_FOUND", "field": "hold"}],
    }


def test_idempotency_key_replays_the_first_result(gql, demo):
    day = working_day()
    start = at(day, 9, 15)
    first = book(gql, demo.ausweis, demo.rathaus, start, ok=False, idempotencyKey="key-0001-abcd")
    again = book(gql, demo.ausweis, demo.rathaus, start, ok=False, idempotencyKey="key-0001-abcd")

    assert first["replayed"] is False and again["replayed"] is True
    assert again["booking"]["code"] == first["booking"]["code"]
    assert again["manageToken"] == first["manageToken"]
    assert Booking.objects.count() == 1

    changed = book(
        gql,
        demo.ausweis,
        demo.rathaus,
        start,
        ok=False,
        idempotencyKey="key-0001-abcd",
        name="Erika Mustermann",
    )
    assert changed["errors"] == [{"code": "IDEMPOTENCY_KEY_REUSED", "field": "idempotencyKey"}]
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"email": "not-an-email"}, [{"code": "INVALID_EMAIL", "field": "email"}]),
        ({"name": "   "}, [{"code": "INVALID_NAME", "field": "name"}]),
        ({"phone": "12"}, [{"code": "INVALID_PHONE", "field": "phone"}]),
        ({"channel": "SMS"}, [{"code": "PHONE_REQUIRED", "field": "phone"}]),
        (
            {"email": "x", "phone": "abc"},
            [
                {"code": "INVALID_EMAIL", "field": "email"},
                {"code": "INVALID_PHONE", "field": "phone"},
            ],
        ),
        (
            {"idempotencyKey": "short"},
            [{"code": "INVALID_IDEMPOTENCY_KEY", "field": "idempotencyKey"}],
        ),
        ({"service": "not-a-uuid"}, [{"code": "NOT_FOUND", "field": "service"}]),
        (
            {"location": "00000000-0000-0000-0000-000000000000"},
            [{"code": "NOT_FOUND", "field": "location"}],
        ),
        (
            {"hold": "00000000-0000-0000-0000-000000000000"},
            [{"code": "HOLD_NOT_FOUND", "field": "hold"}],
        ),
        ({"start": "2030-01-07T09:00:00"}, [{"code": "INVALID_TIME", "field": "start"}]),
    ],
    ids=[
        "email",
        "name",
        "phone",
        "sms-without-phone",
        "two-at-once",
        "key",
        "service-id",
        "location-id",
        "hold-id",
        "naive-time",
    ],
)
def test_bad_input_is_a_typed_error_and_books_nothing(gql, demo, settings, overrides, errors):
    settings.SMS_ENABLED = True  # so that SMS without a phone is about the phone
    start = at(working_day(), 9, 0)
    result = book(gql, demo.ausweis, demo.rathaus, start, ok=False, **overrides)
    assert result == {"booking": None, "manageToken": None, "replayed": False, "errors": errors}
    assert Booking.objects.count() == 0 and Claim.objects.count() == 0


def test_rules_are_enforced_when_booking_not_only_when_listing(gql, demo):
    day = working_day()
    cases = {
        "off-grid": (at(day, 9, 7), "SLOT_UNAVAILABLE"),
        "before-opening": (at(day, 7, 45), "SLOT_UNAVAILABLE"),
        "after-closing": (at(day, 16, 0), "SLOT_UNAVAILABLE"),
        "sunday": (at(working_day(7), 10, 0), "SLOT_UNAVAILABLE"),
        "past": (at(dt.date.today() - dt.timedelta(days=7), 9, 0), "OUTSIDE_BOOKING_WINDOW"),
        "beyond-horizon": (at(working_day(min_days_ahead=70), 9, 0), "OUTSIDE_BOOKING_WINDOW"),
    }
    for name, (start, code) in cases.items():
        result = book(gql, demo.ausweis, demo.rathaus, start, ok=False)
        assert result["errors"] == [{"code": code, "field": "start"}], name
    wrong_place = book(gql, demo.kfz, demo.nord, at(day, 9, 0), ok=False)
    assert wrong_place["errors"] == [{"code": "SERVICE_NOT_OFFERED", "field": "service"}]
    assert Booking.objects.count() == 0


@pytest.mark.usefixtures(
    "no_cooldown"
)  # freed at once here; cool-down: test_freed_slot_cooldown.py
def test_manage_link_shows_cancels_and_frees_the_slot(gql, demo):
    day = working_day()
    start = at(day, 12, 0)
    made = book(gql, demo.kfz, demo.rathaus, start, ok=False)
    code, token = made["booking"]["code"], made["manageToken"]

    shown = gql.data(BOOKING, {"code": code.lower().replace("-", " "), "token": token})
    assert shown["booking"] == {
        "code": code,
        "status": "CONFIRMED",
        "start": start,
        "service": {"slug": "kfz-zulassung"},
    }
    assert gql.data(BOOKING, {"code": code, "token": token + "x"})["booking"] is None
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, start) == 0

    wrong = gql.data(CANCEL, {"input": {"code": code, "token": "guess"}})["cancelBooking"]
    assert wrong == {"booking": None, "errors": [{"code": "NOT_FOUND", "field": "code"}]}

    cancelled = gql.data(CANCEL, {"input": {"code": code, "token": token}})["cancelBooking"]
    assert cancelled == {"booking": {"code": code, "status": "CANCELLED"}, "errors": []}
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, start) == 1
    again = gql.data(CANCEL, {"input": {"code": code, "token": token}})["cancelBooking"]
    assert again["errors"] == [{"code": "BOOKING_NOT_ACTIVE", "field": "code"}]


@pytest.mark.usefixtures(
    "no_cooldown"
)  # freed at once here; cool-down: test_freed_slot_cooldown.py
def test_reschedule_moves_the_booking_and_frees_the_old_slot(gql, demo):
    day = working_day()
    old, new = at(day, 12, 30), at(day, 13, 0)
    made = book(gql, demo.kfz, demo.rathaus, old, ok=False)
    code, token = made["booking"]["code"], made["manageToken"]

    moved = gql.data(RESCHEDULE, {"input": {"code": code, "token": token, "newStart": new}})
    assert moved["rescheduleBooking"] == {
        "booking": {"code": code, "status": "CONFIRMED", "start": new},
        "errors": [],
    }
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, old) == 1
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, new) == 0


def test_reschedule_onto_a_full_slot_keeps_the_old_one(gql, demo):
    day = working_day()
    old, full = at(day, 14, 0), at(day, 14, 30)
    made = book(gql, demo.kfz, demo.rathaus, old, ok=False)
    book(gql, demo.kfz, demo.rathaus, full, ok=False)

    moved = gql.data(
        RESCHEDULE,
        {
            "input": {
                "code": made["booking"]["code"],
                "token": made["manageToken"],
                "newStart": full,
            }
        },
    )
    assert moved["rescheduleBooking"] == {
        "booking": None,
        "errors": [{"code": "SLOT_TAKEN", "field": "start"}],
    }
    assert (
        Booking.objects.get(code=made["booking"]["code"]).starts_at.isoformat()
        == dt.datetime.fromisoformat(old).astimezone(dt.UTC).isoformat()
    )
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, old) == 0


def test_cancel_and_reschedule_respect_the_deadline(gql, demo, settings):
    day = working_day()
    start = at(day, 15, 0)
    made = book(gql, demo.kfz, demo.rathaus, start, ok=False)
    code, token = made["booking"]["code"], made["manageToken"]
    demo.kfz.cancellation_deadline_hours = 24 * 30  # the deadline has passed already
    demo.kfz.save()

    cancel = gql.data(CANCEL, {"input": {"code": code, "token": token}})["cancelBooking"]
    move = gql.data(
        RESCHEDULE, {"input": {"code": code, "token": token, "newStart": at(day, 15, 30)}}
    )["rescheduleBooking"]

    assert cancel["errors"] == [{"code": "DEADLINE_PASSED", "field": "code"}]
    assert move["errors"] == [{"code": "DEADLINE_PASSED", "field": "code"}]
    assert Booking.objects.get(code=code).status == Booking.Status.CONFIRMED
    assert remaining_at(gql, demo.kfz, demo.rathaus, day, at(day, 15, 30)) == 1


def test_a_retry_after_a_lost_response_replays_a_booking_made_from_a_hold(gql, demo):
    start = at(working_day(), 8, 30)
    hold = gql.data(
        HOLD_SLOT,
        {"input": {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}},
    )["holdSlot"]
    request = {
        "input": {
            **CITIZEN,
            "hold": hold["hold"]["id"],
            "holdSecret": hold["holdSecret"],
            "idempotencyKey": "lost-1234-resp",
        }
    }
    first = gql.data(BOOK, request)["bookAppointment"]  # the response is "lost"
    retry = gql.data(BOOK, request)["bookAppointment"]  # the hold is gone by now

    assert retry["errors"] == [] and retry["replayed"] is True
    assert retry["booking"]["code"] == first["booking"]["code"]
    assert retry["manageToken"] == first["manageToken"]
    assert Booking.objects.count() == 1
