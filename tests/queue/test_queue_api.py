"""The live queue through /graphql: kiosk, check-in, calling, transfers, parking."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from backend.accounts.models import Device
from backend.bookings.models import Booking
from backend.queue.models import QueueTicket
from tests.conftest import BERLIN, GraphQLClient, at
from tests.documents import BOARD, CHECK_IN, DRAW, TICKET_STATUS, ticket_action
from tests.factories import booked
from tests.queue.actions import AHEAD, BEA, act, call_next, draw, sign_in
from tests.queue.conftest import kiosk_client

pytestmark = pytest.mark.django_db


def test_the_kiosk_draws_gap_free_numbers_per_service_prefix(demo, floor):
    numbers = [draw(floor.kiosk, demo)["ticket"]["number"] for _ in range(3)]
    other = draw(floor.kiosk, demo, demo.kfz)["ticket"]["number"]
    assert numbers == ["A001", "A002", "A003"]
    assert other == "E001"


def test_a_drawn_ticket_knows_its_place_and_wait(demo, floor):
    first, second = draw(floor.kiosk, demo)["ticket"], draw(floor.kiosk, demo)["ticket"]
    assert (first["position"], second["position"]) == (1, 2)
    assert second["estimatedWaitMinutes"] > first["estimatedWaitMinutes"]
    assert len(first["statusToken"]) >= 32


def test_the_daily_quota_is_enforced(demo, floor):
    demo.ausweis.daily_ticket_quota = 2
    demo.ausweis.save()
    results = [draw(floor.kiosk, demo) for _ in range(3)]
    assert [r["errors"] for r in results] == [
        [],
        [],
        [{"code": "QUOTA_REACHED", "field": "service"}],
    ]
    assert QueueTicket.objects.count() == 2
    # No gap: the number of the refused draw was given back.
    demo.ausweis.daily_ticket_quota = 3
    demo.ausweis.save()
    assert draw(floor.kiosk, demo)["ticket"]["number"] == "A003"


def test_no_tickets_while_the_office_is_closed(demo, floor, office_hour):
    with time_machine.travel(dt.datetime.combine(office_hour, dt.time(19), BERLIN)):
        result = draw(floor.kiosk, demo)
    assert result == {"ticket": None, "errors": [{"code": "LOCATION_CLOSED", "field": None}]}


def test_a_kiosk_issues_tickets_only_for_its_own_location(demo, floor):
    other_kiosk = kiosk_client(demo.nord)
    body = other_kiosk(
        DRAW, {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert QueueTicket.objects.count() == 0


def test_anonymous_and_read_only_users_cannot_draw(demo, floor, gql):
    body = gql(DRAW, {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert QueueTicket.objects.count() == 0


def test_check_in_by_code_or_scanned_link(demo, floor, office_hour):
    first = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    second = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 30), ahead=AHEAD, **BEA)
    typed = floor.kiosk.data(CHECK_IN, {"input": {"code": first.code.lower().replace("-", "")}})
    scanned = floor.kiosk.data(
        CHECK_IN, {"input": {"code": f"https://termine.example/manage/{second.code}#secret"}}
    )
    assert typed["checkIn"]["errors"] == scanned["checkIn"]["errors"] == []
    assert Booking.objects.get(pk=first.pk).status == Booking.Status.CHECKED_IN
    again = floor.kiosk.data(CHECK_IN, {"input": {"code": first.code}})["checkIn"]
    assert again == {"ticket": None, "errors": [{"code": "ALREADY_CHECKED_IN", "field": "code"}]}


@pytest.mark.parametrize(("hour", "minute", "code"), [(11, 30, "TOO_EARLY"), (9, 30, "TOO_LATE")])
def test_check_in_window(demo, floor, office_hour, hour, minute, code):
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, hour, minute), ahead=AHEAD, **BEA)
    result = floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})["checkIn"]
    assert result == {"ticket": None, "errors": [{"code": code, "field": "code"}]}
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_a_due_booking_is_called_before_earlier_walk_ins(demo, floor, office_hour):
    walk_in = draw(floor.kiosk, demo)["ticket"]
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    checked_in = floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})["checkIn"]["ticket"]
    sign_in(floor)

    first, second = call_next(floor), call_next(floor)

    assert (first["ticket"]["id"], second["ticket"]["id"]) == (checked_in["id"], walk_in["id"])
    assert first["ticket"]["bookingCode"] == booking.code
    assert first["ticket"]["name"] == "Bea Bucher"
    # Calling the next one finished the first.
    assert QueueTicket.objects.get(pk=checked_in["id"]).status == QueueTicket.Status.DONE
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.COMPLETED


def test_calling_needs_a_signed_in_clerk_and_someone_waiting(demo, floor):
    assert call_next(floor)["errors"] == [{"code": "NOT_SIGNED_IN", "field": "servicePoint"}]
    sign_in(floor)
    assert call_next(floor)["errors"] == [{"code": "QUEUE_EMPTY", "field": "servicePoint"}]


def test_start_finish_and_the_board(demo, floor, gql):
    ticket = draw(floor.kiosk, demo)["ticket"]
    sign_in(floor)
    call_next(floor)
    assert act(floor, "startTicket", ticket["id"])["ticket"]["status"] == "SERVING"
    board = gql.data(BOARD, {"location": str(demo.rathaus.pk)})["queueBoard"]
    assert board["called"] == [
        {"number": "A001", "servicePoint": "Schalter 1", "recalls": 0, "serving": True}
    ]
    assert act(floor, "finishTicket", ticket["id"])["ticket"]["status"] == "DONE"
    assert act(floor, "finishTicket", ticket["id"])["errors"] == [
        {"code": "INVALID_TRANSITION", "field": "ticket"}
    ]


def test_recalls_are_counted_and_end_in_a_no_show(demo, floor, settings):
    settings.QUEUE_MAX_RECALLS = 2
    ticket = draw(floor.kiosk, demo)["ticket"]
    sign_in(floor)
    call_next(floor)
    counts = [act(floor, "recallTicket", ticket["id"])["ticket"] for _ in range(3)]
    assert [(t["status"], t["recallCount"]) for t in counts] == [
        ("CALLED", 1),
        ("CALLED", 2),
        ("NO_SHOW", 2),
    ]


def test_transfer_keeps_number_and_place(demo, floor, gql):
    first = draw(floor.kiosk, demo)["ticket"]
    draw(floor.kiosk, demo, demo.kfz)  # E001 waits for KFZ already
    sign_in(floor)
    call_next(floor)
    moved = act(floor, "transferTicket", first["id"], service=str(demo.kfz.pk))["ticket"]

    assert (moved["number"], moved["status"]) == ("A001", "WAITING")
    assert QueueTicket.objects.get(pk=first["id"]).status == QueueTicket.Status.TRANSFERRED
    # Its original arrival puts it ahead of E001, who came later.
    assert call_next(floor)["ticket"]["number"] == "A001"
    # The holder's link follows the transfer.
    status = gql.data(TICKET_STATUS, {"ticket": first["id"], "token": first["statusToken"]})
    assert status["ticketStatus"]["status"] == "CALLED"


def test_transfer_to_a_counter_only_that_counter_calls_it(demo, floor):
    ticket = draw(floor.kiosk, demo)["ticket"]
    sign_in(floor, 0)
    call_next(floor, 0)
    act(floor, "transferTicket", ticket["id"], servicePoint=str(floor.counters[1].pk))
    assert call_next(floor, 0)["errors"] == [{"code": "QUEUE_EMPTY", "field": "servicePoint"}]
    sign_in(floor, 1)
    assert call_next(floor, 1)["ticket"]["number"] == "A001"


def test_park_and_return_keep_the_original_place(demo, floor):
    first = draw(floor.kiosk, demo)["ticket"]
    draw(floor.kiosk, demo)
    sign_in(floor)
    call_next(floor)
    assert act(floor, "parkTicket", first["id"])["ticket"]["status"] == "PARKED"
    assert act(floor, "returnTicket", first["id"])["ticket"]["status"] == "WAITING"
    assert call_next(floor)["ticket"]["number"] == "A001"


def test_the_holder_can_leave_with_the_token_only(demo, floor, gql):
    ticket = draw(floor.kiosk, demo)["ticket"]
    leave = ticket_action("cancelTicket", "CancelTicketInput")
    stranger = gql(leave, {"input": {"ticket": ticket["id"], "token": "guess"}})
    assert [e["extensions"]["code"] for e in stranger["errors"]] == ["FORBIDDEN"]
    holder = gql.data(leave, {"input": {"ticket": ticket["id"], "token": ticket["statusToken"]}})
    assert holder["cancelTicket"]["ticket"]["status"] == "CANCELLED"


def test_the_board_carries_no_personal_data(demo, floor, gql, office_hour):
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})
    sign_in(floor)
    call_next(floor)
    board = gql(BOARD, {"location": str(demo.rathaus.pk)})
    text = str(board)
    assert "Bea" not in text and "bea@example.com" not in text and booking.code not in text
    assert board["data"]["queueBoard"]["called"][0]["number"] == "A001"


def test_pairing_codes_work_once(demo, gql):
    from backend.accounts.devices import new_pairing_code

    device = Device.objects.create(location=demo.rathaus, kind="kiosk", name="Kiosk Foyer")
    code = new_pairing_code(device)
    pair = "mutation($i: PairDeviceInput!) { pairDevice(input: $i) { token kind errors { code } } }"
    first = gql.data(pair, {"i": {"code": code}})["pairDevice"]
    second = gql.data(pair, {"i": {"code": code}})["pairDevice"]
    assert first["kind"] == "kiosk" and first["token"].startswith("vzd_")
    assert second == {"token": None, "kind": None, "errors": [{"code": "PAIRING_INVALID"}]}
    revoked = GraphQLClient(gql.client, {"HTTP_AUTHORIZATION": f"Bearer {first['token']}x"})
    assert (
        revoked.post(
            DRAW, {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}}
        ).status_code
        == 401
    )


UNLOCK = """mutation($i: KioskPinInput!) { unlockKioskSettings(input: $i) {
  unlocked attemptsLeft lockedUntil errors { code } } }"""


def test_kiosk_settings_pin_locks_after_five_wrong_tries(demo, floor, settings):
    settings.KIOSK_PIN = "8642"
    wrong = [
        floor.kiosk.data(UNLOCK, {"i": {"pin": "0000"}})["unlockKioskSettings"] for _ in range(5)
    ]
    assert [(w["unlocked"], w["attemptsLeft"], w["errors"]) for w in wrong[:4]] == [
        (False, left, [{"code": "WRONG_PIN"}]) for left in (4, 3, 2, 1)
    ]
    assert wrong[4]["errors"] == [{"code": "PIN_LOCKED"}] and wrong[4]["lockedUntil"]
    # Even the right PIN is refused while locked.
    locked = floor.kiosk.data(UNLOCK, {"i": {"pin": "8642"}})["unlockKioskSettings"]
    assert locked["errors"] == [{"code": "PIN_LOCKED"}]


def test_the_right_pin_unlocks_and_resets_the_count(demo, floor, settings):
    settings.KIOSK_PIN = "8642"
    floor.kiosk.data(UNLOCK, {"i": {"pin": "1111"}})
    ok = floor.kiosk.data(UNLOCK, {"i": {"pin": "8642"}})["unlockKioskSettings"]
    assert ok == {"unlocked": True, "attemptsLeft": None, "lockedUntil": None, "errors": []}
    again = floor.kiosk.data(UNLOCK, {"i": {"pin": "1111"}})["unlockKioskSettings"]
    assert again["attemptsLeft"] == 4


def test_the_default_pin_is_refused_in_production(demo, floor, settings):
    settings.KIOSK_PIN = "1234"
    settings.DEBUG = False
    result = floor.kiosk.data(UNLOCK, {"i": {"pin": "1234"}})["unlockKioskSettings"]
    assert result["errors"] == [{"code": "KIOSK_PIN_NOT_SET"}]


def test_only_a_kiosk_has_settings(demo, gql):
    result = gql.data(UNLOCK, {"i": {"pin": "1234"}})["unlockKioskSettings"]
    assert result["unlocked"] is False and result["errors"] == [{"code": "NOT_FOUND"}]


def test_a_transfer_to_a_counter_that_does_not_handle_the_service_changes_nothing(demo, floor):
    kfz_only = floor.counters[1]
    kfz_only.services.set([demo.kfz])
    ticket = draw(floor.kiosk, demo)["ticket"]  # A001, Personalausweis
    sign_in(floor, 0)
    call_next(floor, 0)

    refused = act(floor, "transferTicket", ticket["id"], servicePoint=str(kfz_only.pk))

    assert refused == {
        "ticket": None,
        "errors": [{"code": "NOT_SERVED_HERE", "field": "servicePoint"}],
    }
    assert list(QueueTicket.objects.values_list("number", "status", "service_point")) == [
        (1, QueueTicket.Status.CALLED, floor.counters[0].pk)
    ]
    # With the service it does handle, the same counter is fine.
    moved = act(
        floor,
        "transferTicket",
        ticket["id"],
        service=str(demo.kfz.pk),
        servicePoint=str(kfz_only.pk),
    )
    assert (moved["errors"], moved["ticket"]["number"]) == ([], "A001")


ISSUED_URL = """mutation Draw($input: DrawTicketInput!) {
  drawTicket(input: $input) { ticket { id statusToken statusUrl } errors { code } } }"""


def test_the_printed_ticket_links_to_the_public_address(demo, floor, settings):
    """The kiosk may reach the server by an internal name; the phone scanning the printout
    needs the public one, as in e-mails (PUBLIC_BASE_URL)."""
    settings.PUBLIC_BASE_URL = "https://termine.musterhausen.example"
    settings.ALLOWED_HOSTS = ["kiosk-gateway.intern"]
    issued = floor.kiosk.data(
        ISSUED_URL,
        {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}},
        HTTP_HOST="kiosk-gateway.intern",
    )["drawTicket"]["ticket"]
    assert issued["statusUrl"] == (
        f"https://termine.musterhausen.example/t/{issued['id']}#{issued['statusToken']}"
    )


def test_a_parked_ticket_comes_back_with_fresh_recalls_and_its_booking_checked_in(
    demo, floor, office_hour, settings
):
    settings.QUEUE_MAX_RECALLS = 2
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    ticket = floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})["checkIn"]["ticket"]
    sign_in(floor)
    call_next(floor)
    act(floor, "recallTicket", ticket["id"])
    act(floor, "recallTicket", ticket["id"])  # one more recall would be a no-show

    parked = act(floor, "parkTicket", ticket["id"])["ticket"]
    assert (parked["status"], Booking.objects.get(pk=booking.pk).status) == (
        "PARKED",
        Booking.Status.CHECKED_IN,  # no longer called
    )
    returned = act(floor, "returnTicket", ticket["id"])["ticket"]
    assert (returned["status"], returned["recallCount"]) == ("WAITING", 0)

    call_next(floor)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CALLED
    # the calls before parking do not count: a recall now is just a recall
    again = act(floor, "recallTicket", ticket["id"])["ticket"]
    assert (again["status"], again["recallCount"]) == ("CALLED", 1)


def test_a_transferred_booking_waits_checked_in_again(demo, floor, office_hour):
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    ticket = floor.kiosk.data(CHECK_IN, {"input": {"code": booking.code}})["checkIn"]["ticket"]
    sign_in(floor)
    call_next(floor)
    act(floor, "transferTicket", ticket["id"], service=str(demo.kfz.pk))
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CHECKED_IN
