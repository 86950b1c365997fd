"""Smoke tests of the e2e infrastructure against pages that exist today: the live daphne
server, Chromium, axe-core under our CSP (admin login and the queue pages), a WebSocket from
the browser and from Python, a staff session, and a call reaching a subscribed board."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pytest
from playwright.sync_api import Error as PlaywrightError

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.catalog.models import Location, Service
from backend.queue.models import ServicePoint
from backend.web.pages import CSP
from tests.conftest import BERLIN
from tests.e2e.conftest import AXE, axe_violations, describe_violations
from tests.offices import open_around_the_clock

pytestmark = pytest.mark.e2e

# Runs in the page: graphql-transport-ws from the browser, the way the display pages will.
WS_HANDSHAKE = """
async ({url, location}) => {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const messages = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout: ' + JSON.stringify(messages))),
                             10000);
    ws.onerror = () => { clearTimeout(timer); reject(new Error('WebSocket error')); };
    ws.onclose = (e) => { clearTimeout(timer); reject(new Error('closed ' + e.code)); };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      messages.push(message);
      if (message.type === 'connection_ack' && location) {
        ws.send(JSON.stringify({
          id: '1', type: 'subscribe',
          payload: {
            query: 'subscription($l: ID!) { queueDisplay(location: $l) { location called '
                   + '{ number } waiting { count } } }',
            variables: {l: location},
          },
        }));
      }
      if ((message.type === 'connection_ack' && !location) || message.type === 'next'
          || message.type === 'error') {
        clearTimeout(timer);
        ws.onclose = null;
        resolve({protocol: ws.protocol, messages});
        ws.close();
      }
    };
  });
  ws.onopen = () => ws.send(JSON.stringify({type: 'connection_init'}));
  return done;
}
"""

# Runs in the page: a GraphQL request as the staff console sends it, with Django's CSRF
# cookie as X-CSRFToken (the session cookie goes along by itself).
GRAPHQL = """
async ({query, variables}) => {
  const token = document.cookie.split('; ').find((c) => c.startsWith('csrftoken='));
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': token.split('=')[1]},
    body: JSON.stringify({query, variables}),
  });
  const text = await response.text();
  try {
    return {status: response.status, body: JSON.parse(text)};
  } catch (error) {
    return {status: response.status, body: {notJson: text.slice(0, 2000)}};
  }
}
"""
LOG_IN = """mutation($i: LogInInput!) {
  logIn(input: $i) { me { username workplaces { canWorkQueue location { slug } } }
                     errors { code } } }"""
SIGN_IN = """mutation($i: ServicePointInput!) {
  signInToServicePoint(input: $i) { servicePoint { signedIn } errors { code } } }"""
DRAW = """mutation($i: DrawTicketInput!) {
  drawTicket(input: $i) { ticket { number } errors { code } } }"""
CALL = """mutation($i: ServicePointInput!) {
  callNextTicket(input: $i) { ticket { number servicePoint } errors { code } } }"""
QUEUE_DISPLAY = """subscription($l: ID!) {
  queueDisplay(location: $l) { called { number servicePoint } } }"""
PASSWORD = "s3cret-pw!"
AXE_VERSION = (AXE.parent / "VERSION").read_text().split()[1]  # written by fetch-axe.sh


def graphql(page, query: str, variables: dict) -> dict:
    """Runs a GraphQL request from the page (same origin, its cookies); returns data."""
    result = page.evaluate(GRAPHQL, {"query": query, "variables": variables})
    assert result["status"] == 200, result
    assert result["body"].get("data") and not result["body"].get("errors"), result
    return result["body"]["data"]


@dataclass
class Office:
    location: Location
    service: Service
    counter: ServicePoint


@pytest.fixture
def open_office(live_server_e2e) -> Office:
    """A location open 00:00-23:59 every day with a counter and a clerk, so the queue works
    at any hour (the demo Rathaus is closed at night and at weekends); its holiday region is
    one without a public holiday today. In the minute before midnight (closed) it waits."""
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
    counter = ServicePoint.objects.create(location=location, name="Schalter 1")
    create_staff(
        "clerk", "clerk@example.com", location, [], StaffMember.Role.COUNTER_STAFF, PASSWORD
    )
    return Office(location, service, counter)


def test_server_is_healthy_on_the_test_database(live_server_e2e):
    status, body = live_server_e2e.get("/api/health")
    assert status == 200, body


def test_admin_login_renders_in_chromium(live_server_e2e, page):
    response = page.goto(live_server_e2e.url + "/admin/login/")
    assert response.status == 200
    assert page.locator("input[name=username]").is_visible()
    assert page.locator("input[name=password]").is_visible()
    assert page.locator("html").get_attribute("lang") == "de"


def test_admin_login_has_no_serious_accessibility_violations(live_server_e2e, a11y_page):
    a11y_page.goto(live_server_e2e.url + "/admin/login/")
    violations = axe_violations(a11y_page)
    assert violations == [], describe_violations(violations)


def test_axe_reports_what_it_finds(page):
    """No false all-clear: a missing alt text is critical, a missing h1 only moderate."""
    page.set_content('<html lang="de"><title>t</title><main><img src="x.png"></main></html>')
    assert [v["id"] for v in axe_violations(page)] == ["image-alt"]
    assert "page-has-heading-one" in [
        v["id"] for v in axe_violations(page, impacts=("moderate", "serious", "critical"))
    ]


def test_axe_needs_the_csp_bypass_under_our_policy(live_server_e2e, page, a11y_page):
    """The app's pages send `script-src 'self'` (backend.web.pages.CSP): in a normal context
    Chromium refuses the inline axe injection, in the a11y context it runs."""
    url = live_server_e2e.url + "/staff/"
    assert page.goto(url).headers["content-security-policy"] == CSP
    with pytest.raises(PlaywrightError, match="violates the following Content Security Policy"):
        page.add_script_tag(path=str(AXE))
    assert page.evaluate("() => typeof window.axe") == "undefined"
    with pytest.raises(AssertionError, match="use the a11y_page fixture"):
        axe_violations(page)

    assert a11y_page.goto(url).headers["content-security-policy"] == CSP
    assert isinstance(axe_violations(a11y_page), list)
    assert a11y_page.evaluate("() => axe.version") == AXE_VERSION


@pytest.mark.parametrize("path", ["/staff/", "/kiosk", "/display/queue?location={rathaus}"])
def test_queue_pages_have_no_serious_accessibility_violations(
    live_server_e2e, demo, a11y_page, path
):
    """The queue pages as they load (before any sign-in or pairing)."""
    response = a11y_page.goto(live_server_e2e.url + path.format(rathaus=demo.rathaus.pk))
    assert response.status == 200
    a11y_page.wait_for_load_state("networkidle")
    violations = axe_violations(a11y_page)
    assert violations == [], describe_violations(violations)


def test_websocket_from_the_browser_is_acknowledged(live_server_e2e, page):
    page.goto(live_server_e2e.url + "/admin/login/")  # the page's origin is the server's
    result = page.evaluate(WS_HANDSHAKE, {"url": live_server_e2e.ws_url, "location": None})
    assert result["protocol"] == "graphql-transport-ws"
    assert result["messages"] == [{"type": "connection_ack"}]


def test_subscription_in_the_browser_sees_committed_test_data(live_server_e2e, demo, page):
    """The demo rows this test wrote are committed: the server reads the same database."""
    page.goto(live_server_e2e.url + "/admin/login/")
    result = page.evaluate(
        WS_HANDSHAKE, {"url": live_server_e2e.ws_url, "location": str(demo.rathaus.pk)}
    )
    first = result["messages"][-1]
    assert first["type"] == "next", result["messages"]
    board = first["payload"]["data"]["queueDisplay"]
    assert board["location"] == str(demo.rathaus.pk)
    assert board["called"] == []


@pytest.mark.parametrize("run", [1, 2])
def test_staff_signs_in_from_the_browser(live_server_e2e, demo, page, run):
    """Twice: between the runs the database is flushed and content types and permissions come
    back with new ids; the server must still resolve the clerk's object permissions."""
    create_staff(
        "clerk", "clerk@example.com", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF, PASSWORD
    )
    page.goto(live_server_e2e.url + "/admin/login/")  # sets Django's csrftoken cookie
    data = graphql(page, LOG_IN, {"i": {"username": "clerk", "password": PASSWORD}})
    assert data["logIn"] == {
        "me": {
            "username": "clerk",
            "workplaces": [{"canWorkQueue": True, "location": {"slug": "rathaus"}}],
        },
        "errors": [],
    }


def test_a_called_ticket_reaches_a_subscribed_board(
    live_server_e2e, open_office, page, graphql_socket
):
    """The whole path across processes: a board subscribes over WebSocket, a clerk signs in
    in the browser, draws and calls a ticket over HTTP, and the board shows the number."""
    board = graphql_socket()
    board.subscribe(QUEUE_DISPLAY, {"l": str(open_office.location.pk)})
    assert board.next()["queueDisplay"]["called"] == []

    page.goto(live_server_e2e.url + "/admin/login/")
    assert not graphql(page, LOG_IN, {"i": {"username": "clerk", "password": PASSWORD}})["logIn"][
        "errors"
    ]
    counter = {"i": {"servicePoint": str(open_office.counter.pk)}}
    assert graphql(page, SIGN_IN, counter)["signInToServicePoint"]["servicePoint"] == {
        "signedIn": "clerk"
    }
    draw = {"i": {"service": str(open_office.service.pk), "location": str(open_office.location.pk)}}
    drawn = graphql(page, DRAW, draw)["drawTicket"]
    assert drawn["errors"] == [], drawn
    called = graphql(page, CALL, counter)["callNextTicket"]["ticket"]
    assert called == {"number": drawn["ticket"]["number"], "servicePoint": "Schalter 1"}

    for _event in range(5):  # signing in and drawing publish their own changes first
        shown = board.next()["queueDisplay"]["called"]
        if shown:
            break
    assert shown == [called]
