"""One id per request, in the X-Request-ID response header and in every log record written
while the request is handled (the access line included), so one line in a proxy's log leads to
everything the server wrote about that request.

The client's X-Request-ID is taken only from a trusted proxy (TRUSTED_PROXIES: nginx sets it
to its own $request_id) and only when it is a short token of safe characters: anybody else
could otherwise write what they like into the log, or pose as another request."""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar, Token

from .proxy import is_trusted_proxy

HEADER = "X-Request-ID"
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")  # no spaces, quotes or colons: one log field

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    return _current.get()


def new_id() -> str:
    return secrets.token_hex(16)


def choose(header: str | None, peer: str | None) -> str:
    """The proxy's id when it may give one and it is safe, else a new one."""
    if header and SAFE_ID.fullmatch(header) and is_trusted_proxy(peer):
        return header
    return new_id()


def begin(request_id: str) -> Token:
    return _current.set(request_id)


def end(token: Token) -> None:
    _current.reset(token)


def install_log_record_factory() -> None:
    """Every LogRecord gets `request_id` (None outside a request), whichever handler reads it:
    the console, a test's caplog, Sentry's breadcrumbs."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _current.get()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
