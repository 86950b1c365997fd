"""A freed place is offered to the waitlist first and returns to the public only after a
random delay (ops/adr/0007-freed-slot-cooldown.md): a bot that cancels and rebooks at once
for a buyer finds the slot gone. Through /graphql, with the clock moved by time-machine."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from backend.bookings import capacity
from backend.bookings.models import Booking, Claim, Hold, WaitlistEntry
from tests.bookings.test_concurrency import booking_request, outcome
from tests.concurrency import fire, post_graphql
from tests.conftest import at, working_day
from tests.documents import AVAILABLE_SLOTS, CANCEL, HOLD_SLOT, RELEASE_HOLD, RESCHEDULE
from tests.factories import book
from tests.notifications.flows import CONFIRM_OFFER, join_waitlist

MONDAY = working_day(weekday=1)
MIN_S, MAX_S = 120, 900  # the window these tests configure


@pytest.fixture(autouse=True)
def cooldown_window(settings):
    settings.FREED_SLOT_COOLDOWN_MIN_SECONDS = MIN_S
    settings.FREED_SLOT_COOLDOWN_MAX_SECONDS = MAX_S


def free_times(gql, service, location, day=MONDAY) -> dict[str, int]:
    variables = {"service": str(service.pk), "location": str(location.pk), "date": day.isoformat()}
    slots = gql.data(AVAILABLE_SLOTS, variables)["availableSlots"]
    return {slot["localTime"]: slot["remaining"] for slot in slots}


# Whoever books the freed slots here.
BO = {"name": "Bo Bot", "email": "bo@example.com"}


def slot_input(service, location, hour: int, minute: int = 0, **extra) -> dict:
    start = at(MONDAY, hour, minute)
    return {"service": str(service.pk), "location": str(location.pk), "start": start, **extra}


def hold(gql, service, location, hour: int, minute: int = 0) -> dict:
    return gql.data(HOLD_SLOT, {"input": slot_input(service, location, hour, minute)})["holdSlot"]


def cancel(gql, made: dict) -> dict:
    variables = {"input": {"code": made["booking"]["code"], "token": made["manageToken"]}}
    return gql.data(CANCEL, variables)["cancelBooking"]


def later(seconds: int):
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds), tick=False)


TAKEN = [{"code": "SLOT_TAKEN", "field": "start"}]


@pytest.mark.django_db
def test_a_cancelled_slot_is_neither_visible_nor_holdable_nor_bookable_before_its_delay(gql, demo):
    made = book(gql, demo.kfz, demo.rathaus, at(MONDAY, 9), ok=False, contact=BO)
    assert cancel(gql, made)["errors"] == []

    # The bot's instant rebook, hold, and look at the slots all find nothing.
    assert "09:00" not in free_times(gql, demo.kfz, demo.rathaus)
    assert hold(gql, demo.kfz, demo.rathaus, 9) == {
        "hold": None,
        "holdSecret": None,
        "errors": TAKEN,
    }
    assert book(
        gql, demo.kfz, demo.rathaus, at(MONDAY, 9), ok=False, contact=BO, email="buyer@example.com"
    ) == {
        "booking": None,
        "manageToken": None,
        "replayed": False,
        "errors": TAKEN,
    }
    with later(MIN_S - 1):
        assert "09:00" not in free_times(gql, demo.kfz, demo.rathaus)
        assert hold(gql, demo.kfz, demo.rathaus, 9)["errors"] == TAKEN

    with later(MAX_S + 1):
        assert free_times(gql, demo.kfz, demo.rathaus)["09:00"] == 1
        assert hold(gql, demo.kfz, demo.rathaus, 9)["errors"] == []
    assert Claim.objects.filter(hold__isnull=False).count() == 1  # the cooled seat was reused


@pytest.mark.django_db
def test_the_delay_is_random_within_the_window(settings):
    delays = {capacity.cooldown() for _ in range(200)}
    assert min(delays) >= dt.timedelta(seconds=MIN_S)
    assert max(delays) <= dt.timedelta(seconds=MAX_S)
    assert len(delays) > 20  # not one fixed moment a bot could wait for
    settings.FREED_SLOT_COOLDOWN_MIN_SECONDS = settings.FREED_SLOT_COOLDOWN_MAX_SECONDS = 300
    assert capacity.cooldown() == dt.timedelta(seconds=300)
    settings.FREED_SLOT_COOLDOWN_MAX_SECONDS = 0
    assert capacity.cooldown() == dt.timedelta(0)


@pytest.mark.django_db
def test_with_the_cooldown_off_a_cancelled_slot_is_free_at_once(gql, demo, settings):
    settings.FREED_SLOT_COOLDOWN_MAX_SECONDS = 0
    made = book(gql, demo.kfz, demo.rathaus, at(MONDAY, 9), ok=False, contact=BO)
    cancel(gql, made)
    assert free_times(gql, demo.kfz, demo.rathaus)["09:00"] == 1
    assert Claim.objects.count() == 0


@pytest.mark.django_db
def test_the_old_slot_of_a_reschedule_cools_down(gql, demo):
    made = book(gql, demo.kfz, demo.rathaus, at(MONDAY, 9), ok=False, contact=BO)
    variables = {
        "input": {
            "code": made["booking"]["code"],
            "token": made["manageToken"],
            "newStart": at(MONDAY, 10),
        }
    }
    moved = gql.data(RESCHEDULE, variables)["rescheduleBooking"]
    assert moved["errors"] == []

    times = free_times(gql, demo.kfz, demo.rathaus)
    assert "09:00" not in times and "10:00" not in times
    with later(MAX_S + 1):
        times = free_times(gql, demo.kfz, demo.rathaus)
        assert times["09:00"] == 1 and "10:00" not in times


@pytest.mark.django_db
def test_a_released_hold_cools_down(gql, demo):
    held = hold(gql, demo.kfz, demo.rathaus, 9)
    release = {"input": {"hold": held["hold"]["id"], "secret": held["holdSecret"]}}
    released = gql.data(RELEASE_HOLD, release)["releaseHold"]
    assert released == {"released": True, "errors": []}

    assert "09:00" not in free_times(gql, demo.kfz, demo.rathaus)
    with later(MAX_S + 1):
        assert free_times(gql, demo.kfz, demo.rathaus)["09:00"] == 1


@pytest.mark.django_db
def test_an_expired_hold_cools_down_even_before_the_purge_runs(gql, demo):
    made = hold(gql, demo.kfz, demo.rathaus, 9)
    held = made["hold"]
    expired = dt.datetime.fromisoformat(held["expiresAt"])

    with time_machine.travel(expired + dt.timedelta(seconds=1), tick=False):
        assert "09:00" not in free_times(gql, demo.kfz, demo.rathaus)
        assert hold(gql, demo.kfz, demo.rathaus, 9)["errors"] == TAKEN
        # Its owner cannot book from it either: the hold ran out.
        booked = book(
            gql,
            demo.kfz,
            demo.rathaus,
            at(MONDAY, 9),
            ok=False,
            contact=BO,
            hold=held["id"],
            holdSecret=made["holdSecret"],
        )
        assert booked["errors"] == [{"code": "HOLD_EXPIRED", "field": "hold"}]
        assert "09:00" not in free_times(gql, demo.kfz, demo.rathaus)
    with time_machine.travel(expired + dt.timedelta(seconds=MAX_S + 1), tick=False):
        assert free_times(gql, demo.kfz, demo.rathaus)["09:00"] == 1


@pytest.mark.django_db
def test_the_purge_keeps_an_expired_holds_place_cooling(gql, demo):
    held = hold(gql, demo.kfz, demo.rathaus, 9)["hold"]
    expired = dt.datetime.fromisoformat(held["expiresAt"])

    assert capacity.purge_expired(expired + dt.timedelta(seconds=1)) == 1
    assert not Hold.objects.exists()
    with time_machine.travel(expired + dt.timedelta(seconds=1), tick=False):
        assert "09:00" not in free_times(gql, demo.kfz, demo.rathaus)
    assert capacity.purge_expired(expired + dt.timedelta(seconds=MAX_S + 1)) == 0
    assert Claim.objects.count() == 0  # tidied up once cooled down


@pytest.mark.django_db
def test_a_resource_slot_cools_down_too(gql, demo):
    made = book(gql, demo.ecg, demo.practice_site, at(MONDAY, 14), ok=False, contact=BO)
    assert made["errors"] == []
    assert "14:00" not in free_times(gql, demo.ecg, demo.practice_site)
    cancel(gql, made)

    assert "14:00" not in free_times(gql, demo.ecg, demo.practice_site)
    assert (
        book(gql, demo.ecg, demo.practice_site, at(MONDAY, 14), ok=False, contact=BO)["errors"]
        == TAKEN
    )
    with later(MAX_S + 1):
        assert free_times(gql, demo.ecg, demo.practice_site)["14:00"] == 1
        assert (
            book(gql, demo.ecg, demo.practice_site, at(MONDAY, 14), ok=False, contact=BO)["errors"]
            == []
        )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["pool", "resources"])
def test_a_freed_slot_is_offered_to_the_waitlist_first(
    gql, demo, django_capture_on_commit_callbacks, kind
):
    service, location, hour = {
        "pool": (demo.kfz, demo.rathaus, 9),
        "resources": (demo.ecg, demo.practice_site, 14),
    }[kind]
    made = book(gql, service, location, at(MONDAY, hour), ok=False, contact=BO)
    joined = join_waitlist(gql, demo, MONDAY, MONDAY, service=service, location=str(location.pk))
    assert joined["entry"]["status"] == "waiting"

    with django_capture_on_commit_callbacks(execute=True):
        cancel(gql, made)

    entry = WaitlistEntry.objects.get()
    assert entry.status == "offered"
    assert entry.offer_start == dt.datetime.fromisoformat(at(MONDAY, hour))
    # The offer took over the cooling place: no second claim, nothing public.
    claims = Claim.objects.all()
    assert {(c.hold_id, c.booking_id) for c in claims} == {(entry.offer_hold_id, None)}
    assert f"{hour:02d}:00" not in free_times(gql, service, location)

    token = joined["token"]
    confirmed = gql.data(CONFIRM_OFFER, {"input": {"entry": str(entry.pk), "token": token}})
    assert confirmed["confirmWaitlistOffer"]["errors"] == []
    assert Booking.objects.filter(status="confirmed", email="wanda@example.com").count() == 1


# --- real concurrency: the cool-down adds no race --------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_cancel_and_rebook_find_the_seat_cooling(demo):
    start = at(MONDAY, 12, 0)
    first = fire(
        [
            booking_request(demo.ausweis, demo.rathaus, start, email=f"a{i}@example.com")
            for i in range(2)
        ]
    )
    made = first[0][1]["data"]["bookAppointment"]
    variables = {"input": {"code": made["booking"]["code"], "token": made["manageToken"]}}

    results = fire(
        [lambda: post_graphql(CANCEL, variables)]
        + [
            booking_request(demo.ausweis, demo.rathaus, start, email=f"b{i}@example.com")
            for i in range(30)
        ]
    )

    assert results[0][1]["data"]["cancelBooking"]["errors"] == []
    assert Counter(outcome(r) for r in results[1:]) == {"SLOT_TAKEN": 30}
    assert Booking.objects.filter(status=Booking.Status.CONFIRMED).count() == 1
    assert Claim.objects.filter(booking__isnull=False).count() == 1
    assert Claim.objects.filter(booking__isnull=True, hold__isnull=True).count() == 1

    with later(MAX_S + 1):
        again = fire(
            [
                booking_request(demo.ausweis, demo.rathaus, start, email=f"c{i}@example.com")
                for i in range(20)
            ]
        )
    assert Counter(outcome(r) for r in again) == {"booked": 1, "SLOT_TAKEN": 19}
    assert (
        Booking.objects.filter(status=Booking.Status.CONFIRMED).count()
        == 2
        == Claim.objects.count()
    )
