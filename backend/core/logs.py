"""Log filtering for one line per request and tracebacks only for real errors.

Django logs every answer >= 400 on django.request ("Not Found: /x") and attaches the exception
with its traceback to 403s, 400s and suspicious requests (django.security.*). A 404 or a
refused request is ordinary traffic: backend.core.access_log already writes its line."""

from __future__ import annotations

import logging


def _client_error(record: logging.LogRecord) -> bool:
    status = getattr(record, "status_code", None)
    return isinstance(status, int) and status < 500


class ServerErrorsOnly(logging.Filter):
    """For django.request: keep 5xx records (with their traceback), drop the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _client_error(record)


class ClientErrorsWithoutTraceback(logging.Formatter):
    """Formats answers below 500 (e.g. django.security's DisallowedHost) as one line: the
    exception is a refusal Django raised on purpose, its traceback says nothing."""

    def format(self, record: logging.LogRecord) -> str:
        if _client_error(record) and (record.exc_info or record.exc_text or record.stack_info):
            record = logging.makeLogRecord(
                {**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None}
            )
        return super().format(record)
