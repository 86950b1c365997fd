"""More time for a held slot (WCAG 2.2.1): extendHold gives the organization's hold time again
from now, at least ten times, but a hold never lives longer than eleven hold times nor past
its slot's start, and an expired hold stays expired."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine

from backend.bookings.models import Claim, Hold
from backend.bookings.services.holds import MAX_HOLD_EXTENSIONS
from tests.conftest import at, working_day
from tests.documents import HOLD_SLOT

# Without the freed-slot cool-down a hold's claims expire exactly with the hold (with it they
# block a random while longer: test_freed_slot_cooldown.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cooldown")]

EXTEND = """
mutation Extend($input: ExtendHoldInput!) {
  extendHold(input: $input) { hold { id expiresAt expiresInSeconds } errors { code field } }
}"""
HOLD_MINUTES = 10


@pytest.fixture
def held(gql, demo):
    """A hold on the KFZ-Zulassung (one seat) at 9:00 of a working day; its id."""
    demo.org.hold_minutes = HOLD_MINUTES
    demo.org.save()
    start = at(working_day(), 9)
    hold = gql.data(
        HOLD_SLOT,
        {"input": {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}},
    )["holdSlot"]["hold"]
    return hold["id"]


def extend(gql, hold_id: str) -> dict:
    return gql.data(EXTEND, {"input": {"hold": hold_id}})["extendHold"]


def expiry(hold_id: str) -> tuple[dt.datetime, list[dt.datetime]]:
    """The hold's expiry and its claims' (they must move together)."""
    hold = Hold.objects.get(pk=hold_id)
    return hold.expires_at, list(
        Claim.objects.filter(hold=hold).values_list("expires_at", flat=True)
    )


def test_extending_gives_the_hold_time_again_from_now(gql, held):
    taken = Hold.objects.get(pk=held).created_at
    later = taken + dt.timedelta(minutes=8, seconds=30)  # the warning is showing

    with time_machine.travel(later, tick=False):
        result = extend(gql, held)

    new_expiry = later + dt.timedelta(minutes=HOLD_MINUTES)
    assert result == {
        "hold": {
            "id": held,
            "expiresAt": new_expiry.isoformat(),
            "expiresInSeconds": HOLD_MINUTES * 60,
        },
        "errors": [],
    }
    assert expiry(held) == (new_expiry, [new_expiry])


def test_a_hold_can_be_extended_ten_times_at_each_warning_then_no_more(gql, held):
    def at_next_warning():
        return time_machine.travel(expiry(held)[0] - dt.timedelta(minutes=2), tick=False)

    for _ in range(MAX_HOLD_EXTENSIONS):
        with at_next_warning():
            assert extend(gql, held)["errors"] == []
    taken = Hold.objects.get(pk=held).created_at
    limit = taken + (MAX_HOLD_EXTENSIONS + 1) * dt.timedelta(minutes=HOLD_MINUTES)
    assert expiry(held)[0] < limit

    # Further extensions stop at the limit (the last one gives only the rest), then an error.
    for _ in range(5):
        with at_next_warning():
            result = extend(gql, held)
        assert result["errors"] == []
        if result["hold"]["expiresAt"] == limit.isoformat():
            break
    else:
        raise AssertionError(f"the hold was never extended up to its limit {limit}")
    with at_next_warning():
        assert extend(gql, held) == {
            "hold": None,
            "errors": [{"code": "HOLD_EXTENSION_LIMIT", "field": "hold"}],
        }
    assert expiry(held) == (limit, [limit])


def test_an_expired_hold_cannot_be_extended(gql, held):
    before = expiry(held)
    with time_machine.travel(before[0] + dt.timedelta(seconds=1), tick=False):
        result = extend(gql, held)
    assert result == {"hold": None, "errors": [{"code": "HOLD_EXPIRED", "field": "hold"}]}
    assert expiry(held) == before


def test_a_hold_never_runs_past_its_slot(gql, demo, held):
    hold = Hold.objects.get(pk=held)
    Hold.objects.filter(pk=held).update(starts_at=hold.created_at + dt.timedelta(minutes=12))
    with time_machine.travel(hold.created_at + dt.timedelta(minutes=8), tick=False):
        first = extend(gql, held)
        second = extend(gql, held)
    slot = (hold.created_at + dt.timedelta(minutes=12)).isoformat()
    assert first["hold"]["expiresAt"] == slot
    assert second["errors"] == [{"code": "HOLD_EXTENSION_LIMIT", "field": "hold"}]


@pytest.mark.parametrize("hold_id", [str(uuid.uuid4()), "not-a-uuid"], ids=["gone", "malformed"])
def test_unknown_holds(gql, held, hold_id):
    result = extend(gql, hold_id)
    code = "HOLD_NOT_FOUND" if hold_id != "not-a-uuid" else "NOT_FOUND"
    assert result == {"hold": None, "errors": [{"code": code, "field": "hold"}]}


def test_an_extended_hold_keeps_its_seat_beyond_the_first_expiry(gql, demo, held):
    """The claim moves with the hold: after the first hold time nobody else gets the seat."""
    taken = Hold.objects.get(pk=held).created_at
    with time_machine.travel(taken + dt.timedelta(minutes=9), tick=False):
        assert extend(gql, held)["errors"] == []
    with time_machine.travel(taken + dt.timedelta(minutes=15), tick=False):
        other = gql.data(
            HOLD_SLOT,
            {
                "input": {
                    "service": str(demo.kfz.pk),
                    "location": str(demo.rathaus.pk),
                    "start": at(working_day(), 9),
                }
            },
        )["holdSlot"]
    assert other == {"hold": None, "errors": [{"code": "SLOT_TAKEN", "field": "start"}]}
