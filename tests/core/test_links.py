"""Every link handed out is made on PUBLIC_BASE_URL, secrets in the fragment."""

from __future__ import annotations

import pytest

from backend.core import links

BASE = "https://termine.musterhausen.example"


@pytest.fixture(autouse=True)
def public_base(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (lambda: links.manage_link("K7M-4QX", "tok"), "/manage/K7M-4QX#tok"),
        (lambda: links.waitlist_link("e1"), "/waitlist/e1"),
        (lambda: links.waitlist_link("e1", "tok"), "/waitlist/e1#tok"),
        (lambda: links.waitlist_link("e1", "tok.conf"), "/waitlist/e1#tok.conf"),
        (lambda: links.ticket_link("t1", "tok"), "/t/t1#tok"),
        (lambda: links.password_reset_link("MQ", "abc-123"), "/staff/#reset=MQ.abc-123"),
        (lambda: links.kiosk_link(), "/kiosk"),
        (lambda: links.display_pairing_link("12345678"), "/display/queue#pair=12345678"),
        (lambda: links.display_link("rathaus"), "/display/queue?location=rathaus"),
    ],
    ids=[
        "manage",
        "waitlist",
        "waitlist-token",
        "waitlist-confirmation",
        "ticket",
        "password-reset",
        "kiosk",
        "display-pairing",
        "display",
    ],
)
def test_each_link_on_the_public_address(link, expected):
    assert link() == BASE + expected


@pytest.mark.django_db
def test_the_manage_link_after_booking_is_on_the_public_address_not_the_requests_host(gql, demo):
    """The request came to http://testserver."""
    from tests.conftest import at, working_day
    from tests.documents import CITIZEN

    made = gql.data(
        """mutation($i: BookAppointmentInput!) {
             bookAppointment(input: $i) { manageUrl manageToken booking { code } } }""",
        {
            "i": {
                **CITIZEN,
                "service": str(demo.ausweis.pk),
                "location": str(demo.rathaus.pk),
                "start": at(working_day(), 9, 30),
            }
        },
    )["bookAppointment"]

    assert made["manageUrl"] == f"{BASE}/manage/{made['booking']['code']}#{made['manageToken']}"
