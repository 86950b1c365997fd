"""The waitlist's rules through /graphql: one size limit per service and location, enforced
when an entry is confirmed (also under real concurrency on PostgreSQL), entries end after
their last day, an offer can be declined (the slot goes to the next at once), and offers are
pushed to browsers that asked for it."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine

from backend.bookings.models import WaitlistEntry
from backend.bookings.services.waitlist import confirmation_token
from backend.notifications import tasks
from tests.concurrency import fire, post_graphql
from tests.conftest import BERLIN, at, working_day
from tests.documents import CANCEL
from tests.factories import book
from tests.notifications.flows import (
    AYSE,
    CONFIRM_EMAIL,
    CONFIRM_OFFER,
    DECLINE_OFFER,
    WAITLIST_ENTRY,
    german_date,
    join_waitlist,
    manage,
    subscribe_push,
)

DAY = working_day()
FULL = [{"code": "WAITLIST_FULL", "field": "service"}]


def statuses() -> dict[str, str]:
    return dict(WaitlistEntry.objects.values_list("email", "status"))


def entry_input(joined: dict) -> dict:
    return {"input": {"entry": joined["entry"]["id"], "token": joined["token"]}}


def mails_to(smtp, address: str) -> list[str]:
    return [m["Subject"].strip() for m in smtp.messages if m["To"] == address]


@pytest.fixture
def two_booked(gql, demo, committed):
    """The vehicle registration (capacity 1) at 09:00 and 09:30 is booked; Erste waits
    first, Zweiter second."""
    with committed():
        nine = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), contact=AYSE, email="bea@example.com")
        half = book(
            gql, demo.kfz, demo.rathaus, at(DAY, 9, 30), contact=AYSE, email="carl@example.com"
        )
    first = join_waitlist(gql, demo, DAY, DAY, email="erste@example.com")
    second = join_waitlist(gql, demo, DAY, DAY, email="zweiter@example.com")
    return nine, half, first, second


@pytest.mark.django_db
def test_declining_gives_the_slot_to_the_next_and_keeps_the_place(
    gql, demo, smtp, committed, two_booked
):
    nine, half, first, second = two_booked
    with committed():
        gql.data(CANCEL, {"input": manage(nine)})
    assert statuses()["erste@example.com"] == "offered"

    wrong = {"input": {"entry": first["entry"]["id"], "token": "guessed"}}
    assert gql.data(DECLINE_OFFER, wrong)["declineWaitlistOffer"] == {
        "entry": None,
        "errors": [{"code": "NOT_FOUND", "field": "entry"}],
    }
    with committed():
        declined = gql.data(DECLINE_OFFER, entry_input(first))["declineWaitlistOffer"]

    assert declined["errors"] == []
    assert declined["entry"] | {"id": None} == {
        "id": None,
        "status": "waiting",
        "firstDay": DAY.isoformat(),
        "lastDay": DAY.isoformat(),
        "offerStart": None,
        "offerLocation": None,
        "offerExpiresAt": None,
    }
    assert statuses() == {"erste@example.com": "waiting", "zweiter@example.com": "offered"}
    assert mails_to(smtp, "zweiter@example.com") == [
        f"Ein Termin ist frei geworden: {german_date(DAY)}, 09:00 Uhr"
    ]
    again = gql.data(DECLINE_OFFER, entry_input(first))["declineWaitlistOffer"]
    assert again == {"entry": None, "errors": [{"code": "OFFER_EXPIRED", "field": "entry"}]}
    late = gql.data(CONFIRM_OFFER, entry_input(first))["confirmWaitlistOffer"]
    assert late["errors"] == [{"code": "OFFER_EXPIRED", "field": "entry"}]

    # Erste keeps the first place in line: the next freed slot is theirs.
    with committed():
        gql.data(CANCEL, {"input": manage(half)})
    assert statuses() == {"erste@example.com": "offered", "zweiter@example.com": "offered"}
    assert mails_to(smtp, "erste@example.com")[-1] == (
        f"Ein Termin ist frei geworden: {german_date(DAY)}, 09:30 Uhr"
    )
    # Zweiter declines 09:00 too: nobody else waits, so it is bookable again.
    with committed():
        gql.data(DECLINE_OFFER, entry_input(second))
    assert statuses() == {"erste@example.com": "offered", "zweiter@example.com": "waiting"}
    assert WaitlistEntry.objects.get(email="zweiter@example.com").offer_hold is None


@pytest.mark.django_db
def test_entries_end_after_their_last_day_and_free_their_place(gql, demo, settings):
    settings.WAITLIST_MAX_SIZE = 2
    short = join_waitlist(gql, demo, DAY, DAY, email="kurz@example.com")
    long = join_waitlist(gql, demo, DAY, DAY + dt.timedelta(days=7), email="lang@example.com")
    assert short["errors"] == long["errors"] == []
    assert join_waitlist(gql, demo, DAY, DAY, email="dritte@example.com")["errors"] == FULL

    next_morning = dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(8), BERLIN)
    with time_machine.travel(next_morning, tick=False):
        # The ended entry no longer counts, even before the job has marked it.
        later = DAY + dt.timedelta(days=5)
        third = join_waitlist(gql, demo, later, later, email="dritte@example.com")
        assert third["errors"] == []
        assert join_waitlist(gql, demo, later, later, email="vierte@example.com")["errors"] == (
            FULL
        )
        assert tasks.expire_waitlist_offers.call_local() == 1
        assert tasks.expire_waitlist_offers.call_local() == 0  # runs every minute

    assert statuses() == {
        "kurz@example.com": "expired",
        "lang@example.com": "waiting",
        "dritte@example.com": "waiting",
    }
    variables = {"entry": short["entry"]["id"], "token": short["token"]}
    assert gql.data(WAITLIST_ENTRY, variables)["waitlistEntry"]["status"] == "expired"


@pytest.mark.django_db
def test_an_offer_is_pushed_to_a_subscribed_browser(
    gql, demo, smtp, committed, push_service, two_booked, settings
):
    settings.WAITLIST_OFFER_MINUTES = 30
    nine, _half, first, _second = two_booked
    browser = push_service.browser("waiting-phone")
    subject = {"waitlistEntry": first["entry"]["id"], "waitlistToken": first["token"]}
    assert subscribe_push(gql, browser, **{**subject, "waitlistToken": "guessed"}) == {
        "subscribed": False,
        "errors": [{"code": "NOT_FOUND", "field": "entry"}],
    }
    assert subscribe_push(gql, browser, **subject) == {"subscribed": True, "errors": []}

    with committed():
        gql.data(CANCEL, {"input": manage(nine)})

    [request] = push_service.to(browser)
    entry = WaitlistEntry.objects.get(pk=first["entry"]["id"])
    expires = entry.offer_expires_at.astimezone(BERLIN)
    assert browser.decrypt(request.body) == {
        "title": f"Termin frei: {german_date(DAY)} um 09:00 – bis {expires:%H:%M} bestätigen",
        "url": f"/waitlist/{entry.pk}",  # the secret stays in the browser that subscribed
    }
    assert request.headers["urgency"] == "high"
    assert 29 * 60 < int(request.headers["ttl"]) <= 30 * 60  # stale once the offer ran out
    assert len(mails_to(smtp, "erste@example.com")) == 1  # and by e-mail as always


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("_round", range(3))
def test_simultaneous_confirmations_never_exceed_the_lists_limit(_round, gql, demo):
    """Only a confirmed entry takes a place, so the limit is enforced when confirming."""
    demo.org.waitlist_max_size = 3
    demo.org.save()
    joined = [
        join_waitlist(gql, demo, DAY, DAY, confirm=False, email=f"p{n}@example.com")
        for n in range(10)
    ]
    assert WaitlistEntry.objects.filter(status="pending").count() == 10

    def confirm(payload: dict):
        entry = WaitlistEntry.objects.get(pk=payload["entry"]["id"])
        variables = {
            "input": {
                "entry": payload["entry"]["id"],
                "token": payload["token"],
                "confirmation": confirmation_token(entry),
            }
        }
        return lambda: post_graphql(CONFIRM_EMAIL, variables)

    results = fire([confirm(payload) for payload in joined])

    def outcome(result) -> str:
        status, body = result
        assert status == 200 and "errors" not in body, body
        errors = body["data"]["confirmWaitlistEmail"]["errors"]
        return errors[0]["code"] if errors else "confirmed"

    assert Counter(map(outcome, results)) == {"confirmed": 3, "WAITLIST_FULL": 7}
    assert WaitlistEntry.objects.filter(status="waiting").count() == 3
