"""The /graphql endpoint for HTTP: a Django view, so sessions, CSRF and middleware apply.

GraphQL over HTTP (ops/adr, "GraphQL request limits and cost"):
- operations only by POST with a UTF-8 JSON object body (schema/body.py); GET answers 405
  (except GraphiQL's page in debug): GET would put variables, i.e. booking codes, tokens and
  names, into access logs and browser histories, and no client needs it;
- `application/graphql-response+json` when the client's Accept prefers it: then a request that
  fails before execution (parse, validation, limits) is a 400 without a `data` key;
- `application/json` otherwise, 200 for every GraphQL result, as clients have always had it.
Every refusal is a JSON GraphQL error with `extensions.code`, never an HTML error page.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from backend.core.csrf import csrf_rejected

from .body import RequestRefused, read_post
from .guard import EXECUTING_ATTRIBUTE, start_clock

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def _needs_csrf(request) -> bool:
    """CSRF only protects ambient credentials: a logged-in session. Anonymous citizens (the
    embed sends no cookies), bearer tokens and devices have nothing a forged request could
    ride on. (Signing in checks the token itself: backend/accounts/session.py.)"""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if getattr(request, "api_token", None) or getattr(request, "device", None):
        return False
    return request.user.is_authenticated


def response_media_type(accept: str) -> str:
    """The GraphQL-over-HTTP media type when the client ranks it at least as high as plain
    JSON; plain JSON otherwise (also without Accept, for clients older than the spec)."""
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media_type, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality.setdefault(media_type.lower(), q)
    preferred = quality.get(GRAPHQL_RESPONSE_JSON, 0.0)
    plain = max(quality.get(JSON, 0.0), quality.get("application/*", 0.0), quality.get("*/*", 0.0))
    return GRAPHQL_RESPONSE_JSON if preferred > 0 and preferred >= plain else JSON


def _json_response(payload: object, status: int, media_type: str) -> HttpResponse:
    return HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")),
        status=status,
        content_type=f"{media_type}; charset=utf-8",
    )


def _error(message: str, code: str, status: int, media_type: str = JSON) -> HttpResponse:
    return _json_response(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status, media_type
    )


class VorzimmerGraphQLView(GraphQLView):
    def dispatch(self, request, *args, **kwargs):
        start_clock(request)
        media_type = response_media_type(request.headers.get("Accept", ""))
        if request.method == "GET" and "text/html" in request.headers.get("Accept", ""):
            if self.graphql_ide:
                return super().dispatch(request, *args, **kwargs)  # GraphiQL (debug only)
            return _error("Not found.", "NOT_FOUND", 404, media_type)
        try:
            data = self._read(request)
        except RequestRefused as refused:
            response = _error(refused.message, refused.code, refused.status, media_type)
            if refused.status == 405:
                response["Allow"] = "POST"
            return response
        return self._execute(request, data, media_type)

    def _read(self, request):
        if request.method != "POST":
            raise RequestRefused(
                405, "METHOD_NOT_ALLOWED", "Send GraphQL operations with POST as JSON."
            )
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.GRAPHQL_MAX_BODY_BYTES:
            raise RequestRefused(413, "PAYLOAD_TOO_LARGE", "Request body too large.")
        if _needs_csrf(request) and csrf_rejected(request):
            raise RequestRefused(
                403, "CSRF_FAILED", "CSRF check failed: send the X-CSRFToken header."
            )
        return read_post(request.META.get("CONTENT_TYPE", ""), request.body)

    def _execute(self, request, data, media_type: str) -> HttpResponseBase:
        sub_response = self.get_sub_response(request)
        context = self.get_context(request, response=sub_response)
        try:
            result = self.schema.execute_sync(
                data.query,
                variable_values=data.variables,
                context_value=context,
                operation_name=data.operation_name,
                allowed_operation_types=(OperationType.QUERY, OperationType.MUTATION),
                operation_extensions=data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            return _error(exc.as_http_error_reason(), "OPERATION_NOT_FOUND", 400, media_type)
        except InvalidOperationTypeError:
            return _error(
                "Subscriptions are served over WebSocket (graphql-transport-ws), not HTTP.",
                "OPERATION_NOT_ALLOWED",
                400,
                media_type,
            )
        except MissingQueryError:
            return _error("`query` must be a non-empty string.", "BAD_REQUEST", 400, media_type)
        payload = self.process_result(request, result)
        status = 200
        if media_type == GRAPHQL_RESPONSE_JSON and not getattr(request, EXECUTING_ATTRIBUTE, False):
            # The spec's "request error": nothing was executed, so there is no `data` at all.
            payload.pop("data", None)
            status = 400
        response = self.create_response(payload, sub_response)
        response["Content-Type"] = f"{media_type}; charset=utf-8"
        if response.status_code == 200:
            response.status_code = status
        return response


def graphql_view(schema, debug: bool):
    return csrf_exempt(
        VorzimmerGraphQLView.as_view(
            schema=schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=False,
        )
    )
