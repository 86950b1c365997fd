"""Staff sign-in throttling: GraphQL logIn and the admin's login form share one count per
user name and per client address (django-axes), lock for a cool-off, and unlock by time or
by an admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

PASSWORD = "Korrekt-Pferd-Batterie-9"
LOG_IN = """mutation($i: LogInInput!) {
  logIn(input: $i) { me { username } errors { code field } } }"""
WRONG = {"me": None, "errors": [{"code": "INVALID_CREDENTIALS", "field": "password"}]}
LOCKED = {"me": None, "errors": [{"code": "LOGIN_LOCKED", "field": "password"}]}
SIGNED_IN = {"me": {"username": "clerk"}, "errors": []}
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clerk(demo, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.STAFF_LOGIN_COOLOFF_MINUTES = 15
    create_staff("clerk", "clerk@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF, PASSWORD)
    create_staff("other", "other@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF, PASSWORD)


def log_in(username: str, password: str, ip: str = "203.0.113.7") -> dict:
    client = GraphQLClient(Client(), {})
    body = client(LOG_IN, {"i": {"username": username, "password": password}}, REMOTE_ADDR=ip)
    return body["data"]["logIn"]


def test_a_user_name_is_locked_after_the_failure_limit_from_any_address(clerk):
    with time_machine.travel(NOW, tick=False):
        answers = [log_in("clerk", "falsch", ip=f"203.0.113.{n}") for n in (1, 2, 3)]
        assert answers == [WRONG, WRONG, LOCKED]
        # The right password does not help during the lockout, from a fresh address either.
        assert log_in("clerk", PASSWORD, ip="198.51.100.9") == LOCKED
        assert log_in("other", PASSWORD, ip="198.51.100.9") == {
            "me": {"username": "other"},
            "errors": [],
        }


def test_an_address_is_locked_after_the_failure_limit_for_any_user_name(clerk):
    with time_machine.travel(NOW, tick=False):
        answers = [log_in(name, "falsch") for name in ("anna", "bert", "carl")]
        assert answers == [WRONG, WRONG, LOCKED]
        assert log_in("clerk", PASSWORD) == LOCKED
        assert log_in("clerk", PASSWORD, ip="198.51.100.9") == SIGNED_IN


def test_behind_a_trusted_proxy_the_forwarded_client_is_locked_not_the_proxy(clerk, settings):
    settings.TRUSTED_PROXIES = ["192.0.2.1"]

    def through_proxy(name: str, password: str, client: str) -> dict:
        body = GraphQLClient(Client(), {})(
            LOG_IN,
            {"i": {"username": name, "password": password}},
            REMOTE_ADDR="192.0.2.1",
            HTTP_X_FORWARDED_FOR=client,
        )
        return body["data"]["logIn"]

    with time_machine.travel(NOW, tick=False):
        # a client cannot pick its address: what it writes left of the proxy's entry is ignored
        answers = [
            through_proxy(name, "falsch", f"198.51.100.{n}, 203.0.113.77")
            for n, name in enumerate(("anna", "bert", "carl"))
        ]
        assert answers == [WRONG, WRONG, LOCKED]
        assert through_proxy("clerk", PASSWORD, "203.0.113.77") == LOCKED
        assert through_proxy("clerk", PASSWORD, "198.51.100.20") == SIGNED_IN


def test_the_lock_ends_after_the_cool_off_and_a_try_during_it_starts_it_again(clerk):
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(3):
            log_in("clerk", "falsch")
        clock.shift(dt.timedelta(minutes=10))
        assert log_in("clerk", PASSWORD) == LOCKED  # the cool-off runs again from here
        clock.shift(dt.timedelta(minutes=6))  # 16 minutes after the failures: still locked
        assert log_in("clerk", PASSWORD) == LOCKED
        clock.shift(dt.timedelta(minutes=16))
        assert log_in("clerk", PASSWORD) == SIGNED_IN
        # A successful sign-in clears the count.
        assert AccessAttempt.objects.count() == 0


def test_an_admin_unlocks_a_user_name_by_command(clerk, capsys):
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            log_in("clerk", "falsch", ip="198.51.100.1")
        assert log_in("clerk", PASSWORD, ip="198.51.100.2") == LOCKED
        call_command("axes_reset_username", "clerk")
        # the failures from one address, and the locked-out try from the other
        assert capsys.readouterr().out == "2 attempts removed.\n"
        assert log_in("clerk", PASSWORD, ip="198.51.100.2") == SIGNED_IN


def test_the_admin_login_form_locks_out_with_its_own_page_and_shares_the_count(clerk):
    with time_machine.travel(NOW, tick=False):
        admin = Client(REMOTE_ADDR="203.0.113.50")
        wrong = {"username": "clerk", "password": "falsch", "next": "/admin/"}
        first = admin.post("/admin/login/", wrong)
        assert first.status_code == 200  # the form again, with its error
        assert log_in("clerk", "falsch", ip="203.0.113.51") == WRONG
        locked = admin.post("/admin/login/", wrong)
        assert locked.status_code == 429
        assert locked["Retry-After"] == str(15 * 60)
        page = locked.content.decode()
        assert "Anmeldung vorübergehend gesperrt" in page
        assert "in 15 Minuten erneut" in page
        assert '<section lang="ar" dir="rtl">' in page
        # GraphQL sees the same lock.
        assert log_in("clerk", PASSWORD, ip="203.0.113.52") == LOCKED


def test_the_lockout_says_when_to_try_again(clerk):
    query = """mutation($i: LogInInput!) {
      logIn(input: $i) { me { username } errors { code retryAfterSeconds } } }"""
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(3):
            log_in("clerk", "falsch")
        clock.shift(dt.timedelta(minutes=4))
        body = GraphQLClient(Client(), {})(
            query, {"i": {"username": "clerk", "password": "x"}}, REMOTE_ADDR="198.51.100.3"
        )
    # the try itself started the cool-off again
    assert body["data"]["logIn"] == {
        "me": None,
        "errors": [{"code": "LOGIN_LOCKED", "retryAfterSeconds": 15 * 60}],
    }


def test_an_admin_unlocks_by_deleting_the_attempt_in_the_admin(clerk, demo):
    from django.contrib.auth import get_user_model

    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            log_in("clerk", "falsch")
        admin = get_user_model().objects.create_superuser("root", "root@x.de", PASSWORD)
        browser = Client()
        browser.force_login(admin)
        listed = browser.get("/admin/axes/accessattempt/")
        assert listed.status_code == 200
        pks = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
        deleted = browser.post(
            "/admin/axes/accessattempt/",
            {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
        )
        assert deleted.status_code == 302
        assert AccessAttempt.objects.count() == 0
        assert log_in("clerk", PASSWORD) == SIGNED_IN


def test_one_log_in_per_document_so_aliases_cannot_multiply_guesses(clerk):
    batch = """mutation {
      a: logIn(input: {username: "clerk", password: "one"}) { errors { code } }
      ... More
    }
    fragment More on Mutation {
      b: logIn(input: {username: "clerk", password: "two"}) { errors { code } }
    }"""
    response = GraphQLClient(Client(), {}).post(batch)
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "At most one logIn per request.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "TOO_MANY_LOGINS"},
            }
        ],
    }
    assert AccessAttempt.objects.count() == 0
