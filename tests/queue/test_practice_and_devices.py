"""A practice's queue is worded registered / waiting / in treatment / done, so the pages learn
the organization's kind where they read their configuration; kiosks and call displays learn
their location from their pairing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from backend.accounts.devices import do_pair_device, new_pairing_code
from backend.accounts.models import Device, StaffMember
from backend.accounts.staff import create_staff
from tests.conftest import bearer
from tests.documents import TICKET_STATUS
from tests.queue.actions import draw
from tests.queue.conftest import kiosk_client, staff_client

pytestmark = pytest.mark.django_db

KIND_OF_TICKET = """query($ticket: ID!, $token: String!) {
  ticketStatus(ticket: $ticket, token: $token) { number status organizationKind } }"""
KIND_OF_QUEUE = """query($l: ID!) { counterQueue(location: $l) { organizationKind } }"""
KIOSK_CONFIG = "{ kioskConfig { location organizationKind } }"
DISPLAY_CONFIG = "{ displayConfig { location name } }"


@pytest.mark.parametrize(
    ("site", "service", "kind"),
    [("rathaus", "ausweis", "MUNICIPALITY"), ("practice_site", "consult", "PRACTICE")],
)
def test_ticket_page_console_and_kiosk_learn_the_organization_kind(
    demo, office_hour, gql, site, service, kind
):
    location = getattr(demo, site)
    kiosk = kiosk_client(location)
    ticket = draw(kiosk, demo, getattr(demo, service), location)["ticket"]
    clerk = create_staff("mfa", "mfa@x.de", location, [], StaffMember.Role.COUNTER_STAFF)

    status = gql.data(KIND_OF_TICKET, {"ticket": ticket["id"], "token": ticket["statusToken"]})
    queue = staff_client(clerk).data(KIND_OF_QUEUE, {"l": str(location.pk)})
    config = kiosk.data(KIOSK_CONFIG)

    assert status["ticketStatus"]["organizationKind"] == kind
    assert queue["counterQueue"] == {"organizationKind": kind}
    assert config["kioskConfig"] == {"location": str(location.pk), "organizationKind": kind}


def test_the_holder_of_a_practice_ticket_sees_the_same_status_codes(demo, office_hour, gql):
    """Only the words differ: the chain and its codes are the same everywhere."""
    kiosk = kiosk_client(demo.practice_site)
    ticket = draw(kiosk, demo, demo.consult, demo.practice_site)["ticket"]
    status = gql.data(TICKET_STATUS, {"ticket": ticket["id"], "token": ticket["statusToken"]})
    assert (status["ticketStatus"]["number"], status["ticketStatus"]["status"]) == (
        "S001",
        "WAITING",
    )


def paired(location, kind: str) -> str:
    device = Device.objects.create(location=location, kind=kind, name=f"{kind} 1")
    return do_pair_device(new_pairing_code(device), kind)[1]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", None), ("kiosk", None), ("display", "rathaus")],
)
def test_only_a_paired_display_gets_its_configuration(demo, gql, who, expected):
    client = gql if who == "anonymous" else bearer(paired(demo.rathaus, who))
    config = client.data(DISPLAY_CONFIG)["displayConfig"]
    if expected is None:
        assert config is None
    else:
        assert config == {"location": str(demo.rathaus.pk), "name": "display 1"}


def test_a_revoked_display_gets_no_configuration(demo):
    token = paired(demo.rathaus, "display")
    Device.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert bearer(token).post(DISPLAY_CONFIG).status_code == 401


def test_pair_device_tells_where_to_enter_the_code(demo, capsys, settings):
    settings.PUBLIC_BASE_URL = "https://termine.example"
    call_command("pair_device", location="rathaus", kind="kiosk")
    call_command("pair_device", location="rathaus", kind="display")
    kiosk_line, display_line = capsys.readouterr().out.strip().splitlines()

    assert kiosk_line.startswith("Kiosk Rathaus: open https://termine.example/kiosk and enter ")
    assert display_line.startswith(
        "Anzeige Rathaus: open https://termine.example/display/queue#pair="
    )
    assert "/display/queue?location=rathaus works too" in display_line
    assert "/kiosk" not in display_line
    assert sorted(Device.objects.values_list("kind", flat=True)) == ["display", "kiosk"]
