"""The waitlist through /graphql: join, offers of freed slots by e-mail (held meanwhile), one-click
confirmation, expiry to the next in line, leaving; and under real concurrency."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from backend.bookings.models import Hold, WaitlistEntry
from backend.notifications import tasks
from backend.notifications.catalog import LANGUAGES, text
from backend.notifications.models import Delivery
from tests.concurrency import fire, post_graphql
from tests.conftest import at, working_day
from tests.documents import AVAILABLE_SLOTS, BOOK, CANCEL
from tests.factories import book
from tests.notifications.flows import (
    AYSE,
    CONFIRM_OFFER,
    LEAVE_WAITLIST,
    WAITLIST_ENTRY,
    german_date,
    join_waitlist,
    offer_link,
)

DAY = working_day()


def local_times(gql, demo, service=None) -> dict[str, int]:
    variables = {
        "service": str((service or demo.kfz).pk),
        "location": str(demo.rathaus.pk),
        "date": DAY.isoformat(),
    }
    slots = gql.data(AVAILABLE_SLOTS, variables)["availableSlots"]
    return {slot["localTime"]: slot["remaining"] for slot in slots}


def cancel(gql, made: dict) -> dict:
    variables = {"input": {"code": made["booking"]["code"], "token": made["manageToken"]}}
    return gql.data(CANCEL, variables)["cancelBooking"]


CONFIRMATION_SUBJECTS = {text(lang, "waitlist_confirmation", "subject") for lang in LANGUAGES}


def mails_to(smtp, address: str) -> list:
    """The messages to `address` but the e-mail confirmation asked for on joining (that one
    is tested in test_waitlist_optin.py)."""
    return [
        m
        for m in smtp.messages
        if m["To"] == address and m["Subject"].strip() not in CONFIRMATION_SUBJECTS
    ]


def statuses() -> dict[str, str]:
    return dict(WaitlistEntry.objects.values_list("email", "status"))


def entry_input(entry_id: str, token: str) -> dict:
    return {"input": {"entry": entry_id, "token": token}}


@pytest.fixture
def full_morning(gql, demo, committed):
    """The vehicle registration (capacity 1) at 09:00 and 09:30 is booked; two people wait
    for that day, Erste first."""
    with committed():
        nine = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), contact=AYSE, email="bea@example.com")
        half = book(
            gql, demo.kfz, demo.rathaus, at(DAY, 9, 30), contact=AYSE, email="carl@example.com"
        )
    first = join_waitlist(gql, demo, DAY, DAY, name="Erste Wartende", email="erste@example.com")
    second = join_waitlist(gql, demo, DAY, DAY + dt.timedelta(days=7), email="zweiter@example.com")
    assert first["errors"] == second["errors"] == []
    return nine, half, first, second


@pytest.mark.django_db
def test_joining_the_waitlist_and_its_typed_errors(gql, demo, settings):
    demo.org.waitlist_max_size = 2
    demo.org.save()
    joined = join_waitlist(gql, demo, DAY, DAY + dt.timedelta(days=3), email="a@example.com")
    assert joined["errors"] == []
    assert joined["entry"] == {
        "id": str(WaitlistEntry.objects.get().pk),
        "status": "waiting",
        "firstDay": DAY.isoformat(),
        "lastDay": (DAY + dt.timedelta(days=3)).isoformat(),
        "offerStart": None,
        "offerLocation": None,
        "offerExpiresAt": None,
    }
    assert len(joined["token"]) >= 32

    def error(**extra):
        result = join_waitlist(gql, demo, DAY, DAY, **extra)
        assert result["entry"] is None and result["token"] is None
        return result["errors"]

    assert error(email="A@EXAMPLE.com") == [{"code": "ALREADY_ON_WAITLIST", "field": "email"}]
    assert error(email="not-an-email") == [{"code": "INVALID_EMAIL", "field": "email"}]
    past = DAY - dt.timedelta(days=1)
    assert join_waitlist(gql, demo, DAY, past, email="b@example.com")["errors"] == [
        {"code": "INVALID_DATE_RANGE", "field": "lastDay"}
    ]
    assert join_waitlist(gql, demo, DAY, DAY, email="b@example.com")["errors"] == []
    full = [{"code": "WAITLIST_FULL", "field": "service"}]
    assert error(email="c@example.com") == full
    # The limit is per service and location: the same service at any location, another
    # service at the same location, and another organization's lists still have room.
    assert join_waitlist(gql, demo, DAY, DAY, email="c@example.com", location=None)["errors"] == []
    ausweis = join_waitlist(gql, demo, DAY, DAY, service=demo.ausweis, email="c@example.com")
    assert ausweis["errors"] == []
    practice = {"service": demo.consult, "location": str(demo.practice_site.pk)}
    other = join_waitlist(gql, demo, DAY, DAY, email="c@example.com", **practice)
    assert other["errors"] == []
    assert WaitlistEntry.objects.count() == 5
    settings.WAITLIST_ENABLED = False
    assert error(email="d@example.com") == [{"code": "WAITLIST_DISABLED", "field": None}]


@pytest.mark.django_db
def test_a_freed_slot_is_offered_to_the_first_in_line_held_and_booked(
    gql, demo, smtp, committed, full_morning
):
    nine, half, first, second = full_morning
    smtp.messages.clear()

    with committed():
        cancel(gql, nine)

    assert statuses() == {"erste@example.com": "offered", "zweiter@example.com": "waiting"}
    [offer] = mails_to(smtp, "erste@example.com")
    assert offer["Subject"].strip() == (
        f"Ein Termin ist frei geworden: {german_date(DAY)}, 09:00 Uhr"
    )
    text = offer.get_body(("plain",)).get_content()
    html = offer.get_body(("html",)).get_content()
    entry_id, token = offer_link(text)
    assert (entry_id, token) == (first["entry"]["id"], first["token"])
    assert f"/waitlist/{entry_id}#{token}" in html
    assert "Guten Tag Erste Wartende," in text
    assert len(smtp.messages) == 2  # the offer and Bea's cancellation
    assert mails_to(smtp, "zweiter@example.com") == []

    # The slot is held for Erste: nobody else sees or gets it.
    times = local_times(gql, demo)
    assert "09:00" not in times and "09:30" not in times and times["10:00"] == 1
    taken = gql.data(
        BOOK,
        {
            "input": {
                "name": "Schnell Bucher",
                "email": "schnell@example.com",
                "service": str(demo.kfz.pk),
                "location": str(demo.rathaus.pk),
                "start": at(DAY, 9),
            }
        },
    )["bookAppointment"]
    assert taken["errors"] == [{"code": "SLOT_TAKEN", "field": "start"}]
    shown = gql.data(WAITLIST_ENTRY, {"entry": entry_id, "token": token})["waitlistEntry"]
    assert shown["status"] == "offered"
    assert dt.datetime.fromisoformat(shown["offerStart"]) == dt.datetime.fromisoformat(at(DAY, 9))

    with committed():
        confirmed = gql.data(CONFIRM_OFFER, entry_input(entry_id, token))["confirmWaitlistOffer"]
    assert confirmed["errors"] == []
    assert confirmed["booking"]["status"] == "CONFIRMED"
    assert confirmed["booking"]["email"] == "erste@example.com"
    assert confirmed["booking"]["service"] == {"slug": "kfz-zulassung"}
    assert dt.datetime.fromisoformat(confirmed["booking"]["start"]) == dt.datetime.fromisoformat(
        at(DAY, 9)
    )
    assert len(confirmed["manageToken"]) >= 32
    assert [m["Subject"].strip() for m in mails_to(smtp, "erste@example.com")][1:] == [
        f"Terminbestätigung: {german_date(DAY)}, 09:00 Uhr"
    ]
    assert statuses()["erste@example.com"] == "booked"
    assert not Hold.objects.exists()
    again = gql.data(CONFIRM_OFFER, entry_input(entry_id, token))["confirmWaitlistOffer"]
    assert again["errors"] == [{"code": "OFFER_EXPIRED", "field": "entry"}]

    # The next freed place goes to the next in line.
    with committed():
        cancel(gql, half)
    [offer] = mails_to(smtp, "zweiter@example.com")
    assert offer["Subject"].strip().endswith(f"{german_date(DAY)}, 09:30 Uhr")
    assert offer_link(offer.get_body(("plain",)).get_content()) == (
        second["entry"]["id"],
        second["token"],
    )
    assert statuses() == {"erste@example.com": "booked", "zweiter@example.com": "offered"}
    assert Delivery.objects.filter(kind="waitlist_notification", status="sent").count() == 2


@pytest.mark.django_db
def test_an_offer_that_runs_out_goes_to_the_next_in_line(
    gql, demo, smtp, committed, full_morning, settings
):
    nine, _half, first, _second = full_morning
    settings.WAITLIST_OFFER_MINUTES = 30
    with committed():
        cancel(gql, nine)
    offered_at = timezone.now()

    with time_machine.travel(offered_at + dt.timedelta(minutes=29), tick=False), committed():
        assert tasks.expire_waitlist_offers.call_local() == 0
    assert statuses()["erste@example.com"] == "offered"

    with time_machine.travel(offered_at + dt.timedelta(minutes=31), tick=False):
        with committed():
            assert tasks.expire_waitlist_offers.call_local() == 1
        with committed():
            assert tasks.expire_waitlist_offers.call_local() == 0  # runs every minute
        late = gql.data(CONFIRM_OFFER, entry_input(first["entry"]["id"], first["token"]))[
            "confirmWaitlistOffer"
        ]

    assert late == {
        "booking": None,
        "manageToken": None,
        "errors": [{"code": "OFFER_EXPIRED", "field": "entry"}],
    }
    assert statuses() == {"erste@example.com": "missed", "zweiter@example.com": "offered"}
    [offer] = mails_to(smtp, "zweiter@example.com")
    assert offer["Subject"].strip().endswith(f"{german_date(DAY)}, 09:00 Uhr")
    entry = WaitlistEntry.objects.get(email="zweiter@example.com")
    assert entry.offer_expires_at == offered_at + dt.timedelta(minutes=31 + 30)
    assert Hold.objects.get().pk == entry.offer_hold_id
    assert len(mails_to(smtp, "erste@example.com")) == 1  # only the first offer


@pytest.mark.django_db
def test_leaving_gives_an_offered_slot_back(gql, demo, smtp, committed, full_morning, settings):
    nine, _half, first, second = full_morning
    with committed():
        cancel(gql, nine)
    wrong = gql.data(LEAVE_WAITLIST, entry_input(first["entry"]["id"], "nope"))["leaveWaitlist"]
    assert wrong == {"entry": None, "errors": [{"code": "NOT_FOUND", "field": "entry"}]}

    with committed():
        left = gql.data(LEAVE_WAITLIST, entry_input(first["entry"]["id"], first["token"]))
    assert left["leaveWaitlist"]["entry"]["status"] == "left"
    assert left["leaveWaitlist"]["errors"] == []
    assert statuses() == {"erste@example.com": "left", "zweiter@example.com": "offered"}
    assert len(mails_to(smtp, "zweiter@example.com")) == 1

    with committed():
        gql.data(LEAVE_WAITLIST, entry_input(second["entry"]["id"], second["token"]))
    assert not Hold.objects.exists()
    # Nobody is waiting: bookable again, after the freed slot's cool-down.
    assert "09:00" not in local_times(gql, demo)
    cooled = timezone.now() + dt.timedelta(seconds=settings.FREED_SLOT_COOLDOWN_MAX_SECONDS + 1)
    with time_machine.travel(cooled, tick=False):
        assert local_times(gql, demo)["09:00"] == 1


# --- real concurrency ----------------------------------------------------------------------


def cancel_request(made: dict):
    variables = {"input": {"code": made["booking"]["code"], "token": made["manageToken"]}}
    return lambda: post_graphql(CANCEL, variables)


def cancel_outcome(result) -> str:
    status, body = result
    assert status == 200 and "errors" not in body, body
    payload = body["data"]["cancelBooking"]
    return "cancelled" if payload["booking"] else payload["errors"][0]["code"]


def offers() -> list[tuple[str, dt.datetime]]:
    return sorted(
        WaitlistEntry.objects.filter(status="offered").values_list("email", "offer_start")
    )


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("_round", range(2))
def test_concurrent_cancellations_of_one_booking_make_one_offer(_round, gql, demo, smtp):
    made = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), contact=AYSE, email="bea@example.com")
    for name in ("erste", "zweiter"):
        join_waitlist(gql, demo, DAY, DAY, email=f"{name}@example.com")

    results = fire([cancel_request(made) for _ in range(8)])

    assert Counter(map(cancel_outcome, results)) == {"cancelled": 1, "BOOKING_NOT_ACTIVE": 7}
    assert offers() == [("erste@example.com", dt.datetime.fromisoformat(at(DAY, 9)))]
    assert Hold.objects.count() == 1
    assert len(mails_to(smtp, "erste@example.com")) == 1
    assert mails_to(smtp, "zweiter@example.com") == []


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("_round", range(3))
def test_two_freed_places_make_two_offers_to_two_entries(_round, gql, demo, smtp):
    ten = [
        book(gql, demo.ausweis, demo.rathaus, at(DAY, 10), contact=AYSE, email=f"b{n}@example.com")
        for n in range(2)
    ]
    assert local_times(gql, demo, demo.ausweis).get("10:00") is None  # capacity 2: full
    for name in ("erste", "zweiter", "dritte"):
        join_waitlist(gql, demo, DAY, DAY, service=demo.ausweis, email=f"{name}@example.com")

    results = fire([cancel_request(made) for made in ten for _ in range(4)])

    assert Counter(map(cancel_outcome, results)) == {"cancelled": 2, "BOOKING_NOT_ACTIVE": 6}
    start = dt.datetime.fromisoformat(at(DAY, 10))
    assert offers() == [("erste@example.com", start), ("zweiter@example.com", start)]
    assert Hold.objects.filter(starts_at=start).count() == 2
    assert WaitlistEntry.objects.get(email="dritte@example.com").status == "waiting"
    for name in ("erste", "zweiter"):
        assert len(mails_to(smtp, f"{name}@example.com")) == 1
