"""More time for a held slot (WCAG 2.2.1): extendHold gives the organization's hold time again
from now, in the hold's last minutes (when the page warns), but a hold never lives longer than
HOLD_MAX_LIFETIME_MINUTES (30) nor past its slot's start, an expired hold stays expired, and
only the holder of the hold's secret can extend it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine

from backend.bookings.models import Claim, Hold
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
LIFETIME = dt.timedelta(minutes=30)  # HOLD_MAX_LIFETIME_MINUTES


@pytest.fixture
def held(gql, demo):
    """A hold on the KFZ-Zulassung (one seat) at 9:00 of a working day: id and secret."""
    demo.org.hold_minutes = HOLD_MINUTES
    demo.org.save()
    start = at(working_day(), 9)
    hold = gql.data(
        HOLD_SLOT,
        {"input": {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": start}},
    )["holdSlot"]
    return Held(hold["hold"]["id"], hold["holdSecret"])


class Held(str):
    """The hold's id (a str, as the tests compare it) carrying its secret."""

    def __new__(cls, hold_id: str, secret: str):
        held = super().__new__(cls, hold_id)
        held.secret = secret
        return held


def extend(gql, hold_id: str, secret: str | None = None) -> dict:
    secret = secret if secret is not None else getattr(hold_id, "secret", None)
    return gql.data(EXTEND, {"input": {"hold": str(hold_id), "secret": secret}})["extendHold"]


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


def test_a_hold_can_be_extended_at_each_warning_up_to_its_lifetime_then_no_more(gql, held):
    def at_next_warning():
        return time_machine.travel(expiry(held)[0] - dt.timedelta(minutes=2), tick=False)

    taken = Hold.objects.get(pk=held).created_at
    limit = taken + LIFETIME
    expiries = []
    for _ in range(3):  # at 8, 16 and 24 minutes: to 18, 26 and (capped) 30 minutes
        with at_next_warning():
            result = extend(gql, held)
        assert result["errors"] == []
        lived = dt.datetime.fromisoformat(result["hold"]["expiresAt"]) - taken
        expiries.append(dt.timedelta(seconds=round(lived.total_seconds())))
    assert expiries == [dt.timedelta(minutes=m) for m in (18, 26, 30)]
    with at_next_warning():
        assert extend(gql, held) == {
            "hold": None,
            "errors": [{"code": "HOLD_EXTENSION_LIMIT", "field": "hold"}],
        }
    assert expiry(held) == (limit, [limit])


def test_a_hold_cannot_be_extended_before_its_last_minutes(gql, held):
    """Asking again and again right after holding cannot keep a slot for long."""
    before = expiry(held)
    taken = Hold.objects.get(pk=held).created_at
    with time_machine.travel(taken + dt.timedelta(minutes=7), tick=False):
        result = extend(gql, held)
    assert result == {"hold": None, "errors": [{"code": "HOLD_EXTENSION_LIMIT", "field": "hold"}]}
    assert expiry(held) == before


@pytest.mark.parametrize("secret", ["", "wrong-secret"], ids=["missing", "wrong"])
def test_only_the_holder_of_the_secret_can_extend(gql, held, secret):
    before = expiry(held)
    taken = Hold.objects.get(pk=held).created_at
    with time_machine.travel(taken + dt.timedelta(minutes=9), tick=False):
        result = extend(gql, str(held), secret)
    assert result == {"hold": None, "errors": [{"code": "HOLD_NOT_FOUND", "field": "hold"}]}
    assert expiry(held) == before


def test_an_expired_hold_cannot_be_extended(gql, held):
    before = expiry(held)
    with time_machine.travel(before[0] + dt.timedelta(seconds=1), tick=False):
        result = extend(gql, held)
    assert result == {"hold": None, "errors": [{"code": "HOLD_EXPIRED", "field": "hold"}]}
    assert expiry(held) == before


def test_a_hold_never_runs_past_its_slot(gql, demo, held):
    hold = Hold.objects.get(pk=held)
    Hold.objects.filter(pk=held).update(starts_at=hold.created_at + dt.timedelta(minutes=12))
    with time_machine.travel(hold.created_at + dt.timedelta(minutes=9), tick=False):
        first = extend(gql, held)
        second = extend(gql, held)
    slot = (hold.created_at + dt.timedelta(minutes=12)).isoformat()
    assert first["hold"]["expiresAt"] == slot
    assert second["errors"] == [{"code": "HOLD_EXTENSION_LIMIT", "field": "hold"}]


@pytest.mark.parametrize("hold_id", [str(uuid.uuid4()), "not-a-uuid"], ids=["gone", "malformed"])
def test_unknown_holds(gql, held, hold_id):
    result = extend(gql, hold_id, held.secret)
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
    assert other == {
        "hold": None,
        "holdSecret": None,
        "errors": [{"code": "SLOT_TAKEN", "field": "start"}],
    }
