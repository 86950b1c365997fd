"""One log line per HTTP request: method, path, status, duration.

Never the query string (GET /graphql carries GraphQL variables, i.e. personal data), never the
client's address or headers. daphne's own access log prints query strings: `serve` turns it off
(daphne -v 0); run daphne by hand the same way."""

from __future__ import annotations

import logging
import time

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

logger = logging.getLogger("backend.access")
MAX_PATH = 200  # a path longer than this is noise (or an attack) either way


def _printable(text: str, limit: int) -> str:
    """Control characters (a %0A in the path) escaped: one request is one line."""
    return text[:limit].encode("unicode_escape").decode("ascii")


def log_request(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
    logger.info(
        "%s %s %d %.1f ms",
        _printable(request.method or "-", 16),
        _printable(request.path, MAX_PATH),
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )


@sync_and_async_middleware
def AccessLogMiddleware(get_response):
    # Both flavours, so the ASGI stack never hops threads for the sake of a log line.
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            started = time.perf_counter()
            response = await get_response(request)
            log_request(request, response, started)
            return response

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = get_response(request)
        log_request(request, response, started)
        return response

    return middleware
