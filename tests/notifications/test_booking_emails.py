"""Confirmation, cancellation and rescheduling e-mails, received by a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from backend.core.qr import qr_png
from backend.notifications.models import Delivery
from tests.conftest import at, working_day
from tests.documents import CANCEL, RESCHEDULE
from tests.factories import book

pytestmark = pytest.mark.django_db


# Her name must arrive escaped in the HTML mail.
AYSE = {"name": "Ayşe O'Neil-Yılmaz", "email": "ayse@example.com"}


def test_confirmation_in_the_citizens_language_with_calendar_and_qr(
    gql, demo, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = book(
            gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE, language="TR"
        )
    code, token = made["booking"]["code"], made["manageToken"]

    [message] = smtp.messages
    assert message["To"] == "ayse@example.com"
    assert message["Subject"].startswith("Randevu onaylandı: ")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Ayşe O&#x27;Neil-Yılmaz" in html  # escaped (names cannot hold markup at all)
    assert 'lang="tr"' in html and "Kimlik kartı başvurusu" in html
    assert f"/manage/{code}#{token}" in text and f"/manage/{code}#{token}" in html
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    event = Calendar.from_ical(attachments["termin.ics"].get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime.fromisoformat(at(working_day(), 9, 45))
    assert str(event["location"]).startswith("Rathaus Musterhausen")
    assert event.walk("VALARM")
    assert attachments["check-in-qr.png"].get_content() == qr_png(code)
    assert Delivery.objects.get().status == "sent"


def test_arabic_mail_is_right_to_left(gql, demo, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE, language="AR")
    html = smtp.messages[0].get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and 'lang="ar"' in html


def test_cancellation_and_reschedule_mails_once_each(
    gql, demo, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = book(
            gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE, language="EN"
        )
    code, token = made["booking"]["code"], made["manageToken"]
    with django_capture_on_commit_callbacks(execute=True):
        gql.data(
            RESCHEDULE,
            {"input": {"code": code, "token": token, "newStart": at(working_day(), 10, 15)}},
        )
    with django_capture_on_commit_callbacks(execute=True):
        gql.data(CANCEL, {"input": {"code": code, "token": token}})
        gql.data(CANCEL, {"input": {"code": code, "token": token}})  # already cancelled

    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 3
    assert subjects[0].startswith("Appointment confirmed: ")
    assert subjects[1].startswith("Appointment moved to ")
    assert subjects[2].startswith("Appointment cancelled: ")
    cancellation = smtp.messages[2].get_body(("plain",)).get_content()
    assert "/manage/" not in cancellation
    assert Delivery.objects.filter(status="sent").count() == 3


def test_a_job_that_runs_twice_sends_once(gql, demo, smtp, django_capture_on_commit_callbacks):
    from backend.notifications.tasks import send_booking_message

    with django_capture_on_commit_callbacks(execute=True):
        made = book(gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE)
    booking_id = Delivery.objects.get().booking_id
    send_booking_message.call_local(booking_id, "booking_confirmation")
    send_booking_message.call_local(booking_id, "booking_confirmation")
    assert len(smtp.messages) == 1
    assert made["booking"]["code"]


def calendar_of(message) -> tuple[Calendar, object]:
    """The termin.ics attachment, parsed: (calendar, its one VEVENT)."""
    [part] = [p for p in message.iter_attachments() if p.get_filename() == "termin.ics"]
    calendar = Calendar.from_ical(part.get_content())
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_calendar_file_is_updated_on_a_move_and_removed_on_cancellation(
    gql, demo, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = book(
            gql, demo.ausweis, demo.rathaus, at(working_day(), 9, 45), contact=AYSE, language="EN"
        )
    code, token = made["booking"]["code"], made["manageToken"]
    with django_capture_on_commit_callbacks(execute=True):
        new_start = at(working_day(), 10, 15)
        gql.data(RESCHEDULE, {"input": {"code": code, "token": token, "newStart": new_start}})
    with django_capture_on_commit_callbacks(execute=True):
        gql.data(CANCEL, {"input": {"code": code, "token": token}})

    confirmed, moved, cancelled = (calendar_of(m) for m in smtp.messages)
    uid = f"{made['booking']['id']}@vorzimmer"
    summary = [
        (
            str(calendar["method"]),
            str(event["uid"]),
            event.decoded("sequence"),
            str(event["status"]),
            event.decoded("dtstart"),
            len(event.walk("VALARM")),
        )
        for calendar, event in (confirmed, moved, cancelled)
    ]
    assert summary == [
        ("PUBLISH", uid, 0, "CONFIRMED", dt.datetime.fromisoformat(at(working_day(), 9, 45)), 1),
        ("PUBLISH", uid, 1, "CONFIRMED", dt.datetime.fromisoformat(new_start), 1),
        ("CANCEL", uid, 2, "CANCELLED", dt.datetime.fromisoformat(new_start), 0),
    ]
    _calendar, event = cancelled
    assert str(event["organizer"]) == "mailto:termine@localhost"
    assert str(event["attendee"]) == "mailto:ayse@example.com"
    content_types = [
        part.get_content_type() + "; method=" + part.get_param("method")
        for part in smtp.messages[2].iter_attachments()
    ]
    assert content_types == ["text/calendar; method=CANCEL"]  # no QR code for a cancellation
