"""/metrics counts queue tickets drawn at the kiosk, checked in and called to a counter (from
the domain events, after commit)."""

from __future__ import annotations

import pytest

from tests.conftest import at
from tests.documents import CHECK_IN
from tests.factories import booked
from tests.metrics_scrape import TOKEN, scrape, value
from tests.queue.actions import AHEAD, BEA, call_next, draw, sign_in

pytestmark = pytest.mark.django_db


def test_tickets_drawn_checked_in_and_called_are_counted(
    settings, demo, floor, office_hour, django_capture_on_commit_callbacks
):
    settings.METRICS_TOKEN = TOKEN
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        draw(floor.kiosk, demo)
    with django_capture_on_commit_callbacks(execute=True):
        floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})
    sign_in(floor)
    with django_capture_on_commit_callbacks(execute=True):
        call_next(floor)
    after = scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("vorzimmer_tickets_drawn_total", kind="walk_in") == 1
    assert moved("vorzimmer_tickets_drawn_total", kind="check_in") == 1
    assert moved("vorzimmer_tickets_called_total") == 1
