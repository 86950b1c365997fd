"""Which foreign origins may frame the booking widget and call /graphql from a browser:
the deployment's CORS_ALLOWED_ORIGINS plus each organization's own list, all in
the browsers' spelling (origins_syntax.py)."""

from __future__ import annotations

from django.conf import settings

from backend.catalog.models import Organization
from backend.core.origins_syntax import origin_or_none


def _global_origins() -> list[str]:
    return [o for o in map(origin_or_none, settings.CORS_ALLOWED_ORIGINS) if o]


def frame_ancestor_origins(organization: Organization | None) -> list[str]:
    """Origins allowed to frame the widget of one organization: the deployment's list plus
    that organization's. Without a known organization only the deployment's list: a portal
    listed by one organization must not be able to frame another one's widget."""
    origins = _global_origins() + (organization.embed_origins if organization else [])
    return sorted(set(origins))


def cors_origins() -> list[str]:
    """Origins whose browsers may call /graphql: the deployment's and every organization's
    (GraphQL is one endpoint for all organizations; CORS carries no credentials)."""
    origins = _global_origins()
    for org in Organization.objects.exclude(allowed_embed_origins="").only("allowed_embed_origins"):
        origins += org.embed_origins
    return sorted(set(origins))


def cors_allows(sender, request, **kwargs) -> bool:
    """django-cors-headers' hook: answer CORS for /graphql only, for listed origins."""
    origin = request.headers.get("Origin", "")
    return request.path == "/graphql" and origin in cors_origins()
