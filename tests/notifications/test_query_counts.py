"""Pinned query counts of the notification mutations (an N+1 or a stray lookup fails here)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import at, working_day
from tests.documents import CANCEL
from tests.factories import book
from tests.notifications.flows import (
    AYSE,
    DECLINE_OFFER,
    JOIN_WAITLIST,
    SUBSCRIBE_PUSH,
    join_waitlist,
    manage,
    subscribe_push,
)

pytestmark = pytest.mark.django_db

DAY = working_day()


def counted(query: str, gql, variables: dict) -> tuple[int, dict]:
    """Without the rate-limit counters (one upsert per counted dimension on the database
    store, none on Redis)."""
    with CaptureQueriesContext(connection) as captured:
        data = gql.data(query, variables)
    return len([q for q in captured if "core_ratelimitcounter" not in q["sql"]]), data


def test_notification_mutations_cost_a_pinned_number_of_queries(
    gql, demo, smtp, committed, push_service
):
    with committed():
        made = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), contact=AYSE, email="bea@example.com")
    subject = {"bookingCode": made["booking"]["code"], "bookingToken": made["manageToken"]}
    for n in range(6):  # more browsers (and replacing the oldest) cost no more
        subscribe_push(gql, push_service.browser(f"warm-{n}"), **subject)
    browser = {**push_service.browser("counted").subscription(), **subject}
    subscribed, data = counted(SUBSCRIBE_PUSH, gql, {"input": browser})
    assert data["subscribePush"] == {"subscribed": True, "errors": []}

    erste = join_waitlist(gql, demo, DAY, DAY, email="erste@example.com")
    join = {
        "input": {
            "service": str(demo.kfz.pk),
            "location": str(demo.rathaus.pk),
            "firstDay": DAY.isoformat(),
            "lastDay": DAY.isoformat(),
            "name": "Zweite",
            "email": "zweite@example.com",
        }
    }
    joined, data = counted(JOIN_WAITLIST, gql, join)
    assert data["joinWaitlist"]["errors"] == []

    with committed():
        gql.data(CANCEL, {"input": manage(made)})  # the slot is offered to Erste
    decline = {"input": {"entry": erste["entry"]["id"], "token": erste["token"]}}
    declined, data = counted(DECLINE_OFFER, gql, decline)
    assert data["declineWaitlistOffer"]["errors"] == []

    # subscribePush: the booking, the upsert (savepoints), the newest four, the delete.
    # joinWaitlist (its spent proof of work is a rate-limit counter, left out): service,
    # location, the organization's row lock, duplicate, count, insert, audit.
    # declineWaitlistOffer: the entry, the update, the hold and its release (the claim starts
    # its cool-down), audit.
    assert (subscribed, joined, declined) == (11, 10, 12)
