"""One log line per HTTP request (method, path, status, duration) and per WebSocket when it
ends (path, handshake status, close code, how long it was open). The same middleware gives
each request its id (backend/core/request_id.py) and counts it (backend/core/metrics.py): one
layer around the whole answer instead of three.

Never the query string (GET /graphql carries GraphQL variables, i.e. personal data), never the
client's address or headers. daphne's own access log prints query strings: `serve` turns it off
(daphne -v 0); run daphne by hand the same way."""

from __future__ import annotations

import logging
import time

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

from . import metrics, request_id

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


def _finish(request: HttpRequest, response: HttpResponseBase, started: float, rid: str) -> None:
    response[request_id.HEADER] = rid
    log_request(request, response, started)
    metrics.observe_request(request, response, time.perf_counter() - started)


@sync_and_async_middleware
def AccessLogMiddleware(get_response):
    # Both flavours, so the ASGI stack never hops threads for the sake of a log line.
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            started = time.perf_counter()
            rid = request_id.choose(
                request.META.get("HTTP_X_REQUEST_ID"), request.META.get("REMOTE_ADDR")
            )
            token = request_id.begin(rid)
            try:
                response = await get_response(request)
                _finish(request, response, started, rid)
            finally:
                request_id.end(token)
            return response

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        rid = request_id.choose(
            request.META.get("HTTP_X_REQUEST_ID"), request.META.get("REMOTE_ADDR")
        )
        token = request_id.begin(rid)
        try:
            response = get_response(request)
            _finish(request, response, started, rid)
        finally:
            request_id.end(token)
        return response

    return middleware


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class WebSocketAccessLog:
    """ASGI middleware for the websocket route: "WS /graphql 101 closed 1000 after 12.3 s", or
    "WS /graphql 403" for a refused handshake. Watches the messages only; the socket's own
    traffic (documents, variables) is never read into the log."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        started = time.perf_counter()
        outcome: dict = {"accepted": False, "code": None}
        client = scope.get("client") or (None, None)
        rid = request_id.choose(_header(scope, b"x-request-id"), client[0])
        token = request_id.begin(rid)

        async def watching_send(message):
            if message["type"] == "websocket.accept":
                outcome["accepted"] = True
                metrics.websocket_opened()
                headers = [*message.get("headers", []), (b"x-request-id", rid.encode())]
                message = {**message, "headers": headers}
            elif message["type"] == "websocket.close" and outcome["code"] is None:
                outcome["code"] = message.get("code") or 1000
            await send(message)

        async def watching_receive():
            message = await receive()
            if message["type"] == "websocket.disconnect" and outcome["code"] is None:
                outcome["code"] = message.get("code") or 1005  # 1005: no code given
            return message

        try:
            await self.app(scope, watching_receive, watching_send)
        finally:
            path = _printable(scope.get("path", ""), MAX_PATH)
            if outcome["accepted"]:
                metrics.websocket_closed()
                logger.info(
                    "WS %s 101 closed %s after %.1f s",
                    path,
                    outcome["code"] or 1006,  # 1006: ended without a close frame
                    time.perf_counter() - started,
                )
            else:
                logger.info("WS %s 403", path)
            request_id.end(token)
