"""The site's URLs plus one view that fails the way a bug would (for tests/core/test_logs.py)."""

from django.urls import path

from backend.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken", broken_view), *site_urlpatterns]
