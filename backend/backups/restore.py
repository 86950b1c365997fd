"""`manage.py restore`: replace this installation's data with an archive's, safely.

1. The archive is decrypted and checked completely (every chunk, every file's checksum, the
   database type, migrations this code knows) before anything is touched.
2. A safety backup of the current data is written (it is an ordinary archive).
3. Database (one transaction, see databases.restore_live) and uploaded files are replaced.
4. The restored data must equal the manifest: every table's rows and checksum, the applied
   migrations. Otherwise, or on any error in 3, the safety backup is restored the same way
   and checked, and the restore fails.

Web and worker processes must be stopped first: a request writing between 2 and 3 would be
lost, and on PostgreSQL their open transactions would hold locks the restore waits for (it
gives up after databases.RESTORE_LOCK_TIMEOUT and rolls back)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

from . import databases, files
from .create import create_backup
from .errors import BackupFailed, RestoreFailed, VerificationFailed
from .state import database_state, differences
from .verify import unpacked


def known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def check_compatible(manifest: dict) -> None:
    unknown = sorted(set(manifest.get("migrations", [])) - known_migrations())
    if unknown:
        raise RestoreFailed(
            "The archive was made by a newer version of vorzimmer (migrations this code does "
            f"not have: {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}). "
            "Install that version first."
        )


def _apply(manifest: dict, work: Path) -> list[str]:
    databases.restore_live(work / manifest["database_file"])
    files.restore(work)
    return differences(manifest, database_state())


def restore_backup(path: Path, key: str, say: Callable[[str], None] = print) -> None:
    try:
        with unpacked(path, key) as (manifest, work):
            check_compatible(manifest)
            say(f"Archive intact ({manifest['created_at']}, version {manifest['app_version']}).")
            safety = create_backup(safety=True)
            say(f"Safety backup of the current data: {safety}")
            try:
                problems = _apply(manifest, work)
                failure = (
                    "the restored data does not match the manifest:\n  " + "\n  ".join(problems)
                    if problems
                    else ""
                )
            except Exception as exc:  # whatever broke, the safety backup goes back in
                failure = f"{type(exc).__name__}: {exc}"
            if not failure:
                say("Restored; every table's rows and checksum equal the manifest.")
                return
            say(f"Restore failed: {failure}")
            say("Rolling back to the safety backup ...")
            _roll_back(safety, key, failure)
    except VerificationFailed as exc:
        raise RestoreFailed(f"Refused, nothing was changed: {exc}") from None
    except BackupFailed as exc:
        raise RestoreFailed(f"Refused, nothing was changed (no safety backup: {exc})") from None


def _roll_back(safety: Path, key: str, failure: str) -> None:
    try:
        with unpacked(safety, key) as (manifest, work):
            problems = _apply(manifest, work)
    except Exception as exc:
        problems = [f"{type(exc).__name__}: {exc}"]
    if problems:
        raise RestoreFailed(
            f"Restore failed ({failure}) AND THE ROLLBACK FAILED: "
            + "; ".join(problems)
            + f". Restore the safety backup {safety} by hand (docs/backup-and-restore.md)."
        )
    raise RestoreFailed(
        f"Restore failed and was rolled back to the safety backup {safety}: {failure}"
    )
