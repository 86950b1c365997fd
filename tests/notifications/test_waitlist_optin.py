"""The waitlist cannot be locked out: an entry counts only once its e-mail address is confirmed
from the message sent to it (double opt-in), unconfirmed entries expire, and the last day is
at most the booking horizon. Through /graphql with a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from backend.bookings.models import WaitlistEntry
from backend.bookings.policy import policy_for
from backend.bookings.services.waitlist import confirmation_token
from backend.notifications import tasks
from backend.notifications.catalog import text
from backend.notifications.models import Delivery
from tests.conftest import BERLIN, at, working_day
from tests.documents import CANCEL
from tests.factories import book
from tests.notifications.flows import AYSE, CONFIRM_EMAIL, WAITLIST_ENTRY, join_waitlist

DAY = working_day()
CONFIRM_LINK = re.compile(
    r"(?P<base>\S+)/waitlist/(?P<entry>[0-9a-f-]{36})#(?P<token>[\w\-]+)\.(?P<confirmation>[\w\-]+)"
)


def confirm(gql, entry: str, token: str, confirmation: str) -> dict:
    variables = {"input": {"entry": entry, "token": token, "confirmation": confirmation}}
    return gql.data(CONFIRM_EMAIL, variables)["confirmWaitlistEmail"]


def link_in(message) -> dict[str, str]:
    [match] = {
        m.group(0): m for m in CONFIRM_LINK.finditer(message.get_body(("plain",)).get_content())
    }.values()
    return match.groupdict()


@pytest.mark.django_db
def test_an_entry_counts_and_is_offered_slots_only_once_its_address_is_confirmed(
    gql, demo, smtp, committed
):
    demo.org.waitlist_max_size = 1
    demo.org.save()
    with committed():
        nine = book(gql, demo.kfz, demo.rathaus, at(DAY, 9), contact=AYSE, email="bea@example.com")
    smtp.messages.clear()

    with committed():
        joined = join_waitlist(gql, demo, DAY, DAY, confirm=False, email="wanda@example.com")
    assert joined["errors"] == []
    assert joined["entry"]["status"] == "pending"
    [message] = smtp.messages
    assert message["To"] == "wanda@example.com"
    assert message["Subject"].strip() == text("de", "waitlist_confirmation", "subject")
    link = link_in(message)
    assert (link["base"], link["entry"], link["token"]) == (
        settings.PUBLIC_BASE_URL,
        joined["entry"]["id"],
        joined["token"],
    )
    assert link["confirmation"] != joined["token"]  # only the e-mail has the confirmation

    # Pending, it takes no place: somebody else can join (and confirm) the one place...
    with committed():
        other = join_waitlist(gql, demo, DAY, DAY, confirm=False, email="otto@example.com")
    assert other["errors"] == []
    # ...and it is not offered the slot that frees.
    with committed():
        gql.data(CANCEL, {"input": {"code": nine["booking"]["code"], "token": nine["manageToken"]}})
    assert WaitlistEntry.objects.get(email="wanda@example.com").status == "pending"
    assert not WaitlistEntry.objects.filter(status="offered").exists()

    # The answer to joinWaitlist alone cannot confirm, nor can a wrong secret.
    nope = {"entry": None, "errors": [{"code": "NOT_FOUND", "field": "confirmation"}]}
    assert confirm(gql, link["entry"], link["token"], joined["token"]) == nope
    assert confirm(gql, link["entry"], link["token"], "x" * 43) == nope
    assert WaitlistEntry.objects.get(email="wanda@example.com").status == "pending"

    confirmed = confirm(gql, link["entry"], link["token"], link["confirmation"])
    assert confirmed["errors"] == []
    assert confirmed["entry"]["status"] == "waiting"
    assert confirm(gql, link["entry"], link["token"], link["confirmation"]) == confirmed  # twice

    # Now the list of the KFZ-Zulassung at the Rathaus is full (limit 1).
    entry = WaitlistEntry.objects.get(email="otto@example.com")
    assert confirm(gql, other["entry"]["id"], other["token"], confirmation_token(entry)) == {
        "entry": None,
        "errors": [{"code": "WAITLIST_FULL", "field": "service"}],
    }
    assert entry.status == "pending"
    assert Delivery.objects.filter(kind="waitlist_confirmation").count() == 2


@pytest.mark.django_db
def test_unconfirmed_entries_expire_and_their_link_runs_out(gql, demo, smtp, committed):
    with committed():
        joined = join_waitlist(gql, demo, DAY, DAY, confirm=False)
    link = link_in(smtp.messages[-1])
    hours = dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS)

    with time_machine.travel(timezone.now() + hours - dt.timedelta(minutes=1), tick=False):
        assert tasks.expire_waitlist_offers.call_local() == 0
    with time_machine.travel(timezone.now() + hours + dt.timedelta(minutes=1), tick=False):
        assert tasks.expire_waitlist_offers.call_local() == 1
        assert confirm(gql, link["entry"], link["token"], link["confirmation"]) == {
            "entry": None,
            "errors": [{"code": "CONFIRMATION_EXPIRED", "field": "confirmation"}],
        }
    variables = {"entry": joined["entry"]["id"], "token": joined["token"]}
    assert gql.data(WAITLIST_ENTRY, variables)["waitlistEntry"]["status"] == "expired"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en", "tr", "ar", "uk"])
def test_the_confirmation_message_speaks_the_citizens_language(
    gql, demo, smtp, committed, language
):
    with committed():
        join_waitlist(gql, demo, DAY, DAY, confirm=False, language=language.upper())
    [message] = smtp.messages
    body = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["Subject"].strip() == text(language, "waitlist_confirmation", "subject")
    assert text(language, "waitlist_confirmation", "intro") in body
    assert text(language, "waitlist_confirmation", "action") in html
    assert f'dir="{"rtl" if language == "ar" else "ltr"}"' in html
    assert link_in(message)["entry"] == str(WaitlistEntry.objects.get().pk)


@pytest.mark.django_db
def test_the_last_day_is_at_most_the_booking_horizon(gql, demo):
    ahead = policy_for(demo.kfz).max_advance_days
    horizon = dt.datetime.now(BERLIN).date() + dt.timedelta(days=ahead)
    beyond = join_waitlist(gql, demo, DAY, horizon + dt.timedelta(days=1), confirm=False)
    assert beyond == {
        "entry": None,
        "token": None,
        "errors": [{"code": "OUTSIDE_BOOKING_WINDOW", "field": "lastDay"}],
    }
    assert not WaitlistEntry.objects.exists()
    assert join_waitlist(gql, demo, DAY, horizon)["errors"] == []


JOIN_LIMITED = """
mutation Join($input: JoinWaitlistInput!) {
  joinWaitlist(input: $input) { entry { status } errors { code field retryAfterSeconds } }
}"""


@pytest.mark.django_db
@pytest.mark.rate_limits
def test_joins_are_rate_limited_per_address_and_per_network(gql, demo):
    def join(email: str) -> dict:
        variables = {
            "input": {
                "service": str(demo.kfz.pk),
                "location": str(demo.rathaus.pk),
                "firstDay": DAY.isoformat(),
                "lastDay": DAY.isoformat(),
                "name": "Wanda Warteliste",
                "email": email,
            }
        }
        return gql.data(JOIN_LIMITED, variables)["joinWaitlist"]

    joined = {"entry": {"status": "pending"}, "errors": []}
    for _ in range(3):  # RATE_LIMIT_JOINWAITLIST_EMAIL: 3/day
        assert join("wanda@example.com") == joined
    refused = join("WANDA@example.com")
    assert refused["entry"] is None
    [error] = refused["errors"]
    assert (error["code"], error["field"]) == ("RATE_LIMITED", None)
    assert 0 < error["retryAfterSeconds"] <= 24 * 3600

    assert join("otto@example.com") == joined  # the network's 5th join this hour
    [error] = join("erna@example.com")["errors"]  # RATE_LIMIT_JOINWAITLIST_IP: 5/hour
    assert error["code"] == "RATE_LIMITED" and 0 < error["retryAfterSeconds"] <= 3600
    assert WaitlistEntry.objects.count() == 4
