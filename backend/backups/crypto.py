"""The archive's outer layer: zlib-compressed, then encrypted in authenticated chunks.

Layout: MAGIC, version, a random salt and a key check value, then chunks of
`4-byte length || AES-256-GCM ciphertext`. Each archive gets its own key, derived with HKDF
from BACKUP_ENCRYPTION_KEY and the salt, so the nonce can be the chunk's number: a reordered
chunk fails its tag. The last chunk carries a "final" bit in its nonce (the STREAM
construction), so a cut-off archive fails even when it ends on a chunk boundary. The header
is the associated data of every chunk. The key check value (an HMAC under a second derived
key) tells "wrong key" apart from "altered archive" before anything is decrypted.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import zlib
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"VZBACKUP"
VERSION = 1
SALT_BYTES = 16
CHECK_BYTES = 32
HEADER_BYTES = len(MAGIC) + 1 + SALT_BYTES + CHECK_BYTES
CHUNK = 1 << 20  # plaintext bytes per chunk: memory stays flat whatever the archive's size
TAG_BYTES = 16
LENGTH = struct.Struct(">I")
MIN_KEY_LENGTH = 32
COMPRESSION_LEVEL = 6  # zlib's default: level 9 costs about twice the time for ~1 % less


class ArchiveError(Exception):
    """The archive cannot be trusted: wrong key, altered, truncated, or not an archive."""


def check_key(key: str) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        raise ArchiveError(
            f"BACKUP_ENCRYPTION_KEY is too short (at least {MIN_KEY_LENGTH} characters)."
        )
    return key.encode()


def _derive(key: bytes, salt: bytes) -> tuple[bytes, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=salt, info=b"vorzimmer-backup-v1"
    ).derive(key)
    return material[:32], material[32:]


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class EncryptingWriter:
    """A write-only file object: bytes in, compressed and encrypted chunks out to `target`."""

    def __init__(self, target: BinaryIO, key: str) -> None:
        salt = os.urandom(SALT_BYTES)
        enc_key, check_key_bytes = _derive(check_key(key), salt)
        check = hmac.new(check_key_bytes, b"key-check", hashlib.sha256).digest()
        self._header = MAGIC + bytes([VERSION]) + salt + check
        self._aead = AESGCM(enc_key)
        self._target = target
        self._target.write(self._header)
        self._compressor = zlib.compressobj(COMPRESSION_LEVEL)
        self._pending = bytearray()
        self._index = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self._pending += self._compressor.compress(data)
        while len(self._pending) > CHUNK:  # keep one chunk back: it may be the final one
            self._emit(bytes(self._pending[:CHUNK]), final=False)
            del self._pending[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, final), plain, self._header)
        self._target.write(LENGTH.pack(len(sealed)) + sealed)
        self._index += 1

    def close(self) -> None:
        if self.closed:
            return
        self._pending += self._compressor.flush()
        while len(self._pending) > CHUNK:
            self._emit(bytes(self._pending[:CHUNK]), final=False)
            del self._pending[:CHUNK]
        self._emit(bytes(self._pending), final=True)
        self._pending.clear()
        self.closed = True

    def flush(self) -> None:  # tarfile calls it; chunks are written as they fill
        pass


class DecryptingReader:
    """A read-only file object over an archive: raises ArchiveError on any doubt.

    Plaintext is handed out only after its chunk's tag checked; the caller still learns that
    the whole archive is intact only when it has read to the end (`read` raises on a missing
    final chunk), so nothing is acted on before that."""

    def __init__(self, source: BinaryIO, key: str) -> None:
        header = source.read(HEADER_BYTES)
        if len(header) < HEADER_BYTES or not header.startswith(MAGIC):
            raise ArchiveError("This is not a vorzimmer backup archive (or it is cut short).")
        if header[len(MAGIC)] != VERSION:
            raise ArchiveError(f"Unknown archive format version {header[len(MAGIC)]}.")
        salt = header[len(MAGIC) + 1 : len(MAGIC) + 1 + SALT_BYTES]
        enc_key, check_key_bytes = _derive(check_key(key), salt)
        expected = hmac.new(check_key_bytes, b"key-check", hashlib.sha256).digest()
        if not hmac.compare_digest(expected, header[-CHECK_BYTES:]):
            raise ArchiveError(
                "Wrong key: BACKUP_ENCRYPTION_KEY is not the key this archive was made with."
            )
        self._header = header
        self._aead = AESGCM(enc_key)
        self._source = source
        self._decompressor = zlib.decompressobj()
        self._buffer = bytearray()
        self._index = 0
        self._next = self._read_sealed()
        self._done = False

    def _read_sealed(self) -> bytes | None:
        prefix = self._source.read(LENGTH.size)
        if not prefix:
            return None
        if len(prefix) < LENGTH.size:
            raise ArchiveError("The archive is truncated (it ends inside a chunk).")
        (length,) = LENGTH.unpack(prefix)
        if length < TAG_BYTES or length > CHUNK + TAG_BYTES:
            raise ArchiveError(f"The archive was altered (chunk {self._index} has a bad length).")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise ArchiveError("The archive is truncated (it ends inside a chunk).")
        return sealed

    def _open_next(self) -> None:
        sealed = self._next
        if sealed is None:
            raise ArchiveError("The archive is truncated (its final chunk is missing).")
        self._next = self._read_sealed()
        final = self._next is None
        try:
            plain = self._aead.decrypt(_nonce(self._index, final), sealed, self._header)
        except InvalidTag:
            raise ArchiveError(
                f"The archive was altered or truncated (chunk {self._index} failed its "
                "authentication check)."
            ) from None
        self._index += 1
        try:
            self._buffer += self._decompressor.decompress(plain)
            if final:
                self._buffer += self._decompressor.flush()
                self._done = True
                if not self._decompressor.eof:
                    raise ArchiveError("The archive's compressed stream is incomplete.")
        except zlib.error as exc:
            raise ArchiveError(f"The archive's compressed stream is damaged ({exc}).") from None

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and not self._done:
            self._open_next()
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def drain(self) -> None:
        """Read to the end: raises unless every chunk up to the final one is intact."""
        while not self._done:
            self._open_next()
            self._buffer.clear()
