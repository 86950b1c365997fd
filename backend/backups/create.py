"""`manage.py backup`: the database, uploaded files and non-secret configuration in one
encrypted archive in BACKUP_DIR, with a manifest that verify and restore check against."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings

from . import databases, files
from .alerts import alert
from .archive import FORMAT, FORMAT_VERSION, write_archive
from .configuration import public_configuration
from .crypto import ArchiveError, check_key
from .errors import BackupFailed, DiskSpaceLow
from .rotation import STAMP

SUFFIX = ".vzbak"
MB = 1024 * 1024


def encryption_key() -> str:
    key = settings.BACKUP_ENCRYPTION_KEY
    if not key:
        raise BackupFailed("BACKUP_ENCRYPTION_KEY is not set: backups are off.")
    try:
        check_key(key)
    except ArchiveError as exc:
        raise BackupFailed(str(exc)) from None
    return key


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def app_version() -> str:
    try:
        return version("vorzimmer")
    except PackageNotFoundError:
        return "unknown"


def check_free_space(directory: Path) -> None:
    """Refuse (and alert) when the backup would leave less than BACKUP_MIN_FREE_MB free.

    The estimate is the database's size plus the files' (the archive is compressed, so
    smaller; the dump is written before it, so both exist for a moment)."""
    estimate = databases.estimated_size() + files.total_size()
    free = shutil.disk_usage(directory).free
    threshold = settings.BACKUP_MIN_FREE_MB * MB
    if free - estimate < threshold:
        text = (
            f"Backup refused: the disk of BACKUP_DIR ({directory}) has {free // MB} MB free; "
            f"after the estimated {estimate // MB + 1} MB backup that is below "
            f"BACKUP_MIN_FREE_MB={settings.BACKUP_MIN_FREE_MB}. Free space or move BACKUP_DIR."
        )
        alert("Backup refused: disk nearly full", text)
        raise DiskSpaceLow(text)


def _target(directory: Path, prefix: str, now: datetime) -> Path:
    stem = f"{prefix}-{now.astimezone(UTC).strftime(STAMP)}"
    path, number = directory / f"{stem}{SUFFIX}", 1
    while path.exists() or path.with_name(path.name + ".part").exists():
        path, number = directory / f"{stem}-{number}{SUFFIX}", number + 1
    return path


def create_backup(safety: bool = False, now: datetime | None = None) -> Path:
    """Write one archive and return its path. `safety`: the copy `restore` takes first,
    named apart so that rotation never deletes it."""
    key = encryption_key()
    directory = backup_dir()
    check_free_space(directory)
    now = now or datetime.now(UTC)
    target = _target(directory, "vorzimmer-safety" if safety else "vorzimmer", now)
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=directory))  # 0700, same disk
    try:
        dump_name = databases.DUMP_NAMES[databases.vendor()]
        state = databases.dump(work / dump_name)
        config = work / "config.json"
        config.write_text(json.dumps(public_configuration(), indent=1, sort_keys=True))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.astimezone(UTC).isoformat(),
            "app_version": app_version(),
            "vendor": databases.vendor(),
            "database_file": dump_name,
            **state,
        }
        members = {dump_name: work / dump_name, "config.json": config, **files.collect()}
        write_archive(target, key, manifest, members)
    except databases.DatabaseError as exc:
        raise BackupFailed(str(exc)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _sync_directory(directory)
    return target


def _sync_directory(directory: Path) -> None:
    """The rename into place survives a power cut only once the directory is synced."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
