"""Benchmark: backup, verify_backup and restore of a database with 100,000 bookings.

Dataset: the demo plus dataset.build_staff_office with 70 staff and 100,000 bookings (with
their claims) over 60 days. Each command runs as the operator runs it, `manage.py <command>`
in a subprocess, so the figures include a Django start (about a second). Reported: wall time
of each, the archive's size against the database's, and the largest resident memory of a
child process (the checksums stream through a server-side cursor: memory must not grow with
the number of rows).

Targets (this 2-core machine, busy): backup <= 60 s, verify <= 120 s, restore <= 120 s, peak
memory of a command <= 400 MB.

Run from the repository root (SQLite in a temporary directory, or PostgreSQL):
    .venv/bin/python ops/bench/backup.py
    DATABASE_URL=postgres://postgres@127.0.0.1/bench_backup .venv/bin/python ops/bench/backup.py
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("BACKUP_ENCRYPTION_KEY", secrets.token_urlsafe(32))
os.environ.setdefault("BACKUP_MIN_FREE_MB", "100")

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

import dataset  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from backend.backups.databases import estimated_size  # noqa: E402
from backend.bookings.models import Booking  # noqa: E402

MB = 1 << 20


def timed(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=harness.REPO,
        env=ENV.child_env(),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout.strip()


def peak_child_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=100_000)
    args = parser.parse_args()

    print(f"Database: {harness.database_label(ENV)}")
    harness.migrate_and_load_demo(ENV)
    dataset.drop_bench_data()
    started = time.perf_counter()
    dataset.build_staff_office(timezone.now(), staff=70, bookings=args.bookings, days=60)
    print(
        f"  {Booking.objects.count():,} bookings written in {time.perf_counter() - started:.1f} s"
    )
    database_mb = estimated_size() / MB
    connection.close()

    backup_s, out = timed("backup")
    archive = Path(out.splitlines()[-1])
    archive_mb = archive.stat().st_size / MB
    backup_peak = peak_child_mb()
    print(
        f"  backup          {backup_s:7.1f} s   archive {archive_mb:.1f} MB "
        f"(database {database_mb:.1f} MB), peak memory {backup_peak:.0f} MB"
    )
    verify_s, out = timed("verify_backup", str(archive))
    print(f"  verify_backup   {verify_s:7.1f} s   ({out.splitlines()[-2]})")
    restore_s, out = timed("restore", str(archive))
    print(f"  restore         {restore_s:7.1f} s   (includes its safety backup)")
    peak = peak_child_mb()
    print(f"  peak memory of any command: {peak:.0f} MB")

    figures = {
        "bookings": Booking.objects.count(),
        "database_mb": round(database_mb, 1),
        "archive_mb": round(archive_mb, 1),
        "backup_s": round(backup_s, 2),
        "verify_s": round(verify_s, 2),
        "restore_s": round(restore_s, 2),
        "peak_child_rss_mb": round(peak, 1),
        "machine": harness.machine(),
    }
    targets = [
        harness.Target("backup", round(backup_s, 1), "<=", 60, " s"),
        harness.Target("verify_backup", round(verify_s, 1), "<=", 120, " s"),
        harness.Target("restore", round(restore_s, 1), "<=", 120, " s"),
        harness.Target("peak memory of a command", round(peak), "<=", 400, " MB"),
    ]
    dataset.drop_bench_data()
    ok = harness.report("backup", ENV, figures, targets)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
