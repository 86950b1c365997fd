"""Each booking, waitlist and notification use case, run once through /graphql (or its job),
records exactly these events: the names in order, and their facts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from backend.bookings.models import Booking, WaitlistEntry
from backend.bookings.services.waitlist import confirmation_token
from backend.core.events import as_json
from backend.core.models import AuditLog
from backend.notifications import tasks
from tests.conftest import at, working_day
from tests.documents import CANCEL, HOLD_SLOT, RELEASE_HOLD, RESCHEDULE
from tests.events import recorded_events
from tests.factories import book
from tests.notifications.flows import (
    CONFIRM_EMAIL,
    CONFIRM_OFFER,
    DECLINE_OFFER,
    JOIN_WAITLIST,
    LEAVE_WAITLIST,
    SUBSCRIBE_PUSH,
)

pytestmark = pytest.mark.django_db
DAY = working_day()

SET_LANGUAGE = """
mutation SetLanguage($input: SetBookingLanguageInput!) {
  setBookingLanguage(input: $input) { booking { code language } errors { code field } }
}"""


@pytest.fixture
def record(django_capture_on_commit_callbacks):
    """`with record() as seen:` collects what the block records, delivered on commit."""
    return lambda: recorded_events(django_capture_on_commit_callbacks)


def manage(made: dict) -> dict:
    return {"input": {"code": made["booking"]["code"], "token": made["manageToken"]}}


def ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload


def utc(moment: str) -> str:
    """A client's local time as the facts hold it (UTC, as JSON)."""
    return dt.datetime.fromisoformat(moment).astimezone(dt.UTC).isoformat()


def facts(event) -> dict:
    return as_json(event.facts)


def test_booking_use_cases(gql, demo, record, no_cooldown):
    with record() as seen:
        made = book(gql, demo.kfz, demo.rathaus, at(DAY, 9))
    booking = Booking.objects.get(code=made["booking"]["code"])
    assert seen.names() == ["booking.created"]
    assert (seen[0].subject_type, seen[0].subject_id) == ("booking", booking.pk)
    assert (seen[0].organization_id, seen[0].actor_kind) == (demo.org.pk, "citizen")
    assert facts(seen[0]) == {"source": "web", "from_hold": False}

    with record() as seen:
        ok(
            gql.data(SET_LANGUAGE, {"input": {**manage(made)["input"], "language": "EN"}})[
                "setBookingLanguage"
            ]
        )
    assert seen.names() == ["booking.language_changed"]
    assert facts(seen[0]) == {"previous": "de", "language": "en"}

    new_start = at(DAY, 10)
    with record() as seen:
        moved = gql.data(RESCHEDULE, {"input": {**manage(made)["input"], "newStart": new_start}})
        ok(moved["rescheduleBooking"])
    # The old slot is given back first, then the move is recorded.
    assert seen.names() == ["capacity.freed", "booking.rescheduled"]
    assert facts(seen[1]) == {
        "old_start": utc(at(DAY, 9)),
        "new_start": utc(new_start),
    }
    assert facts(seen[0]) == {
        "service_id": str(demo.kfz.pk),
        "location_id": str(demo.rathaus.pk),
        "start": utc(at(DAY, 9)),
    }

    with record() as seen:
        ok(gql.data(CANCEL, manage(made))["cancelBooking"])
    assert seen.names() == ["capacity.freed", "booking.cancelled"]
    assert facts(seen[1]) == {"by": "citizen", "reason": ""}
    assert [e.action for e in AuditLog.objects.order_by("created_at", "id")] == [
        "booking.created",
        "booking.language_changed",
        "booking.rescheduled",
        "booking.cancelled",
    ]


def test_holding_and_releasing(gql, demo, record):
    slot = {"service": str(demo.kfz.pk), "location": str(demo.rathaus.pk), "start": at(DAY, 11)}
    with record() as seen:
        held = gql.data(HOLD_SLOT, {"input": slot})["holdSlot"]
    assert seen.names() == []  # a hold is not recorded; booking from it is
    release = {"hold": held["hold"]["id"], "secret": held["holdSecret"]}
    with record() as seen:
        ok(gql.data(RELEASE_HOLD, {"input": release})["releaseHold"])
    assert seen.names() == ["capacity.freed"]
    assert seen[0].actor_kind == "system"


def join(gql, demo, email: str) -> dict:
    variables = {
        "input": {
            "service": str(demo.kfz.pk),
            "location": str(demo.rathaus.pk),
            "firstDay": DAY.isoformat(),
            "lastDay": DAY.isoformat(),
            "name": "Wanda Warteliste",
            "email": email,
        }
    }
    joined = ok(gql.data(JOIN_WAITLIST, variables)["joinWaitlist"])
    return {"entry": joined["entry"]["id"], "token": joined["token"]}


def confirm_email(gql, joined: dict) -> None:
    entry = WaitlistEntry.objects.get(pk=joined["entry"])
    variables = {"input": {**joined, "confirmation": confirmation_token(entry)}}
    ok(gql.data(CONFIRM_EMAIL, variables)["confirmWaitlistEmail"])


def test_waitlist_use_cases(gql, demo, record, settings):
    settings.WAITLIST_OFFER_MINUTES = 30
    nine = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), email="bea@example.com")

    with record() as seen:
        erste = join(gql, demo, "erste@example.com")
    entry = WaitlistEntry.objects.get(pk=erste["entry"])
    assert seen.names() == ["waitlist.joined"]
    assert (seen[0].subject_type, seen[0].subject_id) == ("waitlistentry", entry.pk)
    assert facts(seen[0]) == {
        "service_id": str(demo.kfz.pk),
        "location_id": str(demo.rathaus.pk),
        "first_day": DAY.isoformat(),
        "last_day": DAY.isoformat(),
    }
    with record() as seen:
        confirm_email(gql, erste)
    assert seen.names() == ["waitlist.confirmed"]
    assert facts(seen[0]) == {}
    zweiter = join(gql, demo, "zweiter@example.com")
    confirm_email(gql, zweiter)

    # A cancellation frees the slot: the first in line is offered it (a job, after commit).
    with record() as seen:
        ok(gql.data(CANCEL, manage(nine))["cancelBooking"])
    assert seen.names() == ["capacity.freed", "booking.cancelled", "waitlist.offered"]
    offered = seen.of("waitlist.offered")[0]
    entry.refresh_from_db()
    assert (offered.subject_id, offered.actor_kind) == (entry.pk, "system")
    assert facts(offered) == {
        "location_id": str(demo.rathaus.pk),
        "start": utc(at(DAY, 9)),
        "expires_at": entry.offer_expires_at.isoformat(),
    }

    # Declined: the slot goes to the next in line at once.
    with record() as seen:
        ok(gql.data(DECLINE_OFFER, {"input": erste})["declineWaitlistOffer"])
    assert seen.names() == ["capacity.freed", "waitlist.declined", "waitlist.offered"]
    assert facts(seen[1]) == {"start": utc(at(DAY, 9))}
    assert seen[2].subject_id == WaitlistEntry.objects.get(pk=zweiter["entry"]).pk

    # Zweiter lets it run out: missed, and nobody else is waiting for this very slot.
    later = timezone.now() + dt.timedelta(minutes=31)
    with time_machine.travel(later, tick=False), record() as seen:
        assert tasks.expire_waitlist_offers.call_local() == 1
    assert seen.names() == ["capacity.freed", "waitlist.missed"]
    assert seen[1].actor_kind == "system"


def test_confirming_an_offer_and_leaving(gql, demo, record):
    nine = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), email="bea@example.com")
    erste = join(gql, demo, "erste@example.com")
    confirm_email(gql, erste)
    with record():
        ok(gql.data(CANCEL, manage(nine))["cancelBooking"])

    with record() as seen:
        confirmed = gql.data(CONFIRM_OFFER, {"input": erste})["confirmWaitlistOffer"]
    booking = Booking.objects.get(code=ok(confirmed)["booking"]["code"])
    assert seen.names() == ["booking.created", "waitlist.booked"]
    assert facts(seen[0]) == {"source": "web", "from_hold": True}
    assert facts(seen[1]) == {"booking_id": str(booking.pk)}

    zweiter = join(gql, demo, "zweiter@example.com")
    with record() as seen:
        ok(gql.data(LEAVE_WAITLIST, {"input": zweiter})["leaveWaitlist"])
    assert seen.names() == ["waitlist.left"]
    assert facts(seen[0]) == {"previous": "pending"}


def test_unconfirmed_entries_expire(gql, demo, record, settings):
    join(gql, demo, "erste@example.com")
    later = timezone.now() + dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS, minutes=1)
    with time_machine.travel(later, tick=False), record() as seen:
        assert tasks.expire_waitlist_offers.call_local() == 1
    assert seen.names() == ["waitlist.expired"]
    assert facts(seen[0]) == {"previous": "pending"}


def test_subscribing_a_browser(gql, demo, record, settings):
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = True
    settings.PUSH_ALLOWED_HOSTS = ["127.0.0.1"]
    made = book(gql, demo.kfz, demo.rathaus, at(DAY, 9))
    browser = {"endpoint": "http://127.0.0.1:9/push/phone", "p256dh": "key", "auth": "auth"}
    variables = {
        "input": {
            **browser,
            "bookingCode": made["booking"]["code"],
            "bookingToken": made["manageToken"],
        }
    }
    with record() as seen:
        assert ok(gql.data(SUBSCRIBE_PUSH, variables)["subscribePush"])["subscribed"]
    assert seen.names() == ["push.subscribed"]
    assert (seen[0].organization_id, seen[0].actor_kind) == (demo.org.pk, "citizen")
    assert facts(seen[0]) == {"about": "booking", "language": "de"}
