"""How the app serves the citizen pages: in the language of ?lang= from the first byte (Arabic
right to left), gzip-compressed where that gives no secret away, never framed except the
embed, and the embed only by the portals of its own organization."""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from backend.catalog.models import Organization
from tests.conftest import at, working_day
from tests.documents import BOOK, CITIZEN

pytestmark = pytest.mark.django_db

REPO = Path(settings.BASE_DIR)
CATALOGS = REPO / "frontend_static" / "i18n"
HTML_TAG = re.compile(r"<html\b[^>]*>")
# a fixed id: xdist workers must collect the same parameters
WAITLIST_PAGE = "/waitlist/76a0276e-1ebb-4103-9c3f-e797c13ef321"
PAGES = ["/", "/manage/K7M-4QX", WAITLIST_PAGE, "/embed"]


def text_of(response) -> str:
    return response.content.decode("utf-8")


def catalog_text(language: str, key: str) -> str:
    node = json.loads((CATALOGS / f"{language}.json").read_text("utf-8"))
    for part in key.split("."):
        node = node[part]
    return node


# --- the language of the first paint ------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_arabic_pages_come_right_to_left_and_in_arabic(client, demo, path):
    page = text_of(client.get(path, {"lang": "ar"}))

    assert HTML_TAG.search(page).group(0) == '<html lang="ar" dir="rtl" data-theme="light">'
    skip = catalog_text("ar", "common.skipToContent")
    assert f'data-i18n="common.skipToContent">{html.escape(skip, quote=False)}</a>' in page
    assert f'aria-label="{html.escape(catalog_text("ar", "common.languages"))}"' in page
    assert "Zum Inhalt springen" not in page


def test_the_heading_and_title_are_translated_too(client, demo):
    page = text_of(client.get("/", {"lang": "uk"}))
    heading = html.escape(catalog_text("uk", "site.heading"), quote=False)
    title = html.escape(catalog_text("uk", "site.pageTitle"), quote=False)
    assert HTML_TAG.search(page).group(0) == '<html lang="uk" dir="ltr" data-theme="light">'
    assert f'<h1 data-i18n="site.heading">{heading}</h1>' in page
    assert f'<title data-i18n="site.pageTitle">{title}</title>' in page


@pytest.mark.parametrize("lang", [None, "xx", "AR;", "../de"])
def test_without_a_known_language_the_page_is_german_and_waits_for_its_script(client, demo, lang):
    """A language chosen earlier on this device is known only to the page's script: until it
    has loaded, the page stays invisible (class i18n-pending, css/site.css)."""
    response = client.get("/", {"lang": lang} if lang else {})
    page = text_of(response)
    assert HTML_TAG.search(page).group(0) == (
        '<html lang="de" dir="ltr" class="i18n-pending" data-theme="light">'
    )
    assert page.encode() == (REPO / "frontend_static" / "index.html").read_bytes()


def test_the_embed_is_final_from_the_server_even_without_lang(client, demo):
    """The embed keeps no stored choice: German unless ?lang= says otherwise, never hidden."""
    page = text_of(client.get("/embed", {"location": "rathaus"}))
    assert HTML_TAG.search(page).group(0) == '<html lang="de" dir="ltr" data-theme="light">'


def test_without_javascript_the_page_says_so_in_its_language(client, demo):
    page = text_of(client.get("/", {"lang": "tr"}))
    notice = html.escape(catalog_text("tr", "site.noscript"), quote=False)
    assert f'data-i18n="site.noscript">{notice}</p></noscript>' in page
    assert '<noscript><link rel="stylesheet" href="/static/app/css/noscript.css"></noscript>' in (
        page
    )


# --- framing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/manage/K7M-4QX", WAITLIST_PAGE])
def test_citizen_pages_are_never_framed(client, demo, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"].endswith("frame-ancestors 'none'")


@pytest.fixture
def two_organizations(demo, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://portal.land.example"]
    demo.org.allowed_embed_origins = "https://www.musterhausen.de"
    demo.org.save()
    return Organization.objects.create(
        slug="nachbarstadt",
        name="Stadt Nachbarstadt",
        allowed_embed_origins="https://www.nachbarstadt.de",
    )


def ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return policy.split("frame-ancestors ", 1)[1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {"org": "nachbarstadt"},
            "'self' https://portal.land.example https://www.nachbarstadt.de",
        ),
        (
            {"org": "Musterhausen", "location": "rathaus"},
            "'self' https://portal.land.example https://www.musterhausen.de",
        ),
        ({"location": "rathaus"}, "'self' https://portal.land.example https://www.musterhausen.de"),
        ({}, "'self' https://portal.land.example"),
        ({"org": "unbekannt"}, "'self' https://portal.land.example"),
        ({"location": "nirgendwo"}, "'self' https://portal.land.example"),
    ],
    ids=["org", "org-wins", "location", "neither", "unknown-org", "unknown-location"],
)
def test_the_embed_is_framed_only_by_its_own_organizations_portals(
    client, two_organizations, query, expected
):
    response = client.get("/embed", query)
    assert ancestors(response) == expected
    assert "X-Frame-Options" not in response


# --- compression -------------------------------------------------------------------------------


def test_the_booking_page_arrives_gzipped(client, demo):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    body = gzip.decompress(response.content)
    assert body == (REPO / "frontend_static" / "index.html").read_bytes()
    assert int(response["Content-Length"]) == len(response.content) < len(body)


@pytest.mark.parametrize(
    "path", ["/static/app/site/flow.js", "/static/app/i18n/ar.json", "/static/app/css/site.css"]
)
def test_static_files_arrive_gzipped(client, path):
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Content-Length" not in response  # compressed while streamed
    served = gzip.decompress(b"".join(response.streaming_content))
    source = REPO / "frontend_static" / path.removeprefix("/static/app/")
    assert served == source.read_bytes()


def test_without_accept_encoding_nothing_is_compressed(client):
    response = client.get("/static/app/site/flow.js")
    assert "Content-Encoding" not in response
    assert (
        b"".join(response.streaming_content)
        == (REPO / "frontend_static" / "site" / "flow.js").read_bytes()
    )


def test_a_byte_range_is_sent_as_it_is(client):
    response = client.get(
        "/static/app/site/flow.js", HTTP_ACCEPT_ENCODING="gzip", HTTP_RANGE="bytes=0-99"
    )
    assert response.status_code == 206
    assert "Content-Encoding" not in response
    assert (
        b"".join(response.streaming_content)
        == ((REPO / "frontend_static" / "site" / "flow.js").read_bytes()[:100])
    )


def test_graphql_answers_with_secrets_are_never_compressed(gql, demo):
    """BREACH: a booking's answer holds the manage token beside echoed input."""
    response = gql.post(
        BOOK,
        {
            "input": {
                **CITIZEN,
                "service": str(demo.ausweis.pk),
                "location": str(demo.rathaus.pk),
                "start": at(working_day(), 9, 0),
            }
        },
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response.json()["data"]["bookAppointment"]["manageToken"]


def test_the_admin_is_never_compressed(admin_client):
    response = admin_client.get("/admin/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
