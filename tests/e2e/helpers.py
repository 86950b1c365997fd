"""Helpers of the end-to-end flows (queue pages, citizen site, embed): an office open around the
clock, GraphQL from Python against the live server, keyboard-only navigation, and the walk
through the booking flow's steps that the site, the embed and the a11y sweep share."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Frame, Page, expect

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.catalog.models import Location, Service
from backend.queue.models import ServicePoint
from tests.conftest import BERLIN
from tests.e2e.conftest import LiveServer
from tests.offices import open_around_the_clock
from tests.proof_of_work import with_proofs

# Playwright's expect() waits 5 s by default. A page's first render loads ~20 modules and
# catalogs, which on a busy 2-CPU machine (two xdist workers, each with a server and a browser)
# can take several seconds: conditions get a generous limit (passing tests wait only as long
# as they need).
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)

PASSWORD = "s3cret-pw!"
CLERK = "clerk"
COUNTER = "Schalter 1"


# --- data -------------------------------------------------------------------------------------


@dataclass
class Office:
    location: Location
    service: Service
    counter: ServicePoint


def make_open_office() -> Office:
    """A location open 00:00-23:59 every day with a counter and a counter_staff clerk (password
    PASSWORD), so the queue works at any hour (the demo Rathaus is closed at night and at
    weekends); its holiday region is one without a public holiday today. In the minute before
    midnight (closed, and the ticket day rolls over) it waits. As in test_smoke.py."""
    now = dt.datetime.now(BERLIN)
    if now.time() >= dt.time(23, 59):
        time.sleep(61 - now.second)
    today = dt.datetime.now(BERLIN).date()
    location = open_around_the_clock("e2e", "E2E-Amt", [today])
    service = Service.objects.create(
        organization=location.organization,
        slug="walk-in",
        name="Walk-in",
        duration_minutes=5,
        queue_prefix="W",
    )
    service.locations.set([location])
    counter = ServicePoint.objects.create(location=location, name=COUNTER)
    create_staff(CLERK, "clerk@example.com", location, [], StaffMember.Role.COUNTER_STAFF, PASSWORD)
    return Office(location, service, counter)


# --- GraphQL from Python ----------------------------------------------------------------------

SLOTS = """query($s: ID!, $l: ID!, $d: Date!) {
  availableSlots(service: $s, location: $l, date: $d) { start remaining } }"""


def graphql(server: LiveServer, query: str, variables: dict | None = None) -> dict:
    """An anonymous GraphQL request to the live server (no cookies, so no CSRF); returns data.
    Holds, bookings and waitlist joins carry a proof of work solved here, as a page does."""

    def post(query: str, variables: dict) -> dict:
        request = urllib.request.Request(
            server.url + "/graphql",
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    body = post(query, with_proofs(post, query, variables or {}))
    assert not body.get("errors"), body
    return body["data"]


def free_slots(server: LiveServer, service, location, date: str) -> dict[dt.datetime, int]:
    """availableSlots of one day: start -> remaining seats (starts compared as instants)."""
    slots = graphql(server, SLOTS, {"s": str(service.pk), "l": str(location.pk), "d": date})
    return {dt.datetime.fromisoformat(s["start"]): s["remaining"] for s in slots["availableSlots"]}


def instant(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def earliest_changeable_day() -> str:
    """The first day whose slots all lie beyond the 24 h change deadline (and the 2 h minimum
    notice), so a booking there can still be moved and cancelled on the manage page."""
    return (dt.datetime.now(BERLIN).date() + dt.timedelta(days=2)).isoformat()


# --- the browser ------------------------------------------------------------------------------


def watch(context: BrowserContext) -> None:
    """Prints the browser's console errors, uncaught errors and failed requests (pytest shows
    them, as captured stdout, when the test fails), and gives waits the same generous limit as
    expect()."""
    context.set_default_timeout(WAIT_MS)
    context.on(
        "console",
        lambda m: m.type in ("error", "warning") and print(f"console.{m.type}: {m.text}"),
    )
    context.on("weberror", lambda e: print(f"page error: {e.error}"))
    context.on("requestfailed", lambda r: print(f"request failed: {r.url} {r.failure}"))
    context.on(
        "response",
        lambda r: r.status >= 400 and print(f"HTTP {r.status}: {r.request.method} {r.url}"),
    )


def watch_test_browser(request) -> None:
    """`watch` on the contexts a test uses through the conftest's fixtures (`context`,
    `page`, `a11y_page`); for a module's autouse fixture."""
    for name in ("context", "a11y_page"):
        if name in request.fixturenames:
            value = request.getfixturevalue(name)
            watch(value if name == "context" else value.context)


def mark_page(page: Page) -> None:
    """Sets a flag in the page's window: if it is still there later, the page never reloaded."""
    page.evaluate("() => { window.__e2eNoReload = true; }")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__e2eNoReload === true"), "the page was reloaded"


def focused_matches(page: Page, selector: str) -> bool:
    return page.evaluate(
        "(s) => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Presses Tab (or Shift+Tab) until the focused element matches `selector`."""
    key = "Shift+Tab" if backwards else "Tab"
    for _press in range(limit):
        if focused_matches(page, selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector!r} was not reached with {limit} x {key}")


def no_horizontal_overflow(page: Page) -> None:
    sizes = page.evaluate(
        """() => ({scroll: document.documentElement.scrollWidth,
                   client: document.documentElement.clientWidth})"""
    )
    assert sizes["scroll"] <= sizes["client"], f"horizontal overflow: {sizes}"


# --- the booking flow (site and embed) ----------------------------------------------------------

Where = Page | Frame
OnStep = Callable[[str], None]


@dataclass
class Booked:
    code: str
    start: str  # ISO, as the page has it (slot-option's data-start)
    manage_url: str


def choose_location(where: Where, slug: str) -> None:
    where.locator(f'[data-testid="location-option"][data-location-slug="{slug}"]').click()


def choose_service(where: Where, slug: str) -> None:
    where.locator(f'[data-testid="service-option"][data-service-slug="{slug}"]').click()


def day_list_dates(where: Where) -> list[str]:
    items = where.get_by_test_id("day-list-item")
    expect(items.first).to_be_visible()
    return [d for d in items.evaluate_all("(els) => els.map((e) => e.dataset.date)") if d]


def choose_day(where: Where, not_before: str, avoid: tuple[str, ...] = ()) -> str:
    """Picks the first of the next free days (the list beside the calendar) on or after
    `not_before`, skipping `avoid`; returns its date."""
    day = next(d for d in day_list_dates(where) if d >= not_before and d not in avoid)
    where.locator(f'[data-testid="day-list-item"][data-date="{day}"]').click()
    return day


def choose_slot(where: Where, index: int = 0, avoid: tuple[str, ...] = ()) -> str:
    slots = where.get_by_test_id("slot-option")
    expect(slots.first).to_be_visible()
    starts = [
        s
        for s in slots.evaluate_all("(els) => els.map((e) => e.dataset.start)")
        if instant(s) not in {instant(a) for a in avoid}
    ]
    start = starts[index]
    where.locator(f'[data-testid="slot-option"][data-start="{start}"]').click()
    return start


def fill_details(where: Where, name: str, email: str) -> None:
    expect(where.get_by_test_id("hold-countdown")).to_be_visible()
    where.get_by_test_id("name").fill(name)
    where.get_by_test_id("email").fill(email)
    where.get_by_test_id("privacy-consent").check()


def confirmation(where: Where) -> tuple[str, str]:
    """The confirmation's booking code and manage link (waits for them)."""
    code = where.get_by_test_id("booking-code")
    expect(code).to_be_visible()
    link = where.get_by_test_id("manage-link")
    expect(link).to_be_visible()
    text = code.inner_text()
    return text, link.get_attribute("href")


def book_through_steps(
    where: Where,
    *,
    location: str | None,
    service: str,
    not_before: str,
    name: str = "Erika Mustermann",
    email: str = "erika@example.com",
    slot_index: int = 0,
    on_step: OnStep | None = None,
) -> Booked:
    """location (unless the page has it fixed) -> service -> day -> time -> form -> confirm.
    `on_step(step)` runs once each step is shown (for axe, overflow checks …)."""
    step = on_step or (lambda _name: None)
    if location:
        expect(where.get_by_test_id("location-option").first).to_be_visible()
        step("location")
        choose_location(where, location)
    expect(where.get_by_test_id("service-option").first).to_be_visible()
    step("service")
    choose_service(where, service)
    expect(where.get_by_test_id("day-list-item").first).to_be_visible()
    step("day")
    choose_day(where, not_before)
    expect(where.get_by_test_id("slot-option").first).to_be_visible()
    step("time")
    start = choose_slot(where, slot_index)
    expect(where.get_by_test_id("name")).to_be_visible()
    step("form")
    fill_details(where, name, email)
    where.get_by_test_id("confirm").click()
    code, manage_url = confirmation(where)
    step("confirmation")
    return Booked(code, start, manage_url)
