"""The daily report: one e-mail per organization and day with stats(location, date)'s figures;
and the stats query itself (staff only)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.notifications import tasks
from tests.conftest import BERLIN, GraphQLClient, at, working_day
from tests.documents import CANCEL
from tests.factories import book
from tests.notifications.flows import AYSE, STATS, join_waitlist

pytestmark = pytest.mark.django_db

DAY = working_day(1, min_days_ahead=5)  # a Monday: the Rathaus and BA-Nord are open
REPORT = "amt@musterhausen.example"


def signed_in(user) -> GraphQLClient:
    client = Client()
    client.force_login(user)
    return GraphQLClient(client, {})


@pytest.fixture
def busy_day(gql, demo, committed, settings):
    """Made three days before: at the Rathaus two ID-card appointments and a vehicle
    registration, one more ID card that was cancelled; at BA-Nord one ID card; a waitlist
    entry for the Rathaus and one for any location."""
    settings.DAILY_REPORT_ENABLED = True
    settings.DAILY_REPORT_EMAIL = REPORT
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(10), BERLIN) - dt.timedelta(days=3)):
        with committed():
            book(gql, demo.ausweis, demo.rathaus, at(DAY, 10), contact=AYSE, email="a@example.com")
            book(
                gql,
                demo.ausweis,
                demo.rathaus,
                at(DAY, 10, 15),
                contact=AYSE,
                email="b@example.com",
            )
            book(gql, demo.kfz, demo.rathaus, at(DAY, 11), contact=AYSE, email="c@example.com")
            gone = book(
                gql, demo.ausweis, demo.rathaus, at(DAY, 12), contact=AYSE, email="d@example.com"
            )
            book(gql, demo.ausweis, demo.nord, at(DAY, 9), contact=AYSE, email="e@example.com")
        with committed():
            code, token = gone["booking"]["code"], gone["manageToken"]
            gql.data(CANCEL, {"input": {"code": code, "token": token}})
        join_waitlist(gql, demo, DAY, DAY, service=demo.ausweis, email="w1@example.com")
        join_waitlist(
            gql, demo, DAY, DAY, service=demo.ausweis, email="w2@example.com", location=None
        )


def report_lines(message) -> dict[str, str]:
    body = message.get_body(("plain",)).get_content()
    return dict(line.split(": ", 1) for line in body.splitlines()[2:] if line)


LINE = re.compile(
    r"^(?P<total>\d+) Termine, (?P<free>\d+) freie Plätze, (?P<cancelled>\d+) Absagen, "
    r"(?P<waiting>\d+) auf der Warteliste(, meistgebucht: (?P<top>.+))?$"
)


def test_one_report_per_organization_and_day_with_the_stats_figures(demo, busy_day, smtp, settings):
    # The admin reads the figures days after signing in (the clock travels to DAY).
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 60 * 24 * 30
    admin = create_staff("leitung", "leitung@x.de", demo.rathaus, [], StaffMember.Role.ORG_ADMIN)
    staff = signed_in(admin)
    smtp.messages.clear()

    with time_machine.travel(dt.datetime.combine(DAY, dt.time(7), BERLIN), tick=False):
        assert tasks.send_daily_reports.call_local() == 2  # Musterhausen and the practice
        tasks.send_daily_reports.call_local()  # a duplicated run...
        stats = {
            location.name: staff.data(
                STATS, {"location": str(location.pk), "date": DAY.isoformat()}
            )["stats"]
            for location in (demo.rathaus, demo.nord)
        }

    assert len(smtp.messages) == 2  # ... sends nothing again
    heading = f"Tagesbericht {DAY:%d.%m.%Y}"
    assert {m["To"] for m in smtp.messages} == {REPORT}
    assert [m["Subject"] for m in smtp.messages] == [heading, heading]
    town, practice = sorted(
        (report_lines(m) for m in smtp.messages), key=lambda lines: "Praxis Dr. Sommer" in lines
    )
    assert list(town) == ["Bezirksamt Nord", "Rathaus Musterhausen"]
    assert list(practice) == ["Praxis Dr. Sommer"]
    assert stats["Rathaus Musterhausen"] | {"availableSlots": None} == {
        "totalAppointments": 3,
        "availableSlots": None,
        "cancellations": 1,
        "waitlistCount": 2,  # the Rathaus entry and the one for any location
        "topService": "Personalausweis beantragen",
    }
    assert stats["Bezirksamt Nord"] | {"availableSlots": None} == {
        "totalAppointments": 1,
        "availableSlots": None,
        "cancellations": 0,
        "waitlistCount": 1,  # only the one for any location
        "topService": "Personalausweis beantragen",
    }
    for name, figures in stats.items():
        line = LINE.match(town[name])
        assert line, town[name]
        assert {
            "totalAppointments": int(line["total"]),
            "availableSlots": int(line["free"]),
            "cancellations": int(line["cancelled"]),
            "waitlistCount": int(line["waiting"]),
            "topService": line["top"],
        } == figures
        assert figures["availableSlots"] > 0
    assert LINE.match(practice["Praxis Dr. Sommer"])["total"] == "0"


def test_no_report_unless_enabled(demo, smtp, settings):
    settings.DAILY_REPORT_EMAIL = REPORT
    settings.DAILY_REPORT_ENABLED = False
    assert tasks.send_daily_reports.call_local() == 0
    assert smtp.messages == []


def test_stats_are_for_the_organizations_staff_only(demo, gql):
    variables = {"location": str(demo.rathaus.pk), "date": DAY.isoformat()}
    body = gql(STATS, variables)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    doctor = create_staff(
        "dr", "dr@x.de", demo.practice_site, [demo.consult], StaffMember.Role.ORG_ADMIN
    )
    body = signed_in(doctor)(STATS, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
