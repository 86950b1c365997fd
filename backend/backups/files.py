"""Uploaded files (MEDIA_ROOT): into the archive under media/, and back as a whole tree.

The other files in var/ are left out on purpose: the secret key and the VAPID key are
secrets (kept by the operator, see docs/backup-and-restore.md), the Huey queue and static
files are rebuilt, and the SQLite database is backed up through its own API."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

PREFIX = "media"


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def collect() -> dict[str, Path]:
    """Regular files under MEDIA_ROOT by their name in the archive (links are not followed:
    they could point anywhere on the server)."""
    root = media_root()
    if not root.is_dir():
        return {}
    return {
        f"{PREFIX}/{path.relative_to(root).as_posix()}": path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def total_size() -> int:
    return sum(path.stat().st_size for path in collect().values())


def restore(extracted: Path) -> None:
    """Make MEDIA_ROOT exactly the archive's media/ tree: built beside it, then swapped in
    by two renames, so a failure half-way leaves the old tree in place."""
    root = media_root()
    source = extracted / PREFIX
    fresh = root.with_name(root.name + ".restoring")
    old = root.with_name(root.name + ".replaced")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, fresh)
    else:
        fresh.mkdir(mode=0o700, parents=True)
    if root.exists():
        root.rename(old)
    fresh.rename(root)
    shutil.rmtree(old, ignore_errors=True)
