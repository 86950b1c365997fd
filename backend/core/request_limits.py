"""Whole requests to /graphql per client network: HTTP 429 with Retry-After when over.

The per-field limits (backend/core/ratelimit.py) count what a request does; this one bounds
how many requests a single network may send at all, before any parsing. Integrations with an
API token and signed-in staff are not counted here (integrations have per-token limits on the
fields; a whole office behind one address must not lock its own consoles out)."""

from __future__ import annotations

from django.http import JsonResponse

from .bursts import note_burst
from .ratelimit import RateLimited, client_ip, client_network, hit

GRAPHQL_PATH = "/graphql"


class GraphQLRequestRateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == GRAPHQL_PATH and not _exempt(request):
            try:
                hit("request", ip=client_network(client_ip(request)))
            except RateLimited as exc:
                note_burst("rate_limited", request)
                return too_many_requests(exc.retry_after)
        return self.get_response(request)


def _exempt(request) -> bool:
    if getattr(request, "api_token", None) is not None:
        return True
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def too_many_requests(retry_after: int) -> JsonResponse:
    response = JsonResponse(
        {
            "errors": [
                {
                    "message": "Too many requests. Please try again later.",
                    "extensions": {"code": "RATE_LIMITED", "retryAfterSeconds": retry_after},
                }
            ]
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
