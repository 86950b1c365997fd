"""The management commands operators know from municipal booking systems, and the demo a
newcomer sees."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from backend.accounts.models import ApiToken, StaffMember
from backend.catalog.models import Closure, Location, Organization, Resource
from tests.conftest import working_day

pytestmark = pytest.mark.django_db

CATALOG = """{ organization(slug: "musterhausen") { name locations { name openingHours {
  weekday opens closes } services { slug } } services { name durationMinutes capacity
  requiredDocuments fee { amount } locations { slug } } } }"""


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_demo_is_seed_000_musterhausen_and_loading_twice_changes_nothing(gql):
    run("load_demo")
    first = gql.data(CATALOG)
    run("load_demo")
    assert gql.data(CATALOG) == first
    org = first["organization"]
    assert org["name"] == "Stadtverwaltung Musterhausen"
    hours = {
        loc["name"]: [(h["weekday"], h["opens"][:5], h["closes"][:5]) for h in loc["openingHours"]]
        for loc in org["locations"]
    }
    assert hours == {
        "Rathaus Musterhausen": [
            (1, "08:00", "16:00"),
            (2, "08:00", "18:00"),
            (3, "08:00", "16:00"),
            (4, "08:00", "18:00"),
            (5, "08:00", "12:00"),
        ],
        "Bezirksamt Nord": [(1, "08:00", "16:00"), (3, "08:00", "16:00"), (5, "08:00", "12:00")],
    }
    services = {
        s["name"]: (
            s["durationMinutes"],
            s["capacity"],
            sorted(loc["slug"] for loc in s["locations"]),
        )
        for s in org["services"]
    }
    assert services == {
        "Personalausweis beantragen": (15, 2, ["ba-nord", "rathaus"]),
        "Reisepass beantragen": (20, 2, ["rathaus"]),
        "Führungszeugnis beantragen": (10, 3, ["ba-nord", "rathaus"]),
        "Ummeldung Wohnsitz": (15, 2, ["ba-nord", "rathaus"]),
        "KFZ-Zulassung": (30, 1, ["rathaus"]),
    }
    kfz = next(s for s in org["services"] if s["name"] == "KFZ-Zulassung")
    assert kfz["requiredDocuments"] == [
        "Personalausweis",
        "Fahrzeugpapiere",
        "eVB-Nummer",
        "SEPA-Mandat",
    ]
    assert StaffMember.objects.filter(organization__slug="musterhausen").count() == 5
    assert Organization.objects.count() == 2


def test_create_staff_as_in_seed_000(demo):
    out = run(
        "create_staff",
        "--username=m.weber",
        "--email=m.weber@musterhausen.de",
        "--location=Rathaus",
        "--services=Personalausweis beantragen,Reisepass beantragen",
    )
    user = get_user_model().objects.get(username="m.weber")
    resource = Resource.objects.get(user=user)
    assert (resource.location.slug, resource.kind) == ("rathaus", "staff")
    assert sorted(resource.services.values_list("slug", flat=True)) == [
        "personalausweis",
        "reisepass",
    ]
    assert user.has_usable_password()
    assert StaffMember.objects.get(user=user).role == StaffMember.Role.COUNTER_STAFF
    assert "Initial password (shown once): " in out


def test_create_staff_names_unknown_places_and_services(demo):
    with pytest.raises(CommandError, match="No location matches 'Mars'"):
        run("create_staff", "--username=x", "--email=x@x.de", "--location=Mars")
    with pytest.raises(CommandError, match="No service 'Yoga'"):
        run(
            "create_staff",
            "--username=x",
            "--email=x@x.de",
            "--location=rathaus",
            "--services=Yoga",
        )
    assert not get_user_model().objects.filter(username="x").exists()


def test_check_slots_explains_an_open_day(demo):
    day = working_day(1)
    out = run("check_slots", "--location=Rathaus", f"--date={day}")
    assert f"Rathaus Musterhausen on Monday {day}" in out
    assert "Open: 08:00–16:00" in out
    assert (
        "- KFZ-Zulassung (1 per start): 16 start times; 0 too soon, 0 beyond the horizon, "
        "0 full, 16 free (16 places)"
    ) in out


def test_check_slots_explains_closed_days(demo):
    sunday = working_day(7)
    assert "Closed — no opening hours on this weekday. No slots." in run(
        "check_slots", "--location=BA-Nord", f"--date={sunday}"
    )
    assert "Closed — public holiday: Erster Weihnachtstag. No slots." in run(
        "check_slots", "--location=rathaus", "--date=2030-12-25"
    )
    day = working_day(1)
    Closure.objects.create(
        location=Location.objects.get(slug="rathaus"),
        first_day=day,
        last_day=day,
        reason="Betriebsausflug",
    )
    assert "Closed — location closed: Betriebsausflug. No slots." in run(
        "check_slots", "--location=rathaus", f"--date={day}"
    )


def test_check_slots_explains_the_booking_window(demo):
    far = working_day(1, min_days_ahead=70)
    out = run("check_slots", "--location=rathaus", f"--date={far}")
    assert (
        "- KFZ-Zulassung (1 per start): 16 start times; 0 too soon, 16 beyond the horizon, "
        "0 full, 0 free (0 places)" in out
    )
    past = dt.date.today() - dt.timedelta(days=7)
    while past.isoweekday() != 1:
        past -= dt.timedelta(days=1)
    assert "16 too soon" in run("check_slots", "--location=rathaus", f"--date={past}")


def test_create_api_token_prints_the_secret_once(demo):
    out = run("create_api_token", "--organization=musterhausen", "--name=Bürgerportal")
    secret = out.split("Authorization: Bearer ")[1].strip()
    token = ApiToken.objects.get(name="Bürgerportal")
    assert secret.startswith(token.prefix) and secret not in token.token_hash
