"""Why a backup, verification or restore stopped: each carries an operator-readable message."""

from __future__ import annotations


class BackupFailed(Exception):
    pass


class DiskSpaceLow(BackupFailed):
    pass


class VerificationFailed(Exception):
    pass


class RestoreFailed(Exception):
    pass
