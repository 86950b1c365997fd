"""A backup that cannot be written alerts the admins; the worker runs it every night."""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.management import CommandError
from huey.contrib.djhuey import HUEY

from backend.backups import tasks
from tests.backups.conftest import ADMIN_EMAIL, run


def test_backup_refused_when_the_disk_is_nearly_full(office, settings, caplog):
    free_mb = shutil.disk_usage(settings.BACKUP_DIR.parent).free // (1 << 20)
    settings.BACKUP_MIN_FREE_MB = free_mb + 1_000_000

    with caplog.at_level(logging.ERROR), pytest.raises(CommandError, match="Backup refused"):
        run("backup")

    assert not list(settings.BACKUP_DIR.glob("*.vzbak*"))
    alerts = [m for m in mail.outbox if "Backup" in m.subject]  # besides booking mails
    assert len(alerts) == 1
    assert alerts[0].to == [ADMIN_EMAIL]
    assert "disk nearly full" in alerts[0].subject
    assert "BACKUP_MIN_FREE_MB" in alerts[0].body
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("Backup refused" in line for line in errors)
    assert not any(ADMIN_EMAIL in line or "betrieb" in line for line in errors)


def test_scheduled_backup_writes_an_archive_and_is_off_without_key(office, settings):
    path = tasks.nightly_backup.call_local()
    assert path and settings.BACKUP_DIR.joinpath(path.rsplit("/", 1)[1]).is_file()

    settings.BACKUP_ENCRYPTION_KEY = ""
    assert tasks.nightly_backup.call_local() is None
    assert len(list(settings.BACKUP_DIR.glob("*.vzbak"))) == 1


def test_nightly_backup_is_on_huey_schedule_at_local_backup_time():
    # Huey hands periodic tasks naive UTC times; 02:30 in Berlin is 01:30 UTC in winter
    # and 00:30 UTC in summer.
    def due(utc: dt.datetime) -> bool:
        return any(type(t) is tasks.nightly_backup.task_class for t in HUEY.read_periodic(utc))

    assert due(dt.datetime(2026, 1, 15, 1, 30))
    assert due(dt.datetime(2026, 7, 15, 0, 30))
    assert not due(dt.datetime(2026, 1, 15, 2, 30))
    assert not due(dt.datetime(2026, 1, 15, 1, 31))


def test_deployment_check_warns_when_backups_are_off(settings):
    settings.BACKUP_ENCRYPTION_KEY = ""
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "backups.W001" in ids

    settings.BACKUP_ENCRYPTION_KEY = "k" * 40
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "backups.W001" not in ids

    settings.BACKUP_ENCRYPTION_KEY = "short"
    settings.BACKUP_TIME = "25:00"
    ids = {m.id for m in run_checks()}
    assert {"backups.E001", "backups.E002"} <= ids
