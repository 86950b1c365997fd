"""Backups write into a temporary BACKUP_DIR per test and read the live test database (with
xdist each worker has its own), with real commits: transactional_db."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from backend.backups.state import database_state
from backend.core.actors import Actor, ActorKind
from backend.queue.services.tickets import do_draw_ticket
from tests.conftest import BERLIN, working_day
from tests.factories import booked

KEY = secrets.token_urlsafe(32)
ADMIN_EMAIL = "betrieb.admin@musterhausen.example"


@pytest.fixture
def backups(settings, tmp_path) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_ENCRYPTION_KEY = KEY
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_MIN_FREE_MB = 1
    return settings.BACKUP_DIR


@pytest.fixture
def office(transactional_db, demo, backups):
    """The demo, an admin, bookings at both kinds of service, walk-in tickets, an upload."""
    admin = get_user_model().objects.create_superuser("betrieb", ADMIN_EMAIL, "x" * 20)
    day = working_day()
    for hour in (9, 10, 11):
        booked(
            demo.ausweis,
            demo.rathaus,
            dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=BERLIN),
        )
    booked(demo.kfz, demo.rathaus, dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=BERLIN))
    clerk = Actor(admin, ActorKind.STAFF)
    at_ten = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=BERLIN)
    for _ in range(3):
        do_draw_ticket(str(demo.ausweis.pk), str(demo.rathaus.pk), clerk, now=at_ten)
    upload = Path(backups.parent / "media" / "logos" / "wappen.svg")
    upload.parent.mkdir(parents=True)
    upload.write_text("<svg>Musterhausen</svg>")
    return demo


def run_backup() -> Path:
    from io import StringIO

    out = StringIO()
    call_command("backup", stdout=out, stderr=StringIO())
    path = Path(out.getvalue().strip().splitlines()[-1])
    assert path.is_file(), out.getvalue()
    return path


def run(command: str, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(command, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def state() -> dict:
    return database_state()
