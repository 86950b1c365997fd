"""var/ is readable by the server's user only: it holds personal data and keys.

Imported by the settings (no Django here). The process umask (0077, set in the settings) covers
every file created from then on; this tightens what exists already, e.g. files an older version
created 0644, and var/ itself when it was made by hand."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def restrict_to_owner(var_dir: Path) -> None:
    """var_dir 0700, its files 0600 and its directories 0700, all levels (not following links).

    Files not owned by this user are left alone (chmod would fail); the deployment check
    (backend/core/checks.py) reports var_dir itself if it stays open to others."""
    _chmod(var_dir, PRIVATE_DIR)
    for root, dirs, files in os.walk(var_dir):
        for name in dirs:
            _chmod(Path(root, name), PRIVATE_DIR)
        for name in files:
            _chmod(Path(root, name), PRIVATE_FILE)


def open_to_others(path: Path) -> bool:
    """True when group or others have any permission on path."""
    return bool(path.lstat().st_mode & 0o077)


def _chmod(path: Path, mode: int) -> None:
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
            return
        os.chmod(path, mode)
    except (PermissionError, FileNotFoundError):  # another user's file; removed meanwhile
        pass


def write_private(path: Path, text: str) -> None:
    """Write text to path readable by this user only, whatever the umask and earlier modes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)  # O_CREAT's mode does not apply to an existing file
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
