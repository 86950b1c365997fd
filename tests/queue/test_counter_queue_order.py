"""The console keeps the newest queue state, not the last to arrive: every counterQueue state
says when it was read (`asOf`), so a live event read before "call next" that overtakes the
console's refetch after it cannot put the stale state back on screen."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.queue.actions import call_next, draw, sign_in

pytestmark = pytest.mark.django_db

STATE = """query($l: ID!) { counterQueue(location: $l) { asOf active { number status } } }"""


def test_a_state_read_after_a_call_is_newer_than_one_read_before(floor, demo):
    ticket = draw(floor.kiosk, demo)["ticket"]
    sign_in(floor)
    before = floor.clerk.data(STATE, {"l": str(demo.rathaus.pk)})["counterQueue"]

    call_next(floor)
    after = floor.clerk.data(STATE, {"l": str(demo.rathaus.pk)})["counterQueue"]

    assert (before["active"], after["active"]) == (
        [],
        [{"number": ticket["number"], "status": "CALLED"}],
    )
    # The console orders states by this text (ISO 8601 in UTC); it must agree with time.
    assert before["asOf"] < after["asOf"]
    assert dt.datetime.fromisoformat(before["asOf"]) < dt.datetime.fromisoformat(after["asOf"])
    assert after["asOf"].endswith("+00:00")
