"""var/ holds personal data and keys: only the server's user may read it. (A real production
start: tests/commands/test_serve.py.)"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from backend.core.private_files import restrict_to_owner


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.django_db
def test_everything_this_run_created_in_var_is_private():
    connection.ensure_connection()  # on SQLite the test database, its -wal and -shm are here
    var_dir = Path(settings.VAR_DIR)
    found = {str(p.relative_to(var_dir)): mode(p) for p in var_dir.rglob("*")}
    assert mode(var_dir) == 0o700
    assert {name: m for name, m in found.items() if m not in (0o600, 0o700)} == {}
    assert {name: found[name] for name in ("secret_key", "huey.sqlite3")} == {
        "secret_key": 0o600,
        "huey.sqlite3": 0o600,
    }


def test_what_an_older_version_left_readable_is_tightened(tmp_path):
    var_dir = tmp_path / "var"
    (var_dir / "static" / "app").mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    files = [var_dir / "vorzimmer.sqlite3", var_dir / "static" / "app" / "app.js", outside]
    for path in files:
        path.write_text("x")
        path.chmod(0o644)
    for directory in (var_dir, var_dir / "static", var_dir / "static" / "app"):
        directory.chmod(0o755)
    (var_dir / "link").symlink_to(outside)  # never followed
    restrict_to_owner(var_dir)
    assert {
        str(p.relative_to(tmp_path)): mode(p) for p in [var_dir, *var_dir.rglob("*"), outside]
    } == {
        "var": 0o700,
        "var/vorzimmer.sqlite3": 0o600,
        "var/static": 0o700,
        "var/static/app": 0o700,
        "var/static/app/app.js": 0o600,
        "var/link": mode(var_dir / "link"),
        "outside.txt": 0o644,
    }
    assert os.path.islink(var_dir / "link")
