import threading
from contextlib import contextmanager, nullcontext

from django.db import OperationalError, connection, transaction

from .errors import DomainError, ErrorCode

# SQLite has one writer at a time; a writer that finds the lock taken sleeps in growing steps
# (up to 100 ms) before it retries. Threads of one process queue here instead and are woken
# the moment the previous writer commits. Other processes still meet SQLite's own lock.
_sqlite_writer = threading.RLock()


@contextmanager
def write_transaction():
    """A write transaction whose lock timeouts and deadlocks become a typed BUSY error."""
    queue = _sqlite_writer if connection.vendor == "sqlite" else nullcontext()
    try:
        with queue, transaction.atomic():
            yield
    except OperationalError as exc:
        raise DomainError(
            ErrorCode.BUSY, "The system is busy right now. Please try again."
        ) from exc
