"""The citizen site through its pages: booking in German and in Arabic (right to left, at
320 px without horizontal scrolling), the manage link (reschedule, then cancel: both slots
are free again), a booking with the keyboard alone, axe-core on every step in all five
languages with default and high contrast, "more time" for the held slot, "any location —
soonest first", and axe-core on the waitlist page."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from backend.bookings.models import Booking, Claim, Hold, WaitlistEntry
from backend.bookings.services.waitlist import confirmation_token
from backend.catalog.models import Closure
from tests.e2e.conftest import axe_violations, describe_violations
from tests.e2e.helpers import (
    book_through_steps,
    choose_day,
    choose_slot,
    earliest_changeable_day,
    fill_details,
    focused_matches,
    free_slots,
    graphql,
    instant,
    no_horizontal_overflow,
    tab_to,
    watch,
    watch_test_browser,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _browser_log(request):
    watch_test_browser(request)


# The KFZ-Zulassung (Rathaus only) takes one booking per start: a booked start leaves
# availableSlots, a freed one comes back.
SERVICE = "kfz-zulassung"
LOCATION = "rathaus"
CODE = re.compile(r"^[2-9A-HJ-NP-Z]{3}-[2-9A-HJ-NP-Z]{3}$")
LANGUAGES = ["de", "en", "tr", "ar", "uk"]
NAMES = {"de": "Erika Mustermann", "ar": "فاطمة الزهراء"}


def slot_is_free(server, demo, start: str) -> bool:
    slots = free_slots(server, demo.kfz, demo.rathaus, start[:10])
    return slots.get(instant(start), 0) > 0


@pytest.mark.parametrize(
    ("lang", "width"), [("de", 1280), ("ar", 320)], ids=["de-desktop", "ar-320px"]
)
def test_book_reschedule_and_cancel(live_server_e2e, demo, browser, lang, width):
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", viewport={"width": width, "height": 800}
    )
    watch(context)
    page = context.new_page()
    try:
        book_reschedule_and_cancel(live_server_e2e, demo, page, lang)
    finally:
        context.close()


def book_reschedule_and_cancel(server, demo, page: Page, lang: str) -> None:
    direction = "rtl" if lang == "ar" else "ltr"

    def check_layout(step: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("html")).to_have_attribute("dir", direction)
        no_horizontal_overflow(page)

    page.goto(f"{server.url}/?lang={lang}")
    booked = book_through_steps(
        page,
        location=LOCATION,
        service=SERVICE,
        not_before=earliest_changeable_day(),
        name=NAMES[lang],
        on_step=check_layout,
    )
    assert CODE.match(booked.code), booked.code
    assert booked.manage_url.startswith(f"{server.url}/manage/{booked.code}#"), booked.manage_url
    assert not slot_is_free(server, demo, booked.start)

    # the manage link (same tab), in the booking's language
    page.get_by_test_id("manage-link").click()
    page.wait_for_url(booked.manage_url)
    status = page.get_by_test_id("manage-status")
    expect(status).to_have_attribute("data-status", "CONFIRMED")
    expect(page.locator("html")).to_have_attribute("dir", direction)
    start = page.get_by_test_id("manage-start")
    assert instant(start.get_attribute("data-start")) == instant(booked.start)
    expect(page.get_by_test_id("booking-code")).to_contain_text(booked.code)
    no_horizontal_overflow(page)

    page.get_by_test_id("reschedule").click()
    expect(page.get_by_test_id("reschedule-section")).to_have_attribute("data-mode", "day")
    no_horizontal_overflow(page)
    choose_day(page, earliest_changeable_day(), avoid=(booked.start[:10],))
    expect(page.get_by_test_id("reschedule-section")).to_have_attribute("data-mode", "time")
    no_horizontal_overflow(page)
    new_start = choose_slot(page)
    expect(page.get_by_test_id("reschedule-new")).to_be_visible()
    no_horizontal_overflow(page)
    page.get_by_test_id("reschedule-confirm").click()
    expect(page.get_by_test_id("manage-notice")).to_be_visible()
    expect(start).to_have_attribute("data-start", new_start)
    expect(status).to_have_attribute("data-status", "CONFIRMED")
    assert slot_is_free(server, demo, booked.start), "the old slot was not given back"
    assert not slot_is_free(server, demo, new_start)

    page.get_by_test_id("cancel").click()
    expect(page.get_by_test_id("cancel-confirm")).to_be_visible()
    no_horizontal_overflow(page)
    page.get_by_test_id("cancel-confirm").click()
    expect(page.get_by_test_id("cancelled-state")).to_be_visible()
    expect(status).to_have_attribute("data-status", "CANCELLED")
    no_horizontal_overflow(page)
    assert slot_is_free(server, demo, booked.start)
    assert slot_is_free(server, demo, new_start), "the cancelled slot was not given back"


def press_on(page: Page, selector: str, key: str = "Enter") -> None:
    tab_to(page, selector)
    page.keyboard.press(key)


def test_a_booking_with_the_keyboard_alone(live_server_e2e, demo, page):
    page.goto(live_server_e2e.url + "/")
    expect(page.get_by_test_id("location-option").first).to_be_visible()
    press_on(page, f'[data-testid="location-option"][data-location-slug="{LOCATION}"]')
    expect(page.get_by_test_id("service-option").first).to_be_visible()
    press_on(page, f'[data-testid="service-option"][data-service-slug="{SERVICE}"]', " ")

    # the calendar's free days are one tab stop; the arrow keys go from free day to free day
    expect(page.get_by_test_id("day-option").first).to_be_visible()
    tab_to(page, '[data-testid="day-option"]')
    not_before = earliest_changeable_day()
    for _day in range(40):
        day = page.evaluate("() => document.activeElement.dataset.date")
        if day >= not_before:
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "(d) => document.activeElement?.dataset?.date && document.activeElement.dataset.date"
            " !== d",
            arg=day,
        )
    else:
        raise AssertionError(f"no free day from {not_before} reached with the arrow keys")
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("slot-option").first).to_be_visible()
    tab_to(page, '[data-testid="slot-option"]')
    start = page.evaluate("() => document.activeElement.dataset.start")
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("name")).to_be_visible()
    tab_to(page, "#name")
    page.keyboard.type("Max Tastatur")
    tab_to(page, "#email")
    page.keyboard.type("max@example.com")
    tab_to(page, "#privacy")
    page.keyboard.press("Space")
    expect(page.get_by_test_id("privacy-consent")).to_be_checked()
    press_on(page, '[data-testid="confirm"]')

    expect(page.get_by_test_id("booking-code")).to_have_text(CODE)
    facts = page.get_by_test_id("facts-when")
    assert instant(facts.get_attribute("data-start")) == instant(start)
    assert day >= not_before
    assert focused_matches(page, "h2, #step-title"), "the confirmation's heading has the focus"
    assert not slot_is_free(live_server_e2e, demo, start)


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}:\n{describe_violations(violations)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_step_is_accessible(live_server_e2e, demo, a11y_page, lang):
    """Every step of the site and the manage page, default and high contrast, in one context."""
    page = a11y_page
    for contrast in ("default", "high"):
        query = f"?lang={lang}" + ("&contrast=high" if contrast == "high" else "")
        page.goto(f"{live_server_e2e.url}/{query}")
        if contrast == "high":
            expect(page.locator("html")).to_have_attribute("data-contrast", "high")
            expect(page.get_by_test_id("contrast-toggle")).to_have_attribute("aria-pressed", "true")
        else:
            expect(page.locator("html")).not_to_have_attribute("data-contrast", "high")
        expect(page.locator("html")).to_have_attribute("lang", lang)

        def check(step: str, contrast=contrast) -> None:
            assert_accessible(page, f"{lang}, {contrast} contrast, {step}")

        booked = book_through_steps(
            page,
            location=LOCATION,
            service=SERVICE,
            not_before=earliest_changeable_day(),
            name=NAMES.get(lang, "Erika Mustermann"),
            on_step=check,
        )
        path, token = booked.manage_url.split("#")
        page.goto(f"{path}{'?contrast=high' if contrast == 'high' else ''}#{token}")
        expect(page.get_by_test_id("manage-status")).to_have_attribute("data-status", "CONFIRMED")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        check("manage page")
        page.get_by_test_id("reschedule").click()
        expect(page.get_by_test_id("day-list-item").first).to_be_visible()
        check("manage page, reschedule")


# --- more time for the held slot (WCAG 2.2.1) ----------------------------------------------------


def test_more_time_in_the_countdown_warning_extends_the_hold(live_server_e2e, demo, page):
    """The page's clock is Playwright's: 8½ minutes pass in the browser in an instant (the
    server's hold is moved to its last seconds by hand). The warning shows "More time"; the
    new countdown is the server's (expiresInSeconds), not the device's clock."""
    page.clock.install()
    page.goto(f"{live_server_e2e.url}/?lang=de")
    choose_location_and_service = (
        f'[data-testid="location-option"][data-location-slug="{LOCATION}"]',
        f'[data-testid="service-option"][data-service-slug="{SERVICE}"]',
    )
    for selector in choose_location_and_service:
        page.locator(selector).click()
    choose_day(page, earliest_changeable_day())
    choose_slot(page)
    countdown = page.get_by_test_id("hold-countdown")
    expect(countdown).to_have_attribute("data-seconds", re.compile(r"^(59\d|600)$"))
    warning = page.get_by_test_id("hold-warning")
    expect(warning).to_be_hidden()
    held = Hold.objects.get()
    first_expiry = held.expires_at

    # SMS is off on this server: the form offers e-mail or nothing; the privacy notice links.
    options = page.get_by_test_id("channel").locator("option")
    assert options.evaluate_all("(os) => os.map((o) => o.value)") == ["EMAIL", "NONE"]
    policy = page.locator("form .privacy").get_by_test_id("privacy-policy-link")
    expect(policy).to_have_attribute("href", "https://www.musterhausen.de/datenschutz")
    expect(policy).to_have_attribute("target", "_blank")
    expect(policy).to_contain_text("(öffnet in neuem Fenster)")

    # The server's hold is brought to its last 90 seconds too: extendHold works only there.
    last_seconds = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
    Hold.objects.filter(pk=held.pk).update(expires_at=last_seconds)
    Claim.objects.filter(hold=held).update(expires_at=last_seconds)
    page.clock.fast_forward("08:30")
    expect(warning).to_be_visible()
    expect(countdown).to_have_attribute("data-seconds", re.compile(r"^[89]\d$"))
    page.get_by_test_id("hold-extend").click()

    expect(warning).to_be_hidden()
    expect(countdown).to_have_attribute("data-seconds", re.compile(r"^(59\d|600)$"))
    expect(page.get_by_test_id("hold-extend-status")).to_have_text(
        re.compile(r"^Ihre Reservierung ist verlängert: noch 10 Minuten\.$")
    )
    assert focused_matches(page, '[data-testid="hold-countdown"]')
    held.refresh_from_db()
    assert held.expires_at > first_expiry

    # The booking still goes through on the extended hold, and says how it is confirmed.
    page.get_by_test_id("name").fill("Erika Mustermann")
    page.get_by_test_id("email").fill("erika@example.com")
    page.get_by_test_id("channel").select_option("NONE")
    page.get_by_test_id("privacy-consent").check()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("sent-to")).to_have_text(
        "Wir haben Ihnen eine Bestätigung an \u2066erika@example.com\u2069 geschickt. "
        "Erinnerungen bekommen Sie wie gewünscht keine."
    )


# --- any location, soonest first ----------------------------------------------------------------


def test_any_location_lists_the_soonest_first_and_books_there(live_server_e2e, demo, page):
    """The Rathaus is closed for three weeks: the Bezirksamt Nord comes first, and the booking
    made from its entry is at the Bezirksamt Nord."""
    today = dt.date.today()
    Closure.objects.create(
        location=demo.rathaus,
        first_day=today,
        last_day=today + dt.timedelta(days=21),
        reason="Umbau",
    )
    page.goto(f"{live_server_e2e.url}/?lang=de")
    page.locator('[data-testid="any-location"][data-org-slug="musterhausen"]').click()
    page.locator('[data-testid="service-option"][data-service-slug="personalausweis"]').click()

    options = page.get_by_test_id("soonest-option")
    expect(options).to_have_count(2)
    listed = options.evaluate_all(
        "(els) => els.map((e) => ({location: e.dataset.locationId, start: e.dataset.start}))"
    )
    assert [o["location"] for o in listed] == [str(demo.nord.pk), str(demo.rathaus.pk)]
    assert instant(listed[0]["start"]) < instant(listed[1]["start"])
    assert instant(listed[1]["start"]).date() > today + dt.timedelta(days=21)

    options.first.click()
    start = choose_slot(page)
    assert instant(start).date() == instant(listed[0]["start"]).date()
    fill_details(page, "Erika Mustermann", "erika@example.com")
    page.get_by_test_id("confirm").click()
    code = page.get_by_test_id("booking-code")
    expect(code).to_have_text(CODE)
    booking = Booking.objects.get(code=code.inner_text())
    assert (booking.location, booking.service) == (demo.nord, demo.ausweis)
    assert booking.starts_at == instant(start)


# --- the waitlist page --------------------------------------------------------------------------

I18N = Path(__file__).resolve().parents[2] / "frontend_static" / "i18n"
JOIN = """mutation($input: JoinWaitlistInput!) {
  joinWaitlist(input: $input) { entry { id } token errors { code } } }"""


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_the_waitlist_page_is_accessible(live_server_e2e, demo, a11y_page, lang):
    first = dt.date.today() + dt.timedelta(days=1)
    joined = graphql(
        live_server_e2e,
        JOIN,
        {
            "input": {
                "service": str(demo.kfz.pk),
                "location": str(demo.rathaus.pk),
                "firstDay": first.isoformat(),
                "lastDay": (first + dt.timedelta(days=13)).isoformat(),
                "name": NAMES[lang],
                "email": "wartend@example.com",
                "language": lang.upper(),
            }
        },
    )["joinWaitlist"]
    assert joined["errors"] == []
    page = a11y_page
    status = page.get_by_test_id("waitlist-status")
    entry_url = f"{live_server_e2e.url}/waitlist/{joined['entry']['id']}?lang={lang}"
    # Before the e-mail address is confirmed (double opt-in) the entry is pending...
    page.goto(f"{entry_url}#{joined['token']}")
    expect(status).to_have_attribute("data-status", "pending")
    expect(page.get_by_test_id("waitlist-pending")).to_be_visible()
    assert_accessible(page, f"waitlist page, pending, {lang}")
    # ...and the link from the confirmation e-mail confirms it, then leaves only the entry's
    # own secret in the address bar.
    confirmation = confirmation_token(WaitlistEntry.objects.get(pk=joined["entry"]["id"]))
    page.goto(f"{entry_url}#{joined['token']}.{confirmation}")
    expect(status).to_have_attribute("data-status", "waiting")
    confirmed = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
    expect(page.get_by_test_id("waitlist-notice")).to_have_text(
        confirmed["waitlist"]["page"]["confirmed"]
    )
    assert page.evaluate("window.location.hash") == f"#{joined['token']}"
    for contrast in ("default", "high"):
        query = f"?lang={lang}" + ("&contrast=high" if contrast == "high" else "")
        page.goto(
            f"{live_server_e2e.url}/waitlist/{joined['entry']['id']}{query}#{joined['token']}"
        )
        expect(page.get_by_test_id("waitlist-status")).to_have_attribute("data-status", "waiting")
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        assert_accessible(page, f"waitlist page, {lang}, {contrast} contrast")
        page.get_by_test_id("waitlist-leave").click()
        expect(page.get_by_test_id("waitlist-leave-confirm")).to_be_visible()
        assert_accessible(page, f"waitlist page, leave dialog, {lang}, {contrast} contrast")


# --- the manage page's language is the booking's -----------------------------------------------

BOOK_DIRECT = """mutation($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { booking { code } manageUrl errors { code } } }"""


def test_switching_language_on_the_manage_page_moves_the_messages(live_server_e2e, demo, page):
    day = earliest_changeable_day()
    start = min(free_slots(live_server_e2e, demo.kfz, demo.rathaus, day))
    made = graphql(
        live_server_e2e,
        BOOK_DIRECT,
        {
            "input": {
                "service": str(demo.kfz.pk),
                "location": str(demo.rathaus.pk),
                "start": start.isoformat(),
                "name": "Erika Mustermann",
                "email": "erika@example.com",
                "language": "DE",
            }
        },
    )["bookAppointment"]
    page.goto(made["manageUrl"])
    expect(page.get_by_test_id("manage-status")).to_have_attribute("data-status", "CONFIRMED")
    expect(page.locator("html")).to_have_attribute("lang", "de")

    page.get_by_test_id("lang-uk").click()

    expect(page.get_by_test_id("manage-notice")).to_have_text(
        "Відтепер повідомлення щодо цього запису надходитимуть цією мовою."
    )
    assert Booking.objects.get(code=made["booking"]["code"]).language == "uk"


# --- proof of work -------------------------------------------------------------------------------


def test_a_citizen_waiting_for_the_proof_of_work_is_told_so(live_server_e2e, demo, a11y_page):
    """The page solves its proof of work in the background; only when the citizen has to wait
    for it (here: the challenge is held back until the slot is clicked) a status line says so.
    It passes axe, and the booking goes on once the proof is solved."""
    page = a11y_page
    held: list = []
    holding = [True]

    def hold_back_challenges(route):
        if holding[0] and "proofOfWorkChallenge" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route("**/graphql", hold_back_challenges)
    page.goto(f"{live_server_e2e.url}/?lang=de")
    expect(page.get_by_test_id("location-option").first).to_be_visible()
    choose_location_and_service = [
        f'[data-testid="location-option"][data-location-slug="{LOCATION}"]',
        f'[data-testid="service-option"][data-service-slug="{SERVICE}"]',
    ]
    for selector in choose_location_and_service:
        page.locator(selector).click()
    choose_day(page, earliest_changeable_day())
    status = page.get_by_test_id("proof-status")
    expect(status).to_have_text("")
    choose_slot(page)

    expect(status).to_have_text("Einen Moment: Es wird geprüft, dass Sie kein Bot sind …")
    assert status.get_attribute("role") == "status"
    assert_accessible(page, "waiting for the proof of work")
    holding[0] = False
    for route in held:
        route.continue_()

    expect(page.get_by_test_id("name")).to_be_visible()
    expect(status).to_have_text("")
    assert Hold.objects.count() == 1
