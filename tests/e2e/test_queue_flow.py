"""The live queue through its pages: a kiosk paired with a code draws a ticket, the clerk calls
it from the console, the call display and the ticket holder's page show the call live; the
display notices a server that goes away and comes back by itself; axe-core on every screen."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from backend.accounts.devices import new_pairing_code
from backend.accounts.models import Device, StaffMember
from backend.accounts.staff import create_staff
from backend.accounts.tokens import hash_secret, new_secret
from backend.catalog.models import Service
from backend.core.actors import Actor
from backend.queue.models import QueueTicket, ServicePoint
from backend.queue.services.tickets import do_draw_ticket
from backend.queue.state import local_today
from tests.e2e import conftest as e2e
from tests.e2e.conftest import axe_violations, describe_violations
from tests.e2e.helpers import (
    CLERK,
    COUNTER,
    PASSWORD,
    Office,
    assert_not_reloaded,
    make_open_office,
    mark_page,
    watch,
    watch_test_browser,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _browser_log(request):
    watch_test_browser(request)


OFFLINE_WITHIN_S = 10.0
# live.js reconnects with full jitter, random(0, min(30 s, 1 s * 2^n)): after a few failed
# attempts the next one may be up to 30 s away.
RECOVERY_TIMEOUT_MS = 45_000


@pytest.fixture
def office(live_server_e2e) -> Office:
    return make_open_office()


def pairing_code(office: Office) -> str:
    device = Device.objects.create(location=office.location, kind=Device.Kind.KIOSK, name="K1")
    return new_pairing_code(device)


def pair_kiosk(page: Page, url: str, code: str, query: str = "") -> None:
    page.goto(url + "/kiosk" + (f"?{query}" if query else ""))
    code_input = page.get_by_test_id("pairing-code")
    expect(code_input).to_be_visible()
    code_input.press_sequentially(code)
    page.get_by_test_id("pairing-submit").click()
    expect(page.get_by_test_id("draw-start")).to_be_visible()


def draw_ticket(page: Page, office: Office) -> tuple[str, str]:
    """On the kiosk's home screen: draw a ticket; returns its number and status URL."""
    page.get_by_test_id("draw-start").click()
    page.locator(f'[data-testid="service-option"][data-service-id="{office.service.pk}"]').click()
    number = page.get_by_test_id("issued-number")
    expect(number).to_have_text(re.compile(r"^W\d+$"))
    status_url = page.get_by_test_id("issued-qr").get_attribute("data-status-url")
    assert status_url and "/t/" in status_url and "#" in status_url, status_url
    return number.inner_text().strip(), on_test_server(page, status_url)


def on_test_server(page: Page, status_url: str) -> str:
    """The printed link points at PUBLIC_BASE_URL: open its path and token on the server the
    page came from."""
    link = urlsplit(status_url)
    here = urlsplit(page.url)
    return urlunsplit((here.scheme, here.netloc, link.path, "", link.fragment))


def console_log_in(page: Page, url: str) -> None:
    page.goto(url + "/staff/")
    page.get_by_test_id("login-username").fill(CLERK)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("location-select")).to_be_visible()


def console_sign_in(page: Page, office: Office) -> None:
    page.get_by_test_id("location-select").select_option(str(office.location.pk))
    counter = page.get_by_test_id("counter-select")
    expect(counter.locator(f'option[value="{office.counter.pk}"]')).to_be_attached()
    counter.select_option(str(office.counter.pk))
    page.get_by_test_id("counter-sign-in").click()
    expect(page.get_by_test_id("call-next")).to_be_visible()


def open_display(page: Page, url: str, office: Office, query: str = "") -> None:
    page.goto(f"{url}/display/queue?location={office.location.pk}" + (f"&{query}" if query else ""))
    # the first state is there (the board leaves aria-busy) and the socket is up
    expect(page.locator("#main")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("html")).to_have_attribute("data-connection", "online")


def test_a_drawn_ticket_is_called_and_shown_live(live_server_e2e, office, context, browser):
    url = live_server_e2e.url
    display = context.new_page()
    open_display(display, url, office)
    expect(display.get_by_test_id("board-called-item")).to_have_count(0)
    mark_page(display)

    kiosk = context.new_page()
    pair_kiosk(kiosk, url, pairing_code(office))
    number, status_url = draw_ticket(kiosk, office)

    ticket = context.new_page()
    ticket.goto(status_url)
    expect(ticket.get_by_test_id("ticket-number")).to_have_text(number)
    expect(ticket.get_by_test_id("ticket-status")).to_have_text("Wartend")
    expect(ticket.locator("html")).to_have_attribute("data-connection", "online")
    mark_page(ticket)

    # the clerk works in a browser of their own (their session cookie stays there)
    staff_context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    watch(staff_context)
    try:
        console = staff_context.new_page()
        console_log_in(console, url)
        console_sign_in(console, office)
        expect(console.get_by_test_id("waiting-item")).to_contain_text(number)
        console.get_by_test_id("call-next").click()
        current = console.get_by_test_id("current-ticket")
        expect(current).to_have_attribute("data-status", "CALLED")
        expect(current).to_contain_text(number)
    finally:
        staff_context.close()

    called = display.locator(f'[data-testid="board-called-item"][data-number="{number}"]')
    expect(called).to_be_visible()
    expect(called).to_contain_text(COUNTER)
    expect(display.get_by_test_id("board-called-item")).to_have_count(1)
    assert_not_reloaded(display)

    expect(ticket.get_by_test_id("ticket-status")).to_have_text("Aufgerufen")
    expect(ticket.get_by_test_id("ticket-counter")).to_have_text(COUNTER)
    assert_not_reloaded(ticket)


def test_the_display_shows_offline_and_recovers_by_itself(
    live_server_e2e, office, page, tmp_path, monkeypatch
):
    """A daphne of its own (same environment as the suite's server) on a fixed port: stopped,
    the display says so within 10 s; started again on the same port, it reconnects alone and
    shows what happened meanwhile (a ticket drawn while it was down), all without a reload."""
    from django.db import connection

    env = e2e._server_env(e2e._database_url(connection.settings_dict))
    log = tmp_path / "daphne-offline.log"
    server = e2e._spawn(env, log)
    assert e2e._wait_ready(server), server.log_tail()
    try:
        open_display(page, server.url, office)
        banner = page.get_by_test_id("connection-status")
        expect(banner).to_be_hidden()
        waiting = page.get_by_test_id("board-waiting")
        expect(waiting).to_contain_text("0 Personen warten")
        mark_page(page)

        stopped_at = time.monotonic()
        e2e._stop(server)
        left_ms = (OFFLINE_WITHIN_S - (time.monotonic() - stopped_at)) * 1000
        expect(banner).to_be_visible(timeout=max(left_ms, 1))
        expect(banner).to_have_text(
            # "Verbindung unterbrochen – Stand HH:MM" (the board had a state)
            re.compile(r"^Verbindung unterbrochen – Stand \d{2}:\d{2}$"),
            timeout=max((OFFLINE_WITHIN_S - (time.monotonic() - stopped_at)) * 1000, 1),
        )
        assert time.monotonic() - stopped_at <= OFFLINE_WITHIN_S
        expect(page.locator("html")).to_have_attribute("data-connection", "offline")

        # meanwhile a kiosk draws a ticket (the board cannot hear of it)
        kiosk = Device.objects.create(location=office.location, kind=Device.Kind.KIOSK, name="K")
        actor = Actor(None, "device", office.location.organization_id, kiosk)
        do_draw_ticket(str(office.service.pk), str(office.location.pk), actor)

        monkeypatch.setattr(e2e, "_free_port", lambda: server.port)  # the same port again
        server = e2e._spawn(env, log)
        assert e2e._wait_ready(server), f"port {server.port} not free again:\n{server.log_tail()}"
        expect(banner).to_be_hidden(timeout=RECOVERY_TIMEOUT_MS)
        expect(page.locator("html")).to_have_attribute("data-connection", "online")
        expect(waiting).to_contain_text("1 Person wartet")  # refetched after the reconnect
        assert_not_reloaded(page)
    finally:
        e2e._stop(server)


def assert_accessible(page: Page, where: str, look: str | None = None) -> None:
    for name, value in LOOK_ATTRIBUTES.get(look, {}).items():
        expect(page.locator("html")).to_have_attribute(name, value)
    violations = axe_violations(page)
    assert violations == [], f"{where}:\n{describe_violations(violations)}"


def test_queue_screens_have_no_serious_accessibility_violations(live_server_e2e, office, a11y_page):
    url, page = live_server_e2e.url, a11y_page
    page.goto(url + "/kiosk")
    expect(page.get_by_test_id("pairing-code")).to_be_visible()
    assert_accessible(page, "kiosk: pairing")
    page.get_by_test_id("pairing-code").fill(pairing_code(office))
    page.get_by_test_id("pairing-submit").click()
    expect(page.get_by_test_id("draw-start")).to_be_visible()
    assert_accessible(page, "kiosk: home")
    _number, status_url = draw_ticket(page, office)
    assert_accessible(page, "kiosk: issued ticket")

    page.goto(status_url)
    expect(page.get_by_test_id("ticket-status")).to_have_text("Wartend")
    assert_accessible(page, "ticket page")

    open_display(page, url, office)
    assert_accessible(page, "call display")

    page.goto(url + "/staff/")
    expect(page.get_by_test_id("login-username")).to_be_visible()
    assert_accessible(page, "console: login")
    page.get_by_test_id("login-username").fill(CLERK)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("location-select")).to_be_visible()
    assert_accessible(page, "console: location and counter")
    console_sign_in(page, office)
    expect(page.get_by_test_id("waiting-item")).to_have_count(1)
    assert_accessible(page, "console: working")
    page.get_by_test_id("call-next").click()
    expect(page.get_by_test_id("current-ticket")).to_have_attribute("data-status", "CALLED")
    assert_accessible(page, "console: ticket called")

    open_display(page, url, office)
    expect(page.get_by_test_id("board-called-item")).to_have_count(1)
    assert_accessible(page, "call display with a call")


# The other looks the pages offer (URL parameters theme, font_size, lang): every screen once per
# look.
LOOKS = {
    "dark": "theme=dark",
    "kommune": "theme=kommune",
    "arabic-rtl-xlarge": "lang=ar&font_size=xlarge",
}
# what each look sets on <html>
LOOK_ATTRIBUTES = {
    "dark": {"data-theme": "dark"},
    "kommune": {"data-theme": "kommune"},
    "arabic-rtl-xlarge": {"lang": "ar", "dir": "rtl", "data-font-size": "xlarge"},
}


def with_query(link: str, query: str) -> str:
    """The ticket link with the look's parameters (before the #token)."""
    parts = urlsplit(link)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@pytest.mark.parametrize("look", LOOKS)
def test_queue_screens_in_every_look_have_no_serious_accessibility_violations(
    live_server_e2e, office, a11y_page, look
):
    url, page, query = live_server_e2e.url, a11y_page, LOOKS[look]
    open_display(page, url, office, query)
    assert_accessible(page, f"{look}: call display", look)

    pair_kiosk(page, url, pairing_code(office), query)
    assert_accessible(page, f"{look}: kiosk home", look)
    page.get_by_test_id("checkin-start").click()
    page.get_by_test_id("checkin-code").fill("ZZZ-ZZZ")
    page.get_by_test_id("checkin-submit").click()
    expect(page.locator("#checkin-error")).to_be_visible()
    assert_accessible(page, f"{look}: kiosk, check-in refused", look)
    page.locator('#screen-checkin [data-action="home"]').click()
    _number, status_url = draw_ticket(page, office)
    assert_accessible(page, f"{look}: kiosk, issued ticket", look)

    page.goto(with_query(status_url, query))
    expect(page.locator("#ticket-card")).to_have_attribute("data-status", "WAITING")
    assert_accessible(page, f"{look}: ticket page", look)

    page.goto(f"{url}/staff/?{query}")
    page.get_by_test_id("login-username").fill(CLERK)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    console_sign_in(page, office)
    page.get_by_test_id("call-next").click()
    expect(page.get_by_test_id("current-ticket")).to_have_attribute("data-status", "CALLED")
    assert_accessible(page, f"{look}: console, ticket called", look)

    open_display(page, url, office, query)
    expect(page.get_by_test_id("board-called-item")).to_have_count(1)
    assert_accessible(page, f"{look}: call display with a call", look)


def test_the_display_explains_its_set_up_and_asks_for_sound_in_its_language(
    live_server_e2e, a11y_page
):
    """Without a location the board shows how to set it up, with Chromium's autoplay flag for
    a TV nobody touches; while the browser blocks sound, the button asking for it speaks the
    board's language."""
    page = a11y_page
    page.goto(f"{live_server_e2e.url}/display/queue?lang=tr")
    help_box = page.get_by_test_id("display-help")
    expect(help_box).to_be_visible()
    expect(help_box.locator("h2")).to_have_text("Çağrı ekranını kurma")
    expect(page.get_by_test_id("help-command")).to_have_text(
        re.compile(r"^chromium --kiosk --autoplay-policy=no-user-gesture-required \"http")
    )
    sound = page.get_by_test_id("enable-audio")
    expect(sound).to_be_visible()  # headless Chromium runs without the autoplay flag
    expect(sound).to_have_accessible_name("Sesi aç")
    expect(sound).to_have_accessible_description(
        "Tarayıcı, sesi ancak bir girişten sonra çalar. Herhangi bir tuş da sesi açar."
    )
    assert_accessible(page, "call display: set-up help")
    sound.click()
    expect(sound).to_be_hidden()


def test_a_display_pairs_with_the_code_a_kiosk_refused(live_server_e2e, office, context):
    """A display's code typed on a kiosk is refused like any wrong code; the TV opens
    /display/queue#pair=<code> once (the fragment never reaches the server's logs) and from
    then on knows its location by its token. A code in the query string is refused."""
    url = live_server_e2e.url
    tv = Device.objects.create(location=office.location, kind=Device.Kind.DISPLAY, name="TV")
    code = new_pairing_code(tv)

    kiosk = context.new_page()
    kiosk.goto(url + "/kiosk")
    kiosk.get_by_test_id("pairing-code").fill(code)
    kiosk.get_by_test_id("pairing-submit").click()
    expect(kiosk.locator("#pairing-error")).to_have_text(
        "Dieser Kopplungscode ist ungültig oder abgelaufen."
    )

    display = context.new_page()
    display.goto(f"{url}/display/queue?pair={code}")
    expect(display.get_by_text("Dieser Kopplungslink ist veraltet", exact=False)).to_be_visible()
    expect(display).to_have_url(f"{url}/display/queue")
    tv.refresh_from_db()
    assert tv.paired_at is None
    display.close()

    display = context.new_page()  # as a TV opens its start address (no in-page hash change)
    display.goto(f"{url}/display/queue#pair={code}")
    expect(display.locator("#location-name")).to_have_text(office.location.name)
    expect(display.locator("html")).to_have_attribute("data-connection", "online")
    expect(display).to_have_url(f"{url}/display/queue")  # the used code left the address
    display.reload()
    expect(display.locator("#location-name")).to_have_text(office.location.name)
    tv.refresh_from_db()
    assert tv.paired_at is not None and tv.pairing_code_hash == ""


def test_the_transfer_dialog_offers_only_counters_that_handle_the_service(
    live_server_e2e, office, page
):
    other = Service.objects.create(
        organization=office.location.organization,
        slug="other",
        name="Gewerbe",
        duration_minutes=5,
        queue_prefix="G",
    )
    other.locations.set([office.location])
    trade_desk = ServicePoint.objects.create(location=office.location, name="Gewerbeschalter")
    trade_desk.services.set([other])
    kiosk = Device.objects.create(location=office.location, kind=Device.Kind.KIOSK, name="K")
    actor = Actor(None, "device", office.location.organization_id, kiosk)
    do_draw_ticket(str(office.service.pk), str(office.location.pk), actor)

    console_log_in(page, live_server_e2e.url)
    console_sign_in(page, office)
    expect(page.get_by_test_id("waiting-item")).to_have_count(1)  # the console has its queue
    page.get_by_test_id("call-next").click()
    expect(page.get_by_test_id("current-ticket")).to_have_attribute("data-status", "CALLED")
    page.get_by_test_id("transfer").click()
    counters = page.get_by_test_id("transfer-counter").locator("option")
    # the walk-in service: the trade desk could never call it
    expect(counters).to_have_text(["– jeder passende Schalter –", COUNTER])
    page.get_by_test_id("transfer-service").select_option(str(other.pk))
    expect(counters).to_have_text(["– jeder passende Schalter –", "Gewerbeschalter", COUNTER])


def test_a_practice_words_the_chain_registered_waiting_in_treatment(live_server_e2e, demo, context):
    """The demo practice "Praxis Dr. Sommer": its kiosk registers patients, and the patient's
    page and the console say Angemeldet, Wartet auf Behandlung, In Behandlung instead of the
    office's words."""
    url, praxis = live_server_e2e.url, demo.practice_site
    assert praxis.name == "Praxis Dr. Sommer"
    room = ServicePoint.objects.create(
        location=praxis, name="Sprechzimmer 1", kind=ServicePoint.Kind.ROOM
    )
    create_staff("mfa", "mfa@example.com", praxis, [], StaffMember.Role.COUNTER_STAFF, PASSWORD)
    # A registered patient (made directly: the demo practice's hours may be over when this runs)
    token = new_secret()
    ticket = QueueTicket.objects.create(
        location=praxis,
        service=demo.consult,
        day=local_today(praxis),
        prefix="S",
        number=1,
        queued_at=timezone.now(),
        status_token_hash=hash_secret(token),
    )

    kiosk = context.new_page()
    device = Device.objects.create(location=praxis, kind=Device.Kind.KIOSK, name="Anmeldung")
    pair_kiosk(kiosk, url, new_pairing_code(device))
    expect(kiosk.get_by_test_id("draw-start")).to_contain_text("Ohne Termin anmelden")

    patient = context.new_page()
    patient.goto(f"{url}/t/{ticket.pk}#{token}")
    expect(patient.get_by_test_id("ticket-status")).to_have_text("Angemeldet")
    expect(patient.locator("#ticket-explain")).to_contain_text("im Wartezimmer Platz")

    staff_context = patient.context.browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    watch(staff_context)
    try:
        console = staff_context.new_page()
        console.goto(url + "/staff/")
        console.get_by_test_id("login-username").fill("mfa")
        console.get_by_test_id("login-password").fill(PASSWORD)
        console.get_by_test_id("login-submit").click()
        console.get_by_test_id("counter-select").select_option(str(room.pk))
        console.get_by_test_id("counter-sign-in").click()
        console.get_by_test_id("call-next").click()
        current = console.get_by_test_id("current-ticket")
        expect(current.locator(".current-status")).to_have_text("Wartet auf Behandlung")
        expect(patient.get_by_test_id("ticket-status")).to_have_text("Wartet auf Behandlung")
        expect(patient.get_by_test_id("ticket-counter")).to_have_text("Sprechzimmer 1")
        console.get_by_test_id("start").click()
        expect(current.locator(".current-status")).to_have_text("In Behandlung")
        expect(patient.get_by_test_id("ticket-status")).to_have_text("In Behandlung")
    finally:
        staff_context.close()


def test_a_late_counter_list_does_not_undo_the_counter_the_clerk_chose(
    live_server_e2e, office, page
):
    """The console loads the counter list at start-up and again when the clerk picks the
    location. When the start-up answer came last it refilled the list and reset the choice to
    the first free counter, so the clerk signed in at a counter they had not chosen (seen in
    CI as "call next" answering QUEUE_EMPTY at a counter without the ticket's service)."""
    ServicePoint.objects.create(location=office.location, name="Anmeldung")  # sorts first
    held = []

    def hold_the_first_counter_list(route):
        if not held and "counterQueue" in (route.request.post_data or ""):
            held.append(route)  # answered below, after the clerk's own choice
        else:
            route.continue_()

    page.route("**/graphql", hold_the_first_counter_list)
    console_log_in(page, live_server_e2e.url)
    page.get_by_test_id("location-select").select_option(str(office.location.pk))
    counter = page.get_by_test_id("counter-select")
    expect(counter.locator(f'option[value="{office.counter.pk}"]')).to_be_attached()
    counter.select_option(str(office.counter.pk))
    with page.expect_event("requestfinished", lambda r: r is held[0].request):
        held[0].continue_()
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # let the page take it
    expect(counter).to_have_value(str(office.counter.pk))
    page.get_by_test_id("counter-sign-in").click()
    expect(page.get_by_test_id("call-next")).to_be_visible()
    office.counter.refresh_from_db()
    assert office.counter.current_user is not None
