"""The database side of a backup: dump, restore and scratch databases, for PostgreSQL
(pg_dump / pg_restore) and SQLite (its online backup API).

Credentials go to pg_dump and pg_restore in their environment (PGPASSWORD, ...), never on a
command line (visible to every user in `ps`) and never in a log."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connections, transaction
from django.db.utils import load_backend

from .state import database_state

DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# A restore waits at most this long for a lock held by another session (a web or worker
# process still running) instead of hanging; the single transaction then rolls back whole.
RESTORE_LOCK_TIMEOUT = "30s"


class DatabaseError(Exception):
    """pg_dump / pg_restore / SQLite failed; the message names the step, never a password."""


def vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def live_settings(alias: str = "default") -> dict:
    """The connection as it is (under pytest-django: the test database, not DATABASE_URL)."""
    return connections[alias].settings_dict


def _pg_env(settings_dict: dict, dbname: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": settings_dict.get("HOST") or "",
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": settings_dict.get("USER") or "",
        "PGPASSWORD": settings_dict.get("PASSWORD") or "",
        "PGDATABASE": dbname,
    }
    env.update({k: v for k, v in values.items() if v})
    env.update(extra)
    return env


def _run(argv: list[str], env: dict[str, str], step: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise DatabaseError(f"{step} failed (exit {done.returncode}): {done.stderr.strip()}")


def estimated_size(alias: str = "default") -> int:
    """Bytes the database takes now: an upper bound for its share of a compressed backup."""
    if vendor(alias) == "postgresql":
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    name = Path(live_settings(alias)["NAME"])
    return sum(p.stat().st_size for p in (name, Path(f"{name}-wal")) if p.exists())


def dump(dest: Path) -> dict:
    """Write the live database to `dest`; return its state (rows and checksums per table)
    as of exactly the dumped data, whatever is written meanwhile."""
    if vendor() == "postgresql":
        return _dump_postgres(dest)
    return _dump_sqlite(dest)


def _dump_postgres(dest: Path) -> dict:
    """pg_dump and the checksums read the same snapshot: this transaction exports it and
    pg_dump --snapshot joins it, so the manifest describes the dump even under writes."""
    connection = connections["default"]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--compress=0",  # the archive compresses everything once
                f"--snapshot={snapshot}",
                f"--file={dest}",
            ],
            _pg_env(live_settings(), live_settings()["NAME"]),
            "pg_dump",
        )
        return database_state("default")


def _dump_sqlite(dest: Path) -> dict:
    """SQLite's online backup copies a consistent state while others keep writing; the
    checksums are then read from the copy itself."""
    with (
        closing(sqlite3.connect(live_settings()["NAME"], timeout=30)) as source,
        closing(sqlite3.connect(dest)) as copy,
    ):
        source.backup(copy)
        # One self-contained file (the live database runs in WAL mode with -wal/-shm files).
        copy.execute("PRAGMA journal_mode=DELETE")
    with temporary_alias(str(dest)) as alias:
        return database_state(alias)


@contextmanager
def temporary_alias(name: str) -> Iterator[str]:
    """A Django connection alias to another database on the same server (or another SQLite
    file), with the live connection's settings otherwise: for computing its state."""
    base = live_settings()
    options = {k: v for k, v in base.get("OPTIONS", {}).items() if k not in ("pool",)}
    if base["ENGINE"].endswith("sqlite3"):
        options.pop("init_command", None)  # no WAL switch on a file we checksum
    alias = f"backups_{secrets.token_hex(6)}"
    # Registered for this thread only, not in DATABASES: a connection for one job, never
    # handed to other code (and Django's test isolation allows such dynamic connections).
    wrapper = load_backend(base["ENGINE"]).DatabaseWrapper(
        {**base, "NAME": name, "OPTIONS": options, "CONN_MAX_AGE": 0}, alias
    )
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        try:
            wrapper.close()
        finally:
            del connections[alias]


def database_url(name: str) -> str:
    """DATABASE_URL for a child process on database `name` of the live server (passed in its
    environment only)."""
    base = live_settings()
    if not base["ENGINE"].endswith("postgresql"):
        return f"sqlite:///{Path(name).resolve()}"
    user = quote(base.get("USER") or "", safe="")
    password = quote(base.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{base['PORT']}" if base.get("PORT") else ""
    return f"postgres://{credentials}{base.get('HOST') or ''}{port}/{quote(name, safe='')}"


def _maintenance_connection():
    import psycopg

    base = live_settings()
    params = {
        "host": base.get("HOST") or None,
        "port": base.get("PORT") or None,
        "user": base.get("USER") or None,
        "password": base.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


@contextmanager
def scratch_database(dump_file: Path) -> Iterator[str]:
    """The dump restored into a throw-away database; yields its name (PostgreSQL: a new
    database, dropped afterwards; SQLite: the extracted file itself, in a temporary dir)."""
    if vendor() != "postgresql":
        yield str(dump_file)
        return
    import psycopg
    from psycopg import sql

    name = f"vz_scratch_{secrets.token_hex(6)}"
    try:
        with _maintenance_connection() as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise DatabaseError(
            f"Cannot create a scratch database (the database user needs CREATEDB): {exc}"
        ) from None
    try:
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={name}",  # a bare name: host, user, password come from the env
                str(dump_file),
            ],
            _pg_env(live_settings(), name),
            "pg_restore into a scratch database",
        )
        yield name
    finally:
        with _maintenance_connection() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def restore_live(dump_file: Path) -> None:
    """Replace the live database's contents with the dump, all or nothing."""
    release_connections()
    if vendor() == "postgresql":
        # One transaction: a failure leaves the database as it was. --clean drops each object
        # of the dump before recreating it.
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={live_settings()['NAME']}",
                str(dump_file),
            ],
            _pg_env(
                live_settings(),
                live_settings()["NAME"],
                PGOPTIONS=f"-c lock_timeout={RESTORE_LOCK_TIMEOUT}",
            ),
            "pg_restore",
        )
    else:
        # The backup API writes the copy into the live file in one write transaction, through
        # SQLite's pager: atomic for other connections, and right for a database in WAL mode
        # (replacing the main file under a live -wal file would corrupt it).
        try:
            with (
                closing(sqlite3.connect(dump_file)) as source,
                closing(sqlite3.connect(live_settings()["NAME"], timeout=30)) as live,
            ):
                source.backup(live)
        except sqlite3.Error as exc:
            raise DatabaseError(f"SQLite restore failed: {exc}") from None
    release_connections()


def release_connections() -> None:
    """Close this process's connection, so it holds no lock and no open transaction on tables
    the restore replaces (an idle pooled PostgreSQL connection holds neither, and Django
    disables prepared statements, so nothing cached refers to the old tables)."""
    connections["default"].close()
