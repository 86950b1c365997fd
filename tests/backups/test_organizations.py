"""Moving one organization to another installation: export, then import into a database
that was wiped and holds another organization; new ids, same data, bookable, staff sign in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.bookings.models import Booking, Claim
from backend.bookings.tokens import manage_token
from backend.catalog.models import Location, OpeningHours, Organization, Service
from backend.queue.models import QueueTicket
from tests.backups.conftest import run
from tests.conftest import GraphQLClient, at, working_day
from tests.documents import BOOKING
from tests.factories import book

PASSWORD = "Korrekt-Pferd-Batterie-9"
LOG_IN = """mutation($i: LogInInput!) { logIn(input: $i) { me { username } errors { code } } }"""


def facts(slug: str) -> dict:
    org = Organization.objects.get(slug=slug)
    return {
        "locations": sorted(
            Location.objects.filter(organization=org).values_list("slug", flat=True)
        ),
        "services": sorted(Service.objects.filter(organization=org).values_list("slug", flat=True)),
        "bookings": sorted(
            Booking.objects.filter(organization=org).values_list(
                "code", "status", "starts_at", "created_at", "email"
            )
        ),
        "claims": Claim.objects.filter(booking__organization=org).count(),
        "tickets": sorted(
            QueueTicket.objects.filter(location__organization=org).values_list(
                "prefix", "number", "status", "queued_at", "created_at"
            )
        ),
        "staff": sorted(
            StaffMember.objects.filter(organization=org).values_list("user__username", "role")
        ),
    }


def another_installation() -> Organization:
    """A wiped database with an organization of its own (its location also named rathaus)."""
    call_command("flush", interactive=False, verbosity=0)
    other = Organization.objects.create(slug="andere-stadt", name="Andere Stadt")
    location = Location.objects.create(organization=other, slug="rathaus", name="Rathaus")
    OpeningHours.objects.create(location=location, weekday=1, opens="08:00", closes="12:00")
    get_user_model().objects.create_user("jemand", "jemand@andere-stadt.example", PASSWORD)
    return other


@pytest.fixture
def exported(office, tmp_path):
    create_staff(
        "clerk",
        "clerk@musterhausen.example",
        office.rathaus,
        [],
        StaffMember.Role.COUNTER_STAFF,
        PASSWORD,
    )
    path = tmp_path / "musterhausen.vzorg"
    assert run("export_org", "musterhausen", "--output", str(path)).strip() == str(path)
    return path, facts("musterhausen"), office.org.pk


def test_imported_organization_has_its_data_under_new_ids_and_works(exported, gql):
    path, before, old_pk = exported
    other = another_installation()

    output = run("import_org", str(path))

    assert "Imported organization musterhausen." in output
    org = Organization.objects.get(slug="musterhausen")
    assert org.pk != old_pk
    assert facts("musterhausen") == before
    assert Organization.objects.get(slug="andere-stadt") == other
    assert Location.objects.filter(organization=other).count() == 1

    # Its staff sign in with their passwords.
    clerk = GraphQLClient(Client(), {})
    answer = clerk.data(LOG_IN, {"i": {"username": "clerk", "password": PASSWORD}})
    assert answer["logIn"] == {"me": {"username": "clerk"}, "errors": []}
    # Citizens book at it.
    rathaus = Location.objects.get(organization=org, slug="rathaus")
    ausweis = Service.objects.get(organization=org, slug="personalausweis")
    payload = book(gql, ausweis, rathaus, at(working_day(), 14))
    assert payload["booking"]["status"] == "CONFIRMED"
    # Manage links of imported bookings are derived for their new ids and work.
    moved = Booking.objects.filter(organization=org).exclude(code=payload["booking"]["code"])[0]
    token = manage_token(moved.pk, moved.token_salt)
    found = gql.data(BOOKING, {"code": moved.code, "token": token})["booking"]
    assert found["code"] == moved.code


def test_import_refuses_an_existing_slug_and_changes_nothing(exported):
    path, before, _ = exported
    bookings = Booking.objects.count()

    with pytest.raises(CommandError, match="slug 'musterhausen' exists already"):
        run("import_org", str(path))

    assert facts("musterhausen") == before
    assert Booking.objects.count() == bookings


def test_import_refuses_an_existing_user_name_and_changes_nothing(exported):
    path, _, _ = exported
    another_installation()
    get_user_model().objects.create_user("clerk", "other@andere-stadt.example", "x" * 20)

    with pytest.raises(CommandError, match="user named 'clerk' exists"):
        run("import_org", str(path))

    assert not Organization.objects.filter(slug="musterhausen").exists()
    assert Booking.objects.count() == 0


def test_export_of_unknown_slug_and_damaged_file_are_refused(exported, tmp_path):
    path, _, _ = exported
    with pytest.raises(CommandError, match="No organization"):
        run("export_org", "gibt-es-nicht", "--output", str(tmp_path / "x.vzorg"))
    another_installation()
    data = bytearray(path.read_bytes())
    data[-10] ^= 1
    path.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="altered"):
        run("import_org", str(path))

    assert not Organization.objects.filter(slug="musterhausen").exists()


def test_tickets_transferred_between_counters_keep_their_link(exported):
    path, _, _ = exported
    first, second = QueueTicket.objects.filter(location__organization__slug="musterhausen")[:2]
    QueueTicket.objects.filter(pk=second.pk).update(transferred_from=first)
    run("export_org", "musterhausen", "--output", str(path))
    another_installation()

    run("import_org", str(path))

    moved = QueueTicket.objects.get(prefix=second.prefix, number=second.number)
    assert moved.transferred_from is not None
    assert moved.transferred_from.number == first.number
    assert moved.transferred_from.pk != first.pk
