"""A restore whose result fails its checks is rolled back to the safety backup."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import CommandError

from backend.backups.archive import MANIFEST, extract_archive, write_archive
from backend.backups.create import create_backup
from tests.backups.conftest import BERLIN, KEY, run, run_backup, state
from tests.conftest import working_day
from tests.factories import booked


def manifest_not_matching_its_dump(archive, work):
    """A well-formed, correctly encrypted archive whose manifest claims other booking
    contents than its dump holds (as a bug in the dump or a mixed-up file would)."""
    manifest = extract_archive(archive, KEY, work)
    manifest["tables"]["bookings_booking"]["sha256"] = "0" * 64
    members = {name: work / name for name in manifest.pop("files")}
    (work / MANIFEST).unlink()
    bad = archive.with_name("vorzimmer-20260101T000000Z.vzbak")
    write_archive(bad, KEY, manifest, members)
    return bad


def test_restore_failing_its_checks_rolls_back(office, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    bad = manifest_not_matching_its_dump(run_backup(), work)
    # Data changed after that backup: the rollback must bring back this state, not the old.
    day = working_day()
    booked(
        office.ausweis, office.nord, dt.datetime(day.year, day.month, day.day, 15, tzinfo=BERLIN)
    )
    (settings.MEDIA_ROOT / "logos" / "neu.svg").write_text("<svg>neu</svg>")
    before = state()

    with pytest.raises(CommandError) as failed:
        run("restore", str(bad))

    message = str(failed.value)
    assert "rolled back to the safety backup" in message
    assert "bookings_booking: content checksum differs" in message
    assert state() == before
    assert (settings.MEDIA_ROOT / "logos" / "neu.svg").read_text() == "<svg>neu</svg>"
    safety = sorted(settings.BACKUP_DIR.glob("vorzimmer-safety-*.vzbak"))
    assert len(safety) == 1
    assert "verified." in run("verify_backup", str(safety[0]))


def test_verify_backup_fails_on_an_archive_whose_manifest_does_not_match(office, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    bad = manifest_not_matching_its_dump(run_backup(), work)

    with pytest.raises(CommandError) as failed:
        run("verify_backup", str(bad))

    assert "FAILED verification" in str(failed.value)
    assert "bookings_booking: content checksum differs from the manifest" in str(failed.value)


def test_restore_refuses_archive_of_a_newer_version(office, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    manifest = extract_archive(create_backup(), KEY, work)
    manifest["migrations"].append("bookings.9999_from_the_future")
    members = {name: work / name for name in manifest.pop("files")}
    (work / MANIFEST).unlink()
    newer = settings.BACKUP_DIR / "newer.vzbak"
    write_archive(newer, KEY, manifest, members)
    before = state()

    with pytest.raises(CommandError, match="newer version"):
        run("restore", str(newer))

    assert state() == before
    assert not list(settings.BACKUP_DIR.glob("vorzimmer-safety-*"))
