"""Log filtering for one line per request and tracebacks only for real errors; the two line
formats (LOG_FORMAT=text, the default, or json), both with the request id.

Django logs every answer >= 400 on django.request ("Not Found: /x") and attaches the exception
with its traceback to 403s, 400s and suspicious requests (django.security.*). A 404 or a
refused request is ordinary traffic: backend.core.access_log already writes its line."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


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
        if getattr(record, "request_id", None) is None:  # outside a request, or a record
            record = logging.makeLogRecord({**record.__dict__, "request_id": "-"})  # from afar
        return self.render(record)

    def render(self, record: logging.LogRecord) -> str:
        return super().format(record)


class JsonLines(ClientErrorsWithoutTraceback):
    """LOG_FORMAT=json: one JSON object per line for a log collector (time in UTC, level,
    logger, message, request_id, and exc with the traceback when there is one)."""

    def render(self, record: logging.LogRecord) -> str:
        request_id = record.__dict__["request_id"]
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == "-" else request_id,
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
