"""Checking Django's CSRF token where a view is exempt from the middleware's blanket check."""

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware


def _never_called(request: HttpRequest) -> HttpResponse:  # pragma: no cover
    raise AssertionError


def csrf_rejected(request: HttpRequest) -> bool:
    """True when the request lacks a valid CSRF token (or origin) for its cookies."""
    return (
        CsrfViewMiddleware(_never_called).process_view(request, _never_called, (), {}) is not None
    )
