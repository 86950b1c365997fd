"""Staff sessions through /graphql: the idle timeout, changing and resetting the password."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from tests.conftest import GraphQLClient

pytestmark = pytest.mark.django_db

PASSWORD = "Korrekt-Pferd-Batterie-9"
NEW = "Neues-Passwort-2026-xy"
ME = "{ me { username } }"
LOG_IN = """mutation($i: LogInInput!) { logIn(input: $i) { me { username } errors { code } } }"""
EXTEND = "mutation { extendStaffSession { idleTimeoutSeconds } }"
CHANGE = """mutation($i: ChangePasswordInput!) {
  changePassword(input: $i) { ok errors { code field } } }"""
REQUEST = """mutation($i: RequestPasswordResetInput!) {
  requestPasswordReset(input: $i) { ok errors { code field retryAfterSeconds } } }"""
RESET = """mutation($i: ResetPasswordInput!) {
  resetPassword(input: $i) { ok errors { code field } } }"""
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clerk(demo):
    return create_staff(
        "clerk", "clerk@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF, PASSWORD
    )


def signed_in(password: str = PASSWORD) -> GraphQLClient:
    client = GraphQLClient(Client(), {})
    answer = client.data(LOG_IN, {"i": {"username": "clerk", "password": password}})
    assert answer["logIn"] == {"me": {"username": "clerk"}, "errors": []}
    return client


def test_an_idle_session_ends_and_background_requests_do_not_keep_it(clerk, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    background = {"HTTP_X_BACKGROUND_REQUEST": "1"}
    with time_machine.travel(NOW, tick=False) as clock:
        console = signed_in()
        clock.shift(dt.timedelta(minutes=29))
        assert console.data(ME) == {"me": {"username": "clerk"}}  # activity: 30 more minutes
        for _ in range(3):  # live refreshes every 20 minutes
            clock.shift(dt.timedelta(minutes=20))
            if _ < 1:
                assert console.data(ME, **background) == {"me": {"username": "clerk"}}
        assert console.data(ME, **background) == {"me": None}
        assert console.data(ME) == {"me": None}


def test_stay_signed_in_extends_the_session(clerk, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    with time_machine.travel(NOW, tick=False) as clock:
        console = signed_in()
        clock.shift(dt.timedelta(minutes=29))
        assert console.data(EXTEND) == {"extendStaffSession": {"idleTimeoutSeconds": 1800}}
        clock.shift(dt.timedelta(minutes=29))
        assert console.data(ME) == {"me": {"username": "clerk"}}
        # ended: the timeout plus at most the minute the last activity may be counted early
        clock.shift(dt.timedelta(minutes=31, seconds=1))
        assert console.data(EXTEND) == {"extendStaffSession": {"idleTimeoutSeconds": None}}


def test_changing_the_password_keeps_this_session_and_ends_the_others(clerk):
    console, other_tab = signed_in(), signed_in()

    wrong = console.data(CHANGE, {"i": {"oldPassword": "falsch", "newPassword": NEW}})
    weak = console.data(CHANGE, {"i": {"oldPassword": PASSWORD, "newPassword": "password"}})
    done = console.data(CHANGE, {"i": {"oldPassword": PASSWORD, "newPassword": NEW}})

    assert wrong == {
        "changePassword": {
            "ok": False,
            "errors": [{"code": "INVALID_CREDENTIALS", "field": "oldPassword"}],
        }
    }
    assert weak == {
        "changePassword": {
            "ok": False,
            "errors": [{"code": "PASSWORD_REJECTED", "field": "newPassword"}],
        }
    }
    assert done == {"changePassword": {"ok": True, "errors": []}}
    assert console.data(ME) == {"me": {"username": "clerk"}}
    assert other_tab.data(ME) == {"me": None}
    signed_in(NEW)


def test_change_password_needs_a_staff_session(clerk, gql):
    body = gql(CHANGE, {"i": {"oldPassword": PASSWORD, "newPassword": NEW}})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_password_reset_by_email_answers_alike_and_the_link_works_once(
    clerk, gql, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = gql.data(REQUEST, {"i": {"email": "Clerk@x.de", "language": "EN"}})
        unknown = gql.data(REQUEST, {"i": {"email": "nobody@x.de", "language": "EN"}})
    assert known == unknown == {"requestPasswordReset": {"ok": True, "errors": []}}
    assert [(m.to, m.subject) for m in mail.outbox] == [(["clerk@x.de"], "Reset your password")]
    key = re.search(r"/staff/#reset=(\S+)", mail.outbox[0].body).group(1)

    assert gql.data(RESET, {"i": {"key": key, "newPassword": "kurz"}}) == {
        "resetPassword": {
            "ok": False,
            "errors": [{"code": "PASSWORD_REJECTED", "field": "newPassword"}],
        }
    }
    assert gql.data(RESET, {"i": {"key": key, "newPassword": NEW}}) == {
        "resetPassword": {"ok": True, "errors": []}
    }
    assert gql.data(RESET, {"i": {"key": key, "newPassword": NEW + "!"}}) == {
        "resetPassword": {"ok": False, "errors": [{"code": "RESET_LINK_INVALID", "field": "key"}]}
    }
    signed_in(NEW)


@pytest.mark.rate_limits
def test_password_reset_requests_are_rate_limited_per_address(
    clerk, gql, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "requestPasswordReset.email": "2/hour"}
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            gql.data(REQUEST, {"i": {"email": "clerk@x.de"}})["requestPasswordReset"]
            for _ in range(3)
        ]
    assert answers[:2] == [{"ok": True, "errors": []}] * 2
    assert answers[2]["ok"] is False
    assert [(e["code"], e["field"]) for e in answers[2]["errors"]] == [("RATE_LIMITED", None)]
    assert len(mail.outbox) == 2
