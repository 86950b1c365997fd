"""Messages per recipient are capped: confirmations per address and day, every SMS per number
and day, SMS only to allowed country codes. The booking stands; the extra message is skipped,
and the log names no address or number."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from backend.notifications.bookings import send_due_reminders
from backend.notifications.models import Delivery
from tests.conftest import at, working_day
from tests.factories import book
from tests.notifications.flows import AYSE

pytestmark = pytest.mark.django_db


def deliveries(channel: str) -> list[tuple[str, str]]:
    return list(
        Delivery.objects.filter(channel=channel, kind="booking_confirmation")
        .order_by("booking__starts_at")
        .values_list("status", "last_error")
    )


def test_confirmations_to_one_address_are_capped_per_day(
    gql, demo, smtp, committed, settings, caplog
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "confirmation.email": "2/day"}
    caplog.set_level(logging.INFO)
    # Two services: the open-bookings cap (2 per service) is not what stops anything here.
    times = [(demo.ausweis, 9, 0), (demo.kfz, 9, 30), (demo.ausweis, 10, 0)]
    with committed():
        made = [
            book(
                gql,
                service,
                demo.rathaus,
                at(working_day(), hour, minute),
                contact=AYSE,
                email="Ayse@Example.com",
            )
            for service, hour, minute in times
        ]

    assert [m["errors"] for m in made] == [[], [], []]  # every booking stands
    assert len(smtp.messages) == 2
    assert deliveries("email") == [
        ("sent", ""),
        ("sent", ""),
        ("skipped", "daily confirmation cap of this recipient reached"),
    ]
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("backend"))
    assert "daily confirmation cap" in ours
    assert "ayse@" not in ours.lower()


def test_sms_to_one_number_are_capped_per_day(gql, demo, smtp, sms_provider, committed, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms.phone": "1/day"}
    fake = sms_provider("sipgate")
    with committed():
        for minute in (0, 15):
            book(
                gql,
                demo.ausweis,
                demo.rathaus,
                at(working_day(), 10, minute),
                contact=AYSE,
                channel="SMS",
                phone="0151 23456789",
            )

    assert len(fake.requests) == 1
    assert deliveries("sms") == [
        ("sent", ""),
        ("skipped", "daily SMS cap of this number reached"),
    ]


def test_no_sms_leaves_for_a_country_code_no_longer_allowed(
    gql, demo, smtp, sms_provider, committed, settings
):
    fake = sms_provider("sipgate")
    with committed():
        book(
            gql,
            demo.ausweis,
            demo.rathaus,
            at(working_day(), 9, 45),
            contact=AYSE,
            channel="SMS",
            phone="+43 664 1234567",
        )
    settings.SMS_ALLOWED_COUNTRY_CODES = ["+49"]
    start = Delivery.objects.get(channel="sms").booking.starts_at

    with committed():
        send_due_reminders(now=start - dt.timedelta(hours=1))

    assert len(fake.requests) == 1  # the confirmation, sent while +43 was allowed
    reminder = Delivery.objects.get(kind="booking_reminder", channel="sms", key__startswith="2h@")
    assert (reminder.status, reminder.last_error) == (
        "skipped",
        "country code not in SMS_ALLOWED_COUNTRY_CODES",
    )
