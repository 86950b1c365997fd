"""One backup = one file: a tar stream (manifest.json first, then the database dump, the
configuration and the uploaded files) inside crypto.py's compressed, encrypted layer."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

from .crypto import ArchiveError, DecryptingReader, EncryptingWriter

MANIFEST = "manifest.json"
FORMAT = "vorzimmer-backup"
FORMAT_VERSION = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_archive(path: Path, key: str, manifest: dict, members: dict[str, Path]) -> None:
    """Write the archive to `path` atomically: a reader never sees half an archive under
    the final name (written to a .part file, synced, then renamed)."""
    manifest = {**manifest, "files": {name: sha256_file(src) for name, src in members.items()}}
    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as raw:
            writer = EncryptingWriter(raw, key)
            with tarfile.open(fileobj=writer, mode="w|") as tar:  # type: ignore[call-overload]
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(body))
                for name, src in members.items():
                    tar.add(src, arcname=name, recursive=False)
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def extract_archive(path: Path, key: str, dest: Path) -> dict:
    """Decrypt and unpack into `dest` (an empty private directory); return the manifest once
    every chunk authenticated and every file matches its checksum. Raises ArchiveError."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ArchiveError(f"Cannot read {path}: {exc.strerror}.") from None
    with raw:
        reader = DecryptingReader(raw, key)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for member in tar:
                    # "data": no absolute paths, links out of dest, devices or setuid bits.
                    tar.extract(member, dest, filter="data")
        except tarfile.TarError as exc:
            raise ArchiveError(f"The archive's contents are damaged ({exc}).") from None
        reader.drain()
    manifest_path = dest / MANIFEST
    if not manifest_path.is_file():
        raise ArchiveError("The archive has no manifest.")
    try:
        manifest = json.loads(manifest_path.read_text())
    except ValueError:
        raise ArchiveError("The archive's manifest is no JSON.") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"Unknown manifest format {manifest.get('format')!r} "
            f"version {manifest.get('format_version')!r}."
        )
    listed = manifest.get("files") or {}
    present = {
        str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file() and p != manifest_path
    }
    if present != set(listed):
        raise ArchiveError("The archive's files differ from its manifest's list.")
    for name, checksum in listed.items():
        if sha256_file(dest / name) != checksum:
            raise ArchiveError(f"{name} does not match its checksum in the manifest.")
    return manifest
