"""What each queue use case records, as subscribers see it after commit: the ticket's own
event (audited, ids and non-personal facts only), the booking's status change where a
checked-in booking moves along, and the queue change that feeds the boards."""

from __future__ import annotations

import pytest

from backend.core.events import as_json
from backend.core.models import AuditLog
from backend.queue.models import QueueTicket
from tests.conftest import at
from tests.documents import CHECK_IN
from tests.events import recorded_events
from tests.factories import booked
from tests.queue.actions import AHEAD, BEA, act, call_next, draw, sign_in
from tests.queue.conftest import floor, office_hour  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def facts(event) -> dict:
    return as_json(event.facts)


@pytest.fixture
def called(demo, floor, office_hour):  # noqa: F811
    """A checked-in booking, called to counter 1."""
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 0), ahead=AHEAD, **BEA)
    floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})
    sign_in(floor)
    ticket = call_next(floor)["ticket"]
    return booking, QueueTicket.objects.get(pk=ticket["id"])


def test_drawing_a_ticket(demo, floor, django_capture_on_commit_callbacks):  # noqa: F811
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        issued = draw(floor.kiosk, demo)["ticket"]

    assert seen.names() == ["ticket.drawn", "queue.changed"]
    (drawn,) = seen.of("ticket.drawn")
    assert (drawn.subject_type, str(drawn.subject_id), drawn.actor_kind) == (
        "queueticket",
        issued["id"],
        "device",
    )
    assert facts(drawn) == {
        "location_id": str(demo.rathaus.pk),
        "service_id": str(demo.ausweis.pk),
        "number": "A001",
        "priority": 0,
    }
    assert AuditLog.objects.filter(action="ticket.drawn", object_id=issued["id"]).exists()


def test_checking_in(demo, floor, office_hour, django_capture_on_commit_callbacks):  # noqa: F811
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        issued = floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})["checkIn"]

    assert seen.names() == ["booking.status_changed", "ticket.checked_in", "queue.changed"]
    (changed,) = seen.of("booking.status_changed")
    assert (changed.subject_id, facts(changed)) == (
        booking.pk,
        {"previous": "confirmed", "status": "checked_in"},
    )
    (checked_in,) = seen.of("ticket.checked_in")
    assert str(checked_in.subject_id) == issued["ticket"]["id"]
    assert facts(checked_in) == {
        "location_id": str(demo.rathaus.pk),
        "service_id": str(demo.ausweis.pk),
        "number": "A001",
        "booking_id": str(booking.pk),
    }


def test_calling_finishes_the_current_ticket_and_calls_the_next(
    demo,
    floor,  # noqa: F811
    called,
    django_capture_on_commit_callbacks,
):
    _booking, first = called
    second = draw(floor.kiosk, demo)["ticket"]
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        call_next(floor)

    assert seen.names() == [
        "booking.status_changed",
        "ticket.finished",
        "ticket.called",
        "queue.changed",
    ]
    finished, called_next = seen.of("ticket.finished")[0], seen.of("ticket.called")[0]
    assert (finished.subject_id, facts(finished)) == (
        first.pk,
        {"location_id": str(demo.rathaus.pk), "number": "A001", "previous": "called"},
    )
    assert facts(seen.of("booking.status_changed")[0]) == {
        "previous": "called",
        "status": "completed",
    }
    assert (str(called_next.subject_id), facts(called_next)) == (
        second["id"],
        {
            "location_id": str(demo.rathaus.pk),
            "number": "A002",
            "previous": "waiting",
            "service_point_id": str(floor.counters[0].pk),
        },
    )


def test_the_first_call_moves_the_booking_along(
    demo,
    floor,  # noqa: F811
    office_hour,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 0), ahead=AHEAD, **BEA)
    floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})
    sign_in(floor)
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        call_next(floor)

    assert seen.names() == ["booking.status_changed", "ticket.called", "queue.changed"]
    assert facts(seen.of("booking.status_changed")[0]) == {
        "previous": "checked_in",
        "status": "called",
    }


MOVES = [
    # (mutation, what it records, the booking's status after it, extra facts)
    ("recallTicket", "ticket.recalled", None, {"recalls": 1}),
    ("startTicket", "ticket.started", "in_service", {}),
    ("finishTicket", "ticket.finished", "completed", {}),
    ("markNoShow", "ticket.no_show", "no_show", {}),
    ("parkTicket", "ticket.parked", "checked_in", {}),
]


@pytest.mark.parametrize(("mutation", "name", "booking_status", "extra"), MOVES)
def test_moving_a_called_ticket(
    demo,
    floor,  # noqa: F811
    called,
    django_capture_on_commit_callbacks,
    mutation,
    name,
    booking_status,
    extra,
):
    _booking, ticket = called
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        assert act(floor, mutation, str(ticket.pk))["errors"] == []

    expected = [name, "queue.changed"]
    if booking_status:
        expected.insert(0, "booking.status_changed")
        assert facts(seen.of("booking.status_changed")[0]) == {
            "previous": "called",
            "status": booking_status,
        }
    assert seen.names() == expected
    (moved,) = seen.of(name)
    assert (moved.subject_id, moved.actor_kind) == (ticket.pk, "staff")
    assert facts(moved) == {
        "location_id": str(demo.rathaus.pk),
        "number": "A001",
        "previous": "called",
        **extra,
    }
    assert AuditLog.objects.filter(action=name, object_id=str(ticket.pk)).count() == 1


def test_a_recall_past_the_limit_records_a_no_show(
    demo,
    floor,  # noqa: F811
    called,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.QUEUE_MAX_RECALLS = 0
    _booking, ticket = called
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        act(floor, "recallTicket", str(ticket.pk))

    assert seen.names() == ["booking.status_changed", "ticket.no_show", "queue.changed"]


def test_returning_a_parked_ticket(
    demo,
    floor,  # noqa: F811
    called,
    django_capture_on_commit_callbacks,
):
    _booking, ticket = called
    act(floor, "parkTicket", str(ticket.pk))
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        act(floor, "returnTicket", str(ticket.pk))

    assert seen.names() == ["ticket.returned", "queue.changed"]
    assert facts(seen.of("ticket.returned")[0])["previous"] == "parked"


def test_transferring(
    demo,
    floor,  # noqa: F811
    called,
    django_capture_on_commit_callbacks,
):
    _booking, ticket = called
    target = floor.counters[1]
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        follow_up = act(floor, "transferTicket", str(ticket.pk), servicePoint=str(target.pk))[
            "ticket"
        ]

    assert seen.names() == ["booking.status_changed", "ticket.transferred", "queue.changed"]
    assert facts(seen.of("booking.status_changed")[0]) == {
        "previous": "called",
        "status": "checked_in",
    }
    assert facts(seen.of("ticket.transferred")[0]) == {
        "location_id": str(demo.rathaus.pk),
        "number": "A001",
        "previous": "called",
        "to_ticket_id": follow_up["id"],
        "to_service_id": str(demo.ausweis.pk),
        "to_service_point_id": str(target.pk),
    }


CANCEL = """mutation($input: CancelTicketInput!) {
  cancelTicket(input: $input) { ticket { status } errors { code } } }"""


@pytest.mark.parametrize("by", ["holder", "staff"])
def test_cancelling(demo, floor, gql, django_capture_on_commit_callbacks, by):  # noqa: F811
    issued = draw(floor.kiosk, demo)["ticket"]
    client, token = (gql, issued["statusToken"]) if by == "holder" else (floor.clerk, None)
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        result = client.data(CANCEL, {"input": {"ticket": issued["id"], "token": token}})

    assert result["cancelTicket"] == {"ticket": {"status": "CANCELLED"}, "errors": []}
    assert seen.names() == ["ticket.cancelled", "queue.changed"]
    (cancelled,) = seen.of("ticket.cancelled")
    assert cancelled.actor_kind == ("citizen" if by == "holder" else "staff")
    assert facts(cancelled) == {
        "location_id": str(demo.rathaus.pk),
        "number": "A001",
        "previous": "waiting",
        "by": by,
    }


def test_signing_in_and_out_only_changes_the_queue(
    demo,
    floor,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with recorded_events(django_capture_on_commit_callbacks) as seen:
        sign_in(floor)
    assert seen.names() == ["queue.changed"]
