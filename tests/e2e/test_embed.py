"""The booking widget in a city portal: a page from another origin (http://localhost:<port>, the
app is on http://127.0.0.1:<port>) includes embed.js. A listed origin gets a titled iframe
that follows its content's height and books with source EMBED, in a third-party context
where the browser blocks cookies and storage; an origin not listed gets no widget at all
(CSP frame-ancestors). A portal may name its organization instead of a location (data-org).
axe-core checks every step of the widget in German and Arabic.

Third-party cookies: Debian's Chromium (156) already blocks them, and with them third-party
storage, in a default Playwright context; the test asks for it once more over CDP
(Network.setCookieControls) and then checks inside the frame that it is so (a cookie cannot
be set, localStorage throws, document.hasStorageAccess() is false). After the booking, the
browser holds no cookie at all and the frame's document has none."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Frame, Page, expect

from backend.bookings.models import Booking
from tests.e2e.conftest import axe_violations, describe_violations
from tests.e2e.helpers import book_through_steps, earliest_changeable_day, watch_test_browser

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _browser_log(request):
    watch_test_browser(request)


DEFAULT_HEIGHT = 640  # embed.js without data-height

PORTAL_PAGE = """<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><title>Stadtportal Musterhausen</title></head>
<body>
<h1>Stadtportal Musterhausen</h1>
<p>Termine im Rathaus:</p>
<script src="{app}/embed.js" {attributes} async></script>
<footer>Impressum</footer>
</body>
</html>
"""

# Runs in the frame: what a third-party frame may keep in this browser.
STORAGE_PROBE = """async () => {
  document.cookie = 'e2e-probe=1; SameSite=None; Secure; Path=/';
  let local;
  try { localStorage.getItem('x'); local = 'allowed'; } catch (error) { local = error.name; }
  return {cookie: document.cookie, local, access: await document.hasStorageAccess()};
}"""


@contextmanager
def portal(
    app_url: str, attributes: str = 'data-location="rathaus" data-lang="de"'
) -> Iterator[str]:
    """A tiny portal page on its own loopback port; yields its origin, http://localhost:<port>
    (another host than the app's 127.0.0.1, so another origin and another site)."""
    body = PORTAL_PAGE.format(app=app_url, attributes=attributes).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def allow_embedding(demo, *origins: str) -> None:
    demo.org.allowed_embed_origins = "\n".join(origins)
    demo.org.save(update_fields=["allowed_embed_origins"])


def block_third_party_cookies(page: Page) -> None:
    session = page.context.new_cdp_session(page)
    session.send(
        "Network.setCookieControls",
        {
            "enableThirdPartyCookieRestriction": True,
            "disableThirdPartyCookieMetadata": True,
            "disableThirdPartyCookieHeuristics": True,
        },
    )


def embed_frame(page: Page, app_url: str) -> Frame:
    expect(page.locator("iframe")).to_have_count(1)
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_url(f"{app_url}/embed?**")
    return frame


def content_height(frame: Frame) -> int:
    return frame.evaluate(
        "() => Math.ceil(document.getElementById('embed-root').getBoundingClientRect().height)"
    )


def wait_until_sized(page: Page, frame: Frame, timeout_s: float = 20.0) -> int:
    """Waits until the iframe is as high as the widget's content (embed-page.js posts its
    height, embed.js sets it); returns that height."""
    deadline = time.monotonic() + timeout_s
    while True:
        content = content_height(frame)
        shown = page.evaluate("() => document.querySelector('iframe').style.height")
        if shown == f"{content}px":
            return content
        if time.monotonic() > deadline:
            raise AssertionError(f"iframe height {shown}, content {content}px")
        page.wait_for_timeout(50)


def test_a_listed_portal_embeds_the_widget_and_books(live_server_e2e, demo, page):
    app = live_server_e2e.url
    with portal(app) as origin:
        allow_embedding(demo, "https://www.musterhausen.de", origin)
        block_third_party_cookies(page)
        page.goto(origin + "/")
        iframe = page.locator("iframe")
        expect(iframe).to_have_attribute("title", "Online-Terminbuchung")
        query = urlencode({"location": "rathaus", "lang": "de", "origin": origin})
        expect(iframe).to_have_attribute("src", f"{app}/embed?{query}")
        frame = embed_frame(page, app)
        expect(frame.get_by_test_id("service-option").first).to_be_visible()
        first_height = wait_until_sized(page, frame)
        assert first_height != DEFAULT_HEIGHT  # the loader's starting height

        probe = frame.evaluate(STORAGE_PROBE)
        assert probe == {"cookie": "", "local": "SecurityError", "access": False}, probe

        booked = book_through_steps(
            frame, location=None, service="personalausweis", not_before=earliest_changeable_day()
        )
        assert wait_until_sized(page, frame) != first_height

        assert frame.get_by_test_id("manage-link").get_attribute("target") == "_blank"
        assert frame.evaluate("() => document.cookie") == ""
        assert page.context.cookies() == []

    booking = Booking.objects.get(code=booked.code)
    assert booking.source == Booking.Source.EMBED
    assert (booking.service, booking.location) == (demo.ausweis, demo.rathaus)


def test_a_portal_not_listed_gets_no_widget(live_server_e2e, demo, page):
    app = live_server_e2e.url
    with portal(app) as origin:
        allow_embedding(demo, "https://www.musterhausen.de")  # not this portal
        with (
            page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal,
            page.expect_response(lambda r: r.url.startswith(app + "/embed?")) as answer,
        ):
            page.goto(origin + "/")
        policy = answer.value.headers["content-security-policy"]
        assert "frame-ancestors 'self' https://www.musterhausen.de" in policy, policy
        assert "violates the following Content Security Policy" in refusal.value.text

        # The loader inserted the iframe, but Chromium put its error page in instead of the widget
        expect(page.locator("iframe")).to_have_count(1)
        frame = page.locator("iframe").element_handle().content_frame()
        frame.wait_for_url("chrome-error://**")
        expect(frame.locator("#flow")).to_have_count(0)
        expect(frame.get_by_test_id("service-option")).to_have_count(0)


def test_a_portal_names_its_organization_with_data_org(live_server_e2e, demo, page):
    """data-org: the widget starts with the organization's locations; its portals may frame it."""
    app = live_server_e2e.url
    with portal(app, 'data-org="musterhausen" data-lang="ar"') as origin:
        allow_embedding(demo, origin)
        page.goto(origin + "/")
        iframe = page.locator("iframe")
        expect(iframe).to_have_attribute("title", "حجز موعد عبر الإنترنت")
        query = urlencode({"org": "musterhausen", "lang": "ar", "origin": origin})
        expect(iframe).to_have_attribute("src", f"{app}/embed?{query}")
        frame = embed_frame(page, app)
        options = frame.get_by_test_id("location-option")
        expect(options).to_have_count(2)
        slugs = options.evaluate_all("(els) => els.map((e) => e.dataset.locationSlug)")
        assert sorted(slugs) == ["ba-nord", "rathaus"]  # Musterhausen's only, not the practice's
        expect(frame.locator("html")).to_have_attribute("dir", "rtl")


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_every_step_of_the_widget_is_accessible(live_server_e2e, demo, a11y_page, lang):
    """/embed as the iframe loads it, step by step (axe runs in the widget's own document)."""
    page = a11y_page
    page.goto(f"{live_server_e2e.url}/embed?location=rathaus&lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)

    def check(step: str) -> None:
        violations = axe_violations(page)
        assert violations == [], f"embed, {lang}, {step}:\n{describe_violations(violations)}"

    book_through_steps(
        page,
        location=None,
        service="personalausweis",
        not_before=earliest_changeable_day(),
        name="فاطمة الزهراء" if lang == "ar" else "Erika Mustermann",
        on_step=check,
    )
