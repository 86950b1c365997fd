"""Which foreign origins may frame the booking widget and call /graphql from a browser:
the deployment's CORS_ALLOWED_ORIGINS (seed 000) plus each organization's own list."""

from __future__ import annotations

import re

from django.conf import settings

from backend.catalog.models import Organization

ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d+)?$", re.IGNORECASE)


def valid(origin: str) -> bool:
    return bool(ORIGIN.match(origin))


def embed_origins(organization: Organization | None = None) -> list[str]:
    """Origins allowed to frame the widget: for one organization, or for any."""
    origins = list(settings.CORS_ALLOWED_ORIGINS)
    organizations = (
        [organization] if organization else Organization.objects.exclude(allowed_embed_origins="")
    )
    for org in organizations:
        origins += org.embed_origins
    return sorted({o for o in origins if valid(o)})


def cors_allows(sender, request, **kwargs) -> bool:
    """django-cors-headers' hook: answer CORS for /graphql only, for listed origins."""
    origin = request.headers.get("Origin", "")
    return request.path == "/graphql" and origin in embed_origins()
