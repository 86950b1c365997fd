"""Authenticates integrations by `Authorization: Bearer <token>`.

A bearer token is not an ambient credential a browser sends by itself, so such requests skip
the CSRF check; a wrong or revoked token is a 401 and never falls back to the session.
"""

from datetime import timedelta

from django.http import JsonResponse
from django.utils import timezone

from .devices import DEVICE_TOKEN_PREFIX, device_for_token
from .models import ApiToken
from .tokens import hash_secret

TOKEN_PREFIX = "vz_"
# The Prometheus scraper's bearer token is METRICS_TOKEN, checked by that view (no user).
OWN_TOKEN_PATHS = frozenset({"/metrics"})
LAST_USED_RESOLUTION = timedelta(minutes=5)


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header and request.path not in OWN_TOKEN_PATHS:
            scheme, _, secret = header.partition(" ")
            secret = secret.strip()
            if scheme.lower() == "bearer" and secret.startswith(DEVICE_TOKEN_PREFIX):
                device = device_for_token(secret)
                if device is None:
                    return self._unauthenticated("Invalid or revoked device token.")
                request.device = device
                request._dont_enforce_csrf_checks = True
                return self.get_response(request)
            token = self._lookup(secret) if scheme.lower() == "bearer" else None
            if token is None:
                return self._unauthenticated("Invalid or revoked API token.")
            request.user = token.user
            request.api_token = token
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)

    @staticmethod
    def _unauthenticated(message: str) -> JsonResponse:
        return JsonResponse(
            {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="vorzimmer"'},
        )

    @staticmethod
    def _lookup(secret: str) -> ApiToken | None:
        if not secret.startswith(TOKEN_PREFIX):
            return None
        token = (
            ApiToken.objects.select_related("user", "organization")
            .filter(token_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is not None:
            now = timezone.now()
            if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token
