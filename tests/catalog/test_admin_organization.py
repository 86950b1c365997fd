"""The organization's admin page: portal origins that may embed the widget (checked line by
line, stored as browsers send them), and the privacy policy and imprint links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.catalog.models import Organization
from backend.core.origins_syntax import InvalidOrigin, normalize_origin

pytestmark = pytest.mark.django_db


def change_url(org: Organization) -> str:
    return reverse("admin:catalog_organization_change", args=[org.pk])


def form_data(admin_client, org: Organization, **changes) -> dict:
    """What the admin's change form would send back unchanged, with `changes` typed in."""
    form = admin_client.get(change_url(org)).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: "" if v is None else v for k, v in data.items()}
    return {**data, **changes}


def test_the_admin_edits_origins_and_privacy_links(admin_client, demo):
    page = admin_client.get(change_url(demo.org))
    assert page.status_code == 200
    for field in ("allowed_embed_origins", "privacy_url", "imprint_url"):
        assert f'name="{field}"'.encode() in page.content, field


def test_origins_are_stored_as_browsers_send_them(admin_client, demo, client, settings):
    settings.CORS_ALLOWED_ORIGINS = []
    typed = (
        "https://www.Musterhausen.de/\n"
        "  HTTPS://Portal.Musterhausen.DE:443  \n"
        "\n"
        "http://localhost:8080\n"
        "https://www.musterhausen.de\n"  # a duplicate once normalised
        "https://bürgerportal.example"
    )
    response = admin_client.post(
        change_url(demo.org),
        form_data(
            admin_client,
            demo.org,
            allowed_embed_origins=typed,
            privacy_url="https://www.musterhausen.de/datenschutz",
            imprint_url="https://www.musterhausen.de/impressum",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    demo.org.refresh_from_db()
    assert demo.org.allowed_embed_origins == (
        "https://www.musterhausen.de\n"
        "https://portal.musterhausen.de\n"
        "http://localhost:8080\n"
        "https://xn--brgerportal-thb.example"
    )
    assert (demo.org.privacy_url, demo.org.imprint_url) == (
        "https://www.musterhausen.de/datenschutz",
        "https://www.musterhausen.de/impressum",
    )

    # The portal's browser sends the lower-case origin: it may frame the widget and call GraphQL.
    embed = client.get("/embed", {"location": "rathaus"})
    assert embed["Content-Security-Policy"].endswith(
        "frame-ancestors 'self' http://localhost:8080 https://portal.musterhausen.de "
        "https://www.musterhausen.de https://xn--brgerportal-thb.example"
    )
    preflight = client.options(
        "/graphql",
        HTTP_ORIGIN="https://www.musterhausen.de",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight["Access-Control-Allow-Origin"] == "https://www.musterhausen.de"


def test_lines_that_are_not_origins_are_refused_with_a_message(admin_client, demo):
    before = "https://www.musterhausen.de"
    demo.org.allowed_embed_origins = before
    demo.org.save()
    typed = (
        "https://www.musterhausen.de/termine\n"
        "https://portal.example\n"
        "www.musterhausen.de\n"
        "ftp://files.musterhausen.de"
    )

    response = admin_client.post(
        change_url(demo.org), form_data(admin_client, demo.org, allowed_embed_origins=typed)
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["allowed_embed_origins"] == [
        f"Line {n} is not an origin: “{line}”. Write scheme://host[:port] without a path, "
        "e.g. https://www.musterhausen.de."
        for n, line in [
            (1, "https://www.musterhausen.de/termine"),
            (3, "www.musterhausen.de"),
            (4, "ftp://files.musterhausen.de"),
        ]
    ]
    demo.org.refresh_from_db()
    assert demo.org.allowed_embed_origins == before


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://www.Musterhausen.de", "https://www.musterhausen.de"),
        ("https://www.musterhausen.de/", "https://www.musterhausen.de"),
        ("HTTP://Portal.Example:80", "http://portal.example"),
        ("https://portal.example:8443", "https://portal.example:8443"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://straße.example", "https://strasse.example"),  # IDNA 2003, as Python maps it
    ],
)
def test_normalised_spelling(typed, origin):
    assert normalize_origin(typed) == origin


@pytest.mark.parametrize(
    "typed",
    [
        "https://www.musterhausen.de/termine",
        "https://www.musterhausen.de?x=1",
        "https://user@www.musterhausen.de",
        "javascript://x",
        "https://-bad-.example",
        "https://portal.example:99999",
        "https://",
        "*",
    ],
)
def test_what_is_not_an_origin(typed):
    with pytest.raises(InvalidOrigin):
        normalize_origin(typed)
