"""ops/update.sh in bare-metal mode, for real, in a temp dir: releases unpacked from commits of
a clone of this repository, the `app` symlink the systemd units run, SQLite, one web process.

The test stands in for systemd only in the restart and stop commands (VORZIMMER_RESTART_COMMAND
/ VORZIMMER_STOP_COMMAND): a small script that stops the web process and starts
`app/ops/entrypoint.sh web` again, failing when it exits before it listens — as
`systemctl restart` fails when a unit does not come up. Backup, migrate and restore run through
each release's own entrypoint, as the update script does on a server."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.commands.test_serve import free_port

REPO = Path(__file__).resolve().parents[2]
UPDATE = REPO / "ops" / "update.sh"
COMMAND_TIMEOUT = 600.0
READY_TIMEOUT = 120.0  # backups, migrations and three web starts on a busy machine
PROBE_TABLE = "update_probe"

# Stops the processes of the last start (if any) and starts web and worker from `app`, as
# `systemctl restart vorzimmer.target` would; exits non-zero when the web process ends before
# it prints that it listens (a unit that fails to start).
RESTART_SCRIPT = r"""#!/usr/bin/env bash
set -euo pipefail
cd "$UPDATE_TEST_DIR"
"$UPDATE_TEST_DIR/stop.sh"
for role in worker web; do
    : >"$role.log"
    setsid "$UPDATE_TEST_BASE/app/ops/entrypoint.sh" "$role" >>"$role.log" 2>&1 </dev/null &
    echo $! >"$role.pid"
done
deadline=$((SECONDS + 180))
while [ "$SECONDS" -lt "$deadline" ]; do
    grep -q "Listening on" web.log && exit 0
    kill -0 "$(cat web.pid)" 2>/dev/null || { echo "web exited:"; tail -n 20 web.log; exit 1; }
    sleep 0.2
done
echo "web did not listen within 180 s"
exit 1
"""
STOP_SCRIPT = r"""#!/usr/bin/env bash
set -euo pipefail
cd "$UPDATE_TEST_DIR"
for role in web worker; do
    [ -f "$role.pid" ] || continue
    pid="$(cat "$role.pid")"
    rm -f "$role.pid"
    kill -TERM "$pid" 2>/dev/null || continue
    deadline=$((SECONDS + 60))
    while kill -0 "$pid" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || { kill -KILL "$pid"; break; }
        sleep 0.1
    done
done
"""


@dataclass
class Site:
    root: Path
    base: Path
    src: Path
    env: dict[str, str]
    port: int

    @property
    def ready_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/health/ready"

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.src), *args],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def commit(self, message: str, files: dict[str, str]) -> str:
        for name, text in files.items():
            path = self.src / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            self.git("add", name)
        author = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
        self.git(*author, "commit", "-qm", message)
        return self.git("rev-parse", "HEAD")

    def update(self, ref: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                str(UPDATE),
                "bare-metal",
                "--ref",
                ref,
                "--base",
                str(self.base),
                "--repo",
                str(self.src),
                "--health-url",
                self.ready_url,
                "--timeout",
                "120",
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )

    def ready(self) -> int:
        try:
            with urllib.request.urlopen(self.ready_url, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def wait_ready(self) -> None:
        """Until readiness answers 200 (the worker's first heartbeat comes after the web)."""
        deadline = time.monotonic() + READY_TIMEOUT
        while self.ready() != 200:
            assert time.monotonic() < deadline, (self.root / "web.log").read_text()
            time.sleep(0.5)

    def tables(self) -> set[str]:
        with sqlite3.connect(self.base / "var" / "vorzimmer.sqlite3") as db:
            rows = db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            return {row[0] for row in rows}

    def organizations(self) -> list[str]:
        with sqlite3.connect(self.base / "var" / "vorzimmer.sqlite3") as db:
            return [row[0] for row in db.execute("SELECT slug FROM catalog_organization")]

    def run(self, *command: str, cwd: Path | None = None) -> str:
        result = subprocess.run(
            command,
            cwd=cwd or self.base / "app",
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture
def unpacked(tmp_path) -> Site:
    """A clone of this repository's HEAD and the first release unpacked from it, linked as
    `app` (as ops/README.md describes the first bare-metal installation)."""
    src = tmp_path / "src"
    subprocess.run(["git", "clone", "-q", "--shared", str(REPO), str(src)], check=True)
    base = tmp_path / "opt"
    (base / "releases").mkdir(parents=True)
    (base / "var").mkdir(mode=0o700)
    for name, text in (("restart.sh", RESTART_SCRIPT), ("stop.sh", STOP_SCRIPT)):
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
        and not key.startswith(("EMAIL_", "PUBLIC_", "SMTP_", "BACKUP_", "VORZIMMER_"))
    } | {
        "DEBUG": "0",
        "VORZIMMER_VAR_DIR": str(base / "var"),
        "STATIC_ROOT": str(base / "static"),
        "DATABASE_URL": f"sqlite:///{base / 'var' / 'vorzimmer.sqlite3'}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KIOSK_PIN": "482916",
        "ADMIN_PASSWORD": "update-test-admin-" + "pw" * 10,
        "SECRET_KEY": "update-test-" + "k3y" * 20,
        "EMAIL_BACKEND": "console",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_ENCRYPTION_KEY": "update-test-backup-passphrase-" + "x" * 20,
        "WEB_HOST": "127.0.0.1",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        # The releases share this checkout's virtualenv: installing the same dependencies
        # again would only make the test slow.
        "VORZIMMER_INSTALL_COMMAND": f"ln -s {REPO / '.venv'} .venv",
        "VORZIMMER_RESTART_COMMAND": str(tmp_path / "restart.sh"),
        "VORZIMMER_STOP_COMMAND": str(tmp_path / "stop.sh"),
        "UPDATE_TEST_DIR": str(tmp_path),
        "UPDATE_TEST_BASE": str(base),
    }
    site = Site(tmp_path, base, src, env, port)
    first = base / "releases" / "00000000T000000Z-first"
    first.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(src), "archive", "--format=tar", "HEAD"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(first)], input=archive, check=True)
    (first / ".venv").symlink_to(REPO / ".venv")
    (base / "app").symlink_to(first)
    return site


@pytest.fixture
def site(unpacked: Site) -> Iterator[Site]:
    """The first release migrated, with an organization, and running (web and worker)."""
    site = unpacked
    site.run("ops/entrypoint.sh", "migrate")
    site.run(
        "ops/entrypoint.sh",
        "manage",
        "shell",
        "-c",
        "from backend.catalog.models import Organization; "
        "Organization.objects.create(name='Stadt Musterhausen', slug='musterhausen')",
    )
    try:
        site.run(str(site.root / "restart.sh"))
        site.wait_ready()
        yield site
    finally:
        subprocess.run([str(site.root / "stop.sh")], env=site.env, check=False, timeout=120)


def safety_backup(output: str) -> Path:
    return Path(output.split("    safety backup: ", 1)[1].splitlines()[0])


def broken_release_files(src: Path) -> dict[str, str]:
    """A release whose migration adds a table and whose web process exits on start."""
    latest = sorted(p.stem for p in (src / "backend" / "core" / "migrations").glob("0*.py"))[-1]
    asgi = (src / "backend" / "asgi.py").read_text()
    return {
        f"backend/core/migrations/{int(latest[:4]) + 1:04d}_update_probe.py": textwrap.dedent(
            f"""\
            from django.db import migrations


            class Migration(migrations.Migration):
                dependencies = [("core", "{latest}")]
                operations = [
                    migrations.RunSQL(
                        "CREATE TABLE {PROBE_TABLE} (id integer primary key)",
                        "DROP TABLE {PROBE_TABLE}",
                    )
                ]
            """
        ),
        "backend/asgi.py": asgi + '\nraise SystemExit("this release is broken on purpose")\n',
    }


def test_an_update_goes_through_and_a_broken_one_is_rolled_back(site):
    first = (site.base / "app").resolve()

    # A good release: switched to, serving, the first one kept for a rollback.
    good = site.commit("A harmless change", {"RELEASE_NOTE.txt": "good\n"})
    result = site.update(good)
    assert result.returncode == 0, result.stdout + result.stderr
    current = (site.base / "app").resolve()
    assert current != first and current.name.endswith(good[:12])
    assert (current / "RELEASE_NOTE.txt").read_text() == "good\n"
    assert first.is_dir()
    assert site.ready() == 200
    assert "1. checking" in result.stdout
    assert safety_backup(result.stdout).is_file()

    # A broken release that migrated the database: back to the good one, database restored.
    broken = site.commit("A broken release", broken_release_files(site.src))
    result = site.update(broken)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "ROLLBACK" in output and "restoring the database" in output
    assert safety_backup(result.stdout).is_file()
    assert (site.base / "app").resolve() == current
    assert site.ready() == 200
    assert PROBE_TABLE not in site.tables()
    assert site.organizations() == ["musterhausen"]
    # The failed release stays on disk for a look, beside the two good ones.
    assert any(p.name.endswith(broken[:12]) for p in (site.base / "releases").iterdir())


def test_an_update_refuses_uncommitted_changes_and_touches_nothing(unpacked):
    site = unpacked
    before = sorted(p.name for p in (site.base / "releases").iterdir())
    (site.src / "backend" / "settings.py").write_text("# edited on the server\n", encoding="utf-8")
    result = site.update("HEAD")
    assert result.returncode == 1
    assert "uncommitted local changes" in result.stderr
    assert " M backend/settings.py" in result.stderr
    assert sorted(p.name for p in (site.base / "releases").iterdir()) == before
    assert not (site.root / "backups").exists()  # not even a backup was made
