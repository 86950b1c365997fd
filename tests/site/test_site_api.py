"""What the citizen site and the embed need from the server: soonest availability, the
calendar file, the QR code, the manage link, framing and CORS rules."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from backend.catalog.models import Closure
from backend.web import pages
from tests.conftest import at, working_day
from tests.documents import BOOK, CITIZEN

pytestmark = pytest.mark.django_db

SOONEST = """query($s: ID!) { soonestAvailability(service: $s) {
  location { slug } firstSlot { start } } }"""


def test_soonest_availability_lists_locations_soonest_first(gql, demo):
    today = dt.date.today()
    Closure.objects.create(
        location=demo.rathaus,
        first_day=today,
        last_day=today + dt.timedelta(days=20),
        reason="Umbau",
    )
    result = gql.data(SOONEST, {"s": str(demo.ausweis.pk)})["soonestAvailability"]
    assert [r["location"]["slug"] for r in result] == ["ba-nord", "rathaus"]
    first_nord = dt.datetime.fromisoformat(result[0]["firstSlot"]["start"])
    first_rathaus = dt.datetime.fromisoformat(result[1]["firstSlot"]["start"])
    assert first_nord < first_rathaus
    assert first_rathaus.date() > today + dt.timedelta(days=20)

    Closure.objects.create(
        location=demo.rathaus,
        first_day=today,
        last_day=today + dt.timedelta(days=400),
        reason="Neubau",
    )
    result = gql.data(SOONEST, {"s": str(demo.ausweis.pk)})["soonestAvailability"]
    assert result[-1] == {"location": {"slug": "rathaus"}, "firstSlot": None}


def test_a_booking_comes_with_calendar_file_qr_code_and_manage_link(gql, demo, settings):
    settings.PUBLIC_BASE_URL = "https://termine.musterhausen.example"  # links use it, as e-mails
    start = at(working_day(), 9, 30)
    made = gql.data(
        BOOK,
        {
            "input": {
                **CITIZEN,
                "service": str(demo.ausweis.pk),
                "location": str(demo.rathaus.pk),
                "start": start,
            }
        },
    )
    code, token = made["bookAppointment"]["booking"]["code"], made["bookAppointment"]["manageToken"]
    extra = gql.data(
        """query($c: String!, $t: String!) { booking(code: $c, token: $t) {
             ics(language: EN) qrSvg } }""",
        {"c": code, "t": token},
    )["booking"]
    again = """mutation($i: BookAppointmentInput!) { bookAppointment(input: $i) {
                 manageUrl manageToken booking { code } } }"""
    replayed = gql.data(
        again,
        {
            "i": {
                **CITIZEN,
                "service": str(demo.ausweis.pk),
                "location": str(demo.rathaus.pk),
                "start": at(working_day(), 10, 0),
                "idempotencyKey": "replay-1234-abcd",
            }
        },
    )
    event = Calendar.from_ical(extra["ics"]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime.fromisoformat(start)
    assert str(event["summary"]) == "Apply for an identity card – Rathaus Musterhausen"
    assert str(event["location"]) == "Rathaus Musterhausen, Rathausplatz 1, 12345 Musterhausen"
    assert code in str(event["description"])
    assert "Biometric passport photo" in str(event["description"])
    assert event.walk("VALARM")[0].decoded("trigger") == -dt.timedelta(hours=2)
    assert extra["qrSvg"].startswith("<?xml") and "<svg" in extra["qrSvg"]
    payload = replayed["bookAppointment"]
    assert payload["manageUrl"] == (
        "https://termine.musterhausen.example/manage/"
        f"{payload['booking']['code']}#{payload['manageToken']}"
    )


@pytest.fixture
def embed_html(tmp_path, monkeypatch):
    page = tmp_path / "embed.html"
    page.write_text("<!doctype html><title>Termin</title>")
    monkeypatch.setitem(pages.PAGES, "embed", page)
    return page


def test_the_embed_may_be_framed_only_by_listed_origins(client, demo, embed_html, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://portal.land.example"]
    demo.org.allowed_embed_origins = "https://www.musterhausen.de\nnot an origin\n"
    demo.org.save()

    response = client.get("/embed", {"location": "rathaus"})

    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://portal.land.example https://www.musterhausen.de" in csp
    assert "X-Frame-Options" not in response
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies


def test_every_other_page_refuses_framing(client, demo):
    response = client.get("/api/health")
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("origin", "allowed"), [("https://www.musterhausen.de", True), ("https://evil.example", False)]
)
def test_cors_for_graphql_only_from_listed_origins(client, demo, origin, allowed):
    demo.org.allowed_embed_origins = "https://www.musterhausen.de"
    demo.org.save()
    response = client.options(
        "/graphql",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert (response.get("Access-Control-Allow-Origin") == origin) is allowed
    assert "Access-Control-Allow-Credentials" not in response


def test_small_facts_the_pages_need(gql, demo, settings):
    settings.WAITLIST_OFFER_MINUTES = 45
    org = gql.data("""{ organization(slug: "musterhausen") { waitlistEnabled
        waitlistOfferMinutes locations { slug organization { slug } } } }""")["organization"]
    assert (org["waitlistEnabled"], org["waitlistOfferMinutes"]) == (True, 45)
    assert {loc["organization"]["slug"] for loc in org["locations"]} == {"musterhausen"}
    held = gql.data(
        """mutation($i: HoldSlotInput!) { holdSlot(input: $i) {
        hold { expiresInSeconds } } }""",
        {
            "i": {
                "service": str(demo.kfz.pk),
                "location": str(demo.rathaus.pk),
                "start": at(working_day(), 9),
            }
        },
    )
    assert 590 <= held["holdSlot"]["hold"]["expiresInSeconds"] <= 600


def test_the_privacy_policy_and_imprint_links_come_with_the_organization(gql, demo):
    query = """{ organizations { slug privacyUrl imprintUrl } }"""
    assert gql.data(query)["organizations"] == [
        {"slug": "praxis-sommer", "privacyUrl": "", "imprintUrl": ""},
        {
            "slug": "musterhausen",
            "privacyUrl": "https://www.musterhausen.de/datenschutz",
            "imprintUrl": "https://www.musterhausen.de/impressum",
        },
    ]
