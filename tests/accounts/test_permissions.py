"""Who may list and change which bookings: a table over roles for each protected operation.
Denied cases assert that nothing changed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from backend.accounts.api_tokens import issue_api_token
from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.bookings.models import Booking, Claim
from backend.catalog.models import Resource
from backend.core.models import AuditLog
from tests.conftest import GraphQLClient, at, working_day
from tests.documents import LOCATION_BOOKINGS, STAFF_CANCEL
from tests.factories import booked

pytestmark = pytest.mark.django_db
Role = StaffMember.Role


@dataclass
class World:
    day: object
    rathaus_codes: set[str]
    sommer_code: str
    aydin_code: str
    clients: dict[str, GraphQLClient]


def _session(user) -> GraphQLClient:
    client = Client()
    client.force_login(user)
    return GraphQLClient(client, {})


@pytest.fixture
def world(demo, django_user_model) -> World:
    day = working_day()
    import datetime as dt

    def when(hour, minute=0):
        return dt.datetime.fromisoformat(at(day, hour, minute))

    rathaus = {
        booked(demo.ausweis, demo.rathaus, when(9), name="Ada").code,
        booked(demo.kfz, demo.rathaus, when(10), name="Ben").code,
    }
    booked(demo.ausweis, demo.nord, when(9), name="Cem")
    sommer = Resource.objects.get(name="Dr. Anna Sommer")
    aydin = Resource.objects.get(name="Dr. Kemal Aydın")
    consult_a = booked(demo.consult, demo.practice_site, when(9), name="Dora")
    consult_b = booked(demo.consult, demo.practice_site, when(9), name="Emil")
    assert {consult_a.assigned_staff, consult_b.assigned_staff} == {sommer, aydin}
    by_doctor = {b.assigned_staff: b.code for b in (consult_a, consult_b)}

    users = {
        "counter_staff": create_staff("clerk", "c@x.de", demo.rathaus, [], Role.COUNTER_STAFF),
        "location_manager": create_staff("boss", "b@x.de", demo.rathaus, [], Role.LOCATION_MANAGER),
        "staff_other_location": create_staff("nord", "n@x.de", demo.nord, [], Role.COUNTER_STAFF),
        "org_admin": create_staff("admin", "a@x.de", demo.rathaus, [], Role.ORG_ADMIN),
        "billing": create_staff("billing", "k@x.de", demo.rathaus, [], Role.BILLING),
        "doctor": create_staff(
            "sommer", "s@x.de", demo.practice_site, [], Role.DOCTOR, resource=sommer
        ),
        "superuser": django_user_model.objects.create_superuser("root", "r@x.de", "pw-unused"),
        "no_role": django_user_model.objects.create_user("nobody", "x@x.de", "pw-unused"),
    }
    clients = {name: _session(user) for name, user in users.items()}
    clients["anonymous"] = GraphQLClient(Client(), {})
    for name, org in (
        ("integration", demo.org),
        ("integration_other_org", demo.practice_site.organization),
    ):
        _token, secret = issue_api_token(org, name)
        clients[name] = GraphQLClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    return World(day, rathaus, by_doctor[sommer], by_doctor[aydin], clients)


ALL = "all"
LIST_RATHAUS = {
    "anonymous": "FORBIDDEN",
    "no_role": "FORBIDDEN",
    "staff_other_location": "FORBIDDEN",
    "doctor": "FORBIDDEN",
    "integration_other_org": "FORBIDDEN",
    "counter_staff": ALL,
    "location_manager": ALL,
    "org_admin": ALL,
    "billing": ALL,
    "integration": ALL,
    "superuser": ALL,
}


@pytest.mark.parametrize(("role", "expected"), LIST_RATHAUS.items(), ids=LIST_RATHAUS.keys())
def test_listing_a_location_s_bookings(world, demo, role, expected):
    body = world.clients[role](
        LOCATION_BOOKINGS, {"location": str(demo.rathaus.pk), "date": world.day.isoformat()}
    )
    if expected == "FORBIDDEN":
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    else:
        page = body["data"]["locationBookings"]
        assert {b["code"] for b in page["items"]} == world.rathaus_codes
        assert page["totalCount"] == 2


def test_a_doctor_sees_only_bookings_assigned_to_them(world, demo):
    page = world.clients["doctor"].data(
        LOCATION_BOOKINGS, {"location": str(demo.practice_site.pk), "date": world.day.isoformat()}
    )["locationBookings"]
    assert [(b["code"], b["assignedStaff"]["name"]) for b in page["items"]] == [
        (world.sommer_code, "Dr. Anna Sommer")
    ]


CANCEL_RATHAUS = {
    "anonymous": False,
    "no_role": False,
    "staff_other_location": False,
    "doctor": False,
    "billing": False,
    "integration_other_org": False,
    "counter_staff": True,
    "location_manager": True,
    "org_admin": True,
    "integration": True,
    "superuser": True,
}


def _state():
    return (
        list(Booking.objects.order_by("code").values_list("code", "status")),
        Claim.objects.count(),
        AuditLog.objects.count(),
    )


@pytest.mark.parametrize(("role", "allowed"), CANCEL_RATHAUS.items(), ids=CANCEL_RATHAUS.keys())
def test_staff_cancelling_a_rathaus_booking(world, role, allowed):
    booking = Booking.objects.get(code=min(world.rathaus_codes))
    before = _state()

    body = world.clients[role](
        STAFF_CANCEL, {"input": {"booking": str(booking.pk), "reason": "Kunde rief an"}}
    )

    if allowed:
        assert body["data"]["staffCancelBooking"] == {
            "booking": {"code": booking.code, "status": "CANCELLED"},
            "errors": [],
        }
        assert Claim.objects.filter(booking=booking).count() == 0
    else:
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        assert _state() == before


@pytest.mark.parametrize(("which", "allowed"), [("own", True), ("colleague", False)])
def test_a_doctor_may_cancel_only_their_own_bookings(world, which, allowed):
    code = world.sommer_code if which == "own" else world.aydin_code
    booking = Booking.objects.get(code=code)
    before = _state()

    body = world.clients["doctor"](STAFF_CANCEL, {"input": {"booking": str(booking.pk)}})

    if allowed:
        assert body["data"]["staffCancelBooking"]["booking"]["status"] == "CANCELLED"
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
        assert _state() == before
