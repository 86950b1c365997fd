"""The staff console signs an idle clerk out: a minute before (half the timeout when it is
shorter, as here) an accessible dialog offers to stay signed in; staying extends the session
on the server; without an answer the console signs out. A server of its own runs with a short
STAFF_IDLE_TIMEOUT_MINUTES."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import conftest as e2e
from tests.e2e.conftest import axe_violations, describe_violations
from tests.e2e.helpers import CLERK, PASSWORD, make_open_office, watch_test_browser

pytestmark = pytest.mark.e2e

TIMEOUT_MINUTES = "0.25"  # 15 s: the dialog comes after 7.5 s
ME = "{ me { username } }"


@pytest.fixture(autouse=True)
def _browser_log(request):
    watch_test_browser(request)


@pytest.fixture
def short_idle_server(_daphne, transactional_db, tmp_path):
    """A second daphne on the same test database, with a 15-second idle timeout."""
    from django.db import connection

    env = e2e._server_env(e2e._database_url(connection.settings_dict))
    env["STAFF_IDLE_TIMEOUT_MINUTES"] = TIMEOUT_MINUTES
    server = e2e._spawn(env, tmp_path / "daphne-idle.log")
    try:
        assert e2e._wait_ready(server), server.log_tail()
        yield server
    finally:
        e2e._stop(server)


def me(page: Page) -> dict:
    return page.evaluate(
        """async (query) => {
          const csrf = document.cookie.split('; ').find((c) => c.startsWith('csrftoken='));
          const response = await fetch('/graphql', {
            method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf.split('=')[1]},
            body: JSON.stringify({query}),
          });
          return (await response.json()).data;
        }""",
        ME,
    )


def test_an_idle_clerk_is_warned_can_stay_and_is_signed_out(short_idle_server, a11y_page):
    make_open_office()
    page = a11y_page
    page.goto(short_idle_server.url + "/staff/")
    page.get_by_test_id("login-username").fill(CLERK)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("location-select")).to_be_visible()

    dialog = page.get_by_test_id("idle-dialog")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_have_attribute("role", "alertdialog")
    expect(dialog.get_by_role("heading")).to_have_text("Sie werden in 1 Minute abgemeldet")
    stay = page.get_by_test_id("idle-stay")
    expect(stay).to_have_text("Angemeldet bleiben")
    expect(stay).to_be_focused()
    violations = axe_violations(page, context="#idle-dialog")
    assert violations == [], describe_violations(violations)

    stay.press("Enter")
    expect(dialog).to_be_hidden()
    # Past the first 15 seconds the session lives on, and the warning comes again.
    expect(dialog).to_be_visible(timeout=15_000)
    assert me(page) == {"me": {"username": CLERK}}

    expect(page.get_by_test_id("login-submit")).to_be_visible(timeout=20_000)
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("alert")).to_have_text(
        "Sie wurden wegen Inaktivität abgemeldet. Bitte melden Sie sich erneut an."
    )
    assert me(page) == {"me": None}
