"""The preferred channel: SMS can be chosen only where the deployment sends SMS (SMS_ENABLED),
and the pages learn from the organization what to offer."""

from __future__ import annotations

import pytest

from backend.bookings.models import Booking, Claim
from tests.conftest import at, working_day
from tests.factories import book

pytestmark = pytest.mark.django_db

START = at(working_day(), 9)
OPTIONS = """{ organization(slug: "musterhausen") { smsEnabled allowChannelChoice } }"""


@pytest.mark.parametrize(
    ("sms", "choice"), [(False, True), (True, True), (True, False)], ids=["no-sms", "sms", "fixed"]
)
def test_the_organization_says_what_the_form_may_offer(gql, demo, settings, sms, choice):
    settings.SMS_ENABLED, settings.ALLOW_CHANNEL_CHOICE = sms, choice
    assert gql.data(OPTIONS)["organization"] == {"smsEnabled": sms, "allowChannelChoice": choice}


def test_sms_is_refused_while_sms_is_off(gql, demo, settings):
    settings.SMS_ENABLED = False
    result = book(
        gql,
        demo.ausweis,
        demo.rathaus,
        START,
        ok=False,
        channel="SMS",
        phone="0151 23456789",
    )
    assert result == {
        "booking": None,
        "manageToken": None,
        "replayed": False,
        "errors": [{"code": "CHANNEL_UNAVAILABLE", "field": "channel"}],
    }
    assert Booking.objects.count() == 0 and Claim.objects.count() == 0


def test_sms_without_a_phone_while_sms_is_off_is_about_the_channel(gql, demo, settings):
    settings.SMS_ENABLED = False
    assert book(gql, demo.ausweis, demo.rathaus, START, ok=False, channel="SMS")["errors"] == [
        {"code": "CHANNEL_UNAVAILABLE", "field": "channel"}
    ]


@pytest.mark.parametrize("channel", ["EMAIL", "NONE"])
def test_other_channels_need_no_sms(gql, demo, settings, channel):
    settings.SMS_ENABLED = False
    result = book(gql, demo.ausweis, demo.rathaus, START, ok=False, channel=channel)
    assert result["errors"] == []
    assert result["booking"]["channel"] == channel


def test_sms_is_booked_while_sms_is_on(gql, demo, settings):
    settings.SMS_ENABLED = True
    result = book(
        gql,
        demo.ausweis,
        demo.rathaus,
        START,
        ok=False,
        channel="SMS",
        phone="0151 23456789",
    )
    assert result["errors"] == []
    assert (result["booking"]["channel"], result["booking"]["phone"]) == ("SMS", "+4915123456789")
