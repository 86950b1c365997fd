"""`manage.py verify_backup`: prove an archive restores. Decrypt and check every file, restore
the database into a scratch database, recompute every table's rows and checksum against the
manifest, book an appointment there through the normal booking service, drop it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from . import databases
from .archive import extract_archive
from .create import backup_dir
from .crypto import ArchiveError
from .errors import VerificationFailed
from .state import database_state, differences

SMOKE_TIMEOUT = 300  # seconds: a cold Django start and one booking on a busy machine


@contextmanager
def unpacked(path: Path, key: str) -> Iterator[tuple[dict, Path]]:
    """The archive extracted and checked into a private temporary directory next to the
    backups (same disk as the space check; /tmp may be a small tmpfs)."""
    work = Path(tempfile.mkdtemp(prefix=".unpack-", dir=backup_dir()))
    try:
        try:
            manifest = extract_archive(path, key, work)
        except ArchiveError as exc:
            raise VerificationFailed(str(exc)) from None
        if manifest.get("vendor") != databases.vendor():
            raise VerificationFailed(
                f"The archive holds a {manifest.get('vendor')} database; this installation "
                f"runs {databases.vendor()} (move data between them with export_org/import_org)."
            )
        yield manifest, work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def verify_backup(path: Path, key: str, say: Callable[[str], None] = print) -> dict:
    with unpacked(path, key) as (manifest, work):
        say(f"Archive decrypted and intact: {len(manifest['files'])} files match the manifest.")
        dump_file = work / manifest["database_file"]
        try:
            with databases.scratch_database(dump_file) as name:
                with databases.temporary_alias(name) as alias:
                    problems = differences(manifest, database_state(alias))
                if problems:
                    raise VerificationFailed(
                        "The restored database does not match the manifest:\n  "
                        + "\n  ".join(problems)
                    )
                tables = manifest["tables"]
                say(
                    f"Restored into scratch database {name}: {len(tables)} tables, "
                    f"{sum(t['rows'] for t in tables.values())} rows, checksums equal."
                )
                say(smoke_booking(databases.database_url(name)))
        except databases.DatabaseError as exc:
            raise VerificationFailed(str(exc)) from None
    return manifest


def smoke_booking(database_url: str) -> str:
    """Book through the booking service in a child process on the scratch database. Its
    jobs run in-process, mail is only printed and nothing reaches Redis or the live Huey
    queue: the booking must not notify anybody or leave work for the real worker."""
    with tempfile.TemporaryDirectory(prefix=".smoke-", dir=backup_dir()) as var_dir:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("REDIS_URL", "SMTP_HOST", "SENTRY_DSN", "PROMETHEUS_MULTIPROC_DIR")
        }
        env |= {
            "DATABASE_URL": database_url,
            "VORZIMMER_VAR_DIR": var_dir,
            "HUEY_IMMEDIATE": "1",
            "EMAIL_BACKEND": "console",
            "SMS_ENABLED": "0",
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "TIME_ZONE": settings.TIME_ZONE,
        }
        manage = Path(settings.BASE_DIR) / "manage.py"
        done = subprocess.run(
            [sys.executable, str(manage), "backup_smoke_booking"],
            env=env,
            capture_output=True,
            text=True,
            timeout=SMOKE_TIMEOUT,
            check=False,
        )
    if done.returncode:
        output = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise VerificationFailed("The smoke booking failed:\n  " + "\n  ".join(output))
    return done.stdout.strip().splitlines()[-1]
