"""Delivery channels. Each raises TransientError (retry later) or PermanentError (give up)."""


class TransientError(Exception):
    """The provider or network failed for now; the job retries with backoff."""


class PermanentError(Exception):
    """Retrying cannot help (invalid number, subscription gone, rejected request)."""


class Suppressed(Exception):
    """Deliberately not sent (a per-recipient cap, a country SMS may not go to): the delivery
    is recorded as skipped, never retried. The reason names no address or number."""
