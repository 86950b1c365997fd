"""Kiosk and device endpoints give nothing away: every wrong pairing code and every code a
kiosk may not check in is answered exactly alike, and pairing codes die after wrong tries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from backend.accounts.devices import new_pairing_code
from backend.accounts.models import Device, StaffMember
from backend.accounts.staff import create_staff
from backend.bookings.models import Booking
from backend.queue.models import QueueTicket
from tests.conftest import at, bearer
from tests.factories import booked
from tests.queue.actions import AHEAD, BEA
from tests.queue.conftest import kiosk_client, staff_client
from tests.queue.test_practice_and_devices import paired

pytestmark = pytest.mark.django_db

PAIR = """mutation($i: PairDeviceInput!) { pairDevice(input: $i) {
  token kind location errors { code message field } } }"""
CHECK_IN = """mutation($i: CheckInInput!) { checkIn(input: $i) {
  ticket { number } errors { code message field } } }"""
INVALID = {
    "pairDevice": {
        "token": None,
        "kind": None,
        "location": None,
        "errors": [
            {
                "code": "PAIRING_INVALID",
                "message": "This pairing code is not valid.",
                "field": "code",
            }
        ],
    }
}
NOT_FOUND = {
    "checkIn": {
        "ticket": None,
        "errors": [{"code": "NOT_FOUND", "message": "No booking with this code.", "field": "code"}],
    }
}


def pair(gql, code: str, kind: str | None = "kiosk") -> dict:
    return gql.data(PAIR, {"i": {"code": code, "kind": kind}})


def test_every_wrong_pairing_code_gets_the_same_answer(demo, gql):
    display = Device.objects.create(location=demo.rathaus, kind="display", name="TV")
    display_code = new_pairing_code(display)
    expired = Device.objects.create(location=demo.rathaus, kind="kiosk", name="old")
    expired_code = new_pairing_code(expired, now=timezone.now() - dt.timedelta(hours=1))
    unknown = "12345678" if display_code != "12345678" else "87654321"

    answers = [
        pair(gql, display_code, "kiosk"),  # a display's code typed on a kiosk
        pair(gql, expired_code),
        pair(gql, unknown),
        pair(gql, "12-34"),
    ]
    assert answers == [INVALID] * 4
    # The display's code still pairs the display (fewer wrong tries than the limit).
    right = pair(gql, display_code, "display")["pairDevice"]
    assert (right["kind"], right["location"], right["errors"]) == (
        "display",
        str(demo.rathaus.pk),
        [],
    )


@pytest.mark.parametrize(("wrong_tries", "pairs"), [(2, True), (3, False)])
def test_a_pairing_code_dies_after_the_failure_limit(demo, gql, settings, wrong_tries, pairs):
    settings.PAIRING_MAX_FAILURES = 3
    kiosk = Device.objects.create(location=demo.rathaus, kind="kiosk", name="K")
    code = new_pairing_code(kiosk)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(wrong_tries):
        assert pair(gql, wrong) == INVALID

    answer = pair(gql, code)
    if pairs:
        assert answer["pairDevice"]["errors"] == [] and answer["pairDevice"]["kind"] == "kiosk"
    else:
        assert answer == INVALID
        kiosk.refresh_from_db()
        assert (kiosk.token_hash, kiosk.pairing_code_hash) == ("", "")
        # A new code from the admin works again.
        assert pair(gql, new_pairing_code(kiosk))["pairDevice"]["errors"] == []


def test_check_in_answers_alike_for_unknown_codes_and_other_locations_and_organizations(
    demo, office_hour
):
    here = booked(demo.ausweis, demo.nord, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    # the Rathaus, same organization
    other_location = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    other_org = booked(
        demo.consult, demo.practice_site, at(office_hour, 10, 15), ahead=AHEAD, **BEA
    )
    kiosk = kiosk_client(demo.nord)

    answers = [
        kiosk.data(CHECK_IN, {"i": {"code": code}})
        for code in ("ZZZ-ZZZ", other_location.code, other_org.code)
    ]
    assert answers == [NOT_FOUND] * 3
    assert sorted(Booking.objects.values_list("status", flat=True)) == ["confirmed"] * 3
    assert QueueTicket.objects.count() == 0
    # Its own location's booking checks in.
    ticket = kiosk.data(CHECK_IN, {"i": {"code": here.code}})["checkIn"]
    assert (ticket["ticket"]["number"], ticket["errors"]) == ("A001", [])


@pytest.mark.parametrize("who", ["anonymous", "display", "staff of another location"])
def test_check_in_asks_who_is_asking_before_it_looks_at_the_code(demo, office_hour, gql, who):
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    if who == "anonymous":
        client = gql
    elif who == "display":
        client = bearer(paired(demo.rathaus, "display"))
    else:
        other = create_staff("nord", "n@x.de", demo.nord, [], StaffMember.Role.COUNTER_STAFF)
        client = staff_client(other)
    location = str(demo.rathaus.pk)

    real = client(CHECK_IN, {"i": {"code": booking.code, "location": location}})
    unknown = client(CHECK_IN, {"i": {"code": "ZZZ-ZZZ", "location": location}})

    assert real == unknown
    assert [e["extensions"]["code"] for e in real["errors"]] == ["FORBIDDEN"]
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_staff_check_in_at_the_location_they_name(demo, floor, office_hour):
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    other = booked(demo.ausweis, demo.nord, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    at_rathaus = {"location": str(demo.rathaus.pk)}

    foreign = floor.clerk.data(CHECK_IN, {"i": {"code": other.code, **at_rathaus}})
    own = floor.clerk.data(CHECK_IN, {"i": {"code": booking.code, **at_rathaus}})

    assert foreign == NOT_FOUND
    assert own["checkIn"] == {"ticket": {"number": "A001"}, "errors": []}


@pytest.mark.rate_limits
def test_pair_device_is_limited_per_address_and_overall(demo, settings):
    from django.test import Client

    from tests.conftest import GraphQLClient

    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "pairDevice.ip": "2/hour",
        "pairDevice.all": "4/hour",  # refused tries count too
    }
    one, other = GraphQLClient(Client(), {}), GraphQLClient(Client(), {})
    address = {"REMOTE_ADDR": "203.0.113.5"}
    first = [pair_from(one, address) for _ in range(3)]
    second = [pair_from(other, {"REMOTE_ADDR": "198.51.100.5"}) for _ in range(2)]
    codes = [[e["code"] for e in answer["errors"]] for answer in first + second]
    invalid, limited = ["PAIRING_INVALID"], ["RATE_LIMITED"]
    # the first address: two tries, then its limit; the second: one more, then the overall one
    assert codes == [invalid, invalid, limited, invalid, limited]


def pair_from(client, extra) -> dict:
    return client.data(PAIR, {"i": {"code": "00000000", "kind": "kiosk"}}, **extra)["pairDevice"]


@pytest.mark.rate_limits
def test_draw_ticket_is_limited_per_kiosk(demo, floor, settings):
    from tests.queue.actions import draw

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "drawTicket.device": "2/minute"}
    answers = [draw(floor.kiosk, demo) for _ in range(3)]
    assert [a["ticket"]["number"] for a in answers[:2]] == ["A001", "A002"]
    assert answers[2]["ticket"] is None
    assert [e["code"] for e in answers[2]["errors"]] == ["RATE_LIMITED"]
    assert QueueTicket.objects.count() == 2
    # staff at the counter are not counted per device
    assert draw(floor.clerk, demo)["ticket"]["number"] == "A003"


@pytest.mark.rate_limits
def test_check_in_is_limited_per_kiosk_whatever_the_codes(demo, floor, office_hour, settings):
    """Guessing booking codes at a kiosk (or with its stolen token) meets the kiosk's own limit
    after a few tries; then even a real code waits, and nothing is checked in."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "checkIn.device": "2/minute"}
    booking = booked(demo.ausweis, demo.rathaus, at(office_hour, 10, 15), ahead=AHEAD, **BEA)
    guesses = [floor.kiosk.data(CHECK_IN, {"i": {"code": c}}) for c in ("ZZZ-ZZZ", "ZZZ-ZZY")]
    assert guesses == [NOT_FOUND] * 2
    real = floor.kiosk.data(CHECK_IN, {"i": {"code": booking.code}})["checkIn"]
    assert real["ticket"] is None
    assert [e["code"] for e in real["errors"]] == ["RATE_LIMITED"]
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
    # staff at the counter are not counted per device
    location = str(demo.rathaus.pk)
    by_clerk = floor.clerk.data(CHECK_IN, {"i": {"code": booking.code, "location": location}})
    assert by_clerk["checkIn"]["errors"] == []
