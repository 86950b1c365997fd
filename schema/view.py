"""The /graphql endpoint for HTTP: a Django view, so sessions, CSRF and middleware apply."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView

from backend.core.csrf import csrf_rejected


def _needs_csrf(request) -> bool:
    """CSRF only protects ambient credentials: a logged-in session. Anonymous citizens (the
    embed sends no cookies), bearer tokens and devices have nothing a forged request could
    ride on. (Signing in checks the token itself: backend/accounts/session.py.)"""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if getattr(request, "api_token", None) or getattr(request, "device", None):
        return False
    return request.user.is_authenticated


def _error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status=status
    )


class VorzimmerGraphQLView(GraphQLView):
    def dispatch(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.GRAPHQL_MAX_BODY_BYTES:
            return _error("Request body too large.", "PAYLOAD_TOO_LARGE", 413)
        if _needs_csrf(request) and csrf_rejected(request):
            return _error("CSRF check failed: send the X-CSRFToken header.", "CSRF_FAILED", 403)
        return super().dispatch(request, *args, **kwargs)


def graphql_view(schema, debug: bool):
    return csrf_exempt(
        VorzimmerGraphQLView.as_view(
            schema=schema,
            graphql_ide="graphiql" if debug else None,
            allow_queries_via_get=True,
        )
    )
