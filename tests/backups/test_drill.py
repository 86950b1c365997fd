"""The restore drill an operator would run: real data, backup, wipe, restore, identical data,
and the application works on it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from backend.backups.archive import extract_archive
from backend.bookings.models import Booking
from backend.catalog.models import Location, Service
from backend.queue.models import QueueTicket
from tests.backups.conftest import KEY, run, run_backup, state
from tests.conftest import at, working_day
from tests.factories import book


def test_backup_wipe_restore_gives_identical_data_and_booking_works(office, gql, tmp_path):
    before = state()
    assert before["tables"]["bookings_booking"]["rows"] == 4
    assert before["tables"]["queue_queueticket"]["rows"] == 3
    archive = run_backup()

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)
    assert Booking.objects.count() == 0 and QueueTicket.objects.count() == 0

    output = run("restore", str(archive))

    assert "Restored" in output
    assert state() == before
    assert (settings.MEDIA_ROOT / "logos" / "wappen.svg").read_text() == "<svg>Musterhausen</svg>"
    # The restored installation takes bookings through the API as before.
    payload = book(
        gql,
        Service.objects.get(slug="personalausweis"),
        Location.objects.get(slug="rathaus"),
        at(working_day(), 14),
    )
    assert payload["booking"]["status"] == "CONFIRMED"
    assert Booking.objects.count() == 5


def test_archive_holds_manifest_and_settings_but_no_secrets(office, tmp_path, settings):
    settings.SMTP_PASS_PROBE = "not-a-setting-name-we-keep"  # any *PASS* name stays out
    archive = run_backup()
    raw = archive.read_bytes()
    for secret in (settings.SECRET_KEY, KEY, "Musterhausen", "Max Mustermann"):
        assert secret.encode() not in raw  # encrypted (and compressed) throughout

    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    manifest = extract_archive(archive, KEY, unpacked)
    config = (unpacked / "config.json").read_text()
    assert settings.SECRET_KEY not in config and KEY not in config
    assert "SMTP_PASS_PROBE" not in config
    assert json.loads(config)["TIME_ZONE"] == settings.TIME_ZONE
    assert manifest["tables"] == state()["tables"]
    assert "bookings.0001_initial" in manifest["migrations"]
    assert set(manifest["files"]) == {
        manifest["database_file"],
        "config.json",
        "media/logos/wappen.svg",
    }


def test_verify_backup_restores_into_scratch_and_books(office):
    archive = run_backup()
    before = state()

    output = run("verify_backup", str(archive))

    assert "checksums equal" in output
    assert "Smoke booking through the booking service: OK" in output
    assert output.strip().endswith("verified.")
    assert state() == before  # the smoke booking went to the scratch database
    scratch = re.search(r"scratch database (\S+):", output)[1]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [scratch])
            assert cursor.fetchone()[0] == 0  # dropped
    else:
        assert not Path(scratch).exists()  # a temporary file, removed
