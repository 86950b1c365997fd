"""The citizen site through its pages: booking in German and in Arabic (right to left, at
320 px without horizontal scrolling), the manage link (reschedule, then cancel: both slots
are free again), a booking with the keyboard alone, and axe-core on every step in all five
languages with default and high contrast."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import axe_violations, describe_violations
from tests.e2e.helpers import (
    book_through_steps,
    choose_day,
    choose_slot,
    earliest_changeable_day,
    focused_matches,
    free_slots,
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
