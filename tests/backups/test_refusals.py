"""Archives that cannot be trusted are refused loudly, before anything is touched."""

from __future__ import annotations

import os
import struct

import pytest
from django.conf import settings
from django.core.management import CommandError

from backend.backups.crypto import HEADER_BYTES
from tests.backups.conftest import run, run_backup, state


def truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def tampered(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def cut_at_chunk_boundary(path):
    """Drop the final chunk whole: what is left is a well-formed, shorter archive."""
    data = path.read_bytes()
    chunks, offset = [], HEADER_BYTES
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append(data[offset : offset + 4 + length])
        offset += 4 + length
    assert len(chunks) >= 2
    path.write_bytes(data[:HEADER_BYTES] + b"".join(chunks[:-1]))


def reordered(path):
    data = path.read_bytes()
    chunks, offset = [], HEADER_BYTES
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        chunks.append(data[offset : offset + 4 + length])
        offset += 4 + length
    assert len(chunks) >= 3
    chunks[0], chunks[1] = chunks[1], chunks[0]
    path.write_bytes(data[:HEADER_BYTES] + b"".join(chunks))


@pytest.fixture
def big_upload(office):
    """Incompressible bytes, so the archive spans several 1 MiB chunks."""
    (settings.MEDIA_ROOT / "scan.bin").write_bytes(os.urandom(3 << 20))
    return office


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (truncated, "truncated"),
        (tampered, "altered"),
        (cut_at_chunk_boundary, "truncated"),
        (reordered, "altered"),
    ],
)
@pytest.mark.parametrize("command", ["restore", "verify_backup"])
def test_damaged_archive_is_refused_and_nothing_changes(big_upload, damage, message, command):
    archive = run_backup()
    damage(archive)
    before = state()
    files_before = sorted(p.name for p in settings.BACKUP_DIR.iterdir())

    with pytest.raises(CommandError) as refused:
        run(command, str(archive))

    assert message in str(refused.value)
    assert state() == before
    # No safety backup, no leftover scratch files: nothing was started.
    assert sorted(p.name for p in settings.BACKUP_DIR.iterdir()) == files_before


@pytest.mark.parametrize("command", ["restore", "verify_backup"])
def test_wrong_key_is_refused_and_nothing_changes(office, settings, command):
    archive = run_backup()
    settings.BACKUP_ENCRYPTION_KEY = "another-key-of-enough-length-0123456789"
    before = state()

    with pytest.raises(CommandError) as refused:
        run(command, str(archive))

    assert "Wrong key" in str(refused.value)
    assert state() == before
    assert [p.name for p in settings.BACKUP_DIR.iterdir()] == [archive.name]


def test_no_key_no_backup(office, settings):
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY is not set"):
        run("backup")
    assert not settings.BACKUP_DIR.exists() or not any(settings.BACKUP_DIR.iterdir())
